"""An independent formulation of the network model, written directly for scipy.optimize.linprog.

It reads the validated tables and rebuilds everything with plain Python loops over rows
(fine for small networks): its own enumeration of lanes, its own duty lookup, its own
constraint rows. It shares no code with evplan.model or evplan.verify. It follows the
rules docs/formulation.md states:

* a duty row is chosen per year: the exact powertrain's row, else the '*' row, else
  default_duty_rate; the countervailing rate is the maker's own (its powertrain, then
  '*'), then the all-others rate ('*' maker: the powertrain, then '*'); domestic lanes
  pay neither;
* a quota belongs to its duty row, or to its quota_group name, each year; inside it the
  minimum duty does not apply;
* fixed cost is charged in every planning year a plant is open;
* a commitment counts the sales of every program its product names; without a penalty
  it is a hard row (an empty one makes the model infeasible);
* trade terms ("Trade terms"): prices convert at the market country's exchange rate,
  variable and fixed costs at the plant country's, freight not; a declared transfer price
  (market row, else the origin's '*' row) is a markup on full cost in year-y USD; a quota
  group listed in quota_shares is open at its share; vehicles in transit carry
  ``transfer x h x transit_days / 365``.

:func:`oracle_objective` solves it; :func:`oracle_check` evaluates one of evplan's plans
against the same rows.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from evplan.data import NetworkData


def _open(row: Any, year: int) -> bool:
    first, last = row["first_year"], row["last_year"]
    return (pd.isna(first) or int(first) <= year) and (pd.isna(last) or int(last) >= year)


def _duty_row(duties: list[dict], origin: str, market: str, powertrain: str, year: int
              ) -> dict | None:
    for wanted in (powertrain, "*"):
        for row in duties:
            if (row["origin"] == origin and row["market"] == market
                    and row["powertrain"] == wanted and _open(row, year)):
                return row
    return None


def _cvd(cvds: list[dict], origin: str, market: str, powertrain: str, maker: str, year: int
         ) -> float:
    for wanted_powertrain, wanted_maker in ((powertrain, maker), ("*", maker),
                                            (powertrain, "*"), ("*", "*")):
        for row in cvds:
            if (row["origin"] == origin and row["market"] == market
                    and row["powertrain"] == wanted_powertrain and row["maker"] == wanted_maker
                    and _open(row, year)):
                return float(row["cvd_rate"])
    return 0.0


def _fx(rates: dict[tuple, float], country: str, year: int, first_year: int) -> float:
    """Year-y USD per base-rate USD of ``country`` (1 for a country without rows)."""
    if (country, first_year) not in rates:
        return 1.0
    return rates[(country, first_year)] / rates[(country, year)]


def _markup(transfer: list[dict], origin: str, market: str) -> float | None:
    for wanted in (market, "*"):
        for row in transfer:
            if row["origin"] == origin and row["market"] == wanted:
                return float(row["markup_on_full_cost"])
    return None


def _members(data: NetworkData, product: str) -> list[str]:
    programs = data.programs
    chosen = programs[(programs["program"] == product) | (programs["segment"] == product)
                      | (programs["powertrain"] == product)]
    return list(chosen["program"])


def _number(value: Any) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


@dataclass
class OracleLP:
    """The LP for linprog: minimise ``cost @ w`` s.t. ``a_ub w <= b_ub``, ``a_eq w = b_eq``."""

    columns: list[tuple] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    upper: list[tuple[dict[int, float], float, str]] = field(default_factory=list)
    equal: list[tuple[dict[int, float], float, str]] = field(default_factory=list)
    fixed: float = 0.0
    penalty: float | None = None
    duties: dict[tuple, tuple[float, float]] = field(default_factory=dict)

    def add(self, key: tuple, cost: float) -> int:
        self.columns.append(key)
        self.cost.append(cost)
        return len(self.columns) - 1

    def dense(self) -> dict[str, Any]:
        n = len(self.columns)

        def matrix(rows: list[tuple[dict[int, float], float, str]]) -> tuple[Any, Any]:
            if not rows:
                return None, None
            a = np.zeros((len(rows), n))
            for i, (terms, _, _) in enumerate(rows):
                for column, coefficient in terms.items():
                    a[i, column] += coefficient
            return a, np.array([bound for _, bound, _ in rows])

        a_ub, b_ub = matrix(self.upper)
        a_eq, b_eq = matrix(self.equal)
        return {"c": np.array(self.cost), "A_ub": a_ub, "b_ub": b_ub, "A_eq": a_eq, "b_eq": b_eq}


def oracle_lp(data: NetworkData) -> OracleLP:
    """Build the LP of ``data`` with loops over the tables' rows."""
    scenario = data.scenario
    years = list(range(scenario.first_year, scenario.last_year + 1))
    plants = data.plants.set_index("plant")
    programs = data.programs.set_index("program")
    markets = data.markets.set_index("market")
    discount = {year: (1 + scenario.discount_rate) ** -(year - scenario.first_year)
                for year in years}
    lp = OracleLP(penalty=scenario.unmet_committed_penalty_usd_per_vehicle)
    duties = data["duties"].to_dict("records")
    cvds = data["countervailing_duties"].to_dict("records")
    rates = {(row["country"], int(row["year"])): float(row["local_per_usd"])
             for row in data["exchange_rates"].to_dict("records")}
    transfer_rows = data["transfer_prices"].to_dict("records")
    shares = {row["quota_group"]: float(row["share_of_quota"])
              for row in data["quota_shares"].to_dict("records")}
    carrying = scenario.inventory_carrying_rate or 0.0
    first_year = scenario.first_year
    by_plant_year: dict[tuple, list[int]] = defaultdict(list)
    by_lane_year: dict[tuple, list[int]] = defaultdict(list)
    lane_capacity: dict[tuple, float] = {}
    by_balance: dict[tuple, dict[int, float]] = defaultdict(dict)
    quota_members: dict[tuple, list[int]] = defaultdict(list)
    quota_volume: dict[tuple, float] = {}
    for _, lane in data["plant_programs"].iterrows():
        plant, program = lane["plant"], lane["program"]
        origin = plants.loc[plant, "country"]
        powertrain = programs.loc[program, "powertrain"]
        maker = programs.loc[program, "maker"]
        for _, route in data["routes"][data["routes"]["plant"] == plant].iterrows():
            market = route["market"]
            for year in years:
                if not (_open(plants.loc[plant], year) and _open(route, year)):
                    continue
                plant_fx = _fx(rates, origin, year, first_year)
                variable = lane["variable_cost_usd_per_vehicle"] * plant_fx
                markup = _markup(transfer_rows, origin, market)
                if markup is None:
                    transfer = variable * (1 + scenario.transfer_price_markup)
                else:
                    capacity = float(plants.loc[plant, "capacity_vehicles_per_year"])
                    fixed = float(plants.loc[plant, "fixed_cost_usd_per_year"]) * plant_fx
                    transfer = (variable + (fixed / capacity if capacity > 0 else 0.0)) * (
                        1 + markup)
                days = _number(route["transit_days"]) if "transit_days" in route else 0.0
                inventory = transfer * carrying * (0.0 if math.isnan(days) else days) / 365
                value = transfer
                if markets.loc[market, "customs_basis"] == "CIF":
                    value += route["freight_usd_per_vehicle"]
                full = inside = 0.0
                quota_key = None
                if origin != markets.loc[market, "country"]:
                    row = _duty_row(duties, origin, market, powertrain, year)
                    rate, minimum, specific = scenario.default_duty_rate, 0.0, 0.0
                    if row is not None:
                        rate = row["ad_valorem_rate"]
                        minimum = row["minimum_usd_per_vehicle"]
                        specific = row["specific_usd_per_vehicle"]
                    assert rate is not None, "validation lets no lane go without a duty"
                    cvd = _cvd(cvds, origin, market, powertrain, maker, year)
                    full = max(rate * value, minimum) + cvd * value + specific
                    inside = full
                    if row is not None and not math.isnan(_number(row["quota_vehicles_per_year"])):
                        owner = row["quota_group"] or f"row {int(row['row'])}"
                        quota_key = (owner, year)
                        group = row["quota_group"] if isinstance(row["quota_group"], str) else ""
                        quota_volume[quota_key] = float(row["quota_vehicles_per_year"]) * (
                            shares.get(group, 1.0) if group else 1.0)
                        inside = row["in_quota_rate"] * value + cvd * value + specific
                lp.duties[(plant, program, market, year)] = (full, inside)
                unit = variable + route["freight_usd_per_vehicle"] + inventory + full
                x = lp.add(("x", plant, program, market, year), unit * discount[year])
                by_plant_year[(plant, year)].append(x)
                if not math.isnan(_number(route["capacity_vehicles_per_year"])):
                    by_lane_year[(plant, market, year)].append(x)
                    lane_capacity[(plant, market, year)] = float(
                        route["capacity_vehicles_per_year"])
                by_balance[(program, market, year)][x] = 1.0
                if quota_key is not None:
                    z = lp.add(("z", plant, program, market, year),
                               -(full - inside) * discount[year])
                    lp.upper.append(({z: 1.0, x: -1.0}, 0.0, f"quota share {plant}/{program}/"
                                     f"{market}/{year}"))
                    quota_members[quota_key].append(z)
    sales_by_program: dict[tuple, list[int]] = defaultdict(list)
    for position, pool in data["demand"].iterrows():
        market, year = pool["market"], int(pool["year"])
        tier_terms = {}
        for program in _members(data, pool["product"]):
            price = pool["price_usd_per_vehicle"] * _fx(
                rates, markets.loc[market, "country"], year, first_year)
            q = lp.add(("q", position, program), -price * discount[year])
            tier_terms[q] = 1.0
            by_balance[(program, market, year)][q] = -1.0
            sales_by_program[(program, market, year)].append(q)
        lp.upper.append((tier_terms, float(pool["volume_vehicles"]), f"tier {position}"))
    for (plant, year), members in by_plant_year.items():
        plant_row = plants.loc[plant]
        terms = dict.fromkeys(members, 1.0)
        lp.upper.append((terms, float(plant_row["capacity_vehicles_per_year"]),
                         f"capacity {plant} {year}"))
    for plant, plant_row in plants.iterrows():
        floor = plant_row["min_utilisation"] * plant_row["capacity_vehicles_per_year"]
        for year in years:
            if floor > 0 and _open(plant_row, year):
                terms = {x: -1.0 for x in by_plant_year.get((plant, year), [])}
                lp.upper.append((terms, -floor, f"minimum {plant} {year}"))
            if _open(plant_row, year):
                lp.fixed += plant_row["fixed_cost_usd_per_year"] * discount[year] * _fx(
                    rates, plant_row["country"], year, first_year)
    for key, members in by_lane_year.items():
        lp.upper.append((dict.fromkeys(members, 1.0), lane_capacity[key], f"lane {key}"))
    for key, terms in by_balance.items():
        lp.equal.append((terms, 0.0, f"balance {key}"))
    for key, members in quota_members.items():
        lp.upper.append((dict.fromkeys(members, 1.0), quota_volume[key], f"quota {key}"))
    for position, commitment in data["committed_sales"].iterrows():
        market, year = commitment["market"], int(commitment["year"])
        terms = {q: -1.0 for program in _members(data, commitment["product"])
                 for q in sales_by_program.get((program, market, year), [])}
        if lp.penalty is not None:
            u = lp.add(("u", position), lp.penalty * discount[year])
            terms[u] = -1.0
        lp.upper.append((terms, -float(commitment["min_vehicles"]), f"commitment {position}"))
    return lp


def oracle_objective(data: NetworkData) -> float | None:
    """Optimal discounted margin after fixed cost (None when the model is infeasible)."""
    lp = oracle_lp(data)
    if not lp.columns:  # nothing to decide: feasible unless a requirement wants something
        feasible = all(bound >= 0 for _, bound, _ in lp.upper)
        return -lp.fixed if feasible else None
    solution = linprog(**lp.dense(), bounds=(0, None), method="highs")
    if solution.status == 2:
        return None
    assert solution.status == 0, solution.message
    return -float(solution.fun) - lp.fixed


def oracle_check(data: NetworkData, result: Any, tolerance: float = 1e-6) -> list[str]:
    """Evaluate evplan's plan against the oracle's own rows; return the violations found."""
    lp = oracle_lp(data)
    at = {key: position for position, key in enumerate(lp.columns)}
    w = np.zeros(len(lp.columns))
    problems = []
    for _, flow in result["shipments"].iterrows():
        key = (flow["plant"], flow["program"], flow["market"], int(flow["year"]))
        for kind, column in (("x", "shipment_vehicles"), ("z", "in_quota_vehicles")):
            if (kind, *key) in at:
                w[at[(kind, *key)]] = flow[column]
            elif abs(flow[column]) > tolerance:
                problems.append(f"{column} {flow[column]} on {key}, which has no {kind} column")
    demand = data["demand"]
    positions = {(row["market"], int(row["year"]), row["product"], int(row["tier"])): position
                 for position, row in demand.iterrows()}
    for _, sale in result["sales"].iterrows():
        position = positions.get((sale["market"], int(sale["year"]), sale["product"],
                                  int(sale["tier"])))
        key = ("q", position, sale["program"])
        if key in at:
            w[at[key]] = sale["sales_vehicles"]
        elif abs(sale["sales_vehicles"]) > tolerance:
            problems.append(f"sales {sale['sales_vehicles']} on {key}, which has no column")
    if lp.penalty is not None:
        for position, commitment in data["committed_sales"].iterrows():
            sold = sum(w[column] for column, key in enumerate(lp.columns)
                       if key[0] == "q" and demand.loc[key[1], "market"] == commitment["market"]
                       and int(demand.loc[key[1], "year"]) == int(commitment["year"])
                       and key[2] in _members(data, commitment["product"]))
            w[at[("u", position)]] = max(0.0, commitment["min_vehicles"] - sold)
    for terms, bound, name in lp.upper:
        value = sum(coefficient * w[column] for column, coefficient in terms.items())
        if value > bound + tolerance * max(1.0, abs(bound), abs(value)):
            problems.append(f"{name}: {value} > {bound}")
    for terms, bound, name in lp.equal:
        value = sum(coefficient * w[column] for column, coefficient in terms.items())
        if abs(value - bound) > tolerance * max(1.0, abs(bound), *(abs(w[c]) for c in terms)):
            problems.append(f"{name}: {value} != {bound}")
    if (w < -tolerance).any():
        problems.append(f"negative values: {w.min()}")
    objective = -float(np.dot(lp.cost, w)) - lp.fixed
    scale = float(np.abs(np.array(lp.cost) * w).sum()) + abs(lp.fixed)
    if abs(objective - result.objective_usd) > 1e-7 * max(1.0, scale):
        problems.append(f"objective: the plan reports {result.objective_usd}, its values give "
                        f"{objective}")
    return problems


def assert_duties_match(lp: OracleLP, shipments: Any) -> None:
    """Every shipment's full and in-quota duty per vehicle is the oracle's for its flow."""
    import pytest

    for _, flow in shipments.iterrows():
        full, inside = lp.duties[(flow["plant"], flow["program"], flow["market"],
                                  int(flow["year"]))]
        assert flow["full_duty_usd_per_vehicle"] == pytest.approx(full, rel=1e-9, abs=1e-6)
        assert flow["in_quota_duty_usd_per_vehicle"] == pytest.approx(inside, rel=1e-9,
                                                                      abs=1e-6)
