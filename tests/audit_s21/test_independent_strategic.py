"""The strategic MILP (closure, module removal) on duty-rich networks against a brute force.

Every closure year and module count of one strategic plant is enumerated; each is an
export LP solved by the independent dense formulation (test_independent_lp_oracle), with
the plant's capacity, fixed cost and one-off costs as docs/formulation.md ("Plants: close,
mothball, resize") states them. The best must equal evplan's MILP.
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


def strategic_network(seed: int):
    """combo_network with a plant_strategy row for P0 (blank plant years)."""
    base = combo_network(seed)
    rng = np.random.default_rng(10_000 + seed)
    tables = {name: frame.drop(columns=["row"], errors="ignore")
              for name, frame in base.tables.items() if len(frame)}
    plants = tables["plants"].copy()
    tables["plant_strategy"] = closable_p0(plants, rng)
    tables["plants"] = plants
    scenario = base.scenario.as_dict()
    return validate_tables(tables, scenario)


def closable_p0(plants: pd.DataFrame, rng: np.random.Generator, add_module_cost: bool = True
                ) -> pd.DataFrame:
    """Make plant P0 (row 0 of ``plants``, changed in place) open every year with capacity
    and a drawn fixed cost; return its drawn plant_strategy row (closure and modules)."""
    plants["first_year"] = plants["first_year"].astype(object)
    plants["last_year"] = plants["last_year"].astype(object)
    plants.loc[0, ["first_year", "last_year"]] = ["", ""]
    if plants.loc[0, "capacity_vehicles_per_year"] == 0:
        plants.loc[0, "capacity_vehicles_per_year"] = 800.0
    plants.loc[0, "fixed_cost_usd_per_year"] = float(rng.choice([2e5, 1e6, 3e6]))
    row = {"plant": "P0", "modules_initial": int(rng.integers(1, 3)),
           "module_fixed_cost_share": float(rng.choice([0.0, 0.6, 1.0])),
           "remove_module_cost_usd": float(rng.choice([0, 1e5]))}
    if add_module_cost:
        row["add_module_cost_usd"] = float(rng.choice([0, 5e4]))
    row["can_close"] = rng.choice(["yes", "no"])
    row["closure_cost_usd"] = float(rng.choice([0, 2e5, 1e6]))
    return pd.DataFrame([row])


def path_values(data) -> dict[tuple, float]:
    """Margin of every feasible state path of P0 (closure and modules)."""
    strategy = data.tables["plant_strategy"].iloc[0]
    plants = data.tables["plants"].set_index("plant")
    first, last = data.scenario.first_year, data.scenario.last_year
    years = list(range(first, last + 1))
    rate = data.scenario.discount_rate
    n0 = int(strategy["modules_initial"])
    capacity = float(plants.loc["P0", "capacity_vehicles_per_year"])
    fixed = float(plants.loc["P0", "fixed_cost_usd_per_year"])
    share = float(strategy["module_fixed_cost_share"])
    states = list(range(1, n0 + 1)) + (["closed"] if strategy["can_close"] == "yes" else [])
    values = {}
    for path in itertools.product(states, repeat=len(years)):
        if any(a == "closed" and b != "closed" for a, b in itertools.pairwise(path)):
            continue
        plant_state, one_off, previous = {}, 0.0, n0
        for y, state in zip(years, path, strict=True):
            delta = (1 + rate) ** -(y - first)
            if state == "closed":
                plant_state[("P0", y)] = None
                if previous != "closed":
                    one_off += delta * float(strategy["closure_cost_usd"])
            else:
                plant_state[("P0", y)] = (capacity / n0 * state,
                                          (1 - share) * fixed + share * fixed / n0 * state)
                one_off += delta * max(0, previous - state) * float(
                    strategy["remove_module_cost_usd"])
                one_off += delta * max(0, state - previous) * float(
                    strategy["add_module_cost_usd"])
            previous = state
        solution = solve(data, plant_state)
        if solution.status == "optimal":
            values[path] = solution.objective - one_off
    return values


def brute_force(data) -> float:
    """The best margin over every feasible state path of P0 (-inf: none is feasible)."""
    return max(path_values(data).values(), default=-np.inf)


def compare(seed: int) -> None:
    agree(strategic_network, brute_force, seed, abs_usd=1e-3)


@pytest.mark.parametrize("seed", range(30))
def test_strategic_closure_and_modules_agree_with_brute_force(seed: int) -> None:
    compare(seed)
