"""The fleet's tables checked against its sales and the battery table before they are returned.

:func:`evplan.fleet.stock.stock_model` computes the tables on (group, year, vintage) arrays;
a bug there (or a cell changed afterwards) would give wrong vehicles or packs that nothing
else looks at. :func:`fleet_problems` re-derives, from the sales given and ``battery.csv``:

* ``fleet.sales_vehicles``: the sales of each market, powertrain and year (after the
  plan's last year: that year's, held flat, or 0);
* the stock balance of ``fleet``: in use = in use the year before + sold - retired, none
  negative, never more than sold so far;
* ``fleet_by_vintage`` sums, over vintages, to ``fleet``'s in use and retired; no vintage
  after its year and none with more in use than it sold;
* ``pack_end_of_life``'s two routes (second_life, recycling) add up to ``packs_retired``;
  second life at most the chemistry's share; tonnes = kWh x the chemistry's pack kg per kWh / 1,000;
* the pack balance of ``packs_in_use`` (packs and kWh): in use = in use the year before +
  sold with a pack - retired.

Each is a sum or a difference of the tables' own cells, so any one cell changed breaks one
(and a key repeated is named). Not re-derived: the survival curves themselves (a wrong
curve with a correct balance passes; ``tests/fleet/test_oracle.py`` checks them against an
independent loop over vintages).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["fleet_problems"]

ABSOLUTE = 1e-6
RELATIVE = 1e-9


def _extended(frame: pd.DataFrame, keys: list[str], columns: list[str], years: np.ndarray,
              plan_last: int, after_plan: str) -> pd.DataFrame:
    """Sums of ``columns`` by ``keys`` and year on every year of each key that sells,
    extended after the plan (its last year's, held flat, or 0)."""
    grouped = frame.groupby([*keys, "year"])[columns].sum()
    groups = frame[keys].drop_duplicates()
    grid = groups.merge(pd.DataFrame({"year": years}), how="cross")
    grid = grid.merge(grouped.reset_index(), on=[*keys, "year"], how="left").fillna(
        {column: 0.0 for column in columns})
    later = grid["year"] > plan_last
    if later.any():
        held = grid.loc[grid["year"] == plan_last, [*keys, *columns]]
        tail = grid.loc[later, [*keys, "year"]].merge(held, on=keys, how="left").fillna(
            {column: 0.0 for column in columns})
        if after_plan != "flat":
            tail[columns] = 0.0
        grid = pd.concat([grid[~later], tail], ignore_index=True)
    return grid


def _differ(got: pd.Series, want: pd.Series) -> pd.Series:
    scale = np.maximum(got.abs(), want.abs())
    return ~((got - want).abs() <= RELATIVE * scale + ABSOLUTE)


def _name(problems: list[str], table: str, frame: pd.DataFrame, keys: list[str],
          mask: pd.Series, what: str) -> None:
    for row in frame[mask.to_numpy()].head(5).itertuples(index=False):
        key = " ".join(str(getattr(row, name)) for name in keys)
        problems.append(f"{table} {key}: {what.format(row=row)}")
    if mask.sum() > 5:
        problems.append(f"{table}: ... and {int(mask.sum()) - 5} more rows with that problem.")


def _balance(problems: list[str], table: str, stock: pd.DataFrame, keys: list[str],
             in_use: str, added: str, retired: str) -> None:
    """in use = in use the year before + added - retired, by ``keys`` in year order."""
    stock = stock.sort_values([*keys, "year"])
    before = stock.groupby(keys)[in_use].shift().fillna(0.0)
    want = before + stock[added] - stock[retired]
    _name(problems, table, stock.assign(expected_value=want), [*keys, "year"],
          _differ(stock[in_use], want),
          f"{in_use} is {{row.{in_use}:,.6f}}; the year before's + {added} - {retired} is "
          "{row.expected_value:,.6f}.")
    negative = (stock[[in_use, retired]] < -ABSOLUTE).any(axis=1)
    _name(problems, table, stock, [*keys, "year"], negative,
          f"{in_use} or {retired} is negative.")


def fleet_problems(tables: Mapping[str, pd.DataFrame], sales: pd.DataFrame,
                   battery: pd.DataFrame, *, plan_last_year: int, last_year: int,
                   after_plan: str) -> list[str]:
    """Every cell of the fleet's tables that the sales and battery table contradict (the
    rules of the module docstring); empty when all agree."""
    problems: list[str] = []
    years = np.arange(int(sales["year"].min()), last_year + 1)
    fleet = tables["fleet"]
    for table, keys in (("fleet", ["market", "powertrain", "year"]),
                        ("fleet_by_vintage", ["market", "powertrain", "vintage", "year"]),
                        ("packs_retired", ["market", "year", "chemistry"]),
                        ("pack_end_of_life", ["market", "year", "chemistry", "route"]),
                        ("packs_in_use", ["market", "year", "chemistry"])):
        frame = tables[table]
        _name(problems, table, frame, keys, frame.duplicated(keys, keep="first"),
              "a second row of this key.")
    if problems:
        return problems
    sold = _extended(sales, ["market", "powertrain"], ["sales_vehicles"], years,
                     plan_last_year, after_plan)
    joined = sold.merge(fleet, on=["market", "powertrain", "year"], how="outer",
                        suffixes=("_sold", ""), indicator=True)
    missing = joined["_merge"] != "both"
    _name(problems, "fleet", joined, ["market", "powertrain", "year"], missing,
          "a row the sales do not make, or no row where they make one.")
    joined = joined[~missing]
    _name(problems, "fleet", joined, ["market", "powertrain", "year"],
          _differ(joined["sales_vehicles"], joined["sales_vehicles_sold"]),
          "sales_vehicles is {row.sales_vehicles:,.6f}; the sales give "
          "{row.sales_vehicles_sold:,.6f}.")
    _balance(problems, "fleet", joined, ["market", "powertrain"], "vehicles_in_use",
             "sales_vehicles_sold", "retired_vehicles")
    cumulative = joined.sort_values("year").groupby(["market", "powertrain"])[
        "sales_vehicles_sold"].cumsum()
    _name(problems, "fleet", joined, ["market", "powertrain", "year"],
          joined["vehicles_in_use"] > cumulative.reindex(joined.index) + ABSOLUTE,
          "vehicles_in_use is more than the vehicles sold so far.")

    vintage = tables["fleet_by_vintage"]
    summed = vintage.groupby(["market", "powertrain", "year"])[
        ["vehicles_in_use", "retired_vehicles"]].sum()
    own = fleet.groupby(["market", "powertrain", "year"])[
        ["vehicles_in_use", "retired_vehicles"]].sum()
    summed = summed.reindex(own.index.union(summed.index), fill_value=0.0)
    own = own.reindex(summed.index, fill_value=0.0)
    for column in ("vehicles_in_use", "retired_vehicles"):
        gap = _differ(summed[column], own[column])
        _name(problems, "fleet_by_vintage", summed.reset_index(),
              ["market", "powertrain", "year"], gap.reset_index(drop=True),
              f"its vintages' {column} add up to {{row.{column}:,.6f}}, not fleet's.")
    sold_in = sold.rename(columns={"year": "vintage", "sales_vehicles": "vintage_sold"})
    vintage = vintage.merge(sold_in, on=["market", "powertrain", "vintage"], how="left")
    _name(problems, "fleet_by_vintage", vintage, ["market", "powertrain", "vintage", "year"],
          (vintage["vintage"] > vintage["year"])
          | (vintage["vehicles_in_use"] > vintage["vintage_sold"].fillna(0.0) + ABSOLUTE)
          | (vintage[["vehicles_in_use", "retired_vehicles"]] < -ABSOLUTE).any(axis=1),
          "a vintage after its year, negative, or with more in use than it sold.")
    _pack_problems(problems, tables, sales, battery, years, plan_last_year, after_plan)
    return problems


def _pack_problems(problems: list[str], tables: Mapping[str, pd.DataFrame],
                   sales: pd.DataFrame, battery: pd.DataFrame, years: np.ndarray,
                   plan_last_year: int, after_plan: str) -> None:
    keys = ["market", "chemistry", "year"]
    chemistry = battery.set_index("chemistry")
    retired, routes = tables["packs_retired"], tables["pack_end_of_life"]
    by_route = routes.groupby(keys)[["packs", "kwh", "tonnes"]].sum()
    own = retired.groupby(keys)[["packs", "kwh", "tonnes"]].sum()
    index = own.index.union(by_route.index)
    by_route, own = by_route.reindex(index, fill_value=0.0), own.reindex(index, fill_value=0.0)
    flat = own.reset_index()
    for column in ("packs", "kwh", "tonnes"):
        _name(problems, "pack_end_of_life", flat, keys,
              _differ(by_route[column], own[column]).reset_index(drop=True),
              f"its routes' {column} do not add up to packs_retired's {{row.{column}:,.6f}}.")
    for table, frame in (("packs_retired", retired), ("pack_end_of_life", routes)):
        mass = frame["chemistry"].map(chemistry["pack_kg_per_kwh"]).astype(float)
        _name(problems, table, frame, keys, _differ(frame["tonnes"], frame["kwh"] * mass / 1e3),
              "tonnes is not kWh x the chemistry's pack_kg_per_kwh / 1,000.")
    _name(problems, "pack_end_of_life", routes, [*keys, "route"],
          ~routes["route"].isin(["second_life", "recycling"]),
          "route is not second_life or recycling.")
    second = routes[routes["route"] == "second_life"].groupby(keys)["packs"].sum()
    share = pd.Series(second.index.get_level_values("chemistry")).map(
        chemistry["second_life_share"]).to_numpy(dtype=float)
    over = second > own["packs"].reindex(second.index, fill_value=0.0) * share + ABSOLUTE
    _name(problems, "pack_end_of_life", second.reset_index(), keys,
          over.reset_index(drop=True), "more second-life packs than the chemistry's share.")
    with_pack = sales.assign(
        packs=sales["sales_vehicles"].where(sales["battery_kwh"] > 0, 0.0),
        kwh=sales["sales_vehicles"] * sales["battery_kwh"])
    added = _extended(with_pack, ["market", "chemistry"], ["packs", "kwh"], years,
                      plan_last_year, after_plan)
    stock = added.merge(tables["packs_in_use"], on=keys, how="outer", suffixes=("_sold", ""))
    stock = stock.merge(retired.rename(columns={"packs": "packs_out", "kwh": "kwh_out"})[
        [*keys, "packs_out", "kwh_out"]], on=keys, how="left").fillna(
        {"packs": 0.0, "kwh": 0.0, "packs_sold": 0.0, "kwh_sold": 0.0, "packs_out": 0.0,
         "kwh_out": 0.0})
    _balance(problems, "packs_in_use", stock, ["market", "chemistry"], "packs", "packs_sold",
             "packs_out")
    _balance(problems, "packs_in_use", stock, ["market", "chemistry"], "kwh", "kwh_sold",
             "kwh_out")
