r"""Certificate of the compliance rows of a plan, recomputed from the input tables.

:func:`check_compliance` does not read the model or
:mod:`evplan.model.compliance_index`: it takes the plan's ``shipments`` and the decision
values the plan reports (excess, pooled, credits bought, sold, banked, owed and missing)
and re-evaluates every rule from ``program_emissions``, ``fleet_targets``,
``zev_mandates``, ``production_credits``, ``plant_emissions``, ``grid_intensity`` and
``carbon_prices`` with its own joins. So it catches a model-building error (a wrong
coefficient, a missed flow) as well as a solver tolerance problem:

* fleet target: :math:`\sum (e - T) x \le E + P` per assessment group, and the premium
  reported is :math:`\pi E`;
* ZEV mandate: the credit balance with the bank and debt carried from the previous
  mandate year, the borrowing limit, no bank where banking is ``no``, no debt at the end;
* production credits: credits earned + bought - sold >= required;
* carbon: the cap, and the carbon cost reported is price x tonnes counted.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evplan.data import NetworkData

__all__ = ["check_compliance"]

TOLERANCE = 1e-6


def _close(value: float, bound: float, scale: float) -> bool:
    return value <= bound + TOLERANCE * max(1.0, abs(scale))


def _shipped(data: NetworkData, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    shipments = tables["shipments"][["plant", "origin", "program", "powertrain", "market", "year",
                                     "shipment_vehicles"]]
    return shipments[shipments["shipment_vehicles"] > 0].copy()


def _fleet(data: NetworkData, shipped: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    targets = data["fleet_targets"]
    if targets.empty:
        return []
    grams = data["program_emissions"].set_index("program")["co2_g_per_km"]
    rows = shipped.merge(targets[["market", "year", "target_g_per_km", "averaging_group"]],
                         on=["market", "year"])
    co2 = rows["program"].map(grams).astype(float)
    co2 = co2.where(co2.notna() | rows["powertrain"].ne("BEV"), 0.0)
    rows["balance"] = (co2 - rows["target_g_per_km"]) * rows["shipment_vehicles"]
    rows["unit"] = np.where(rows["averaging_group"].ne(""), "group " + rows["averaging_group"],
                            "year " + rows["year"].astype(str))
    balance = rows.groupby(["market", "unit"])["balance"].sum()
    reported = table.assign(unit=np.where(table["averaging_group"].ne(""),
                                          "group " + table["averaging_group"],
                                          "year " + table["year"].astype(str)))
    covered = reported.groupby(["market", "unit"])[
        ["group_excess_g_km_vehicles", "group_pooled_g_km_vehicles"]].sum().sum(axis=1)
    problems = []
    if balance.isna().any():
        problems.append("fleet target: a program sold has no certified g/km")
    for key, raw in balance.items():
        assert isinstance(key, tuple)
        value = float(raw)
        cover = float(covered.get(key, 0.0))
        if not _close(value, cover, value):
            problems.append(f"fleet target {key[0]} {key[1]}: sum (g/km - target) x vehicles "
                            f"= {value:,.3f} exceeds excess + pooled = {cover:,.3f}")
    premium = targets.set_index(["market", "year"])["premium_usd_per_g_km"]
    expected = table["group_excess_g_km_vehicles"].to_numpy() * premium.reindex(
        pd.MultiIndex.from_frame(table[["market", "year"]])).to_numpy()
    if not np.allclose(expected, table["premium_usd"].to_numpy(), rtol=1e-9, atol=1e-3):
        problems.append("fleet target: premium_usd is not premium x excess")
    return problems


def _zev(data: NetworkData, shipped: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    mandates = data["zev_mandates"]
    if mandates.empty:
        return []
    rows = shipped.merge(mandates, on=["market", "year"])
    credit = np.select([rows["powertrain"].eq("BEV"), rows["powertrain"].eq("PHEV")],
                       [rows["bev_credits_per_vehicle"], rows["phev_credits_per_vehicle"]], 0.0)
    rows["net"] = (credit - rows["zev_share"]) * rows["shipment_vehicles"]
    rows["required"] = rows["zev_share"] * rows["shipment_vehicles"]
    net = rows.groupby(["market", "year"])["net"].sum()
    required = rows.groupby(["market", "year"])["required"].sum()
    reported = table.set_index(["market", "year"]).sort_index()
    settings = mandates.set_index(["market", "year"]).sort_index()
    problems = []
    for market in sorted(set(settings.index.get_level_values(0))):
        carried = 0.0
        years = sorted(settings.loc[market].index)
        for position, year in enumerate(years):
            got = reported.loc[(market, year)]
            rule = settings.loc[(market, year)]
            flows = float(net.get((market, year), 0.0))
            balance = (flows + carried - got["credits_banked"] + got["credits_owed"]
                       + got["credits_bought"] - got["credits_sold"] + got["credits_missing"])
            if not _close(0.0, balance, flows):
                problems.append(f"ZEV mandate {market} {year}: credit balance is short by "
                                f"{-balance:,.3f}")
            limit = rule["borrow_share"] * float(required.get((market, year), 0.0))
            if position == len(years) - 1:
                limit = 0.0
            if not _close(got["credits_owed"], limit, limit):
                problems.append(f"ZEV mandate {market} {year}: {got['credits_owed']:,.3f} "
                                f"credits owed, above the limit {limit:,.3f}")
            if rule["banking"] == "no" and got["credits_banked"] > TOLERANCE:
                problems.append(f"ZEV mandate {market} {year}: credits banked without banking")
            for column, price in (("credits_bought", "credit_price_usd"),
                                  ("credits_sold", "credit_sale_price_usd")):
                if pd.isna(rule[price]) and got[column] > TOLERANCE:
                    problems.append(f"ZEV mandate {market} {year}: {column} without a price")
            carried = got["credits_banked"] - got["credits_owed"]
    return problems


def _credits(data: NetworkData, shipped: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    regimes = data["production_credits"]
    if regimes.empty:
        return []
    rows = shipped.rename(columns={"origin": "country"}).merge(regimes, on=["country", "year"])
    earned = np.select([rows["powertrain"].eq("BEV"), rows["powertrain"].eq("PHEV")],
                       [rows["bev_credits_per_vehicle"], rows["phev_credits_per_vehicle"]], 0.0)
    required = np.where(rows["powertrain"].isin(["ICE", "HEV"]), rows["requirement_share"], 0.0)
    rows["net"] = (earned - required) * rows["shipment_vehicles"]
    net = rows.groupby(["country", "year"])["net"].sum()
    problems = []
    for record in table.to_dict("records"):
        flows = float(net.get((record["country"], record["year"]), 0.0))
        balance = flows + float(record["credits_bought"]) - float(record["credits_sold"])
        if not _close(0.0, balance, flows):
            problems.append(f"production credits {record['country']} {record['year']}: short "
                            f"by {-balance:,.3f}")
    return problems


def _carbon(data: NetworkData, shipped: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    prices = data["carbon_prices"]
    if prices.empty:
        return []
    grid = data["grid_intensity"].set_index("country")["grid_g_co2_per_kwh"]
    plants = data["plant_emissions"].merge(data.plants[["plant", "country"]], on="plant")
    plants = plants.set_index("plant")
    battery = data.programs.set_index("program")["battery_kwh"]
    assembly_t = plants["assembly_kwh_per_vehicle"].astype(float) * plants["country"].map(
        grid).astype(float).fillna(0.0) / 1e6
    production = (shipped["plant"].map(assembly_t).astype(float).fillna(0.0)
        + shipped["program"].map(battery).astype(float).fillna(0.0)
        * shipped["plant"].map(plants["battery_kg_co2_per_kwh"]).astype(float).fillna(0.0) / 1e3)
    lanes = data["routes"].set_index(["plant", "market"])["co2_kg_per_vehicle"]
    shipping = lanes.reindex(pd.MultiIndex.from_frame(shipped[["plant", "market"]])).to_numpy(
        dtype=float) / 1e3
    emissions = data["program_emissions"].set_index("program")
    country = shipped["market"].map(data.markets.set_index("market")["country"])
    use = (shipped["program"].map(emissions["lifetime_km"]).astype(float).fillna(0.0)
           * (shipped["program"].map(emissions["co2_g_per_km"]).astype(float).fillna(0.0)
              + shipped["program"].map(emissions["electricity_kwh_per_100km"]).astype(
                  float).fillna(0.0) / 100 * country.map(grid).astype(float).fillna(0.0)) / 1e6)
    rules = prices.set_index("year")
    with_use = shipped["year"].map(rules["include_use_phase"]).eq("yes").to_numpy()
    counted = shipped["shipment_vehicles"].to_numpy() * (
        production.to_numpy() + shipping + np.where(with_use, use.to_numpy(), 0.0))
    totals = pd.Series(counted, index=shipped["year"].to_numpy()).groupby(level=0).sum()
    problems = []
    reported = table.set_index("year")
    for year, rule in rules.iterrows():
        total = float(totals.get(year, 0.0))
        if pd.notna(rule["cap_t_co2"]) and not _close(total, rule["cap_t_co2"], total):
            problems.append(f"carbon cap {year}: {total:,.3f} t above the cap "
                            f"{rule['cap_t_co2']:,.3f} t")
        cost = float(reported["carbon_cost_usd"].get(year, 0.0))
        if not np.isclose(cost, total * rule["carbon_price_usd_per_t"], rtol=1e-6, atol=1e-3):
            problems.append(f"carbon {year}: reported carbon cost {cost:,.2f} USD is not price x "
                            f"{total:,.3f} t")
    return problems


def check_compliance(data: NetworkData, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Return every violated compliance row of a plan (empty: certified).

    Parameters
    ----------
    data : NetworkData
        The inputs the plan was made from.
    tables : mapping
        The plan's result tables (``shipments`` and the compliance tables of
        :func:`evplan.results.compliance.compliance_tables`).

    Returns
    -------
    list of str
        One sentence per violation.
    """
    shipped = _shipped(data, tables)
    return (_fleet(data, shipped, tables["fleet_compliance"])
            + _zev(data, shipped, tables["zev_compliance"])
            + _credits(data, shipped, tables["production_credit_compliance"])
            + _carbon(data, shipped, tables["co2_by_year"])
            + _money(data, tables))


def _money(data: NetworkData, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """The USD columns the objective sums, re-derived from the quantities and input prices."""
    problems = []
    checks = (
        ("fleet_compliance", "fleet_targets", ["market", "year"],
         {"pooling_usd": [("group_pooled_g_km_vehicles", "pool_price_usd_per_g_km", 1.0)]}),
        ("zev_compliance", "zev_mandates", ["market", "year"],
         {"penalty_usd": [("credits_missing", "penalty_usd_per_vehicle", 1.0)],
          "credit_trade_usd": [("credits_bought", "credit_price_usd", 1.0),
                               ("credits_sold", "credit_sale_price_usd", -1.0)]}),
        ("production_credit_compliance", "production_credits", ["country", "year"],
         {"credit_trade_usd": [("credits_bought", "credit_price_usd", 1.0),
                               ("credits_sold", "credit_sale_price_usd", -1.0)]}),
    )
    for name, rules, keys, columns in checks:
        table = tables.get(name)
        if table is None or table.empty:
            continue
        prices = data[rules].drop_duplicates(keys).set_index(keys)
        at = pd.MultiIndex.from_frame(table[keys])
        for column, terms in columns.items():
            expected = np.zeros(len(table))
            for quantity, price, sign in terms:
                unit = np.nan_to_num(prices[price].reindex(at).to_numpy(dtype=float))
                expected += sign * table[quantity].to_numpy(dtype=float) * unit
            reported = table[column].to_numpy(dtype=float)
            bad = ~np.isclose(reported, expected, rtol=1e-9, atol=1e-3)
            for i in np.flatnonzero(bad)[:5]:
                problems.append(f"{name} {tuple(table[keys].iloc[i])}: {column} "
                                f"{reported[i]:,.2f} USD, the input prices give "
                                f"{expected[i]:,.2f}")
    return problems


def compliance_cost_usd(data: NetworkData, tables: Mapping[str, pd.DataFrame]) -> float:
    """Discounted compliance cost of a plan: the part of the objective the rules add.

    Premiums and pooling (booked in each assessment group's last year), ZEV penalties and
    credit trades, production-credit trades and the carbon cost, each in USD of its year
    and discounted as the network's margin is. Read from the compliance tables, whose
    amounts :func:`check_compliance` has re-derived from the input tables first.

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> compliance_cost_usd(single_lane(), {})
    0.0
    """
    scenario = data.scenario
    parts = (("fleet_compliance", ("premium_usd", "pooling_usd")),
             ("zev_compliance", ("penalty_usd", "credit_trade_usd")),
             ("production_credit_compliance", ("credit_trade_usd",)),
             ("co2_by_year", ("carbon_cost_usd",)))
    total = 0.0
    for name, columns in parts:
        table = tables.get(name)
        if table is None or table.empty:
            continue
        years = table["year"].to_numpy(dtype=float)
        discount = (1.0 + scenario.discount_rate) ** -(years - scenario.first_year)
        amount = table[list(columns)].to_numpy(dtype=float).sum(axis=1)
        total += float(np.sum(np.nan_to_num(amount) * discount))
    return total
