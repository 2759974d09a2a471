"""Two-stage studies against an independent scipy ``milp`` formulation (audit s26, helper-104).

``tests/twostage/test_oracle.py`` checks RP, WS and EVPI of random ``kit_oracle`` studies.
This file checks what it does not, each from docs/stochastic.md and the tables alone:

* the expected-value problem: the model of the scenarios' mean inputs (every differing
  number the probability-weighted mean), solved by the oracle for every value of the shared
  first stage; evplan's ``expected_value_problem_usd`` is its optimum, and evplan's EEV and
  ``ev_plan_margin_usd`` are those of one of its optimal first stages completed in every
  scenario by the oracle; VSS = RP - EEV;
* RP is also the brute-force best over the shared first stage (completions by the oracle);
* progressive hedging: every iteration's Lagrangian bound is >= the oracle's optimum, the
  returned plan's value <= it, and the optimum lies in [value, bound];
* at a loose MIP gap, the intervals evplan reports for RP, WS, EEV, EVPI and VSS contain the
  exact values.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import evplan
from evplan.data import validate_tables
from evplan.twostage.hedging import HedgingOptions, progressive_hedging
from tests.twostage.oracle import scenario_problem, solve, sorted_cvar
from tests.twostage.test_cli import STUDY
from tests.twostage.test_oracle import _by_hand, _study

EXACT = evplan.SolverOptions(mip_gap=1e-9)
SLOW = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _seeds(fast: list[int], slow: list[int]) -> list[Any]:
    return fast + [pytest.param(seed, marks=SLOW) for seed in slow]


def _mean_inputs(datas: list[evplan.NetworkData], probabilities: np.ndarray
                 ) -> evplan.NetworkData:
    """Every number that differs between the scenarios replaced by its weighted mean."""
    weights = probabilities / probabilities.sum()
    tables = {}
    for name in datas[0]:
        frame = datas[0][name].copy()
        for column in frame.columns:
            if frame[column].dtype.kind == "f":
                stacked = np.vstack([d[name][column].to_numpy(dtype=float) for d in datas])
                if not np.array_equal(stacked, stacked[:1].repeat(len(datas), 0),
                                      equal_nan=True):
                    frame[column] = weights @ stacked
        tables[name] = frame
    return validate_tables(tables, datas[0].scenario.as_dict(), origin="mean by hand")


def _shared_keys(block: Any, revelation: int | None) -> list[tuple[str, int]]:
    return sorted(key for key in block[2] if revelation is None or key[1] <= revelation)


def _score(margins: np.ndarray, probabilities: np.ndarray, weight: float, alpha: float
           ) -> float:
    return float(probabilities @ margins + weight * sorted_cvar(margins, probabilities, alpha))


def _completions(blocks: list[Any], fixed: dict[tuple[str, int], float]
                 ) -> np.ndarray | None:
    values = []
    for block in blocks:
        alone = solve([block], [1.0], None, fixed=fixed)
        if alone is None:
            return None
        values.append(alone[0])
    return np.array(values)


def _case(seed: int) -> tuple[Any, ...]:
    data, catalog, actions, kind = _study(seed)
    study = catalog.studies["r"]
    names = [scenario.name for scenario in study.scenarios]
    probabilities = np.array([scenario.probability for scenario in study.scenarios])
    datas = [_by_hand(data, actions[name]) for name in names]
    blocks = [scenario_problem(d) for d in datas]
    return data, catalog, study, names, probabilities, datas, blocks, kind


@pytest.mark.parametrize("seed", _seeds([2, 6], [0, 11, 12, 14, 17, 18]))  # E or E + CVaR
def test_expected_value_plan_and_vss_equal_the_oracles(seed: int) -> None:
    data, catalog, study, names, probabilities, datas, blocks, kind = _case(seed)
    assert kind != "minimax"
    result = evplan.stochastic(data, study, EXACT, catalog=catalog, regret=False)
    mean = scenario_problem(_mean_inputs(datas, probabilities))
    keys = _shared_keys(blocks[0], study.revelation_year)
    ev_values: dict[tuple[float, ...], float] = {}
    scores: dict[tuple[float, ...], float] = {}
    for values in itertools.product([0.0, 1.0], repeat=len(keys)):
        fixed = dict(zip(keys, values, strict=True))
        ev = solve([mean], [1.0], None, fixed=fixed)
        completed = _completions(blocks, fixed)
        if ev is not None:
            ev_values[values] = ev[0]
        if completed is not None:
            scores[values] = _score(completed, probabilities, study.risk_weight, study.alpha)
    scale = max(1.0, abs(result.objective_usd))
    tol = 1e-6 * scale
    best_ev = max(ev_values.values())
    meta = result.metadata
    assert meta["expected_value_problem_usd"] == pytest.approx(best_ev, rel=1e-6, abs=tol)
    assert result.objective_usd == pytest.approx(max(scores.values()), rel=1e-6, abs=tol)
    optimal_ev = [v for v, value in ev_values.items() if value >= best_ev - tol]
    eev = [scores[v] for v in optimal_ev if v in scores]
    assert any(meta["eev_usd"] == pytest.approx(e, rel=1e-6, abs=tol) for e in eev), (
        meta["eev_usd"], eev)
    assert result.vss_usd == pytest.approx(result.objective_usd - meta["eev_usd"], abs=tol)
    assert result.vss_usd >= -tol
    frame = result.scenarios.set_index("scenario").loc[names]
    completions = [_completions(blocks, dict(zip(keys, v, strict=True))) for v in optimal_ev]
    assert any(c is not None and np.allclose(frame["ev_plan_margin_usd"], c, rtol=1e-6,
                                             atol=tol) for c in completions)


@pytest.mark.parametrize("seed", _seeds([0], [2, 13, 18]))
def test_progressive_hedging_bound_is_a_valid_bound(seed: int) -> None:
    data, catalog, study, _, probabilities, _, blocks, kind = _case(seed)
    if kind != "expected" or study.risk_weight > 0:
        from dataclasses import replace

        study = replace(study, risk_weight=0.0, objective="expected")
    optimum = solve(blocks, probabilities, study.revelation_year)
    assert optimum is not None
    tol = 1e-6 * max(1.0, abs(optimum[0]))
    # rho small so that PH iterates several times before it agrees
    result = progressive_hedging(data, study, EXACT, HedgingOptions(gap=1e-9, rho=0.05,
                                                                    max_iterations=6),
                                 catalog=catalog)
    meta = result.metadata
    assert result.objective_usd <= optimum[0] + tol
    assert meta["bound_usd"] >= optimum[0] - tol
    for row in meta["history"]:
        assert row["upper_bound_usd"] >= optimum[0] - tol, row
        if row["lower_bound_usd"] is not None:
            assert row["lower_bound_usd"] <= optimum[0] + tol, row
    wait = np.array([solve([block], [1.0], None)[0] for block in blocks])  # type: ignore[index]
    assert meta["wait_and_see_usd"] == pytest.approx(probabilities @ wait, rel=1e-6, abs=tol)


def _oracle_first_stage(result: Any, values: list[float]) -> dict[tuple[str, int], float]:
    """The oracle's keys (P0 open, S1 open by year) of a first stage in evplan's order."""
    rows = result.first_stage.reset_index(drop=True)
    return {("o" if row.variable == "plant_open" else "u", int(row.year)): float(values[i])
            for i, row in enumerate(rows.itertuples())
            if row.variable in ("plant_open", "site_open")}


@pytest.mark.parametrize("seed", _seeds([0, 1], [6, 12, 17]))  # 1: own solves stop short
def test_reported_ranges_contain_the_exact_values(seed: int) -> None:
    data, catalog, study, _, probabilities, _, blocks, kind = _case(seed)
    assert kind != "minimax"
    loose = evplan.stochastic(data, study, evplan.SolverOptions(mip_gap=0.2), catalog=catalog,
                              regret=False)
    weight, alpha = study.risk_weight, study.alpha
    best = solve(blocks, probabilities, study.revelation_year, weight, alpha)
    assert best is not None
    wait = np.array([solve([block], [1.0], None)[0] for block in blocks])  # type: ignore[index]
    ev_first = _oracle_first_stage(loose, loose.metadata["expected_value_first_stage"])
    completed = _completions(blocks, ev_first)
    assert completed is not None
    truth = {"objective": best[0], "wait_and_see": _score(wait, probabilities, weight, alpha),
             "eev": _score(completed, probabilities, weight, alpha)}
    truth["evpi"] = truth["wait_and_see"] - truth["objective"]
    truth["vss"] = truth["objective"] - truth["eev"]
    tol = 1e-6 * max(1.0, abs(best[0]))
    ranges = loose.metadata["intervals_usd"]
    for name, value in truth.items():
        low, high = ranges[name]
        assert low - tol <= value <= high + tol, (name, low, value, high)
    # the values reported as points lie in their ranges (unclamped: EVPI and VSS >= 0)
    for name, value in (("objective", loose.objective_usd), ("evpi", loose.evpi_usd),
                        ("vss", loose.vss_usd)):
        low, high = ranges[name]
        assert low - tol <= value <= high + tol, (name, low, value, high)


@pytest.mark.parametrize("seed", _seeds([28], [18, 38]))  # alike (28: nothing shared)
def test_a_plan_proven_by_the_wait_and_see_bound_is_the_oracles(seed: int) -> None:
    data, catalog, study, _, probabilities, _, blocks, kind = _case(seed)
    assert kind != "minimax"
    result = evplan.stochastic(data, study, EXACT, catalog=catalog)
    best = solve(blocks, probabilities, study.revelation_year, study.risk_weight, study.alpha)
    assert best is not None
    tol = 1e-6 * max(1.0, abs(best[0]))
    meta = result.metadata
    assert meta["bound_from"] == "wait-and-see"  # the extensive form was not solved
    assert meta["plan_from"].startswith("wait-and-see plan of")
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(best[0], rel=1e-6, abs=tol)
    assert best[0] - tol <= meta["bound_usd"] <= best[0] + 1e-9 * abs(best[0]) + tol
    assert result.evpi_usd == pytest.approx(0.0, abs=tol)
    assert meta["nonanticipativity_rows"] == (len(blocks) - 1) * len(result.first_stage)


def test_the_command_prints_the_proven_ranges(tmp_path: Path) -> None:
    """The hand-solved tree (docs/stochastic.md): RP 2.59 M, EVPI 0.42 M, VSS 0.75 M, all
    proven to the default gap, so each range is its point; the line below names the gap."""
    from evplan.data import write_inputs
    from evplan.examples import strategic_lane

    inputs = write_inputs(strategic_lane(), tmp_path / "inputs")
    (inputs / "scenarios.yaml").write_text(STUDY, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "stochastic", "demand",
                           str(inputs), "-o", str(tmp_path / "out")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COLUMNS": "200", "PYTHONPATH": os.pathsep.join(
                              [str(ROOT / "src"), str(ROOT)])})  # this checkout, not civenv's
    assert done.returncode == 0, done.stderr
    assert "proven range" in done.stdout
    assert "0.4 M to 0.4 M" in done.stdout and "2.6 M to 2.6 M" in done.stdout  # EVPI, RP
    assert "relative gap of 0.0001 (--mip-gap)" in done.stdout
    assert "a gap of 0.0001 is USD 259 wide" in done.stdout  # 1e-4 x 2.59 M
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    ranges = summary["metadata"]["intervals_usd"]
    width = 2 * 1e-4 * 2.59e6 + 2  # the ranges are at most the gaps wide
    for name, value in (("objective", 2.59e6), ("evpi", 0.42e6), ("vss", 0.75e6)):
        low, high = ranges[name]
        assert low - 1 <= value <= high + 1 and high - low <= width, (name, low, high)


def test_tighten_keeps_the_better_plan_and_the_lower_bound() -> None:
    """known.tighten: each scenario keeps the better of two plans and the lower of two
    proven bounds, for the wait-and-see solves and for the known plan's completions."""
    from evplan.highs import HighsRun
    from evplan.twostage.extensive import ExtensiveRun
    from evplan.twostage.known import KnownPlan, tighten

    def run(value: float, bound: float) -> ExtensiveRun:
        plan = HighsRun(status="optimal", has_solution=True, objective=value,
                        primal=np.array([value]), dual=np.zeros(0), mip_gap=0.0, seconds=0.0,
                        bound=value, nodes=0)
        return ExtensiveRun(status="optimal", has_solution=True, objective_usd=value,
                            bound_usd=bound, mip_gap=0.0, seconds=0.0, nodes=0, runs=(plan,),
                            margins_usd=np.array([value]), eta_usd=np.nan, cvar_usd=None,
                            nonanticipativity_rows=0, columns=1, rows=0)

    own = [run(100.0, 110.0), run(200.0, 205.0)]
    best = KnownPlan("expected-value plan", np.array([1.0]), (own[0].runs[0], own[1].runs[0]),
                     np.array([98.0, 199.0]), np.array([108.0, 204.0]), 0.5 * 98 + 0.5 * 199)

    def solve(values: np.ndarray | None, gap: float) -> list[ExtensiveRun]:
        assert gap == 0.25
        if values is None:  # alone: a better plan in 0, a tighter bound in 1
            return [run(104.0, 109.0), run(199.0, 201.0)]
        return [run(97.0, 101.0), run(202.0, 203.0)]  # completions

    again, plan = tighten(own, best, solve, 0.25, [True, True], np.array([0.5, 0.5]), 0.0, 0.9)
    assert [r.objective_usd for r in again] == [104.0, 200.0]
    assert [r.bound_usd for r in again] == [109.0, 201.0]
    assert plan.margins_usd.tolist() == [98.0, 202.0]  # the known 98 beats 97; 202 beats 199
    assert plan.bounds_usd.tolist() == [101.0, 203.0]
    assert plan.score_usd == pytest.approx(150.0)
    assert plan.runs[0] is best.runs[0] and plan.runs[1] is not best.runs[1]
