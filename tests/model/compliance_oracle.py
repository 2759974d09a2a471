"""Random small networks with every compliance table, and an independent scipy formulation.

The networks are duty-free (``default_duty_rate`` 0), one price tier per program, market
and year (the product is the program), so the oracle needs no duty or product logic; all
of its compliance rows are written here from the input tables with plain loops, sharing
no code with :mod:`evplan.model`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import LinearConstraint, linprog, milp

from evplan.data import NetworkData, validate_tables

POWERTRAINS = ("ICE", "HEV", "PHEV", "BEV")


def random_compliance_network(seed: int) -> NetworkData:
    """A seeded random network with fleet targets, a ZEV mandate, credits and carbon."""
    rng = np.random.default_rng(seed)
    years = list(range(2025, 2025 + int(rng.integers(1, 4))))
    countries = ["AA", "BB", "CC"]
    plants = pd.DataFrame({"plant": [f"P{i}" for i in range(int(rng.integers(2, 4)))]})
    plants["country"] = rng.choice(countries[:2], len(plants))
    plants["capacity_vehicles_per_year"] = rng.integers(40, 200, len(plants)).astype(float)
    programs = pd.DataFrame({"program": [f"V{i}" for i in range(int(rng.integers(3, 5)))]})
    programs["powertrain"] = [POWERTRAINS[(i + seed) % 4] for i in range(len(programs))]
    programs["segment"] = "C"
    programs["maker"] = "Maker"
    programs["battery_kwh"] = np.where(programs["powertrain"].isin(["BEV", "PHEV"]),
                                       rng.integers(10, 80, len(programs)), 1).astype(float)
    lanes = [(plant, program) for plant in plants["plant"] for program in programs["program"]
             if rng.random() < 0.7]
    plant_programs = pd.DataFrame(lanes, columns=["plant", "program"])
    plant_programs["variable_cost_usd_per_vehicle"] = rng.integers(8_000, 20_000,
                                                                   len(plant_programs))
    markets = pd.DataFrame({"market": [f"M{i}" for i in range(int(rng.integers(2, 4)))]})
    markets["country"] = rng.choice(countries, len(markets))
    markets["customs_basis"] = "CIF"
    routes = pd.DataFrame([(plant, market) for plant in plants["plant"]
                           for market in markets["market"] if rng.random() < 0.8],
                          columns=["plant", "market"])
    routes["freight_usd_per_vehicle"] = rng.integers(0, 2_000, len(routes))
    routes["co2_kg_per_vehicle"] = rng.integers(0, 400, len(routes))
    demand = pd.DataFrame([(market, year, program) for market in markets["market"]
                           for year in years for program in programs["program"]],
                          columns=["market", "year", "product"])
    demand["tier"] = 1
    demand["volume_vehicles"] = rng.integers(0, 80, len(demand))
    demand["price_usd_per_vehicle"] = rng.integers(12_000, 30_000, len(demand))
    program_emissions = programs[["program"]].copy()
    program_emissions["co2_g_per_km"] = np.where(
        programs["powertrain"].eq("BEV"), 0, rng.integers(40, 200, len(programs)))
    program_emissions["electricity_kwh_per_100km"] = np.where(
        programs["powertrain"].isin(["BEV", "PHEV"]), rng.integers(8, 20, len(programs)), 0)
    program_emissions["lifetime_km"] = 100_000
    grid = pd.DataFrame({"country": countries,
                         "grid_g_co2_per_kwh": rng.integers(50, 800, len(countries))})
    plant_emissions = plants[["plant"]].copy()
    plant_emissions["assembly_kwh_per_vehicle"] = rng.integers(0, 1_000, len(plants))
    plant_emissions["battery_kg_co2_per_kwh"] = rng.integers(40, 120, len(plants))
    fleet_market = str(rng.choice(markets["market"]))
    group = "G" if rng.random() < 0.5 else ""
    fleet_targets = pd.DataFrame({
        "market": fleet_market, "year": years,
        "target_g_per_km": rng.integers(40, 140, len(years)),
        "premium_usd_per_g_km": float(rng.integers(20, 150)),
        "pool_price_usd_per_g_km": float(rng.integers(10, 100)) if rng.random() < 0.5 else "",
        "averaging_group": group})
    zev_market = str(rng.choice(markets["market"]))
    price = float(rng.integers(500, 6_000))
    zev_mandates = pd.DataFrame({
        "market": zev_market, "year": years,
        "zev_share": np.round(rng.uniform(0.05, 0.6, len(years)), 3),
        "bev_credits_per_vehicle": 1.0,
        "phev_credits_per_vehicle": round(float(rng.uniform(0, 0.6)), 3),
        # at least the purchase price: a sale price above the penalty is an input error;
        # one per year, falling: a penalty below a later year's is an input error too
        "penalty_usd_per_vehicle": sorted((max(float(p), price) for p in rng.integers(
            2_000, 20_000, len(years))), reverse=True),
        "credit_price_usd": price if rng.random() < 0.6 else "",
        "credit_sale_price_usd": price * 0.7 if rng.random() < 0.5 else "",
        "banking": "yes" if rng.random() < 0.7 else "no",
        "borrow_share": round(float(rng.uniform(0, 0.5)), 3) if rng.random() < 0.5 else 0.0})
    credit_price = float(rng.integers(50, 1_500))
    production_credits = pd.DataFrame({
        "country": "AA", "year": years,
        "requirement_share": np.round(rng.uniform(0.1, 0.4, len(years)), 3),
        "bev_credits_per_vehicle": round(float(rng.uniform(1, 3)), 3),
        "phev_credits_per_vehicle": round(float(rng.uniform(0.5, 1.5)), 3),
        "credit_price_usd": credit_price,
        "credit_sale_price_usd": credit_price * 0.8 if rng.random() < 0.5 else ""})
    carbon_prices = pd.DataFrame({
        "year": years, "carbon_price_usd_per_t": rng.integers(0, 120, len(years)),
        "cap_t_co2": [float(rng.integers(5, 400)) if rng.random() < 0.5 else ""
                      for _ in years],
        "include_use_phase": "yes" if rng.random() < 0.3 else "no"})
    tables = {"plants": plants, "programs": programs, "plant_programs": plant_programs,
              "markets": markets, "routes": routes, "demand": demand,
              "program_emissions": program_emissions, "grid_intensity": grid,
              "plant_emissions": plant_emissions, "fleet_targets": fleet_targets,
              "zev_mandates": zev_mandates, "production_credits": production_credits,
              "carbon_prices": carbon_prices}
    scenario = {"name": f"compliance-random-{seed} (synthetic)", "first_year": years[0],
                "last_year": years[-1], "default_duty_rate": 0.0,
                "discount_rate": round(float(rng.uniform(0, 0.1)), 3)}
    return validate_tables(tables, scenario)


def compliance_oracle_objective(data: NetworkData, exact: bool = False) -> float:
    """Optimal discounted margin of a :func:`random_compliance_network`, via linprog.

    With ``exact`` the ZEV rule is the regulation's rather than evplan's LP row: a penalty
    settles only its own year, so a year with credits missing banks and sells none (one
    binary per mandate year, solved by ``scipy.optimize.milp``). Where evplan's inputs
    are valid the two agree; the LP alone would bank a cheap early penalty.
    """
    scenario = data.scenario
    years = list(range(scenario.first_year, scenario.last_year + 1))
    delta = {year: (1 + scenario.discount_rate) ** -(year - years[0]) for year in years}
    plants = data.plants.set_index("plant")
    programs = data.programs.set_index("program")
    markets = data.markets.set_index("market")
    grid = dict(zip(data["grid_intensity"]["country"],
                    data["grid_intensity"]["grid_g_co2_per_kwh"], strict=True))
    plant_co2 = data["plant_emissions"].set_index("plant")
    emissions = data["program_emissions"].set_index("program")
    demand = {(row.market, int(row.year), row.product): row
              for row in data["demand"].itertuples()}

    columns: list[tuple] = []
    cost: list[float] = []
    flows = []   # (column, plant, program, market, year, tonnes counted)
    carbon = data["carbon_prices"].set_index("year")
    for lane in data["plant_programs"].itertuples():
        for route in data["routes"][data["routes"]["plant"] == lane.plant].itertuples():
            for year in years:
                pool = demand.get((route.market, year, lane.program))
                if pool is None:
                    continue
                plant = plants.loc[lane.plant]
                production = (plant_co2.loc[lane.plant, "assembly_kwh_per_vehicle"]
                              * grid[plant["country"]] / 1e6
                              + programs.loc[lane.program, "battery_kwh"]
                              * plant_co2.loc[lane.plant, "battery_kg_co2_per_kwh"] / 1e3)
                use = emissions.loc[lane.program, "lifetime_km"] * (
                    emissions.loc[lane.program, "co2_g_per_km"]
                    + emissions.loc[lane.program, "electricity_kwh_per_100km"] / 100
                    * grid[markets.loc[route.market, "country"]]) / 1e6
                tonnes = production + route.co2_kg_per_vehicle / 1e3
                if carbon.loc[year, "include_use_phase"] == "yes":
                    tonnes += use
                margin = (pool.price_usd_per_vehicle - lane.variable_cost_usd_per_vehicle
                          - route.freight_usd_per_vehicle
                          - carbon.loc[year, "carbon_price_usd_per_t"] * tonnes)
                columns.append(("x", lane.plant, lane.program, route.market, year))
                cost.append(-margin * delta[year])
                flows.append((len(columns) - 1, lane.plant, lane.program, route.market, year,
                              tonnes))

    def add(name: tuple, unit_cost: float, upper: float | None = None) -> int:
        columns.append(name)
        cost.append(unit_cost)
        bounds.append((0, upper))
        return len(columns) - 1

    bounds: list[tuple[float, float | None]] = [(0, None)] * len(columns)
    rows_ub: list[dict[int, float]] = []
    rhs_ub: list[float] = []

    targets = data["fleet_targets"]
    for _, group in targets.groupby(["market", targets["averaging_group"].where(
            targets["averaging_group"] != "", targets["year"].astype(str))]):
        last = int(group["year"].max())
        premium = group["premium_usd_per_g_km"].iloc[0]
        pool_price = group["pool_price_usd_per_g_km"].iloc[0]
        row: dict[int, float] = {}
        for target in group.itertuples():
            for column, _p, program, market, year, _t in flows:
                if market == target.market and year == int(target.year):
                    row[column] = row.get(column, 0.0) + (
                        emissions.loc[program, "co2_g_per_km"] - target.target_g_per_km)
        row[add(("excess",), premium * delta[last])] = -1.0
        if not np.isnan(pool_price):
            row[add(("pool",), pool_price * delta[last])] = -1.0
        rows_ub.append(row)
        rhs_ub.append(0.0)

    mandates = data["zev_mandates"].sort_values("year")
    carried: dict[int, float] = {}
    settles: list[tuple[int, int, int]] = []   # (bank, sold, missing) per mandate year
    for position, mandate in enumerate(mandates.itertuples()):
        year = int(mandate.year)
        last = position == len(mandates) - 1
        d = delta[year]
        bank = add(("bank", year), 0.0, None if mandate.banking == "yes" else 0.0)
        debt = add(("debt", year), 0.0, 0.0 if last or mandate.borrow_share == 0 else None)
        bought = add(("bought", year), (mandate.credit_price_usd if not np.isnan(
            mandate.credit_price_usd) else 0.0) * d,
            None if not np.isnan(mandate.credit_price_usd) else 0.0)
        sold = add(("sold", year), -(mandate.credit_sale_price_usd if not np.isnan(
            mandate.credit_sale_price_usd) else 0.0) * d,
            None if not np.isnan(mandate.credit_sale_price_usd) else 0.0)
        missing = add(("missing", year), mandate.penalty_usd_per_vehicle * d)
        settles.append((bank, sold, missing))
        # -(credits - required + carried - bank + debt + bought - sold + missing) <= 0
        row = {column: -value for column, value in carried.items()}
        limit: dict[int, float] = {debt: 1.0}
        for column, _p, program, market, flow_year, _t in flows:
            if market == mandate.market and flow_year == year:
                powertrain = programs.loc[program, "powertrain"]
                credit = (mandate.bev_credits_per_vehicle if powertrain == "BEV" else
                          mandate.phev_credits_per_vehicle if powertrain == "PHEV" else 0.0)
                row[column] = row.get(column, 0.0) - (credit - mandate.zev_share)
                limit[column] = -mandate.borrow_share * mandate.zev_share
        for column, value in ((bank, 1.0), (debt, -1.0), (bought, -1.0), (sold, 1.0),
                              (missing, -1.0)):
            row[column] = row.get(column, 0.0) + value
        rows_ub.append(row)
        rhs_ub.append(0.0)
        rows_ub.append(limit)
        rhs_ub.append(0.0)
        carried = {bank: 1.0, debt: -1.0}

    for regime in data["production_credits"].itertuples():
        year = int(regime.year)
        sale = regime.credit_sale_price_usd
        bought = add(("credit_bought", year), regime.credit_price_usd * delta[year])
        sold = add(("credit_sold", year), -(0.0 if np.isnan(sale) else sale) * delta[year],
                   0.0 if np.isnan(sale) else None)
        row = {bought: -1.0, sold: 1.0}
        for column, plant, program, _m, flow_year, _t in flows:
            if plants.loc[plant, "country"] == regime.country and flow_year == year:
                powertrain = programs.loc[program, "powertrain"]
                earned = (regime.bev_credits_per_vehicle if powertrain == "BEV" else
                          regime.phev_credits_per_vehicle if powertrain == "PHEV" else 0.0)
                required = regime.requirement_share if powertrain in ("ICE", "HEV") else 0.0
                row[column] = -(earned - required)
        rows_ub.append(row)
        rhs_ub.append(0.0)

    for year, rule in carbon.iterrows():
        if not np.isnan(rule["cap_t_co2"]):
            rows_ub.append({column: tonnes for column, _p, _v, _k, flow_year, tonnes in flows
                            if flow_year == year})
            rhs_ub.append(rule["cap_t_co2"])
    for plant, plant_row in plants.iterrows():
        for year in years:
            rows_ub.append({column: 1.0 for column, p, _v, _k, flow_year, _t in flows
                            if p == plant and flow_year == year})
            rhs_ub.append(plant_row["capacity_vehicles_per_year"])
    for (market, year, program), pool in demand.items():
        rows_ub.append({column: 1.0 for column, _p, v, k, flow_year, _t in flows
                        if (v, k, flow_year) == (program, market, year)})
        rhs_ub.append(pool.volume_vehicles)

    matrix = np.zeros((len(rows_ub), len(columns)))
    for position, row in enumerate(rows_ub):
        for column, value in row.items():
            matrix[position, column] += value
    if not exact:
        solution = linprog(np.array(cost), A_ub=matrix, b_ub=np.array(rhs_ub), bounds=bounds,
                           method="highs")
        assert solution.status == 0, solution.message
        return -float(solution.fun)
    # One binary z per mandate year: bank + sold <= big z, missing <= big (1 - z). No
    # optimum moves more credits than ten per vehicle the horizon could sell.
    big = 10.0 * (float(data["demand"]["volume_vehicles"].sum()) + 1.0)
    width = len(columns) + len(settles)
    links = np.zeros((2 * len(settles), width))
    for k, (bank, sold, missing) in enumerate(settles):
        z = len(columns) + k
        links[2 * k, [bank, sold, z]] = [1.0, 1.0, -big]
        links[2 * k + 1, [missing, z]] = [1.0, big]
    upper = [np.inf if high is None else high for _, high in bounds] + [1.0] * len(settles)
    solution = milp(np.r_[np.array(cost), np.zeros(len(settles))],
                    constraints=[LinearConstraint(np.hstack([matrix, np.zeros(
                        (len(matrix), len(settles)))]), -np.inf, np.array(rhs_ub)),
                        LinearConstraint(links, -np.inf, np.tile([0.0, big], len(settles)))],
                    integrality=np.r_[np.zeros(len(columns)), np.ones(len(settles))],
                    bounds=(np.zeros(width), np.array(upper)))
    assert solution.status == 0, solution.message
    return -float(solution.fun)
