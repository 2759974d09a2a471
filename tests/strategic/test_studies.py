"""Sweeps, Monte Carlo and break-even duties on strategic inputs.

Every case of a sweep or Monte Carlo study with strategic tables is solved as its own full
MILP (no warm start: a different case may want a different network), so each case must
equal an independent ``evplan.optimize`` of the patched inputs. Break-even duties hold the
optimal plan's network fixed and re-solve that LP warm.
"""

from __future__ import annotations

import numpy as np
import pytest

import evplan
from evplan.examples import random_strategic_network
from evplan.scenarios import apply_patches, breakeven_duties, grid_cases, montecarlo_cases
from evplan.scenarios.breakeven import bisect_breakeven
from evplan.scenarios.overrides import Patch, parse_catalog
from evplan.scenarios.warm import WarmModel
from evplan.strategic.milp import network_values

CATALOG = parse_catalog({
    "parameters": {"prices": {"demand": {"scale": "price_usd_per_vehicle"}},
                   "closure": {"plant_strategy": {"scale": "closure_cost_usd"}}},
    "montecarlo": {"mc": {"samples": 2, "seed": 7, "parameters": {
        "prices": {"distribution": "uniform", "low": 0.9, "high": 1.1}}}}})


@pytest.fixture(scope="module")
def data() -> evplan.NetworkData:
    return random_strategic_network(5, features=("plants", "programs", "kits"))


def test_sweep_cases_are_full_milps(data: evplan.NetworkData) -> None:
    cases = grid_cases(CATALOG, {"prices": [0.8, 1.1], "closure": [0.0]})
    study = evplan.scenarios.run_cases(data, cases, workers=1)
    assert list(study.cases["status"]) == ["optimal", "optimal"]
    assert study.cases["solve_mode"].str.startswith("cold").all()
    for case, objective in zip(cases, study.cases["objective_usd"], strict=True):
        alone = evplan.optimize(apply_patches(data, case.patches).data)
        assert objective == pytest.approx(alone.objective_usd, rel=1e-3)
    assert "network_value" in set(study.kpis["kpi"])


def test_montecarlo_cases_are_full_milps(data: evplan.NetworkData) -> None:
    cases = montecarlo_cases(CATALOG, CATALOG.montecarlo["mc"])
    study = evplan.scenarios.run_cases(data, cases, workers=1)
    assert list(study.cases["status"]) == ["optimal", "optimal"]


def test_breakeven_holds_the_network_and_matches_a_fixed_resolve(
        data: evplan.NetworkData) -> None:
    values = network_values(data)
    warm = WarmModel(data, fixed=values)
    assert warm.enabled
    fixed = warm.solve(data)
    assert fixed.metadata["solve_mode"] == "warm"
    assert fixed.objective_usd == pytest.approx(evplan.optimize(
        data, evplan.SolverOptions(mip_gap=1e-9)).objective_usd, rel=1e-6)
    table = breakeven_duties(data, warm)
    assert len(table) and np.isfinite(table["breakeven_rate"].dropna()).all()
    used = table[table["used"] & np.isfinite(table["breakeven_extra_duty_usd_per_vehicle"])]
    row = used.iloc[0]
    exact = bisect_breakeven(warm, data, int(row["flow"]))
    if row["exact"]:
        assert exact == pytest.approx(row["breakeven_extra_duty_usd_per_vehicle"], abs=1.0)
    else:  # ranging gives a lower bound of the stop rate
        assert exact >= row["breakeven_extra_duty_usd_per_vehicle"] - 1.0
    cold = WarmModel(data)
    assert not cold.enabled
    assert "every case is solved as its own MILP" in cold.stats.reasons[0]
    # More demand would need new coefficients in the market-presence rows (sales <= V x
    # present): on a fixed network only the base inputs are re-solved warm.
    more = apply_patches(data, [Patch("demand", scale={"volume_vehicles": 1.5})]).data
    numbers, mode = warm.numbers_for(more)
    assert numbers is None
    assert mode.startswith("cold: on a strategic plan only the base inputs")
