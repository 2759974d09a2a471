"""The expected-value plan as the extensive form's known plan.

HiGHS gets EEV (the EV plan completed in every scenario) as a cutoff and is stopped once
its proven bound is within the MIP gap of it; the better of HiGHS's plan and the EV plan is
returned with HiGHS's bound. These tests check that the bound stays a true bound, that the
gap reported is that of the plan returned, and that an EV plan returned in place of HiGHS's
passes the same checks as any plan (the sorted-scenario CVaR, non-anticipativity, each
scenario's certificate).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import evplan
from evplan.examples import random_strategic_network
from evplan.highs import HighsRun
from evplan.twostage.expected_value import expected_value_plan
from evplan.twostage.extensive import solve_extensive
from evplan.twostage.known import Completions, better_of
from evplan.twostage.models import build_scenarios, certify, check_values, fixed_runs
from evplan.twostage.risk import cvar, risk_objective

from .test_bruteforce import _catalog

EXACT = evplan.SolverOptions(mip_gap=1e-9)


@pytest.mark.parametrize("seed", [0, 4])  # expected margin; E + 2 x CVaR
def test_a_loose_gap_stops_at_a_true_bound(seed: int) -> None:
    data = random_strategic_network(seed, features=("plants",))
    catalog = _catalog(seed)
    exact = evplan.stochastic(data, "random", EXACT, catalog=catalog, evpi=False, vss=False,
                              regret=False)
    loose = evplan.stochastic(data, "random", evplan.SolverOptions(mip_gap=0.05),
                              catalog=catalog, evpi=False, regret=False)
    optimum = exact.objective_usd
    assert loose.status == "optimal"
    assert loose.metadata["mip_gap"] <= 0.05
    assert loose.metadata["bound_usd"] >= optimum - 1e-6 * abs(optimum) - 1.0
    assert loose.objective_usd <= optimum + 1e-6 * abs(optimum) + 1.0
    assert loose.objective_usd >= optimum - 0.05 * abs(loose.objective_usd) - 1.0
    if loose.metadata["plan_from"] == "expected-value plan":  # its gap is ours, on margins
        gap = (loose.metadata["bound_usd"] - loose.objective_usd) / abs(loose.objective_usd)
        assert loose.metadata["mip_gap"] == pytest.approx(max(gap, 0.0), abs=1e-9)


def test_the_expected_value_plan_replaces_a_worse_highs_plan() -> None:
    data = random_strategic_network(4, features=("plants",))  # E + 2 x CVaR
    catalog = _catalog(4)
    study = catalog.studies["random"]  # type: ignore[attr-defined]
    scenarios, _ = build_scenarios(data, study, catalog)  # type: ignore[arg-type]
    blocks = [scenario.block for scenario in scenarios]
    completions = Completions(len(scenarios), lambda values, only: fixed_runs(
        scenarios, values, EXACT, None, only), [bool(len(b.runner.integer)) for b in blocks])
    meta: dict[str, object] = {}
    margins = expected_value_plan(scenarios, blocks, EXACT, meta, completions=completions)
    ev_runs: list[HighsRun] = [completed.runs[0] for completed in completions.runs(
        np.array(meta["expected_value_first_stage"]))]
    assert margins is not None and len(ev_runs) == len(scenarios)
    probabilities = np.array([scenario.probability for scenario in scenarios])
    eev = risk_objective(margins, probabilities, study.risk_weight, study.alpha)
    run = solve_extensive(blocks, EXACT, risk_weight=study.risk_weight, alpha=study.alpha)
    # as if HiGHS had stopped with a plan worse than the EV plan in every scenario
    worse = dataclasses.replace(run, objective_usd=eev - 1e5, status="time_limit",
                                margins_usd=margins - 1e5)
    chosen, source = better_of(worse, ev_runs, margins, eev, study, EXACT)
    assert source == "expected-value plan"
    assert chosen.objective_usd == eev
    assert chosen.runs == tuple(ev_runs)
    assert chosen.cvar_usd == pytest.approx(cvar(margins, probabilities, study.alpha))
    gap = max(0.0, run.bound_usd - eev) / abs(eev)
    assert chosen.mip_gap == pytest.approx(gap, abs=1e-12)
    assert chosen.status == ("optimal" if gap <= 1e-9 else "time_limit")
    # the EV plan passes every check a returned plan must pass
    results = certify(scenarios, chosen, None)
    assert check_values(study, chosen, scenarios, results) == []  # type: ignore[arg-type]
    # and a better HiGHS plan is kept as it is
    kept, source = better_of(run, ev_runs, margins, min(eev, run.objective_usd) - 1.0,
                              study, EXACT)
    assert source == "extensive form" and kept is run
    # a stopped plan is judged at the value of its margins: a CVaR helper short of the
    # value at risk understates the model's objective, not the plan
    value = risk_objective(run.margins_usd, probabilities, study.risk_weight, study.alpha)
    understated = dataclasses.replace(run, objective_usd=value - 2e5, status="time_limit")
    kept, source = better_of(understated, ev_runs, margins, value - 1e5, study, EXACT)
    assert source == "extensive form" and kept is understated


def test_highs_stops_once_its_bound_reaches_the_known_plan() -> None:
    data = random_strategic_network(0, features=("plants",))
    catalog = _catalog(0)
    study = catalog.studies["random"]  # type: ignore[attr-defined]
    scenarios, _ = build_scenarios(data, study, catalog)  # type: ignore[arg-type]
    blocks = [scenario.block for scenario in scenarios]
    exact = solve_extensive(blocks, EXACT, risk_weight=study.risk_weight, alpha=study.alpha)
    optimum = exact.objective_usd
    assert exact.status == "optimal" and not exact.stopped_at_known
    # a "known" value above the optimum: the first finite bound is within the gap of it
    early = solve_extensive(blocks, EXACT, risk_weight=study.risk_weight, alpha=study.alpha,
                            known_usd=optimum + 1e9)
    assert early.stopped_at_known
    assert early.bound_usd >= optimum - 1e-6 * abs(optimum) - 1.0  # still a true bound
    # a known value far below the optimum never stops HiGHS early
    late = solve_extensive(blocks, EXACT, risk_weight=study.risk_weight, alpha=study.alpha,
                           known_usd=optimum - 1e9)
    assert not late.stopped_at_known and late.status == "optimal"
    assert late.objective_usd == pytest.approx(optimum, rel=1e-9, abs=1.0)
