"""Program moves and closures with severance, against an independent brute force.

The oracle does not use evplan's model: it enumerates, in plain Python, every history of the
network decisions the prose rules of docs/formulation.md allow (each plant open or closed for
good per year, from ``earliest_closure_year``; each plant-program option allocated per year
only while its plant is open, at most ``max_plants`` plants a year), and for each one solves
the remaining LP (shipments, sales in price tiers: a stepwise demand curve) with
``scipy.optimize.linprog`` built from the input tables here. Costs, discounted by
(1 + r)^-(y - first year):

* a running plant with one module pays its fixed cost every year it is open;
* closure pays ``closure_cost_usd`` (severance) in the first year closed;
* an allocated option pays its ``fixed_cost_usd_per_year``; starting it (allocated, not the
  year before; the year before the horizon: ``existing``) pays ``tooling_cost_usd``,
  stopping it ``exit_cost_usd``; a plant builds V1 only in years the option is allocated.

evplan's optimum must equal the best enumerated value (1e-6 relative), and the decisions it
reports (plant states, allocations), fixed in the oracle's LP, must give that value. A run
cut short by a time limit must keep plan <= optimum <= bound, and say ``optimal`` only with
its gap closed; the strategic checker must pass the plan and reject a corrupted one.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import evplan
from evplan.data import NetworkData, validate_tables
from evplan.highs import SolverOptions
from evplan.strategic.check import check_plan

YEARS = (2025, 2026, 2027)
RATE = 0.07
PLANTS = ("P1", "P2")
DELTA = {y: (1 + RATE) ** -(y - YEARS[0]) for y in YEARS}


def case(seed: int) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    """Tables of a random case: two one-module plants, V1 existing at P1, optional at P2."""
    rng = np.random.default_rng(27_112 + seed)
    tables = {
        "plants": pd.DataFrame({"plant": list(PLANTS), "country": "AA",
                                "capacity_vehicles_per_year": rng.choice([300.0, 600.0, 900.0],
                                                                         2),
                                "fixed_cost_usd_per_year": rng.uniform(2e5, 2e6, 2).round()}),
        "programs": pd.DataFrame({"program": ["V1"], "powertrain": ["BEV"], "segment": ["C"],
                                  "maker": ["Maker"]}),
        "plant_programs": pd.DataFrame({"plant": list(PLANTS), "program": "V1",
                                        "variable_cost_usd_per_vehicle":
                                        rng.uniform(8_000, 14_000, 2).round()}),
        "markets": pd.DataFrame({"market": ["M1"], "country": ["AA"]}),
        "routes": pd.DataFrame({"plant": list(PLANTS), "market": "M1",
                                "freight_usd_per_vehicle": rng.uniform(200, 2_000, 2).round()}),
        "duties": pd.DataFrame({"origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
                                "ad_valorem_rate": [0.0]}),
    }
    demand = []
    for year in YEARS:
        price = float(rng.uniform(17_000, 24_000))
        for tier in (1, 2, 3):  # a falling price per extra block: the demand's elasticity
            demand.append({"market": "M1", "year": year, "product": "V1", "tier": tier,
                           "volume_vehicles": float(rng.uniform(50, 400)).__round__(),
                           "price_usd_per_vehicle": round(price * (1 - 0.12 * (tier - 1)))})
    tables["demand"] = pd.DataFrame(demand)
    tables["plant_strategy"] = pd.DataFrame({
        "plant": list(PLANTS), "modules_initial": 1, "can_close": "yes",
        "closure_cost_usd": rng.uniform(0, 3e6, 2).round(),
        "earliest_closure_year": rng.choice(list(YEARS), 2)})
    tables["plant_program_options"] = pd.DataFrame({
        "plant": list(PLANTS), "program": "V1", "existing": ["yes", "no"],
        "tooling_cost_usd": rng.uniform(0, 2e6, 2).round(),
        "exit_cost_usd": rng.uniform(0, 1e6, 2).round(),
        "fixed_cost_usd_per_year": rng.uniform(0, 4e5, 2).round()})
    tables["program_lifecycle"] = pd.DataFrame({"program": ["V1"],
                                                "max_plants": [int(rng.choice([1, 2]))]})
    scenario = {"name": f"moves oracle {seed} (synthetic)", "first_year": YEARS[0],
                "last_year": YEARS[-1], "discount_rate": RATE}
    return tables, scenario


def _data(seed: int) -> tuple[dict[str, pd.DataFrame], NetworkData]:
    tables, scenario = case(seed)
    return tables, validate_tables(tables, scenario)


def lp_value(tables: dict[str, pd.DataFrame], open_: dict[str, tuple[int, ...]],
             allocated: dict[str, tuple[int, ...]]) -> float:
    """Best discounted margin with these decisions (-inf when they break a rule)."""
    plants = tables["plants"].set_index("plant")
    strategy = tables["plant_strategy"].set_index("plant")
    options = tables["plant_program_options"].set_index("plant")
    most = int(tables["program_lifecycle"]["max_plants"].iloc[0])
    cost = 0.0
    for p in PLANTS:
        rule = strategy.loc[p]
        was_open, was_allocated = 1, int(options.loc[p, "existing"] == "yes")
        for t, year in enumerate(YEARS):
            is_open, is_allocated = open_[p][t], allocated[p][t]
            if is_open > was_open or is_allocated > is_open:
                return -np.inf  # closure is for good; an option only at an open plant
            if not is_open and year < rule["earliest_closure_year"]:
                return -np.inf
            cost += DELTA[year] * (is_open * plants.loc[p, "fixed_cost_usd_per_year"]
                                   + (was_open - is_open) * rule["closure_cost_usd"]
                                   + is_allocated * options.loc[p, "fixed_cost_usd_per_year"]
                                   + max(is_allocated - was_allocated, 0)
                                   * options.loc[p, "tooling_cost_usd"]
                                   + max(was_allocated - is_allocated, 0)
                                   * options.loc[p, "exit_cost_usd"])
            was_open, was_allocated = is_open, is_allocated
    for t in range(len(YEARS)):
        if sum(allocated[p][t] for p in PLANTS) > most:
            return -np.inf
    # LP columns: x[p, y] shipments, then s[tier, y] sales
    unit = (tables["plant_programs"].set_index("plant")["variable_cost_usd_per_vehicle"]
            + tables["routes"].set_index("plant")["freight_usd_per_vehicle"])
    demand = tables["demand"]
    n_x = len(PLANTS) * len(YEARS)
    c = np.zeros(n_x + len(demand))
    upper = np.zeros(n_x + len(demand))
    equality = np.zeros((len(YEARS), n_x + len(demand)))
    for i, p in enumerate(PLANTS):
        for t, year in enumerate(YEARS):
            column = i * len(YEARS) + t
            c[column] = DELTA[year] * unit[p]  # linprog minimises: costs +
            upper[column] = plants.loc[p, "capacity_vehicles_per_year"] * allocated[p][t]
            equality[t, column] = 1.0
    for k, row in enumerate(demand.itertuples()):
        t = YEARS.index(row.year)
        c[n_x + k] = -DELTA[row.year] * row.price_usd_per_vehicle
        upper[n_x + k] = row.volume_vehicles
        equality[t, n_x + k] = -1.0
    solved = linprog(c, A_eq=equality, b_eq=np.zeros(len(YEARS)),
                     bounds=list(zip(np.zeros(len(c)), upper, strict=True)), method="highs")
    assert solved.status == 0
    return -float(solved.fun) - cost


def brute_force(tables: dict[str, pd.DataFrame]) -> float:
    """Best value over every open/allocated history (2 plants x 3 years)."""
    open_histories = [(1, 1, 1), (1, 1, 0), (1, 0, 0), (0, 0, 0)]
    best = -np.inf
    for opened in itertools.product(open_histories, repeat=len(PLANTS)):
        for chosen in itertools.product(itertools.product((0, 1), repeat=len(YEARS)),
                                        repeat=len(PLANTS)):
            best = max(best, lp_value(tables, dict(zip(PLANTS, opened, strict=True)),
                                      dict(zip(PLANTS, chosen, strict=True))))
    return best


def reported(result: evplan.Result) -> tuple[dict[str, tuple[int, ...]],
                                              dict[str, tuple[int, ...]]]:
    """The plan's decisions: open per plant-year, allocated per option-year."""
    states = result.tables["plant_decisions"].set_index(["plant", "year"])["state"]
    allocations = result.tables["program_allocations"].set_index(["plant", "year"])[
        "allocated"]
    open_ = {p: tuple(int(states[(p, y)] != "closed") for y in YEARS) for p in PLANTS}
    allocated = {p: tuple(int(bool(allocations[(p, y)])) for y in YEARS) for p in PLANTS}
    return open_, allocated


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


@pytest.mark.parametrize("seed", range(8))
def test_moves_and_closures_match_the_brute_force(seed: int) -> None:
    tables, data = _data(seed)
    best = brute_force(tables)
    result = evplan.optimize(data, SolverOptions(mip_gap=0.0))
    assert result.status == "optimal"
    assert _close(result.objective_usd, best), (result.objective_usd, best)
    open_, allocated = reported(result)
    assert _close(lp_value(tables, open_, allocated), best)
    assert check_plan(data, result.tables, result.objective_usd) == []


def test_the_cases_exercise_moves_and_closures() -> None:
    """Across the seeds, evplan's plans move V1 to P2 and close a plant (not a trivial
    stay-put oracle)."""
    moved = closed = 0
    for seed in range(8):
        _, data = _data(seed)
        open_, allocated = reported(evplan.optimize(data, SolverOptions(mip_gap=0.0)))
        moved += any(allocated["P2"])
        closed += sum(1 for p in PLANTS if 0 in open_[p])
    assert moved and closed


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("limit", [0.0, 0.05])
def test_a_time_limited_run_is_honest(seed: int, limit: float) -> None:
    tables, data = _data(seed)
    best = brute_force(tables)
    try:
        result = evplan.optimize(data, SolverOptions(time_limit_s=limit, mip_gap=1e-4))
    except evplan.errors.SolverLimitError:
        return  # no plan at all, said so
    plan, bound = result.objective_usd, result.metadata["mip_bound_usd"]
    slack = 1e-6 * max(1.0, abs(best))
    assert plan <= best + slack and best <= bound + slack
    if result.status == "optimal":
        assert result.metadata["mip_gap"] <= 1e-4 + 1e-9
        assert best - plan <= 1e-4 * abs(best) + slack
    assert check_plan(data, result.tables, plan) == []


@pytest.mark.parametrize(("table", "column"), [
    ("plant_decisions", "production_vehicles"), ("plant_decisions", "fixed_cost_usd"),
    ("plant_decisions", "closed_this_year"), ("program_allocations", "allocated"),
    ("program_allocations", "one_off_cost_usd"), ("sales", "sales_vehicles"),
])
def test_the_checker_rejects_a_corrupted_plan(table: str, column: str) -> None:
    _, data = _data(1)
    result = evplan.optimize(data, SolverOptions(mip_gap=0.0))
    assert check_plan(data, result.tables, result.objective_usd) == []
    tables = {name: frame.copy() for name, frame in result.tables.items()}
    frame = tables[table]
    row = int(np.flatnonzero(frame[column].astype(float).to_numpy() != 0)[0]) if (
        frame[column].astype(float) != 0).any() else 0
    value = frame[column].iloc[row]
    frame.loc[frame.index[row], column] = (not value) if isinstance(value, (bool, np.bool_)) \
        else float(value) * 0.9 + 1.0
    assert check_plan(data, tables, result.objective_usd) != []


def test_a_closed_gap_with_rounding_is_optimal_and_an_open_one_is_not() -> None:
    """mip_gap 0: a bound 1e-16 relative above the plan (rounding) is a closed gap (seed 2
    above was reported ``time_limit`` with its gap 0); 10 USD above it is not."""
    from evplan.highs import HighsRun
    from evplan.strategic.solve import gap_closed

    def run(bound: float) -> HighsRun:
        return HighsRun(status="optimal", has_solution=True, objective=3_776_259.739016507,
                        primal=np.zeros(1), dual=np.zeros(0), mip_gap=0.0, seconds=0.0,
                        bound=bound)

    assert gap_closed(run(3_776_259.739016508), 0.0, 0.0)
    assert not gap_closed(run(3_776_269.739016508), 0.0, 0.0)
    assert gap_closed(run(3_776_269.739016508), 0.0, 1e-5)
