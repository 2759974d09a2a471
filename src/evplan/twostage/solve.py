"""Solve a two-stage study: the stochastic plan, its checks, EVPI, VSS and regret.

:func:`stochastic` runs, in order:

1. apply each scenario's overrides and build its strategic model; pick the shared
   first-stage elements (:data:`evplan.model.strategic.FIRST_STAGE` variables of years up
   to the revelation year) and check they are the same in every scenario;
2. wait-and-see: each scenario alone (WS, EVPI = WS - RP), and each one's first stage
   completed in every scenario (regret); the expected-value plan (every coefficient
   probability-weighted) completed in every scenario (EEV, VSS = RP - EEV);
3. the best of those known plans, when within the MIP gap of the wait-and-see bound
   (:mod:`evplan.twostage.known`), else the extensive form (:mod:`evplan.twostage.
   extensive`) with the best known plan as its cutoff: the recourse problem RP;
4. check every scenario's plan against that scenario's tables
   (:func:`evplan.strategic.check.check_plan` and :func:`evplan.solve.certify`), the shared
   values against non-anticipativity, and the CVaR against the sorted definition
   (:func:`evplan.twostage.risk.cvar`); any violation raises VerificationError.

All values are on the study's objective, E[margin] + lambda x CVaR_alpha(margin), with the
ranges they are proven to lie in (``metadata['intervals_usd']``).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.errors import InputError, Problem, VerificationError
from evplan.highs import SolverOptions
from evplan.results import Result
from evplan.scenarios.apply import catalog_for
from evplan.scenarios.overrides import Catalog
from evplan.twostage.expected_value import expected_value_plan
from evplan.twostage.extensive import ExtensiveRun, solve_extensive
from evplan.twostage.known import (
    Completions,
    KnownPlan,
    best_margins,
    better_of,
    fixed_values,
    own_plans,
    plan_run,
    shared_tightened,
    tighten,
    wait_and_see_bound,
)
from evplan.twostage.mean_inputs import applied_inputs
from evplan.twostage.models import (
    build_remote,
    build_scenarios,
    certify,
    check_values,
    fixed_runs,
    study_named,
    with_objective,
)
from evplan.twostage.no_plan import raise_no_plan
from evplan.twostage.ranges import clamped, intervals
from evplan.twostage.risk import cvar, empty_regret, restated, risk_objective
from evplan.twostage.tree import Study
from evplan.twostage.verify import checked_study

__all__ = ["StochasticResult", "stochastic"]

@dataclass(frozen=True)
class StochasticResult:
    """What :func:`stochastic` returns.

    Attributes
    ----------
    study : Study
    status : str
        ``optimal`` (proven within the MIP gap) or the solver's status.
    objective_usd : float
        RP: E[margin] + lambda x CVaR_alpha(margin) of the stochastic plan.
    expected_margin_usd, cvar_usd : float
        Its two parts (``cvar_usd`` is computed from the sorted margins also when lambda = 0).
    evpi_usd, vss_usd : float or None
        WS - RP and RP - EEV (None when not computed; VSS None also when the EV plan has
        no feasible completion in some scenario, see ``metadata['eev_status']``).
    first_stage : DataFrame
        variable, element, year, value: the shared decisions.
    scenarios : DataFrame
        scenario, probability, margin_usd (stochastic plan), wait_and_see_usd,
        ev_plan_margin_usd, regret_usd (wait-and-see minus the stochastic plan's margin).
    regret : DataFrame
        plan (whose first stage is fixed: each scenario's own plan, ``expected-value`` and
        ``stochastic``), scenario, margin_usd, regret_usd.
    results : dict of str to Result
        Each scenario's checked plan.
    metadata : dict
        Sizes, timings, gap, bound, statuses.
    """

    study: Study
    status: str
    objective_usd: float
    expected_margin_usd: float
    cvar_usd: float
    evpi_usd: float | None
    vss_usd: float | None
    first_stage: pd.DataFrame
    scenarios: pd.DataFrame
    regret: pd.DataFrame
    results: dict[str, Result] = field(repr=False)
    metadata: dict[str, Any] = field(default_factory=dict)



def stochastic(data: NetworkData, study: str | Study, solver: SolverOptions | None = None, *,
               evpi: bool = True, vss: bool = True, regret: bool = True,
               catalog: Catalog | None = None,
               objective_kind: str | None = None, client: Any = None) -> StochasticResult:
    """Plan the network before the uncertainty is revealed (see the module docstring).

    Parameters
    ----------
    data : NetworkData
        Strategic inputs (with plant_strategy.csv or another strategic table).
    study : str or Study
        A study of ``scenarios.yaml`` (beside the inputs, or ``catalog``).
    evpi, vss, regret : bool
        Compute the wait-and-see value (EVPI; also needed by regret), the expected-value
        plan (VSS) and the regret table (one solve per plan and scenario).
    objective_kind : str, optional
        Overrides the study's objective: ``expected`` or ``minimax-regret``
        (:mod:`evplan.twostage.minimax`; it always solves the scenarios alone).
    client : distributed.Client, optional
        Build the scenario models on the client's workers (one
        :class:`~evplan.twostage.subproblem.Shard` actor each) and run there every
        per-scenario step: the expected-value plan's completion, the checks of the
        stochastic plan, the wait-and-see and regret solves. Only matrices, plans and
        checked results travel; the extensive form is solved here. Not with
        minimax-regret (InputError).

    Raises
    ------
    InputError, InfeasibleError, SolverLimitError, VerificationError

    Examples
    --------
    >>> from evplan.twostage.tree import Study, StudyScenario
    >>> from evplan.examples import strategic_lane
    >>> study = Study("one", (StudyScenario("base", 1.0, ()),))
    >>> result = stochastic(strategic_lane(), study, regret=False)
    >>> round(result.objective_usd), round(result.evpi_usd)
    (3400000, 0)
    """
    from evplan.data.network import require_network_data

    require_network_data(data, "evplan.stochastic")
    solver = solver or SolverOptions()
    catalog = catalog if catalog is not None else catalog_for(data)
    study = study_named(data, study, catalog)
    if objective_kind is not None:
        study = with_objective(study, objective_kind)
    if study.objective == "minimax-regret":
        from evplan.twostage.minimax import minimax_regret

        if client is not None:
            raise InputError([Problem("--workers", f"study '{study.name}' minimises the "
                                      "worst regret, which runs in this process; drop "
                                      "--workers and --scheduler.")])
        return minimax_regret(data, study, catalog, solver, vss=vss, regret=regret)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    cpu = time.process_time()
    remote = None
    if client is None:
        scenarios, elements = build_scenarios(data, study, catalog)
    else:
        scenarios, elements, remote = build_remote(client, data, study, catalog, solver)
    blocks = [scenario.block for scenario in scenarios]
    timings["build_seconds"] = time.perf_counter() - clock
    metadata: dict[str, Any] = {}
    probabilities = np.array([scenario.probability for scenario in scenarios])
    names = [scenario.name for scenario in scenarios]
    integer, weight, alpha = [bool(len(b.runner.integer)) for b in blocks], \
        study.risk_weight, study.alpha
    completions = Completions(len(scenarios), lambda values, only: fixed_runs(
        scenarios, values, solver, remote, only), integer)
    # each scenario alone (EVPI, regret): F(its bounds) bounds every shared plan (known.py)
    clock = time.perf_counter()
    own: list[ExtensiveRun] = []
    known: list[KnownPlan] = []
    evaluated: dict[str, np.ndarray] = {}
    if evpi or regret:
        own = fixed_runs(scenarios, None, solver, remote)
        if missing := [alone for alone in own if not alone.has_solution]:  # explained
            raise_no_plan(missing[0], f"study '{study.name}'", scenarios, solver,
                          study.revelation_year, remote)
        known, evaluated = own_plans(scenarios, own, completions, probabilities, weight,
                                     alpha, every=regret)
    timings["wait_and_see_seconds"] = time.perf_counter() - clock
    clock = time.perf_counter()
    datas = applied_inputs(data, study, catalog) if remote is not None and vss else None
    ev_margins = (expected_value_plan(scenarios, blocks, solver, metadata, remote, datas,
                                      completions) if vss else None)
    eev = (risk_objective(ev_margins, probabilities, weight, alpha)
           if ev_margins is not None and np.isfinite(ev_margins).all() else None)
    if eev is not None:
        ev_plan, _ = completions.plan("expected-value plan", np.array(
            metadata["expected_value_first_stage"]), probabilities, weight, alpha)
        known += [ev_plan] if ev_plan is not None else []
    timings["vss_seconds"] = time.perf_counter() - clock
    clock = time.perf_counter()
    bound = wait_and_see_bound(own, integer, probabilities, weight, alpha) if own else np.inf
    best = max(known, key=lambda plan: plan.score_usd) if known else None
    gap = float(solver.mip_gap)
    if best is not None and gap * abs(best.score_usd) + 1 < bound - best.score_usd <= 4 * gap * abs(
            best.score_usd):  # close: the bound and the plan 4x tighter may prove it (known.py)
        own, best = tighten(own, best, lambda values, to: fixed_runs(
            scenarios, values, dataclasses.replace(solver, mip_gap=to), remote), gap / 4,
            integer, probabilities, weight, alpha)
        bound = wait_and_see_bound(own, integer, probabilities, weight, alpha)
        known, evaluated = shared_tightened(best, known, evaluated)  # same first stage
        if eev is not None and (ev := next((p for p in known if p.plan == "expected-value"), None)):
            ev_margins, eev = ev.margins_usd, ev.score_usd
    if best is not None and bound - best.score_usd <= gap * max(abs(best.score_usd), 1e-9) + 1.0:
        # proven by the wait-and-see bound: the extensive form is not needed
        run = plan_run(best, bound, gap, weight, alpha, probabilities, blocks)
        metadata["plan_from"], metadata["bound_from"] = best.name, "wait-and-see"
    else:
        # the best known plan is HiGHS's cutoff, and HiGHS stops once its bound is within
        # the gap of it
        cut = best.score_usd if best is not None else None
        run = solve_extensive(blocks, solver, risk_weight=weight, alpha=alpha,
                              cutoff_usd=cut, known_usd=cut)
        if cut is not None and not run.has_solution and run.status == "infeasible":
            run = solve_extensive(blocks, solver, risk_weight=weight, alpha=alpha)
        if not any(integer) and run.status != "optimal":
            # an LP's bound is its value only when optimal (extensive.py gives the value
            # whatever stopped it): a time-limited LP proves nothing (helper-114's F2)
            run = dataclasses.replace(run, bound_usd=float("inf"))
        metadata["plan_from"], metadata["bound_from"] = "extensive form", "extensive form"
        if best is not None:
            run, metadata["plan_from"] = better_of(run, list(best.runs), best.margins_usd,
                                                   best.score_usd, study, solver, best.name)
    timings["solve_seconds"] = time.perf_counter() - clock
    if not run.has_solution:
        raise_no_plan(run, f"study '{study.name}'", scenarios, solver, study.revelation_year,
                      remote)
    clock = time.perf_counter()
    results = certify(scenarios, run, remote)
    problems = check_values(study, run, scenarios, results)
    if problems:
        raise VerificationError([f"stochastic: {line}" for line in problems])
    timings["check_seconds"] = time.perf_counter() - clock
    margins = np.array([results[scenario.name].objective_usd for scenario in scenarios])
    frame = pd.DataFrame({"scenario": names, "probability": probabilities,
                          "margin_usd": margins})
    regret_rows: list[pd.DataFrame] = []
    run = restated(run, study, margins, probabilities)
    objective = run.objective_usd
    evpi_usd = vss_usd = wait_range = eev_range = None
    if own:
        wait = best_margins(own, completions, [p.margins_usd for p in known] + [margins])
        frame["wait_and_see_usd"] = wait
        frame["regret_usd"] = wait - margins
        evpi_usd = risk_objective(wait, probabilities, weight, alpha) - objective
        metadata["wait_and_see_usd"] = evpi_usd + objective
        wait_range = (evpi_usd + objective, bound)
        if regret:
            regret_rows += [pd.DataFrame({"plan": name, "scenario": names, "margin_usd":
                                          evaluated[name], "regret_usd": wait - evaluated[name]})
                            for name in names]
            regret_rows.append(pd.DataFrame({"plan": "stochastic", "scenario": names,
                                             "margin_usd": margins,
                                             "regret_usd": wait - margins}))
    if ev_margins is not None:
        frame["ev_plan_margin_usd"] = ev_margins
        if eev is not None:
            metadata["eev_usd"] = eev
            vss_usd = objective - eev
            eev_range = (eev, next((risk_objective(p.bounds_usd, probabilities, weight, alpha)
                                    for p in known if p.plan == "expected-value"), np.inf))
        if "wait_and_see_usd" in frame and regret:
            regret_rows.append(pd.DataFrame({
                "plan": "expected-value", "scenario": names, "margin_usd": ev_margins,
                "regret_usd": frame["wait_and_see_usd"].to_numpy() - ev_margins}))
    bound_usd = min(run.bound_usd, bound)  # the tighter of two proven bounds
    proven = max(0.0, bound_usd - objective) / max(abs(objective), 1e-9)
    if run.status == "time_limit" and proven <= gap * (1 + 1e-9):
        run = dataclasses.replace(run, status="optimal")
    timings["cpu_seconds"] = time.process_time() - cpu
    first_stage = elements[["variable", "element", "year"]].assign(
        value=fixed_values(run, scenarios[0]))
    points = {"objective": objective, "wait_and_see": metadata.get("wait_and_see_usd"),
              "eev": metadata.get("eev_usd"), "evpi": evpi_usd, "vss": vss_usd}
    metadata |= {"intervals_usd": clamped(intervals((objective, bound_usd), wait_range,
                                                    eev_range), points),
                 "fixed_first_stage_solves": completions.solves,
                 "workers": len(remote.shards) if remote is not None else 1,
                 "status": run.status, "mip_gap": proven, "bound_usd": bound_usd,
                 "mip_nodes": run.nodes, "columns": run.columns, "rows": run.rows,
                 "nonanticipativity_rows": run.nonanticipativity_rows,
                 "shared_elements": len(elements), "scenarios": len(scenarios),
                 "timings": timings, "study": study.as_dict(),
                 "overrides": {sc.name: list(sc.overrides) for sc in scenarios},
                 "solver_mip_gap": float(solver.mip_gap)}
    return checked_study(StochasticResult(
        study=study, status=run.status, objective_usd=objective,
        expected_margin_usd=float(probabilities @ margins),
        cvar_usd=cvar(margins, probabilities, study.alpha), evpi_usd=evpi_usd,
        vss_usd=vss_usd, first_stage=first_stage, scenarios=frame,
        regret=(pd.concat(regret_rows, ignore_index=True) if regret_rows else
                empty_regret()),
        results=results, metadata=metadata))
