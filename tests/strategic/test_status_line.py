"""The screen's status line of a strategic plan that is not proven says why: a limit that
stopped the solver, or (no limit set) a gap that the re-solves could not prove (helper-90:
it said "raise --time-limit" when no limit had been set)."""

from __future__ import annotations

import dataclasses

import evplan
from evplan.examples import strategic_lane
from evplan.strategic.decisions import decision_lines


def _unproven(time_limit_s: float | None) -> list[str]:
    result = evplan.optimize(strategic_lane(), evplan.SolverOptions(time_limit_s=time_limit_s))
    assert result.metadata["time_limit_s"] == time_limit_s
    return decision_lines(dataclasses.replace(result, status="time_limit"))


def test_without_a_limit_it_does_not_ask_for_a_longer_one() -> None:
    last = _unproven(None)[-1]
    assert last.startswith("Status time_limit: the plan's gap on the objective as reported "
                           "could not be proven within --mip-gap"), last
    assert "--time-limit" not in last


def test_with_a_limit_it_asks_for_a_longer_one() -> None:
    last = _unproven(60.0)[-1]
    assert last.startswith("Status time_limit: the best plan found when the solver stopped"), last
    assert "raise --time-limit" in last
