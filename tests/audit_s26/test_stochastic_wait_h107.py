"""The wait-and-see value, EVPI and regrets of two-stage studies (audit s26, helper-107).

A scenario's own solve stopped at the MIP gap can be beaten in that scenario by another
plan's completion (the expected-value plan's, another scenario's plan). Each scenario's
wait-and-see value is the best plan known for it alone, so it is at least every known
plan's margin there: EVPI and every regret are >= 0, and the value is still at most the
scenario's own optimum (an independent scipy ``milp``, ``tests/twostage/oracle.py``).
Also: the completion cache's key (``-0.0`` and ``0.0``, HiGHS's integrality tolerance),
strict JSON in summary.json, and the pack sizes on each scenario's Result.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import evplan
from tests.twostage.oracle import scenario_problem, solve
from tests.twostage.test_oracle import _by_hand, _study

LOOSE = evplan.SolverOptions(mip_gap=0.2)


def test_wait_and_see_is_the_best_plan_known_so_evpi_and_regrets_are_not_negative() -> None:
    """Seed 1 (E + CVaR) at gap 0.2: the own solves stop short; before the fix EVPI was
    -2.97 M USD and the regret of a known plan -2.54 M USD."""
    data, catalog, actions, kind = _study(1)
    assert kind == "cvar"
    study = catalog.studies["r"]
    names = [scenario.name for scenario in study.scenarios]
    result = evplan.stochastic(data, study, LOOSE, catalog=catalog, regret=True)
    tol = 1e-6 * max(1.0, abs(result.objective_usd))
    frame = result.scenarios.set_index("scenario").loc[names]
    wait = frame["wait_and_see_usd"].to_numpy()
    truth = np.array([solve([scenario_problem(_by_hand(data, actions[name]))], [1.0], None)[0]
                      for name in names])  # type: ignore[index]
    assert (wait <= truth + tol).all(), (wait, truth)  # a plan of each scenario alone
    assert (wait >= frame["margin_usd"].to_numpy() - tol).all()
    assert (wait >= frame["ev_plan_margin_usd"].to_numpy() - tol).all()
    assert result.evpi_usd is not None and result.evpi_usd >= -tol
    low, high = result.metadata["intervals_usd"]["evpi"]
    assert low - tol <= result.evpi_usd <= high + tol, (low, result.evpi_usd, high)
    regret = result.regret
    assert len(regret) == len(names) * (len(names) + 2)  # own plans, stochastic, EV plan
    assert regret["regret_usd"].min() >= -tol, regret.sort_values("regret_usd").head(3)
    by_scenario = regret.groupby("scenario")["margin_usd"].max().loc[names].to_numpy()
    assert (wait >= by_scenario - tol).all()
    ws_low, ws_high = result.metadata["intervals_usd"]["wait_and_see"]
    assert ws_low <= result.metadata["wait_and_see_usd"] + tol <= ws_high + 2 * tol


def _run(value: float, shared: float = 0.0) -> Any:
    from evplan.highs import HighsRun
    from evplan.twostage.extensive import ExtensiveRun

    plan = HighsRun(status="optimal", has_solution=True, objective=value,
                    primal=np.array([shared]), dual=np.zeros(0), mip_gap=0.0, seconds=0.0,
                    bound=value, nodes=0)
    return ExtensiveRun(status="optimal", has_solution=True, objective_usd=value,
                        bound_usd=value, mip_gap=0.0, seconds=0.0, nodes=0, runs=(plan,),
                        margins_usd=np.array([value]), eta_usd=np.nan, cvar_usd=None,
                        nonanticipativity_rows=0, columns=1, rows=0)


def test_completions_key_minus_zero_and_the_integrality_tolerance() -> None:
    """-0.0 (np.round of -0.3) and 0.0 are one first stage; a plan within HiGHS's
    integrality tolerance (1e-6) of whole numbers is their completion."""
    from evplan.twostage.known import Completions

    calls: list[tuple[list[float], list[int]]] = []

    def solve_fixed(values: np.ndarray, only: list[int]) -> list[Any]:
        calls.append((list(values), list(only)))
        return [_run(10.0 + s) for s in only]

    completions = Completions(2, solve_fixed, [True, True])
    completions.runs(np.round(np.array([-0.3, 1.0])))  # [-0.0, 1.0]
    completions.runs(np.array([0.0, 1.0]))
    assert len(calls) == 1 and completions.solves == 2
    completions.add(np.array([1.0, 0.0]), np.array([1.0 - 4e-7, 3e-7]), 0, _run(50.0))
    got = completions.runs(np.array([1.0, 0.0]))
    assert calls[-1] == ([1.0, 0.0], [1])  # scenario 0's plan was known
    assert got[0].objective_usd == 50.0 and completions.solves == 3
    assert completions.best().tolist() == [50.0, 11.0]


def test_summary_json_is_strict_json(tmp_path: Path) -> None:
    """An unproven bound (infinity) is written as null, not Infinity."""
    from evplan.cli.stochastic import _write

    frame = pd.DataFrame({"a": [1.0]})
    result = SimpleNamespace(
        status="time_limit", objective_usd=1.0, expected_margin_usd=1.0, cvar_usd=None,
        evpi_usd=None, vss_usd=float("nan"), first_stage=frame, scenarios=frame,
        regret=frame.iloc[:0],
        metadata={"bound_usd": float("inf"), "intervals_usd": {
            "objective": [1.0, float("inf")], "vss": [np.float64(0.0), np.float64("inf")]},
            "history": ({"gap": float("-inf")},), "values": np.array([1.0, np.inf])})
    _write(result, tmp_path, regret=False)

    def refuse(constant: str) -> None:
        raise ValueError(f"summary.json holds {constant}")

    text = (tmp_path / "summary.json").read_text(encoding="utf-8")
    summary = json.loads(text, parse_constant=refuse)
    assert summary["vss_usd"] is None and summary["objective_usd"] == 1.0
    meta = summary["metadata"]
    assert meta["bound_usd"] is None
    assert meta["intervals_usd"] == {"objective": [1.0, None], "vss": [0.0, None]}
    assert meta["history"] == [{"gap": None}] and meta["values"] == [1.0, None]


def test_each_scenarios_result_carries_its_programs_pack_sizes() -> None:
    """project_fleet of a scenario's Result uses the packs of the programs table."""
    from evplan.examples import strategic_lane
    from evplan.results.run_files import PACK_SIZES_KEY
    from evplan.twostage.tree import Study, StudyScenario

    data = strategic_lane()
    study = Study("one", (StudyScenario("base", 1.0, ()),))
    result = evplan.stochastic(data, study, regret=False)
    programs = data.tables["programs"]
    expected = {str(p): float(k) for p, k in zip(programs["program"], programs["battery_kwh"],
                                                 strict=True)}
    assert expected
    for scenario in result.results.values():
        assert scenario.metadata[PACK_SIZES_KEY] == expected


def test_the_report_cards_show_the_proven_ranges_of_evpi_and_vss() -> None:
    """The EVPI and VSS cards name the range metadata['intervals_usd'] proves them in."""
    from evplan.report.stochastic import stochastic_cards

    study = SimpleNamespace(objective="expected", risk_weight=0.0, alpha=0.9)
    result = SimpleNamespace(
        study=study, status="optimal", objective_usd=138.7e9, expected_margin_usd=138.7e9,
        cvar_usd=100e9, evpi_usd=2.0e6, vss_usd=0.0,
        regret=pd.DataFrame(columns=["plan", "scenario", "margin_usd", "regret_usd"]),
        metadata={"mip_gap": 1e-4, "intervals_usd": {"evpi": [0.0, 7.4e6],
                                                     "vss": [0.0, float("inf")]}})
    cards = {card.kpi: card for card in stochastic_cards(result)}
    assert cards["evpi_usd"].note.endswith("; proven range USD 0 to USD 7 m")
    assert cards["vss_usd"].note.endswith("; proven at least USD 0 (no proven upper bound)")
    assert "proven" not in cards["objective_usd"].note


def test_the_command_no_longer_calls_a_negative_evpi_noise() -> None:
    """EVPI and the regrets are >= 0 now, so the note under the values says so."""
    from evplan.cli.stochastic import _ranges_note

    note = _ranges_note({"solver_mip_gap": 1e-4, "bound_from": "wait-and-see",
                         "bound_usd": 138.7e9})
    assert "negative" not in note
    assert "regrets (>= 0" in note and "is 13.9 M wide" in note


def test_plans_with_the_tightened_first_stage_share_its_better_completions() -> None:
    """README's duty-risk-small: 'stays+falls' and 'rises+falls' want the same first stage;
    tighten found better completions of it, and both regret rows (and the EV plan's, when it
    is the same) must show them, not one row 8.27 M below the other."""
    from evplan.twostage.known import KnownPlan, shared_tightened

    runs: tuple[Any, ...] = ()
    a, b = np.array([1.0, -0.0]), np.array([0.0, 1.0])
    old = np.array([10.0, 20.0])

    def plan(name: str, values: np.ndarray, margins: np.ndarray, tag: str) -> KnownPlan:
        return KnownPlan(name, values, runs, margins, margins + 1, float(margins.mean()), tag)

    best = plan("wait-and-see plan of 'x'", a, np.array([12.0, 21.0]), "x")
    known = [plan("wait-and-see plan of 'x'", a, old, "x"),
             plan("wait-and-see plan of 'y'", a + 4e-7, old, "y"),
             plan("wait-and-see plan of 'z'", b, np.array([5.0, 5.0]), "z"),
             plan("expected-value plan", np.array([1.0, 0.0]), old, "expected-value")]
    evaluated = {"x": old, "y": old, "z": np.array([5.0, 5.0])}
    known, evaluated = shared_tightened(best, known, evaluated)
    assert [p.margins_usd.tolist() for p in known] == [[12.0, 21.0], [12.0, 21.0], [5.0, 5.0],
                                                   [12.0, 21.0]]
    assert [p.plan for p in known] == ["x", "y", "z", "expected-value"]
    assert known[3].name == "expected-value plan" and known[3].score_usd == pytest.approx(16.5)
    assert {k: v.tolist() for k, v in evaluated.items()} == {
        "x": [12.0, 21.0], "y": [12.0, 21.0], "z": [5.0, 5.0]}
