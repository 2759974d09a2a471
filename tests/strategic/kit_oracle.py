"""An independent formulation of a small strategic MILP with kits, for scipy.optimize.milp.

Built straight from the input tables as docs/formulation.md states it (no evplan model
code): built-up flows valued at the declared transfer price (``transfer_prices``, else the
markup rule), ad valorem duty plus the maker's countervailing duty, inventory in transit,
exchange rates on prices and plant costs; one plant of plant_strategy.csv that may close
(one module, no mothballing); one assembly site that may open; kits valued by the same
rules on their share of the vehicle, with a preferential kit duty gated by an averaged
regional-value-content row. The instances (:func:`random_kit_network`) use only these
features, so the oracle's optimum must equal :func:`evplan.optimize`'s.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from evplan.data import NetworkData, validate_tables

FIRST_YEAR = 2030


def random_kit_network(seed: int, years: int = 2) -> NetworkData:
    """Two plants (P0 in AA may close; P1 in BB), two programs, markets M0 (AA) and M1 (CC),
    site S1 in M1 fed with SKD and CKD kits from P0, random trade terms."""
    rng = np.random.default_rng(seed)
    year_list = list(range(FIRST_YEAR, FIRST_YEAR + years))
    capacity = rng.uniform(400, 1_200, 2).round()
    tables: dict[str, Any] = {
        "plants": {"plant": ["P0", "P1"], "country": ["AA", "BB"],
                   "capacity_vehicles_per_year": capacity,
                   "fixed_cost_usd_per_year": rng.uniform(0.2e6, 2e6, 2).round()},
        "programs": {"program": ["V0", "V1"], "powertrain": ["BEV", "PHEV"],
                     "segment": ["C", "D"], "maker": ["Maker", "Maker"]},
        "markets": {"market": ["M0", "M1"], "country": ["AA", "CC"],
                    "customs_basis": list(rng.choice(["CIF", "FOB"], 2))},
        "plant_programs": {"plant": ["P0", "P0", "P1", "P1"],
                           "program": ["V0", "V1", "V0", "V1"],
                           "variable_cost_usd_per_vehicle": rng.uniform(9e3, 15e3, 4).round()},
        "routes": {"plant": ["P0", "P0", "P1", "P1"], "market": ["M0", "M1", "M0", "M1"],
                   "freight_usd_per_vehicle": rng.uniform(200, 2_000, 4).round(),
                   "transit_days": rng.choice([0.0, 10.0, 30.0, 45.0], 4)},
        "duties": {"origin": ["AA", "AA", "BB", "BB"], "market": ["M1", "M1", "M0", "M1"],
                   "powertrain": ["*", "BEV", "*", "*"],
                   "ad_valorem_rate": rng.choice([0.0, 0.1, 0.25, 0.4], 4)},
        "plant_strategy": {"plant": ["P0"], "modules_initial": [1], "can_close": ["yes"],
                           "closure_cost_usd": [round(rng.uniform(0, 1e6))]},
        "assembly_sites": {"site": ["S1"], "market": ["M1"],
                           "capacity_vehicles_per_year": [float(round(rng.uniform(150, 500)))],
                           "opening_cost_usd": [round(rng.uniform(0, 1e6))],
                           "fixed_cost_usd_per_year": [round(rng.uniform(0, 2e5))],
                           "existing": [str(rng.choice(["yes", "no"]))]},
        "kit_routes": {"plant": ["P0", "P0"], "site": ["S1", "S1"], "kit": ["SKD", "CKD"],
                       "kit_value_share": [round(rng.uniform(0.7, 0.9), 2),
                                           round(rng.uniform(0.4, 0.6), 2)],
                       "freight_usd_per_vehicle": rng.uniform(200, 800, 2).round(),
                       "assembly_cost_usd_per_vehicle": [round(rng.uniform(800, 2_000)),
                                                         round(rng.uniform(3_000, 5_000))],
                       "local_content_usd_per_vehicle": [np.nan, float(
                           rng.choice([np.nan, round(rng.uniform(1_000, 4_000))]))],
                       "plant_capacity_share": [0.3, 0.0]},
        "kit_duties": {"origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
                       "kit_duty_rate": [float(rng.choice([0.1, 0.2, 0.35]))],
                       "preferential_rate": [float(rng.choice([0.0, 0.05]))],
                       "rvc_threshold": [round(rng.uniform(0.2, 0.5), 2)],
                       "kit_originating_share": [float(rng.choice([0.0, 0.2]))]},
    }
    demand = pd.MultiIndex.from_product([["M0", "M1"], year_list, ["V0", "V1"], [1, 2]],
                                        names=["market", "year", "product", "tier"]
                                        ).to_frame(index=False)
    top = np.repeat(rng.uniform(18e3, 28e3, len(demand) // 2).round(), 2)
    demand["price_usd_per_vehicle"] = np.where(demand["tier"] == 1, top, (top * 0.8).round())
    demand["volume_vehicles"] = rng.uniform(50, 400, len(demand)).round()
    tables["demand"] = demand
    makers = rng.choice(["Maker", "*", "Other"], 2)
    tables["countervailing_duties"] = {
        "origin": ["AA", "BB"], "market": ["M1", "M1"],
        "powertrain": [str(rng.choice(["BEV", "*"])), "*"], "maker": list(makers),
        "cvd_rate": rng.choice([0.0, 0.1, 0.2], 2)}
    transfer = rng.choice(["none", "M1", "*"])
    if transfer != "none":
        tables["transfer_prices"] = {"origin": ["AA", "BB"], "market": [str(transfer), "*"],
                                     "markup_on_full_cost": rng.choice([0.0, 0.05, 0.15], 2)}
    if rng.random() < 0.7:
        rates = {"AA": 7.0, "BB": 100.0, "CC": 1.3}
        rows = [(country, year, base * float(np.exp(rng.normal(0, 0.1))) if year > FIRST_YEAR
                 else base) for country, base in rates.items() for year in year_list]
        tables["exchange_rates"] = pd.DataFrame(rows, columns=["country", "year",
                                                                "local_per_usd"])
    frames = {name: pd.DataFrame(frame) for name, frame in tables.items()}
    scenario = {"name": f"kit-oracle-{seed} (synthetic)", "first_year": FIRST_YEAR,
                "last_year": year_list[-1], "discount_rate": 0.05,
                "transfer_price_markup": round(float(rng.uniform(0, 0.1)), 3),
                "inventory_carrying_rate": round(float(rng.uniform(0, 0.15)), 3)}
    return validate_tables(frames, scenario, origin=f"random_kit_network({seed})")


class _Problem:
    """Columns (bounds, integrality, objective to maximise) and rows of a MILP."""

    def __init__(self) -> None:
        self.names: dict[Any, int] = {}
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.gain: list[float] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def var(self, name: Any, gain: float = 0.0, upper: float = np.inf, lower: float = 0.0,
            integer: bool = False) -> int:
        self.names[name] = len(self.gain)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(int(integer))
        self.gain.append(gain)
        return self.names[name]

    def row(self, terms: dict[int, float], low: float, high: float) -> None:
        self.rows.append((terms, low, high))

    def solve(self) -> float:
        entries = [(i, j, a) for i, (terms, _, _) in enumerate(self.rows)
                   for j, a in terms.items()]
        rows, cols, values = zip(*entries, strict=True)
        matrix = coo_matrix((values, (rows, cols)), shape=(len(self.rows), len(self.gain)))
        result = milp(-np.asarray(self.gain), integrality=np.asarray(self.integer),
                      bounds=Bounds(self.lower, self.upper),
                      constraints=LinearConstraint(matrix.tocsr(),
                                                   [low for _, low, _ in self.rows],
                                                   [high for _, _, high in self.rows]),
                      options={"mip_rel_gap": 1e-10})
        assert result.status == 0, result.message
        return float(-result.fun)


def _table(data: NetworkData, name: str) -> list[Any]:
    return list(data[name].itertuples(index=False))


def oracle_objective(data: NetworkData) -> float:
    """The optimum of :func:`random_kit_network`'s instance, formulated from its tables."""
    scenario = data.scenario
    years = list(data.years)
    first = years[0]
    delta = {y: (1 + scenario.discount_rate) ** -(y - first) for y in years}
    rates = {(r.country, int(r.year)): float(r.local_per_usd)
             for r in _table(data, "exchange_rates")}

    def fx(country: str, year: int) -> float:
        if (country, first) not in rates:
            return 1.0
        return rates[(country, first)] / rates[(country, year)]

    plants = {r.plant: r for r in _table(data, "plants")}
    programs = {r.program: r for r in _table(data, "programs")}
    markets = {r.market: r for r in _table(data, "markets")}
    variable = {(r.plant, r.program): float(r.variable_cost_usd_per_vehicle)
                for r in _table(data, "plant_programs")}
    markups = {(r.origin, r.market): float(r.markup_on_full_cost)
               for r in _table(data, "transfer_prices")}
    duties = {(r.origin, r.market, r.powertrain): float(r.ad_valorem_rate)
              for r in _table(data, "duties")}
    cvds = {(r.origin, r.market, r.powertrain, r.maker): float(r.cvd_rate)
            for r in _table(data, "countervailing_duties")}
    transit = {(r.plant, r.market): float(r.transit_days) for r in _table(data, "routes")}
    h = scenario.inventory_carrying_rate

    def transfer(plant: str, program: str, market: str, year: int, share: float) -> float:
        origin = plants[plant].country
        cost = variable[(plant, program)] * fx(origin, year)
        markup = markups.get((origin, market), markups.get((origin, "*")))
        if markup is None:
            return share * cost * (1 + scenario.transfer_price_markup)
        fixed = float(plants[plant].fixed_cost_usd_per_year) * fx(origin, year) / float(
            plants[plant].capacity_vehicles_per_year)
        return share * (cost + fixed) * (1 + markup)

    def cvd(origin: str, market: str, program: str) -> float:
        maker, powertrain = programs[program].maker, programs[program].powertrain
        for key in ((maker, powertrain), (maker, "*"), ("*", powertrain), ("*", "*")):
            if (origin, market, key[1], key[0]) in cvds:
                return cvds[(origin, market, key[1], key[0])]
        return 0.0

    p = _Problem()
    supply: dict[tuple[str, str, int], dict[int, float]] = {}
    load: dict[tuple[str, int], dict[int, float]] = {}
    for route in _table(data, "routes"):
        plant, market = route.plant, route.market
        origin, country = plants[plant].country, markets[market].country
        for program in programs:
            for year in years:
                t = transfer(plant, program, market, year, 1.0)
                freight = float(route.freight_usd_per_vehicle)
                value = t + (freight if markets[market].customs_basis == "CIF" else 0.0)
                rate = duties.get((origin, market, programs[program].powertrain),
                                  duties.get((origin, market, "*"), 0.0))
                duty = (rate + cvd(origin, market, program)) * value if origin != country else 0.0
                cost = (variable[(plant, program)] * fx(origin, year) + freight
                        + t * h * transit[(plant, market)] / 365 + duty)
                j = p.var(("x", plant, program, market, year), -delta[year] * cost)
                supply.setdefault((program, market, year), {})[j] = 1.0
                load.setdefault((plant, year), {})[j] = 1.0
    for tier in _table(data, "demand"):
        year = int(tier.year)
        price = float(tier.price_usd_per_vehicle) * fx(markets[tier.market].country, year)
        j = p.var(("q", tier.market, year, tier.product, tier.tier), delta[year] * price,
                  upper=float(tier.volume_vehicles))
        supply.setdefault((tier.product, tier.market, year), {})[j] = -1.0

    site = _table(data, "assembly_sites")[0]
    duty_row = _table(data, "kit_duties")[0]
    site_capacity = float(site.capacity_vehicles_per_year)
    kit_load: dict[int, dict[int, float]] = {}
    groups: dict[tuple[str, int], list[tuple[int, int, float]]] = {}
    sent: dict[tuple[str, int], list[int]] = {}  # kit variables per (plant, year)
    for kit in _table(data, "kit_routes"):
        origin, country = plants[kit.plant].country, markets[site.market].country
        share = float(kit.kit_value_share)
        freight = float(kit.freight_usd_per_vehicle)
        for program in programs:
            for year in years:
                t = transfer(kit.plant, program, site.market, year, share)
                value = t + (freight if markets[site.market].customs_basis == "CIF" else 0.0)
                extra = cvd(origin, site.market, program)
                full = (float(duty_row.kit_duty_rate) + extra) * value
                preferred = (float(duty_row.preferential_rate) + extra) * value
                assembly = float(kit.assembly_cost_usd_per_vehicle) * fx(country, year)
                local = (kit.assembly_cost_usd_per_vehicle if pd.isna(
                    kit.local_content_usd_per_vehicle) else kit.local_content_usd_per_vehicle
                         ) * fx(country, year)
                cost = (share * variable[(kit.plant, program)] * fx(origin, year) + freight
                        + assembly + t * h * transit[(kit.plant, site.market)] / 365 + full)
                z = p.var(("z", kit.kit, program, year), -delta[year] * cost)
                zp = p.var(("zP", kit.kit, program, year), delta[year] * (full - preferred))
                p.row({zp: 1.0, z: -1.0}, -np.inf, 0.0)
                supply[(program, site.market, year)][z] = 1.0
                load[(kit.plant, year)][z] = float(kit.plant_capacity_share)
                sent.setdefault((kit.plant, year), []).append(z)
                kit_load.setdefault(year, {})[z] = 1.0
                slack = (float(local) + float(duty_row.kit_originating_share) * value
                         - float(duty_row.rvc_threshold) * (value + assembly))
                groups.setdefault((program, year), []).append((z, zp, slack))
    for row in supply.values():
        p.row(row, 0.0, 0.0)
    opened_before = 1.0 if site.existing == "yes" else 0.0
    site_open = {}
    for year in years:
        u = p.var(("u", year), -delta[year] * float(site.fixed_cost_usd_per_year), upper=1,
                  lower=opened_before if year == first else 0.0, integer=True)
        site_open[year] = u
        p.row({**{z: 1.0 for z in kit_load[year]}, u: -site_capacity}, -np.inf, 0.0)
    for year in years:  # opening = u_y - u_{y-1}: telescoped into the state's coefficients
        after = delta[year + 1] if year + 1 in delta else 0.0
        p.gain[site_open[year]] -= float(site.opening_cost_usd) * (delta[year] - after)
        if year > first:
            p.row({site_open[year]: 1.0, site_open[year - 1]: -1.0}, 0.0, np.inf)
    # sum_y delta_y c (u_y - u_{y-1}) = sum_y c u_y (delta_y - delta_{y+1}) - c delta_0 u_{-1}
    constant = float(site.opening_cost_usd) * opened_before * delta[first]
    for (_, year), members in groups.items():
        beta = p.var(("beta", _, year), upper=1, integer=True)
        p.row({**{zp: 1.0 for _, zp, _ in members}, beta: -site_capacity}, -np.inf, 0.0)
        big = site_capacity * max(0.0, *[-slack for _, _, slack in members]) + 1.0
        p.row({**{z: slack for z, _, slack in members}, beta: -big}, -big, np.inf)
    strategy = _table(data, "plant_strategy")[0]
    fixed_constant = 0.0
    before = None
    for year in years:
        for plant, rule in plants.items():
            fixed = float(rule.fixed_cost_usd_per_year) * fx(rule.country, year)
            capacity = float(rule.capacity_vehicles_per_year)
            if plant != strategy.plant:
                fixed_constant += delta[year] * fixed
                p.row(load[(plant, year)], -np.inf, capacity)
                continue
            o = p.var(("o", year), -delta[year] * fixed, upper=1, integer=True)
            p.row({**load[(plant, year)], o: -capacity}, -np.inf, 0.0)
            for z in sent.get((plant, year), []):  # kits only while the plant runs (o = r)
                p.row({z: 1.0, o: -site_capacity}, -np.inf, 0.0)
            closing = p.var(("c", year), -delta[year] * float(strategy.closure_cost_usd),
                            upper=1)
            if before is None:  # c = 1 - o in the first year
                p.row({closing: 1.0, o: 1.0}, 1.0, 1.0)
            else:
                p.row({closing: 1.0, o: 1.0, before: -1.0}, 0.0, 0.0)
                p.row({o: 1.0, before: -1.0}, -np.inf, 0.0)
            before = o
    return p.solve() - fixed_constant + constant
