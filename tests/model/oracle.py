"""An independent formulation of the network model, written directly for scipy.optimize.linprog.

It reads the validated tables and rebuilds everything with plain Python loops over
rows (fine for small networks): its own enumeration of lanes, its own duty lookup,
its own dense constraint matrix. It shares no code with evplan.model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from evplan.data import NetworkData


def _applies(row: pd.Series, year: int, first: int, last: int) -> bool:
    start = first if pd.isna(row["first_year"]) else int(row["first_year"])
    end = last if pd.isna(row["last_year"]) else int(row["last_year"])
    return start <= year <= end


def _duty_row(data: NetworkData, origin: str, market: str, powertrain: str, year: int):
    first, last = data.scenario.first_year, data.scenario.last_year
    for wanted in (powertrain, "*"):
        for _, row in data["duties"].iterrows():
            if (row["origin"] == origin and row["market"] == market
                    and row["powertrain"] == wanted and _applies(row, year, first, last)):
                return row
    return None


def _cvd(data: NetworkData, origin: str, market: str, powertrain: str, maker: str, year: int
         ) -> float:
    first, last = data.scenario.first_year, data.scenario.last_year
    for wanted_powertrain, wanted_maker in ((powertrain, maker), (powertrain, "*"),
                                            ("*", maker), ("*", "*")):
        for _, row in data["countervailing_duties"].iterrows():
            if (row["origin"] == origin and row["market"] == market
                    and row["powertrain"] == wanted_powertrain and row["maker"] == wanted_maker
                    and _applies(row, year, first, last)):
                return float(row["cvd_rate"])
    return 0.0


def _members(data: NetworkData, product: str) -> list[str]:
    programs = data.programs
    chosen = programs[(programs["program"] == product) | (programs["segment"] == product)
                      | (programs["powertrain"] == product)]
    return list(chosen["program"])


def oracle_objective(data: NetworkData) -> float:
    """Optimal discounted margin after fixed cost, solved with scipy.optimize.linprog."""
    scenario = data.scenario
    years = list(range(scenario.first_year, scenario.last_year + 1))
    plants = data.plants.set_index("plant")
    programs = data.programs.set_index("program")
    markets = data.markets.set_index("market")
    discount = {year: (1 + scenario.discount_rate) ** -(year - scenario.first_year)
                for year in years}

    columns: list[tuple] = []   # ("x", plant, program, market, year) / ("q", pool, program) ...
    cost: list[float] = []      # to minimise: minus margin
    x_info = []
    for _, lane in data["plant_programs"].iterrows():
        plant, program = lane["plant"], lane["program"]
        for _, route in data["routes"][data["routes"]["plant"] == plant].iterrows():
            market = route["market"]
            for year in years:
                if not _applies(plants.loc[plant], year, years[0], years[-1]):
                    continue
                if not _applies(route, year, years[0], years[-1]):
                    continue
                origin = plants.loc[plant, "country"]
                powertrain = programs.loc[program, "powertrain"]
                maker = programs.loc[program, "maker"]
                value = lane["variable_cost_usd_per_vehicle"] * (
                    1 + scenario.transfer_price_markup)
                if markets.loc[market, "customs_basis"] == "CIF":
                    value += route["freight_usd_per_vehicle"]
                full = quota_duty = 0.0
                quota_key = None
                if origin != markets.loc[market, "country"]:
                    row = _duty_row(data, origin, market, powertrain, year)
                    rate = scenario.default_duty_rate or 0.0
                    minimum = specific = 0.0
                    if row is not None:
                        rate = row["ad_valorem_rate"]
                        minimum = row["minimum_usd_per_vehicle"]
                        specific = row["specific_usd_per_vehicle"]
                    cvd = _cvd(data, origin, market, powertrain, maker, year)
                    full = max(rate * value, minimum) + cvd * value + specific
                    quota_duty = full
                    if row is not None and not math.isnan(row["quota_vehicles_per_year"]):
                        owner = row["quota_group"] or f"row {int(row['row'])}"
                        quota_key = (owner, year, float(row["quota_vehicles_per_year"]))
                        quota_duty = row["in_quota_rate"] * value + cvd * value + specific
                unit = (lane["variable_cost_usd_per_vehicle"] + route["freight_usd_per_vehicle"]
                        + full)
                columns.append(("x", plant, program, market, year))
                cost.append(unit * discount[year])
                x_info.append((len(columns) - 1, plant, program, market, year,
                               route["capacity_vehicles_per_year"], quota_key,
                               full - quota_duty))
    sale_columns = []
    for position, pool in data["demand"].iterrows():
        for program in _members(data, pool["product"]):
            columns.append(("q", position, program))
            cost.append(-pool["price_usd_per_vehicle"] * discount[int(pool["year"])])
            sale_columns.append((len(columns) - 1, position, program, pool))
    quota_columns = []
    for column, _plant, _program, _market, year, _cap, quota_key, saving in x_info:
        if quota_key is not None:
            columns.append(("z", column))
            cost.append(-saving * discount[year])
            quota_columns.append((len(columns) - 1, column, quota_key))
    unmet_columns = []
    penalty = scenario.unmet_committed_penalty_usd_per_vehicle
    for position, commitment in data["committed_sales"].iterrows():
        if penalty is not None:
            columns.append(("u", position))
            cost.append(penalty * discount[int(commitment["year"])])
            unmet_columns.append((len(columns) - 1, position))

    n = len(columns)
    a_ub, b_ub, a_eq, b_eq = [], [], [], []

    def new_row() -> np.ndarray:
        return np.zeros(n)

    for year in years:
        for plant, plant_row in plants.iterrows():
            if not _applies(plant_row, year, years[0], years[-1]):
                continue
            row = new_row()
            for column, p, _v, _k, y, _c, _q, _s in x_info:
                if p == plant and y == year:
                    row[column] = 1
            a_ub.append(row)
            b_ub.append(plant_row["capacity_vehicles_per_year"])
            floor = plant_row["min_utilisation"] * plant_row["capacity_vehicles_per_year"]
            if floor > 0:
                a_ub.append(-row)
                b_ub.append(-floor)
    lanes = {}
    for column, plant, _v, market, year, capacity, _q, _s in x_info:
        if not math.isnan(capacity):
            lanes.setdefault((plant, market, year, capacity), []).append(column)
    for (_p, _k, _y, capacity), members in lanes.items():
        row = new_row()
        row[members] = 1
        a_ub.append(row)
        b_ub.append(capacity)
    for position, pool in data["demand"].iterrows():
        row = new_row()
        for column, pool_position, _program, _pool in sale_columns:
            if pool_position == position:
                row[column] = 1
        a_ub.append(row)
        b_ub.append(pool["volume_vehicles"])
    keys = {(v, k, y) for _c, _p, v, k, y, _cap, _q, _s in x_info}
    keys |= {(program, pool["market"], int(pool["year"])) for _c, _pp, program, pool
             in sale_columns}
    for program, market, year in keys:
        row = new_row()
        for column, _p, v, k, y, _cap, _q, _s in x_info:
            if (v, k, y) == (program, market, year):
                row[column] = 1
        for column, _pp, v, pool in sale_columns:
            if (v, pool["market"], int(pool["year"])) == (program, market, year):
                row[column] = -1
        a_eq.append(row)
        b_eq.append(0.0)
    quotas: dict[tuple, list[int]] = {}
    for column, x_column, key in quota_columns:
        row = new_row()
        row[column] = 1
        row[x_column] = -1
        a_ub.append(row)
        b_ub.append(0.0)
        quotas.setdefault(key, []).append(column)
    for (_r, _y, volume), members in quotas.items():
        row = new_row()
        row[members] = 1
        a_ub.append(row)
        b_ub.append(volume)
    for position, commitment in data["committed_sales"].iterrows():
        row = new_row()
        members = _members(data, commitment["product"])
        for column, _pp, program, pool in sale_columns:
            if (program in members and pool["market"] == commitment["market"]
                    and int(pool["year"]) == int(commitment["year"])):
                row[column] = -1
        for column, unmet_position in unmet_columns:
            if unmet_position == position:
                row[column] = -1
        a_ub.append(row)
        b_ub.append(-commitment["min_vehicles"])

    solution = linprog(np.array(cost), A_ub=np.array(a_ub) if a_ub else None,
                       b_ub=np.array(b_ub) if b_ub else None,
                       A_eq=np.array(a_eq) if a_eq else None,
                       b_eq=np.array(b_eq) if b_eq else None, bounds=(0, None), method="highs")
    assert solution.status == 0, solution.message
    fixed = sum(plant_row["fixed_cost_usd_per_year"] * discount[year]
                for year in years for _, plant_row in plants.iterrows()
                if _applies(plant_row, year, years[0], years[-1]))
    return -float(solution.fun) - fixed
