"""Seeded random export networks with every mechanism, trade terms included.

:func:`generated_network` draws from one integer seed (no Hypothesis), so a test can run
the same networks through evplan's cold path, its warm path and the oracle of
``tests/model/oracle.py``. Every rule of docs/formulation.md that the export LP has shows
up: time-varying and powertrain duty rows over ``'*'`` rows, minimum and specific duties,
CVDs by maker and powertrain with wildcards, CIF/FOB, quotas with non-zero in-quota rates
and shared groups, lane capacities, plant minimums and years, hard and penalised
commitments, tiered demand by program, segment or powertrain, domestic lanes, discounting,
fixed costs, a default duty rate, and the four trade terms (exchange rates, declared
transfer prices, national quota shares, inventory in transit).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData, validate_tables

COUNTRIES = ("AA", "BB", "CC")
POWERTRAINS = ("BEV", "PHEV", "HEV", "ICE")
FIRST_YEAR = 2030


class Draw:
    """Uniform choices from a seeded NumPy generator."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def pick(self, options: Any) -> Any:
        return options[int(self.rng.integers(len(options)))]

    def chance(self, probability: float) -> bool:
        return bool(self.rng.random() < probability)

    def span(self, years: list[int], probability: float) -> dict[str, Any]:
        if not self.chance(probability):
            return {}
        first, last = sorted(self.pick(years) for _ in range(2))
        return self.pick([{"first_year": first}, {"last_year": last},
                          {"first_year": first, "last_year": last}])


def _duty(d: Draw, origin: str, market: str, powertrain: str, quota: float | None,
          group: str, **years: Any) -> dict[str, Any]:
    rate = d.pick([0.0, 0.1, 0.25, 0.5, 1.0])
    row = {"origin": origin, "market": market, "powertrain": powertrain, **years,
           "ad_valorem_rate": rate,
           "minimum_usd_per_vehicle": d.pick([0.0, 0.0, 3_000.0]),
           "specific_usd_per_vehicle": d.pick([0.0, 0.0, 300.0])}
    if quota is not None and rate > 0 and d.chance(0.6):
        row["quota_vehicles_per_year"] = quota
        row["in_quota_rate"] = d.pick([0.0, rate / 2])
        row["quota_group"] = group if d.chance(0.5) else ""
    return row


FEATURES = ("minimums", "years", "lane_capacity", "quotas", "powertrain_rows", "cvd",
            "commitments", "default_rate", "penalty", "fx", "transfer", "shares", "carrying")


def generated_tables(seed: int, trade: bool = True, *, year_count: int | None = None,
                     sizes: dict[str, int] | None = None, on: dict[str, bool] | None = None
                     ) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Tables and scenario settings of one small network drawn from ``seed``.

    ``year_count`` (1-3), ``sizes`` (plants, programs, markets: 1-3 each) and ``on`` (which
    of :data:`FEATURES` are on) are drawn from the seed unless given (a property test gives
    them, so Hypothesis can shrink them); the rows are always drawn from the seed.
    """
    d = Draw(seed)
    years = list(range(FIRST_YEAR, FIRST_YEAR + (year_count or d.pick([1, 2, 3]))))
    sizes = sizes or {kind: d.pick([1, 2, 3]) for kind in ("plants", "programs", "markets")}
    on = {feature: d.chance(0.5) for feature in FEATURES} if on is None else {
        feature: bool(on.get(feature, False)) for feature in FEATURES}
    plants = [{"plant": f"P{i}", "country": d.pick(COUNTRIES),
               "capacity_vehicles_per_year": d.pick([150.0, 400.0, 900.0]),
               "fixed_cost_usd_per_year": d.pick([0.0, 2e5, 1e6]),
               "min_utilisation": d.pick([0.1, 0.3, 0.8]) if on["minimums"] and d.chance(0.3)
               else 0.0, **d.span(years, 0.4 if on["years"] else 0.0)}
              for i in range(sizes["plants"])]
    programs = [{"program": f"V{i}", "powertrain": d.pick(POWERTRAINS),
                 "segment": d.pick(["S1", "S2"]), "maker": d.pick(["MA", "MB"])}
                for i in range(sizes["programs"])]
    plant_programs = [{"plant": plant["plant"], "program": program["program"],
                       "variable_cost_usd_per_vehicle": d.pick([8_000.0, 10_000.0, 14_000.0])}
                      for plant in plants for program in programs if d.chance(0.75)]
    markets = [{"market": f"M{i}", "country": d.pick(COUNTRIES),
                "customs_basis": d.pick(["CIF", "FOB"])} for i in range(sizes["markets"])]
    routes = [{"plant": plant["plant"], "market": market["market"],
               "freight_usd_per_vehicle": d.pick([300.0, 1_000.0, 2_500.0]),
               "transit_days": d.pick([0.0, 10.0, 35.0]),
               "capacity_vehicles_per_year": d.pick([100.0, 300.0])
               if on["lane_capacity"] and d.chance(0.5) else None,
               **d.span(years, 0.3 if on["years"] else 0.0)}
              for plant in plants for market in markets if d.chance(0.8)]
    demand = []
    for market in markets:
        for year in years:
            level = d.pick(["program", "program", "segment", "powertrain", "none"])
            if level == "none":
                continue
            for product in sorted({program[level] for program in programs}):
                if not d.chance(0.85):
                    continue
                price = d.pick([15_000.0, 20_000.0, 26_000.0, 32_000.0])
                step = d.pick([2_000.0, 4_000.0])
                for tier in range(1, d.pick([1, 2, 3]) + 1):
                    demand.append({"market": market["market"], "year": year,
                                   "product": product, "tier": tier,
                                   "volume_vehicles": d.pick([50.0, 200.0, 600.0]),
                                   "price_usd_per_vehicle": price - (tier - 1) * step})
    if not plant_programs:
        plant_programs.append({"plant": "P0", "program": "V0",
                               "variable_cost_usd_per_vehicle": 10_000.0})
    if not routes:
        routes.append({"plant": "P0", "market": "M0", "freight_usd_per_vehicle": 1_000.0,
                       "transit_days": 20.0, "capacity_vehicles_per_year": None})
    if not demand:
        demand.append({"market": "M0", "year": years[0], "product": "V0", "tier": 1,
                       "volume_vehicles": 200.0, "price_usd_per_vehicle": 26_000.0})
    default_rate = 0.05 if on["default_rate"] else None
    duties = []
    groups = set()
    for market in markets:
        quota = d.pick([50.0, 150.0]) if on["quotas"] else None
        group = f"G-{market['market']}"
        for origin in COUNTRIES:
            if origin == market["country"] or (default_rate is not None and d.chance(0.3)):
                continue
            cut = d.pick(years)
            if cut == years[0]:
                duties.append(_duty(d, origin, market["market"], "*", quota, group))
            else:
                duties.append(_duty(d, origin, market["market"], "*", quota, group,
                                    last_year=cut - 1))
                duties.append(_duty(d, origin, market["market"], "*", quota, group,
                                    first_year=cut))
            if on["powertrain_rows"]:
                for powertrain in POWERTRAINS:
                    if d.chance(0.3):
                        duties.append(_duty(d, origin, market["market"], powertrain, quota,
                                            group, **d.span(years, 0.6)))
        groups |= {row.get("quota_group") for row in duties if row.get("quota_group")}
    if not duties:
        duties.append({"origin": "ZZ", "market": markets[0]["market"], "powertrain": "*",
                       "ad_valorem_rate": 0.0})
    countervailing: dict[tuple, dict[str, Any]] = {}
    for _ in range(d.pick([1, 2, 3]) if on["cvd"] else 0):
        key = (d.pick(COUNTRIES), d.pick([m["market"] for m in markets]),
               d.pick(["*", *POWERTRAINS]), d.pick(["*", "MA", "MB"]))
        countervailing[key] = {"origin": key[0], "market": key[1], "powertrain": key[2],
                               "maker": key[3], "cvd_rate": d.pick([0.1, 0.2, 0.35]),
                               **d.span(years, 0.5)}
    products = sorted({program["program"] for program in programs}
                      | {program["segment"] for program in programs})
    committed: dict[tuple, dict[str, Any]] = {}
    for _ in range(d.pick([1, 2]) if on["commitments"] else 0):
        key = (d.pick([m["market"] for m in markets]), d.pick(years), d.pick(products))
        committed[key] = {"market": key[0], "year": key[1], "product": key[2],
                          "min_vehicles": d.pick([20.0, 50.0, 100.0, 400.0, 5_000.0])}
    tables: dict[str, list[dict[str, Any]]] = {
        "plants": plants, "programs": programs, "plant_programs": plant_programs,
        "markets": markets, "routes": routes, "demand": demand, "duties": duties,
        "countervailing_duties": list(countervailing.values()),
        "committed_sales": list(committed.values())}
    carrying = 0.0
    if trade:
        used = sorted({p["country"] for p in plants} | {m["country"] for m in markets})
        if on["fx"]:
            tables["exchange_rates"] = [
                {"country": country, "year": year,
                 "local_per_usd": d.pick([1.0, 7.0, 100.0]) * d.pick([0.8, 1.0, 1.25])}
                for country in used if d.chance(0.7) for year in years]
        if on["transfer"]:
            rows = {}
            for _ in range(d.pick([1, 2, 3])):
                key = (d.pick(used), d.pick(["*", *(m["market"] for m in markets)]))
                rows[key] = {"origin": key[0], "market": key[1],
                             "markup_on_full_cost": d.pick([0.0, 0.05, 0.2])}
            tables["transfer_prices"] = list(rows.values())
        if on["shares"] and groups:
            tables["quota_shares"] = [{"quota_group": group,
                                       "share_of_quota": d.pick([0.25, 0.5, 1.0])}
                                      for group in sorted(groups) if d.chance(0.7)]
        if on["carrying"]:
            carrying = d.pick([0.05, 0.12])
    frames = {name: pd.DataFrame(rows) for name, rows in tables.items() if rows}
    scenario = {"name": f"generated-{seed}", "first_year": years[0], "last_year": years[-1],
                "discount_rate": d.pick([0.0, 0.05, 0.1]),
                "transfer_price_markup": d.pick([0.0, 0.1]),
                "default_duty_rate": default_rate,
                "inventory_carrying_rate": carrying,
                "unmet_committed_penalty_usd_per_vehicle": d.pick([5_000.0, 100_000.0])
                if on["penalty"] else None}
    return frames, scenario


def generated_network(seed: int, trade: bool = True) -> NetworkData:
    """:func:`generated_tables` validated."""
    frames, scenario = generated_tables(seed, trade)
    return validate_tables(frames, scenario)


def default_scenario_cut(years: tuple[int, int], markets: set[str], trade: bool = False
                         ) -> NetworkData:
    """The embedded china-export inputs on a short horizon and a few markets, without the
    CO2/ZEV rules (tests/model/compliance_oracle.py covers them); with ``trade``, its
    exchange rates, declared transfer prices, quota shares and inventory carrying too."""
    from evplan.examples import china_export

    data = china_export()
    kept = ("plants", "programs", "plant_programs", "markets", "routes", "demand", "duties",
            "countervailing_duties", "committed_sales") + (
        ("exchange_rates", "transfer_prices", "quota_shares") if trade else ())
    tables = {name: frame.drop(columns="row") for name, frame in data.tables.items()
              if name in kept}
    for name in ("markets", "demand", "routes", "duties", "countervailing_duties",
                 "committed_sales"):
        tables[name] = tables[name][tables[name]["market"].isin(markets)]
    if trade:
        prices = tables["transfer_prices"]
        tables["transfer_prices"] = prices[prices["market"].isin(markets | {"*"})]
    for name in ("demand", "committed_sales", "exchange_rates"):
        if name in tables:
            tables[name] = tables[name][tables[name]["year"].between(*years)]
    scenario = {**data.scenario.as_dict(), "first_year": years[0], "last_year": years[1],
                "calibrated_year": None}
    if not trade:
        scenario["inventory_carrying_rate"] = 0.0
    return validate_tables(tables, scenario)
