r"""Minimax regret: the first stage whose worst regret over the scenarios is smallest.

Scenario :math:`s`'s regret under a first stage :math:`x` is :math:`WS_s - M_s(x)`: its own
optimum (the wait-and-see value, each scenario solved alone, as for EVPI) minus the best
margin it earns with :math:`x` fixed. :func:`minimax_regret` runs, in order:

1. the wait-and-see solves (:math:`WS_s`);
2. the extensive form (:func:`evplan.twostage.extensive.solve_extensive` with
   ``minimax_wait_usd``): maximise :math:`-t` subject to :math:`t \ge WS_s - M_s` for every
   :math:`s`, every scenario's block and the non-anticipativity rows, :math:`t` free;
3. the returned plan: the shared first stage :math:`x^*` of that solution, fixed in every
   scenario and the rest re-optimised (the extensive form is indifferent to the margins of
   scenarios whose regret is not the largest; re-optimising raises them, up to the MIP
   gap of the re-solves, which are MILPs when later years' network decisions are integer);
4. the checks: every scenario's plan as in :func:`evplan.stochastic`
   (:func:`evplan.twostage.verify.scenario_result`), the shared values equal, and the
   regret vector recomputed from the scenario solves, :math:`WS_s - M_s`, whose largest
   value must not exceed :math:`t^*` (relative max(10⁻⁶, MIP gap) of the largest
   :math:`|WS_s|`, + 1 USD);
5. EVPI and VSS on this objective, written to maximise (objective = -max regret): the
   wait-and-see plans have no regret, so EVPI = max regret; VSS = max regret of the
   expected-value plan - max regret of this plan.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from evplan.errors import VerificationError
from evplan.highs import SolverOptions
from evplan.results import Result
from evplan.twostage.expected_value import evaluate, expected_value_plan
from evplan.twostage.extensive import solve_extensive
from evplan.twostage.known import Completions, fixed_values, run_bound
from evplan.twostage.models import build_scenarios, certified, fixed_runs
from evplan.twostage.no_plan import raise_no_plan
from evplan.twostage.ranges import clamped
from evplan.twostage.risk import cvar, empty_regret
from evplan.twostage.solve import StochasticResult
from evplan.twostage.tree import Study
from evplan.twostage.verify import checked_study

__all__ = ["max_regret", "minimax_ranges", "minimax_regret"]

#: Relative tolerance of the recomputed worst regret against the extensive form's t.
TOLERANCE = 1e-6


def max_regret(wait_usd: np.ndarray, margins_usd: np.ndarray) -> float:
    """The largest regret max_s (WS_s - M_s).

    Examples
    --------
    >>> max_regret(np.array([7.0, 1.3]), np.array([7.0, 0.7]))
    0.6000000000000001
    """
    return float(np.max(np.asarray(wait_usd) - np.asarray(margins_usd)))


def minimax_ranges(objective_usd: float, bound_usd: float,
                   eev: tuple[float, float] | None) -> dict[str, list[float]]:
    """The proven ranges of a minimax-regret study, regrets measured from the wait-and-see
    values found (W_s, each scenario's own plan; see docs/stochastic.md).

    ``objective_usd`` is minus the returned plan's worst regret and ``bound_usd`` the
    extensive form's proven bound on the optimum RP* (max over plans of minus the worst
    regret), so RP* lies in [objective_usd, bound_usd]; ``eev`` is [minus the
    expected-value plan's worst regret, the same with each completion's margin at its
    proven bound]. EVPI = -RP* (the wait-and-see plans have no regret) lies in [-bound_usd,
    -objective_usd]; VSS = RP* - EEV* >= 0 lies in [RP*'s low - EEV*'s high, RP*'s high -
    EEV*'s low], its low end raised to 0 unless the returned plan is worse than the
    expected-value plan (then to the reported VSS, which is negative: a plan at the gap).

    Examples
    --------
    >>> minimax_ranges(-5.0, -4.0, (-9.0, -8.5))  # doctest: +NORMALIZE_WHITESPACE
    {'objective': [-5.0, -4.0], 'evpi': [4.0, 5.0], 'eev': [-9.0, -8.5],
     'vss': [3.5, 5.0]}
    """
    out = {"objective": [objective_usd, bound_usd], "evpi": [-bound_usd, -objective_usd]}
    if eev is not None:
        out["eev"] = [eev[0], min(eev[1], bound_usd)]
        out["vss"] = [min(max(0.0, objective_usd - out["eev"][1]), objective_usd - eev[0]),
                      bound_usd - eev[0]]
    return out


def minimax_regret(data: Any, study: Study, catalog: Any, solver: SolverOptions, *,
                   vss: bool = True, regret: bool = True) -> StochasticResult:
    """Solve ``study`` for the smallest worst regret (see the module docstring).

    Called by :func:`evplan.stochastic` when the study's objective is ``minimax-regret``.

    Raises
    ------
    InfeasibleError, SolverLimitError, VerificationError
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    cpu = time.process_time()
    scenarios, elements = build_scenarios(data, study, catalog)
    blocks = [scenario.block for scenario in scenarios]
    names = [scenario.name for scenario in scenarios]
    probabilities = np.array([scenario.probability for scenario in scenarios])
    timings["build_seconds"] = time.perf_counter() - clock
    clock = time.perf_counter()
    own = fixed_runs(scenarios, None, solver, None)
    for scenario, alone in zip(scenarios, own, strict=True):
        if not alone.has_solution:
            raise_no_plan(alone, f"scenario '{scenario.name}' alone", [scenario], solver,
                           study.revelation_year)
    wait = np.array([alone.objective_usd for alone in own])
    integer = [bool(len(block.runner.integer)) for block in blocks]
    completions = Completions(len(scenarios), lambda values, only: fixed_runs(
        scenarios, values, solver, None, only), integer)
    for s, (scenario, alone) in enumerate(zip(scenarios, own, strict=True)):
        completions.add(fixed_values(alone, scenario), alone.runs[0].primal[  # its own
            scenario.block.runner.vlabels][scenario.block.shared], s, alone)  # completion
    timings["wait_and_see_seconds"] = time.perf_counter() - clock
    clock = time.perf_counter()
    run = solve_extensive(blocks, solver, minimax_wait_usd=wait)
    if not run.has_solution:
        raise_no_plan(run, f"study '{study.name}' (minimax regret)", scenarios, solver,
                       study.revelation_year)
    t_usd = -run.objective_usd
    timings["solve_seconds"] = time.perf_counter() - clock
    clock = time.perf_counter()
    values = fixed_values(run, scenarios[0])
    fixed = completions.runs(values)
    for scenario, completed in zip(scenarios, fixed, strict=True):
        if not completed.has_solution:
            raise_no_plan(completed, f"scenario '{scenario.name}' with the minimax plan")
    results: dict[str, Result] = {
        sc.name: certified(sc, completed.runs[0])
        for sc, completed in zip(scenarios, fixed, strict=True)}
    margins = np.array([results[name].objective_usd for name in names])
    regrets = wait - margins
    worst = float(np.max(regrets))
    scale = max(1.0, float(np.max(np.abs(wait))))
    problems = []
    for scenario, completed in zip(scenarios, fixed, strict=True):
        shared = completed.runs[0].primal[scenario.block.runner.vlabels][scenario.block.shared]
        if len(shared) and float(np.max(np.abs(shared - values))) > 1e-6:
            problems.append(f"scenario '{scenario.name}' departs from the shared first stage.")
    # The re-solves are MILPs solved to the MIP gap: each margin may fall short of the
    # extensive form's by up to mip_gap x |WS|, so that is the check's slack.
    if worst > t_usd + max(TOLERANCE, solver.mip_gap) * scale + 1.0:
        problems.append(f"the recomputed worst regret {worst:,.2f} USD exceeds the extensive "
                        f"form's t = {t_usd:,.2f} USD.")
    if problems:
        raise VerificationError([f"stochastic (minimax regret): {line}" for line in problems])
    timings["check_seconds"] = time.perf_counter() - clock
    metadata: dict[str, Any] = {"objective": "minimax-regret", "minimax_t_usd": t_usd,
                                "wait_and_see_usd": 0.0}
    frame = pd.DataFrame({"scenario": names, "probability": probabilities,
                          "margin_usd": margins, "wait_and_see_usd": wait,
                          "regret_usd": regrets})
    rows = []
    clock = time.perf_counter()
    if regret:
        for scenario, alone in zip(scenarios, own, strict=True):
            plan, _ = evaluate(scenarios, fixed_values(alone, scenario), solver,
                               completions=completions)
            rows.append(pd.DataFrame({"plan": scenario.name, "scenario": names,
                                      "margin_usd": plan, "regret_usd": wait - plan}))
        rows.append(pd.DataFrame({"plan": "stochastic", "scenario": names,
                                  "margin_usd": margins, "regret_usd": regrets}))
    vss_usd = eev_range = None
    ev_margins = (expected_value_plan(scenarios, blocks, solver, metadata,
                                      completions=completions) if vss else None)
    if ev_margins is not None:
        frame["ev_plan_margin_usd"] = ev_margins
        if np.isfinite(ev_margins).all():
            metadata["eev_usd"] = -max_regret(wait, ev_margins)
            vss_usd = -worst - metadata["eev_usd"]
            ev_runs = completions.runs(np.array(metadata["expected_value_first_stage"]))
            eev_range = (metadata["eev_usd"], -max_regret(wait, np.array([
                run_bound(run, i) for run, i in zip(ev_runs, integer, strict=True)])))
        if regret:
            rows.append(pd.DataFrame({"plan": "expected-value", "scenario": names,
                                      "margin_usd": ev_margins,
                                      "regret_usd": wait - ev_margins}))
    timings["regret_seconds"] = time.perf_counter() - clock
    timings["cpu_seconds"] = time.process_time() - cpu
    metadata["intervals_usd"] = clamped(minimax_ranges(
        -worst, run_bound(run, any(integer)), eev_range), {
            "objective": -worst, "evpi": worst, "eev": metadata.get("eev_usd"),
            "vss": vss_usd})
    metadata["fixed_first_stage_solves"] = completions.solves
    metadata |= {"status": run.status, "mip_gap": run.mip_gap, "bound_usd": run.bound_usd,
                 "mip_nodes": run.nodes, "columns": run.columns, "rows": run.rows,
                 "nonanticipativity_rows": run.nonanticipativity_rows,
                 "shared_elements": len(elements), "scenarios": len(scenarios),
                 "timings": timings, "study": study.as_dict(),
                 "overrides": {sc.name: list(sc.overrides) for sc in scenarios}}
    metadata["solver_mip_gap"] = float(solver.mip_gap)
    return checked_study(StochasticResult(
        study=study, status=run.status, objective_usd=-worst,
        expected_margin_usd=float(probabilities @ margins),
        cvar_usd=cvar(margins, probabilities, study.alpha), evpi_usd=worst, vss_usd=vss_usd,
        first_stage=elements[["variable", "element", "year"]].assign(value=values),
        scenarios=frame,
        regret=(pd.concat(rows, ignore_index=True) if rows else
                empty_regret()),
        results=results, metadata=metadata))
