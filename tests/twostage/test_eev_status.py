"""What ``eev_status`` says when the expected-value problem, or its plan's completion in a
scenario, is stopped by a limit (audit s22, helper-76: a time-limited expected-value problem
was reported ``optimal``, and a stopped completion as "no feasible completion ... VSS is
unbounded")."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import evplan
from evplan.examples import strategic_lane
from evplan.scenarios.overrides import parse_catalog
from evplan.twostage import expected_value
from evplan.twostage.no_plan import eev_status


def _catalog(minimax_regret: bool = False) -> object:
    study: dict[str, Any] = {"scenarios": {
        "high": {"probability": 0.3, "overrides": ["high"]},
        "low": {"probability": 0.7, "overrides": ["low"]}}}
    if minimax_regret:
        study["risk"] = {"objective": "minimax-regret"}
    return parse_catalog({
        "overrides": {"high": {"demand": {"set": {"volume_vehicles": 1000}}},
                      "low": {"demand": {"set": {"volume_vehicles": 300}}}},
        "studies": {"demand": study}})


def _stopped_mean(module: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The expected-value problem (the one solve of a single averaged block) stops at a
    limit with its plan and a 30 % gap."""
    real = module.solve_extensive

    def solve_extensive(blocks: list[Any], *args: Any, **kwargs: Any) -> Any:
        run = real(blocks, *args, **kwargs)
        if len(blocks) == 1 and blocks[0].probability == 1.0:
            return dataclasses.replace(run, status="time_limit", mip_gap=0.3)
        return run

    monkeypatch.setattr(module, "solve_extensive", solve_extensive)


def test_a_stopped_expected_value_problem_is_not_called_optimal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _stopped_mean(expected_value, monkeypatch)
    result = evplan.stochastic(strategic_lane(), "demand", catalog=_catalog(), regret=False)
    status = result.metadata["eev_status"]
    assert status.startswith("the expected-value problem stopped (time_limit, gap 30.0 %)")
    assert status.endswith("EEV and VSS are those of the plans found, not proven")


def test_minimax_regret_says_so_too(monkeypatch: pytest.MonkeyPatch) -> None:
    _stopped_mean(expected_value, monkeypatch)
    result = evplan.stochastic(strategic_lane(), "demand", catalog=_catalog(True),
                               regret=False)
    assert result.metadata["eev_status"].startswith("the expected-value problem stopped")


def test_statuses_in_words() -> None:
    solved = dataclasses.make_dataclass("Run", ["status", "mip_gap"])("optimal", 0.0)
    assert eev_status(solved, ["a", "b"], ["optimal", "optimal"]) == "optimal"
    assert eev_status(solved, ["a", "b"], ["infeasible", "optimal"]) == (
        "the expected-value plan has no feasible completion in a: VSS is unbounded")
    stopped = eev_status(solved, ["a", "b"], ["optimal", "time_limit"])
    assert stopped == ("its plan's completion stopped (time_limit) in b: EEV and VSS are "
                       "those of the plans found, not proven")  # not "no feasible completion"


def test_the_screen_marks_an_unproven_vss_in_its_row(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The results table printed "VSS 0.0 M" like a proven figure; the row now says it is
    not proven, and the line below says why."""
    from evplan.cli import stochastic as screen

    _stopped_mean(expected_value, monkeypatch)
    result = evplan.stochastic(strategic_lane(), "demand", catalog=_catalog(), regret=False)
    screen._show(result)
    out = capsys.readouterr().out
    assert "VSS (not proven, see below)" in out
    assert "VSS: the expected-value problem stopped" in out
    monkeypatch.undo()
    proven = evplan.stochastic(strategic_lane(), "demand", catalog=_catalog(), regret=False)
    screen._show(proven)
    out = capsys.readouterr().out
    assert "not proven" not in out and "\nVSS:" not in out
    assert any(line.lstrip("│┃ ").startswith("VSS ") for line in out.splitlines())


def test_the_vss_row_says_not_computed_apart_from_not_proven() -> None:
    from evplan.cli.stochastic import _vss_label

    assert _vss_label("optimal") == "VSS"
    assert _vss_label("not computed: the expected-value problem is infeasible") == (
        "VSS (not computed, see below)")
    assert _vss_label("the expected-value problem stopped (time_limit, gap 30.0 %)") == (
        "VSS (not proven, see below)")
