"""``--time-limit`` bounds a strategic run's HiGHS solves together (it held for each solve,
so a run with heuristics could take several times the limit: today's network, the LP
relaxation, the rounded network, the MILP and its re-solves for the gap)."""

from __future__ import annotations

import time
from typing import Any

import pytest

import evplan
from evplan.examples import random_strategic_network
from evplan.strategic import solve as strategic_solve
from evplan.strategic.solve import TimeBudget


def test_each_solve_gets_only_the_time_the_earlier_solves_left(
        monkeypatch: pytest.MonkeyPatch) -> None:
    limit_s = 30.0
    calls: list[tuple[float, float]] = []  # (limit handed to HiGHS, seconds the solve took)
    real = strategic_solve.solve_milp

    def spy(runner: Any, solver: evplan.SolverOptions, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return real(runner, solver, **kwargs)
        finally:
            calls.append((solver.time_limit_s, time.perf_counter() - began))

    monkeypatch.setattr(strategic_solve, "solve_milp", spy)
    result = evplan.optimize(random_strategic_network(3, years=2, plants=3),
                             evplan.SolverOptions(time_limit_s=limit_s))
    assert result.status == "optimal"
    assert len(calls) >= 4  # today's network, the relaxation, the rounded network, the MILP
    spent_s = 0.0
    for given_s, took_s in calls:
        assert given_s <= limit_s - spent_s  # the budget already spent is not given again
        spent_s += took_s


def test_no_limit_stays_no_limit_and_a_spent_budget_gives_zero() -> None:
    solver = evplan.SolverOptions(mip_gap=0.01)
    assert TimeBudget.start(solver).left(solver) is solver
    spent = TimeBudget(end_s=time.perf_counter() - 1.0)
    assert spent.left(evplan.SolverOptions(time_limit_s=5.0)).time_limit_s == 0.0
