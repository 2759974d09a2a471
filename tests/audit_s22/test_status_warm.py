"""Audit s22: a warm re-solve (sweeps, Monte Carlo, break-even) that HiGHS stops by a limit.

The warm model is built and solved on random_network(0); its HiGHS object then gets a
simplex iteration limit of 5, and a case with three times the freight is re-solved warm.
HiGHS stops with a feasible plan that is not the optimum (349.86 M USD against 350.65 M
from a cold evplan.optimize of the same inputs).
"""

from __future__ import annotations

import pytest

import evplan
from evplan.data import validate_tables
from evplan.examples.small import random_network
from evplan.scenarios import WarmModel, breakeven_duties


def freight_tripled(data):
    tables = {name: frame.drop(columns=["row"], errors="ignore")
              for name, frame in data.tables.items() if len(frame)}
    routes = tables["routes"]
    tables["routes"] = routes.assign(freight_usd_per_vehicle=routes["freight_usd_per_vehicle"] * 3)
    return validate_tables(tables, data.scenario.as_dict())


def stopped_warm_model():
    data = random_network(0)
    warm = WarmModel(data)
    assert warm.solve(data).status == "optimal"
    warm.highs.setOptionValue("simplex_iteration_limit", 5)
    return warm, freight_tripled(data)


def test_a_stopped_warm_case_is_not_called_optimal() -> None:
    warm, case = stopped_warm_model()
    optimum = evplan.optimize(case).objective_usd
    result = warm.solve(case)
    assert result.status == "iteration_limit"
    assert result.objective_usd < optimum - 1.0


def test_a_stopped_warm_case_claims_no_gap_and_no_shadow_prices() -> None:
    warm, case = stopped_warm_model()
    result = warm.solve(case)
    assert result.status == "iteration_limit"
    # reported: gap 0.0, capacity prices averaging 6,191 USD (the optimum's: 5,935)
    assert result.metadata["mip_gap"] != 0.0
    assert result.tables["utilisation"]["capacity_shadow_price_usd_per_vehicle"].isna().all()


def test_breakeven_on_a_stopped_warm_solve_says_the_solver_stopped() -> None:
    warm, case = stopped_warm_model()
    with pytest.raises(evplan.SolverLimitError, match="stopped"):
        breakeven_duties(case, warm)
