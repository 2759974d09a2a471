"""Program allocation (plant_program_options: start, stop, tooling, exit, fixed cost).

evplan's strategic MILP against a brute force over the allocation years of one
plant-program option on duty-rich networks; each allocation path is an export LP of the
independent formulation without the plant-program's flows in the years it is not
allocated, less tooling when it starts, exit cost when it stops and the option's fixed cost
in each allocated year (docs/inputs.md, plant_program_options.csv).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from evplan.data import validate_tables
from tests.audit_s21.agree import agree
from tests.audit_s21.test_independent_export import combo_network
from tests.audit_s21.test_independent_lp_oracle import solve


def program_network(seed: int):
    base = combo_network(seed)
    rng = np.random.default_rng(60_000 + seed)
    tables = {name: frame.drop(columns=["row"], errors="ignore")
              for name, frame in base.tables.items() if len(frame)}
    pair = tables["plant_programs"].iloc[int(rng.integers(len(tables["plant_programs"])))]
    tables["plant_program_options"] = pd.DataFrame([{
        "plant": pair["plant"], "program": pair["program"],
        "existing": rng.choice(["yes", "no"]),
        "tooling_cost_usd": float(rng.choice([0, 5e5, 4e6])),
        "exit_cost_usd": float(rng.choice([0, 3e5])),
        "fixed_cost_usd_per_year": float(rng.choice([0, 2e5, 1e6]))}])
    return validate_tables(tables, base.scenario.as_dict())


def brute_force(data) -> float:
    first, last = data.scenario.first_year, data.scenario.last_year
    years = list(range(first, last + 1))
    delta = {y: (1 + data.scenario.discount_rate) ** -(y - first) for y in years}
    option = data.tables["plant_program_options"].iloc[0]
    plants = data.tables["plants"].set_index("plant")
    plant = plants.loc[option["plant"]]

    def operates(y: int) -> bool:
        return (pd.isna(plant["first_year"]) or y >= int(plant["first_year"])) and (
            pd.isna(plant["last_year"]) or y <= int(plant["last_year"]))

    # an allocation is decided only in the years its plant operates (program_allocations
    # has a row per option and year of its plant); the state carries over the others
    years = [y for y in years if operates(y)]
    best = -np.inf
    for path in itertools.product([0, 1], repeat=len(years)):
        previous = 1 if option["existing"] == "yes" else 0
        blocked, cost = set(), 0.0
        for y, allocated in zip(years, path, strict=True):
            if not allocated:
                blocked.add(("flow", option["plant"], option["program"], y))
            cost += delta[y] * (allocated * float(option["fixed_cost_usd_per_year"])
                                + max(0, allocated - previous) * float(
                                    option["tooling_cost_usd"])
                                + max(0, previous - allocated) * float(
                                    option["exit_cost_usd"]))
            previous = allocated
        solution = solve(data, blocked=blocked)
        if solution.status == "optimal":
            best = max(best, solution.objective - cost)
    return best


def compare(seed: int) -> None:
    agree(program_network, brute_force, seed, abs_usd=1e-2)


@pytest.mark.parametrize("seed", range(20))
def test_program_allocation_agrees_with_brute_force(seed: int) -> None:
    compare(seed)
