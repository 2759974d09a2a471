"""network_decisions: each event carries the one-off cost the model charges for it alone.

Before, every event of a plant-year carried the plant-year's whole one-off cost, so a
reopening that adds a line counted the reopening and the line twice in the column's sum
(docs/formulation.md, "The plan's network decisions").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.examples import random_strategic_network
from evplan.strategic.check_reported import reported_problems
from tests.strategic.networks import two_plants

EXACT = evplan.SolverOptions(mip_gap=1e-9)
STRATEGY = {"plant": ["P1"], "modules_initial": [1], "modules_max": [2],
            "can_mothball": ["yes"], "mothball_cost_usd": [3e5],
            "mothball_cost_usd_per_year": [2e5], "reopen_cost_usd": [4e5],
            "closure_cost_usd": [5e6], "add_module_cost_usd": [1e5]}


def _one_offs_by_year(result: evplan.Result) -> tuple[pd.Series, pd.Series]:
    costs = result["network_costs"]
    plan = costs[costs["kind"].str.endswith("one-off")].groupby("year")["cost_usd"].sum()
    events = result["network_decisions"].groupby("year")["one_off_cost_usd"].sum()
    return events.reindex(plan.index, fill_value=0.0), plan


@pytest.fixture(scope="module")
def reopen_and_add() -> tuple[evplan.NetworkData, evplan.Result]:
    # P1: one line of 1,000, fixed 2 M (3.2 M with two lines); demand 600, 0, 0, 1,400.
    # Mothball 2026-27 (0.3 M once, 0.2 M a year idle), reopen in 2028 (0.4 M) adding a
    # line (0.1 M): 5.4 + 12.6 - 2.0 - 0.4 - 3.2 - 0.3 - 0.4 - 0.1 = 11.6 M.
    data = two_plants(years=4, demand=[600.0, 0.0, 0.0, 1_400.0], fixed=(2e6, 0.0),
                      capacities=(1_000.0, 0.0), extra={"plant_strategy": STRATEGY})
    return data, evplan.optimize(data, EXACT)


def test_a_reopening_that_adds_a_line_splits_the_plant_years_one_off_cost(
        reopen_and_add: tuple[evplan.NetworkData, evplan.Result]) -> None:
    _, result = reopen_and_add
    assert result.objective_usd == pytest.approx(11.6e6)
    decisions = result["network_decisions"]
    assert decisions["sentence"].tolist() == [
        "mothball P1 from 2026 (idle, kept for a restart) (one-off US$ 300 k)",
        "reopen P1 in 2028 (one-off US$ 400 k)",
        "add 1 module at P1 in 2028 (1 -> 2) (one-off US$ 100 k)"]
    assert decisions["one_off_cost_usd"].tolist() == pytest.approx([3e5, 4e5, 1e5])
    # The plant-year 2028 is charged 0.5 M once; before, both of its rows said 0.5 M.
    plant = result["plant_decisions"].set_index("year")
    assert plant.loc[2028, "one_off_cost_usd"] == pytest.approx(5e5)
    events, plan = _one_offs_by_year(result)
    assert events.to_numpy() == pytest.approx(plan.to_numpy())
    assert decisions["one_off_cost_usd"].sum() == pytest.approx(8e5)


def test_the_check_refuses_the_plant_years_whole_cost_on_each_event(
        reopen_and_add: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = reopen_and_add
    assert reported_problems(data, result.tables) == []
    old = result["network_decisions"].copy()
    old.loc[old["year"] == 2028, "one_off_cost_usd"] = 5e5
    old["sentence"] = old["sentence"].str.replace(r"US\$ [14]00 k", "US$ 500 k", regex=True)
    problems = reported_problems(data, {**result.tables, "network_decisions": old})
    assert any("network_decisions 2028 reopen P1" in problem for problem in problems)
    assert any("network_decisions 2028 add_modules P1" in problem for problem in problems)
    assert any("sum to 1,000,000.00; network_costs' one-off kinds to 500,000.00" in problem
               for problem in problems)


def _trough_network(seed: int) -> evplan.NetworkData:
    """P1 with random event costs and a demand that may dip and come back larger."""
    rng = np.random.default_rng(seed)
    strategy = {"plant": ["P1"], "modules_initial": [int(rng.integers(1, 3))],
                "modules_max": [3], "module_name": ["line"], "can_mothball": ["yes"],
                "can_close": [str(rng.choice(["yes", "no"]))],
                **{column: [float(rng.choice([0.0, 1e5, 3e5, 8e5]))] for column in (
                    "mothball_cost_usd", "reopen_cost_usd", "closure_cost_usd",
                    "add_module_cost_usd", "remove_module_cost_usd")},
                "mothball_cost_usd_per_year": [float(rng.choice([0.0, 1e5, 2e5]))]}
    demand = [float(value) for value in rng.choice([0.0, 400.0, 900.0, 1_400.0, 2_600.0], 4)]
    return two_plants(years=4, demand=demand, fixed=(2e6, float(rng.choice([0.0, 1e6]))),
                      capacities=(1_000.0, float(rng.choice([0.0, 500.0]))),
                      extra={"plant_strategy": strategy})


@pytest.mark.parametrize("seed", range(12))
def test_the_column_sums_to_the_plans_one_off_costs_on_random_networks(seed: int) -> None:
    data = (_trough_network(seed) if seed < 8 else
            random_strategic_network(seed, years=3, plants=2))
    result = evplan.optimize(data)
    assert result.metadata["strategic_check"] == "passed"
    events, plan = _one_offs_by_year(result)
    assert events.to_numpy() == pytest.approx(plan.to_numpy(), rel=1e-9, abs=1e-6)
    assert reported_problems(data, result.tables) == []
