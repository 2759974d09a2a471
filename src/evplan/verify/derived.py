"""The run folder's summary tables re-derived from the certified plan (family ``derived``).

:func:`~evplan.verify.network.verify_network` certifies the plan itself: the ``shipments``
and ``sales`` rows, their vehicles and USD amounts. The other tables a run folder holds sum
them up, and a user reads those first: ``production``, ``utilisation``, ``duties``,
``margin_by_market``, ``margin_by_plant`` and ``demand_shadow_prices``. Here each is made
again from the certified rows and the input tables, following docs/outputs.md, and compared
cell by cell; a missing, extra or different row is a violation:

======================== ==============================================================
table                    re-derived as
======================== ==============================================================
``shipments``            each row's ``origin`` (its plant's country), ``powertrain`` (its
                         program's), ``export`` (origin is not the market's country),
                         ``transit_days`` and ``co2_kg`` (vehicles x the route's
                         ``co2_kg_per_vehicle``) from plants, programs, markets, routes
``sales``                each row's ``price_usd_per_vehicle``: its demand row's price;
                         its program one the product names (program, segment, powertrain)
``production``           shipments summed by plant, origin, program, powertrain and year
``utilisation``          one row per open plant-year (plants.csv ``first_year`` ..
                         ``last_year`` in the horizon): country and capacity from
                         plants.csv, vehicles shipped, their share of capacity
``duties``               export shipments summed by origin, market, powertrain and year;
                         duty per vehicle = duty / vehicles (0 without vehicles)
``margin_by_market``     sales' vehicles and revenue and shipments' costs by market-year;
                         margin = revenue - variable cost - freight - inventory - duty
``margin_by_plant``      one row per open plant-year: shipments' vehicles and costs, the
                         revenue of its vehicles at the average price of their program,
                         market and year, the plant's fixed cost in the year's USD (as the
                         objective charges it); margin = revenue - costs - fixed cost
``demand_shadow_prices`` one row per demand row: its volume and price, and
                         the sales of that market, year, product and tier
``kpis`` (network rows)  from the tables above (:func:`kpi_problems`): global sales, each
                         market's and origin's share, exports by origin, utilisation by
                         country, margin, duties paid
======================== ==============================================================

Duals (``capacity_shadow_price_usd_per_vehicle``, ``shadow_price_usd_per_vehicle``) are
not re-derived (a degenerate LP has many); :mod:`evplan.verify.duals` checks them against
the conditions every correct dual meets (sign, slackness, reduced costs). The strategic
model corrects ``utilisation`` and the two margin tables for its decisions (decided
capacity and fixed costs, kits); those three are checked by
:mod:`evplan.strategic.check_derived` instead (``strategic=True`` here skips them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.frame_arrays import column_array
from evplan.verify.keys import expand_rows, first_rows, frame_codes

__all__ = ["NETWORK_KPIS", "average_price", "compare_table", "derived_problems",
           "fixed_cost_by_plant_year", "fx_factor", "kpi_problems", "lookup_by"]

MAX_LINES = 5
RELATIVE = 1e-9
ABSOLUTE = 1e-6


def derived_problems(data: NetworkData, tables: Mapping[str, pd.DataFrame],
                     strategic: bool = False) -> list[str]:
    """Violations of the ``derived`` family (module docstring) in ``tables``.

    Tables the result does not hold are not checked (a warm case's certificate sees only
    ``shipments`` and ``sales``); ``shipments`` and ``sales`` must have been certified.
    """
    shipments, sales = tables.get("shipments"), tables.get("sales")
    if shipments is None or sales is None:
        return []
    demand = _demand_rows(data)
    problems = _attributes(data, shipments, sales, demand)
    expected = {"production": _production(shipments), "duties": _duties(shipments),
                "demand_shadow_prices": _demand(sales, demand)}
    if not strategic:
        capacity, fixed = _plant_years(data)
        expected["utilisation"] = _utilisation(shipments, capacity)
        expected["margin_by_market"] = margin_by_market(shipments, sales)
        expected["margin_by_plant"] = margin_by_plant(shipments, sales, fixed)
    for name, (keys, want) in expected.items():
        if name in tables:
            problems += compare_table(name, tables[name], keys, want)
    return problems


NETWORK_KPIS = ("global_sales", "sales_share_by_market", "sales_share_by_origin",
                "exports_by_origin", "utilisation_by_country", "margin", "duties_paid")


def kpi_problems(kpis: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """The network KPIs (``kpis`` rows of :data:`NETWORK_KPIS`) made again from ``tables``,
    which the checks above have certified: per year, global sales; each market's and each
    origin's share of them (sold, resp. shipped; 0 in a year without vehicles); vehicles
    shipped across a border by origin (a row for every origin of the year's shipments, 0
    where none crosses a border); production over capacity of each country's open
    plant-years; the margin (sum of ``margin_by_plant``); duties (sum of the shipments' and
    of ``kit_shipments``')."""
    needed = ("sales", "shipments", "utilisation", "margin_by_plant")
    if kpis is None or any(name not in tables for name in needed):
        return []
    sales, shipments = tables["sales"], tables["shipments"]
    paid = shipments
    if "kit_shipments" in tables:  # a strategic plan's kits pay duty too
        paid = pd.concat([shipments[["year", "duty_usd"]],
                          tables["kit_shipments"][["year", "duty_usd"]]], ignore_index=True)
    frames = [_by(sales, [], "sales_vehicles", "global_sales"),
              _shares(sales, "market", "sales_vehicles", "sales_share_by_market"),
              _shares(shipments, "origin", "shipment_vehicles", "sales_share_by_origin"),
              _by(shipments.assign(shipment_vehicles=np.where(  # every origin, 0 if none
                  shipments["export"].astype(bool), shipments["shipment_vehicles"], 0.0)),
                  ["origin"], "shipment_vehicles", "exports_by_origin"),
              _by(tables["margin_by_plant"], [], "margin_usd", "margin"),
              _by(paid, [], "duty_usd", "duties_paid")]
    utilisation = tables["utilisation"].groupby(["year", "country"], as_index=False)[
        ["production_vehicles", "capacity_vehicles_per_year"]].sum()
    capacity = column_array(utilisation, "capacity_vehicles_per_year", dtype=float)
    frames.append(pd.DataFrame({
        "kpi": "utilisation_by_country", "year": utilisation["year"],
        "key": utilisation["country"], "value": np.divide(
            column_array(utilisation, "production_vehicles", dtype=float), capacity,
            out=np.zeros(len(capacity)), where=capacity > 0)}))
    want = pd.concat(frames, ignore_index=True)
    want["year"] = want["year"].astype(int)
    got = kpis[kpis["kpi"].isin(NETWORK_KPIS)].reset_index(drop=True)
    return compare_table("kpis", got, ["kpi", "year", "key"], want)


def _by(frame: pd.DataFrame, keys: list[str], column: str, kpi: str) -> pd.DataFrame:
    summed = frame.groupby(["year", *keys], as_index=False)[[column]].sum()
    key = summed[keys[0]] if keys else "all"
    return pd.DataFrame({"kpi": kpi, "year": summed["year"], "key": key,
                         "value": column_array(summed, column, dtype=float)})


def _shares(frame: pd.DataFrame, key: str, column: str, kpi: str) -> pd.DataFrame:
    parts = _by(frame, [key], column, kpi)
    totals = frame.groupby("year")[column].sum()
    total = totals.reindex(parts["year"]).to_numpy(dtype=float)
    parts["value"] = np.divide(column_array(parts, "value", dtype=float), total,
                               out=np.zeros(len(parts)), where=total > 0)
    return parts


def compare_table(name: str, got: pd.DataFrame, keys: Sequence[str], want: pd.DataFrame
                  ) -> list[str]:
    """Rows of ``got`` missing from, extra to or different from ``want`` (by ``keys``)."""
    missing_columns = [column for column in want.columns if column not in got.columns]
    if missing_columns:
        return [f"{name}: no column {', '.join(missing_columns)}."]
    keys = list(keys)
    got_keys = [got[key].to_numpy(dtype=object) for key in keys]
    want_keys = [want[key].to_numpy(dtype=object) for key in keys]
    if len(got) == len(want) and all(
            np.array_equal(a, b) for a, b in zip(got_keys, want_keys, strict=True)):
        mine, theirs = np.arange(len(got)), np.arange(len(want))  # same rows, same order
        lines: list[str] = []
    else:
        mine, theirs, lines = _match(name, got, want, keys, got_keys, want_keys)
    for column in (c for c in want.columns if c not in keys):
        reported = column_array(got, column)[mine]
        derived = column_array(want, column)[theirs]
        if derived.dtype.kind in "fiu":
            a = pd.to_numeric(pd.Series(reported), errors="coerce").to_numpy(dtype=float)
            b = derived.astype(float)
            off = ~(np.abs(a - b) <= RELATIVE * np.maximum(np.abs(b), 1.0) + ABSOLUTE)
        else:
            off = np.array([str(x) != str(y) for x, y in zip(reported, derived, strict=True)],
                           dtype=bool)
        for position in np.flatnonzero(off)[:MAX_LINES]:
            label = "/".join(str(k[mine[position]]) for k in got_keys)
            lines.append(f"{name}: {column} of {label} is {reported[position]!r}; the "
                         f"certified plan and the inputs make {derived[position]!r}.")
    return lines


def _match(name: str, got: pd.DataFrame, want: pd.DataFrame, keys: list[str],
           got_keys: list[np.ndarray], want_keys: list[np.ndarray]
           ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Positions of the rows ``got`` and ``want`` share (by key), and the lines for rows
    that are extra, missing or reported twice."""
    got_code, want_code, _ = frame_codes(got, want, keys)
    lines: list[str] = []
    _, first, counts = np.unique(got_code, return_index=True, return_counts=True)
    for position in first[counts > 1][:MAX_LINES]:
        lines.append(f"{name}: the row {_label(got_keys, position)} is reported more than "
                     "once.")
    where = pd.Index(want_code).get_indexer(pd.Index(got_code))
    for position in np.flatnonzero(where < 0)[:MAX_LINES]:
        lines.append(f"{name}: row {_label(got_keys, position)} is reported, but the plan "
                     "makes no such row.")
    found = np.zeros(len(want_code), dtype=bool)
    found[where[where >= 0]] = True
    for position in np.flatnonzero(~found)[:MAX_LINES]:
        lines.append(f"{name}: row {_label(want_keys, position)} is missing.")
    mine = np.flatnonzero(where >= 0)
    return mine, where[mine], lines


def lookup_by(table: pd.DataFrame, keys: Sequence[str], column: str, rows: pd.DataFrame
              ) -> np.ndarray:
    """``table[column]`` of the first ``table`` row with each row of ``rows``'s ``keys``
    (NaN where there is none)."""
    position = first_rows(rows, table, keys)
    values = column_array(table, column, dtype=float)
    return np.where(position >= 0, values[np.maximum(position, 0)] if len(values) else np.nan,
                    np.nan)


def average_price(sales: pd.DataFrame, flows: pd.DataFrame) -> np.ndarray:
    """Per row of ``flows``: the sales' revenue over vehicles of its program, market and
    year (0 where none are sold)."""
    sold_at, flow_at, size = frame_codes(sales, flows, ["program", "market", "year"])
    vehicles = np.bincount(sold_at, column_array(sales, "sales_vehicles", dtype=float), size)
    revenue = np.bincount(sold_at, column_array(sales, "revenue_usd", dtype=float), size)
    price = np.divide(revenue, vehicles, out=np.zeros(size), where=vehicles > 0)
    return price[flow_at]


def _label(keys: list[np.ndarray], position: int) -> str:
    return "/".join(str(column[position]) for column in keys)


def _sum(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame({**{key: pd.Series(dtype=object) for key in keys},
                             **{column: pd.Series(dtype=float) for column in columns}})
    return frame.groupby(keys, as_index=False, dropna=False)[columns].sum()


def _attributes(data: NetworkData, shipments: pd.DataFrame, sales: pd.DataFrame,
                demand: pd.DataFrame) -> list[str]:
    plants = data.plants.drop_duplicates("plant").set_index("plant")
    programs = data["programs"].drop_duplicates("program").set_index("program")
    markets = data["markets"].drop_duplicates("market").set_index("market")
    routes = data["routes"]
    origin = shipments["plant"].map(plants["country"])
    vehicles = column_array(shipments, "shipment_vehicles", dtype=float)
    lane = ["plant", "market"]
    want = shipments[["plant", "program", "market", "year"]].assign(
        origin=origin, powertrain=shipments["program"].map(programs["powertrain"]),
        export=(origin != shipments["market"].map(markets["country"])).to_numpy(),
        transit_days=lookup_by(routes, lane, "transit_days", shipments),
        co2_kg=vehicles * lookup_by(routes, lane, "co2_kg_per_vehicle", shipments))
    keys = ["plant", "program", "market", "year"]
    got = shipments[[c for c in [*keys, *want.columns[4:]] if c in shipments.columns]]
    problems = compare_table("shipments", got.reset_index(drop=True), keys,
                             want[[c for c in want.columns if c in got.columns]])
    pool = ["market", "year", "product", "tier"]
    price = sales[[*pool, "program"]].assign(
        price_usd_per_vehicle=lookup_by(demand, pool, "price_usd_per_vehicle", sales))
    problems += compare_table("sales", sales.reset_index(drop=True), [*pool, "program"], price)
    product = sales["product"].astype(str).to_numpy()
    named = ((sales["program"].astype(str).to_numpy() == product)
             | (sales["program"].map(programs["segment"]).astype(str).to_numpy() == product)
             | (sales["program"].map(programs["powertrain"]).astype(str).to_numpy() == product))
    for position in np.flatnonzero(~named)[:MAX_LINES]:
        row = sales.iloc[position]
        problems.append(f"sales: row {row['market']}/{row['year']}/{row['product']}/"
                        f"{row['tier']} sells program {row['program']!r}, which its product "
                        "does not name (as the program, its segment or its powertrain).")
    return problems


def _production(shipments: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    keys = ["plant", "country", "program", "powertrain", "year"]
    made = _sum(shipments.rename(columns={"origin": "country"}), keys, ["shipment_vehicles"])
    return keys, made.rename(columns={"shipment_vehicles": "production_vehicles"})


def _duties(shipments: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    keys = ["origin", "market", "powertrain", "year"]
    exports = shipments[shipments["export"].astype(bool)]
    paid = _sum(exports, keys, ["shipment_vehicles", "in_quota_vehicles", "duty_usd"])
    vehicles = column_array(paid, "shipment_vehicles", dtype=float)
    paid["duty_usd_per_vehicle"] = np.divide(column_array(paid, "duty_usd", dtype=float), vehicles,
                                             out=np.zeros(len(paid)), where=vehicles > 0)
    return keys, paid


def _demand(sales: pd.DataFrame, demand: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    keys = ["market", "year", "product", "tier"]
    rows = demand[[*keys, "volume_vehicles", "price_usd_per_vehicle"]].reset_index(drop=True)
    sold_at, row_at, size = frame_codes(sales, rows, keys)
    sold = np.bincount(sold_at, column_array(sales, "sales_vehicles", dtype=float), size)
    rows["sales_vehicles"] = sold[row_at]
    return keys, rows


def _demand_rows(data: NetworkData) -> pd.DataFrame:
    """demand.csv with each price in its year's USD (its market's exchange rate)."""
    demand = data["demand"]
    country = demand["market"].map(data["markets"].drop_duplicates("market").set_index(
        "market")["country"]).to_numpy()
    return demand.assign(price_usd_per_vehicle=column_array(demand, "price_usd_per_vehicle",
        float) * fx_factor(data, country, column_array(demand, "year")))


def _plant_years(data: NetworkData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Open plant-years with country and capacity; and with the fixed cost of the year."""
    plants = data.plants.reset_index(drop=True)
    rows, years = expand_rows(plants["first_year"], plants["last_year"], data.years)
    open_years = pd.DataFrame({"plant": column_array(plants, "plant")[rows],
                               "country": column_array(plants, "country")[rows], "year": years,
                               "capacity_vehicles_per_year": plants[
                                   "capacity_vehicles_per_year"].to_numpy(float)[rows]})
    fixed = open_years[["plant", "year"]].assign(
        fixed_cost_usd=fixed_cost_by_plant_year(data, rows, years))
    return open_years, fixed


def fixed_cost_by_plant_year(data: NetworkData, rows: np.ndarray, years: np.ndarray
                             ) -> np.ndarray:
    """plants.csv's fixed cost of each (row, year) in that year's USD (an amount in local
    currency at the first year's rate: docs/formulation.md, "Trade terms")."""
    plants = data.plants.reset_index(drop=True)
    return column_array(plants, "fixed_cost_usd_per_year", float)[rows] * fx_factor(
        data, column_array(plants, "country")[rows], years)


def fx_factor(data: NetworkData, countries: np.ndarray, years: np.ndarray) -> np.ndarray:
    """fx[country, first year] / fx[country, year]; 1 where either rate is missing."""
    rates = data["exchange_rates"]
    if rates.empty or not len(years):
        return np.ones(len(years))
    years = np.asarray(years, dtype=np.int64)
    keys = ["country", "year"]
    first = lookup_by(rates, keys, "local_per_usd", pd.DataFrame(
        {"country": countries, "year": np.full(len(years), data.scenario.first_year)}))
    now = lookup_by(rates, keys, "local_per_usd", pd.DataFrame({"country": countries,
                                                                "year": years}))
    factor = first / now
    return np.where(np.isnan(factor), 1.0, factor)


def _utilisation(shipments: pd.DataFrame, open_years: pd.DataFrame
                 ) -> tuple[list[str], pd.DataFrame]:
    built = shipments.groupby(["plant", "year"])["shipment_vehicles"].sum()
    table = open_years.copy()
    table["production_vehicles"] = built.reindex(pd.MultiIndex.from_frame(
        table[["plant", "year"]])).fillna(0.0).to_numpy(dtype=float)
    capacity = column_array(table, "capacity_vehicles_per_year", dtype=float)
    table["utilisation"] = np.divide(column_array(table, "production_vehicles", dtype=float),
                                     capacity, out=np.zeros(len(table)), where=capacity > 0)
    return ["plant", "year"], table


COSTS = ["variable_cost_usd", "freight_usd", "inventory_usd", "duty_usd"]


def margin_by_market(shipments: pd.DataFrame, sales: pd.DataFrame
                     ) -> tuple[list[str], pd.DataFrame]:
    """Sales' vehicles and revenue and shipments' costs by market and year, and the margin."""
    keys = ["market", "year"]
    sold = _sum(sales, keys, ["sales_vehicles", "revenue_usd"])
    spent = _sum(shipments, keys, COSTS)
    table = sold.merge(spent, on=keys, how="outer")
    table[["sales_vehicles", "revenue_usd", *COSTS]] = table[
        ["sales_vehicles", "revenue_usd", *COSTS]].fillna(0.0)
    table["margin_usd"] = table["revenue_usd"] - table[COSTS].sum(axis=1)
    return keys, table


def margin_by_plant(shipments: pd.DataFrame, sales: pd.DataFrame, fixed: pd.DataFrame
                    ) -> tuple[list[str], pd.DataFrame]:
    """One row per plant-year of ``fixed`` (plant, year, fixed_cost_usd): its vehicles, the
    revenue at the average price of their program-market-year, costs and margin."""
    keys = ["plant", "year"]
    vehicles = column_array(shipments, "shipment_vehicles", dtype=float)
    earned = shipments[[*keys, "shipment_vehicles", *COSTS]].assign(
        revenue_usd=vehicles * average_price(sales, shipments))
    summed = _sum(earned, keys, ["shipment_vehicles", "revenue_usd", *COSTS])
    table = fixed.merge(summed, on=keys, how="left")
    table = table.rename(columns={"shipment_vehicles": "production_vehicles"})
    numbers = ["production_vehicles", "revenue_usd", *COSTS]
    table[numbers] = table[numbers].fillna(0.0)
    table["margin_usd"] = table["revenue_usd"] - table[[*COSTS, "fixed_cost_usd"]].sum(axis=1)
    return keys, table
