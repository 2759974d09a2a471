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
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem, VerificationError
from evplan.highs import HighsRun, SolverOptions
from evplan.model.build import build_model
from evplan.model.index import ModelIndex, build_index
from evplan.model.strategic import FIRST_STAGE, has_strategic
from evplan.model.strategic.objective import strategic_constant_usd
from evplan.results import Result
from evplan.scenarios.apply import apply_scenario, catalog_for
from evplan.scenarios.overrides import Catalog
from evplan.strategic.milp import MilpRunner
from evplan.twostage.extensive import Block, ExtensiveRun, averaged_block, solve_extensive
from evplan.twostage.known import (
    Completions,
    KnownPlan,
    _better_of,
    _fixed_values,
    best_margins,
    intervals,
    own_plans,
    plan_run,
    shared_tightened,
    tighten,
    wait_and_see_bound,
)
from evplan.twostage.mean_inputs import applied_inputs, mean_block
from evplan.twostage.no_plan import (
    _changes_decisions,
    _no_strategic,
    eev_status,
    raise_if_unservable,
    raise_no_plan,
)
from evplan.twostage.risk import (
    cvar,
    empty_regret,
    restated,
    risk_objective,
    risk_problems,
)
from evplan.twostage.tree import Study, check_study
from evplan.twostage.verify import checked_study, scenario_result

__all__ = ["StochasticResult", "stochastic"]

#: Element frame of each first-stage variable and the columns that name an element.
ELEMENTS = {"plant_open": ("plant_years", ("plant",)),
            "plant_running": ("plant_years", ("plant",)),
            "plant_modules": ("plant_years", ("plant",)),
            "program_allocated": ("allocations", ("plant", "program")),
            "variant_added": ("variants", ("plant", "program")),
            "market_present": ("market_years", ("market",)),
            "homologated": ("homologations", ("program", "market")),
            "site_open": ("site_years", ("site",))}


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


def _study(data: NetworkData, named: str | Study, catalog: Catalog) -> Study:
    if isinstance(named, Study):
        study = named
    elif named in catalog.studies:
        study = catalog.studies[named]
    else:
        known = list(catalog.studies)
        raise InputError([Problem(catalog.source, f"'{named}' is not a study."
                                  + (did_you_mean(named, known) or (
                                      f" Known: {', '.join(known)}." if known else
                                      f" {catalog.source} declares none under studies:.")))])
    problems = check_study(study, data.scenario.first_year, data.scenario.last_year)
    if problems:  # a study built in Python was not checked when scenarios.yaml was read
        raise InputError(problems)
    return study


def _with_objective(study: Study, objective: str) -> Study:
    from dataclasses import replace

    from evplan.twostage.tree import OBJECTIVES

    if objective not in OBJECTIVES:
        raise InputError([Problem("--objective", f"'{objective}' is not an objective: use "
                                  f"{' or '.join(OBJECTIVES)}.")])
    if objective == "minimax-regret" and study.risk_weight > 0:
        raise InputError([Problem("--objective", f"study '{study.name}' has risk weight "
                                  f"{study.risk_weight:g}; minimax-regret takes no weight. "
                                  "Drop the weight from the study's risk: in scenarios.yaml.")])
    return replace(study, objective=objective)


def _elements(index: ModelIndex, revelation: int | None) -> pd.DataFrame:
    """The shared first-stage elements: variable, position, element name, year."""
    frames = []
    for name in FIRST_STAGE:
        frame_name, keys = ELEMENTS[name]
        frame = getattr(index.strategic, frame_name)
        years = frame["year"].to_numpy(dtype=int)
        keep = np.ones(len(frame), dtype=bool) if revelation is None else years <= revelation
        element = frame[list(keys)].astype(str).agg("/".join, axis=1) if len(frame) else \
            pd.Series([], dtype=object)
        frames.append(pd.DataFrame({"variable": name, "position": np.flatnonzero(keep),
                                    "element": element.to_numpy()[keep],
                                    "year": years[keep]}))
    return pd.concat(frames, ignore_index=True)


def _shared_columns(runner: MilpRunner, elements: pd.DataFrame) -> np.ndarray:
    columns = [runner.columns(str(name))[group["position"].to_numpy()]
               for name, group in elements.groupby("variable", sort=False)]
    return np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class _Scenario:
    """One scenario's model: here (data, m, index) or on a Dask worker (those None)."""

    name: str
    probability: float
    data: NetworkData | None
    m: Any
    index: ModelIndex | None
    block: Block
    overrides: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class _Remote:
    """Scenario models held by Dask actors (:class:`~evplan.twostage.subproblem.Shard`):
    shard k holds the scenarios ``owned[k]`` (indices into the study's scenarios)."""

    shards: list[Any]
    owned: list[list[int]]

    def gather(self, method: str, *args: Any, per_shard: list[tuple[Any, ...]] | None = None
               ) -> list[Any]:
        """Call ``method`` on every shard at once; the answers in scenario order."""
        from evplan.twostage.hedging import _call

        calls = per_shard if per_shard is not None else [args] * len(self.shards)
        answers = _call(self.shards, method, calls)
        out: list[Any] = [None] * sum(len(owned) for owned in self.owned)
        for owned, answer in zip(self.owned, answers, strict=True):
            for s, item in zip(owned, answer, strict=True):
                out[s] = item
        return out


def _check_shared(study: Study, name: str, mine: pd.DataFrame, shared: np.ndarray,
                  first: tuple[pd.DataFrame, np.ndarray] | None) -> Problem | None:
    """The problem when scenario ``name``'s shared first-stage elements differ from the
    first scenario's (``first``: its elements and columns; None for the first itself);
    raises VerificationError when an element has no model column."""
    columns = ["variable", "element", "year"]
    if first is not None and (not mine[columns].equals(first[0][columns])
                              or len(shared) != len(first[1])):
        return _changes_decisions(study, name)
    if (shared < 0).any():
        raise VerificationError([f"stochastic: scenario '{name}': a shared first-stage "
                                 "element has no model column."])
    return None


def _build_remote(client: Any, data: NetworkData, study: Study, catalog: Catalog,
                  solver: SolverOptions) -> tuple[list[_Scenario], pd.DataFrame, _Remote]:
    """Build the scenario models on the client's workers (one Shard each); bring back only
    their matrices."""
    from evplan.twostage.hedging import _shards, _specs

    if not has_strategic(data):
        raise _no_strategic(study)
    specs = _specs(study, catalog)
    # A worker is one process for one core: its solves use one thread unless told
    if solver.threads is None:
        solver = dataclasses.replace(solver, threads=1)
    shards = _shards(client, data, specs, study.revelation_year, solver)
    # _shards gives shard k the specs k, k + W, ... (W = shards, none of them empty)
    remote = _Remote(shards, [list(range(len(specs)))[k::len(shards)]
                              for k in range(len(shards))])
    described = remote.gather("blocks")
    first = described[0]
    problems = []
    scenarios = []
    for s, (spec, item) in enumerate(zip(specs, described, strict=True)):
        problem = _check_shared(study, spec.name, item["elements"], item["shared"],
                                (first["elements"], first["shared"]) if s else None)
        if problem is not None:
            problems.append(problem)
            continue
        block = Block(item["runner"], spec.probability, item["constant_usd"], item["shared"])
        scenarios.append(_Scenario(spec.name, spec.probability, None, None, None, block,
                                   item["overrides"]))
    if problems:
        raise InputError(problems)
    return scenarios, first["elements"], remote


def _fixed_runs(scenarios: list[_Scenario], values: np.ndarray | None, solver: SolverOptions,
                remote: _Remote | None, only: list[int] | None = None) -> list[ExtensiveRun]:
    """Each scenario alone (those ``only``, all when None), its shared first stage fixed to
    ``values`` (free when None)."""
    chosen = list(range(len(scenarios))) if only is None else only
    if remote is not None:
        runs = remote.gather("fixed_runs", values)
        return [runs[s] for s in chosen]
    return [solve_extensive([scenarios[s].block.alone()], solver, fixed=values)
            for s in chosen]


def _certify(scenarios: list[_Scenario], run: ExtensiveRun, remote: _Remote | None
             ) -> dict[str, Result]:
    """Each scenario's plan checked against its own tables (where its model lives)."""
    if remote is not None:
        checked = remote.gather("certify", per_shard=[
            ([run.runs[s] for s in owned],) for owned in remote.owned])
        return {scenario.name: result for scenario, result in zip(scenarios, checked,
                                                                  strict=True)}
    return {scenario.name: _certified(scenario, run.runs[s])
            for s, scenario in enumerate(scenarios)}


def _certified(scenario: _Scenario, run: HighsRun) -> Result:
    """One scenario's plan checked here (its model is in this process)."""
    if scenario.data is None or scenario.index is None:
        raise ValueError(f"scenario '{scenario.name}' was built on a worker")
    return scenario_result(scenario.name, scenario.data, scenario.m, scenario.index, run,
                           scenario.overrides)


def _build(data: NetworkData, study: Study, catalog: Catalog) -> tuple[list[_Scenario],
                                                                        pd.DataFrame]:
    scenarios: list[_Scenario] = []
    elements: pd.DataFrame | None = None
    problems: list[Problem] = []
    for scenario in study.scenarios:
        applied = apply_scenario(data, scenario.resolve(catalog) if scenario.patches
                                 else list(scenario.overrides), catalog)
        if not has_strategic(applied.data):
            raise _no_strategic(study)
        index = build_index(applied.data)
        raise_if_unservable(scenario.name, applied.data, index)
        m, index = build_model(applied.data, index=index)
        runner = MilpRunner(m)
        mine = _elements(index, study.revelation_year)
        shared = _shared_columns(runner, mine)
        problem = _check_shared(study, scenario.name, mine, shared,
                                None if elements is None else
                                (elements, scenarios[0].block.shared))
        if elements is None:
            elements = mine
        if problem is not None:
            problems.append(problem)
            continue
        block = Block(runner, scenario.probability, strategic_constant_usd(index), shared)
        scenarios.append(_Scenario(scenario.name, scenario.probability, applied.data, m,
                                   index, block, applied.overrides))
    if problems:
        raise InputError(problems)
    assert elements is not None
    return scenarios, elements


EV_INFEASIBLE = ("the expected-value problem (every coefficient the scenarios' "
                 "probability-weighted mean) is infeasible, so there is no expected-value "
                 "plan and no VSS; the stochastic plan does not depend on it")


def _check_values(study: Study, run: ExtensiveRun, scenarios: list[_Scenario],
                  results: dict[str, Result]) -> list[str]:
    """Non-anticipativity, expected margin and CVaR from the checked scenario plans."""
    problems = []
    shared = [run.runs[s].primal[sc.block.runner.vlabels][sc.block.shared]
              for s, sc in enumerate(scenarios)]
    for s, values in enumerate(shared[1:], start=1):
        worst = float(np.max(np.abs(values - shared[0]))) if len(values) else 0.0
        if worst > 1e-6:
            problems.append(f"scenario '{scenarios[s].name}' departs from the shared first "
                            f"stage by {worst:g} (non-anticipativity).")
    margins = np.array([results[sc.name].objective_usd for sc in scenarios])
    probabilities = np.array([sc.probability for sc in scenarios])
    return problems + risk_problems(study, margins, probabilities, run.cvar_usd,
                                    run.objective_usd, proven=run.status == "optimal")


def _evaluate(scenarios: list[_Scenario], values: np.ndarray, solver: SolverOptions,
              plans: list[HighsRun] | None = None, remote: _Remote | None = None,
              completions: Completions | None = None) -> tuple[np.ndarray, list[str]]:
    """Each scenario's best margin with the shared first stage fixed to ``values``.

    When ``plans`` is a list, each scenario's run (its plan, when it has one) is appended;
    ``completions`` solves each (first stage, scenario) pair once.
    """
    margins = np.full(len(scenarios), -np.inf)
    statuses = []
    runs = (completions.runs(values) if completions is not None
            else _fixed_runs(scenarios, values, solver, remote))
    for s, (scenario, run) in enumerate(zip(scenarios, runs, strict=True)):
        statuses.append(run.status)
        if run.has_solution:
            margins[s] = run.objective_usd
        elif run.status not in ("infeasible", "unbounded"):
            raise_no_plan(run, f"scenario '{scenario.name}' with a fixed first stage")
        if plans is not None:
            plans.append(run.runs[0])
    return margins, statuses


def _expected_value_plan(scenarios: list[_Scenario], blocks: list[Block],
                         solver: SolverOptions, metadata: dict[str, Any],
                         plans: list[HighsRun] | None = None,
                         remote: _Remote | None = None, datas: list[Any] | None = None,
                         completions: Completions | None = None) -> np.ndarray | None:
    """Each scenario's margin with the expected-value plan's shared decisions fixed (and,
    into ``plans``, each scenario's completed plan)."""
    try:
        mean = mean_block(scenarios, datas) or averaged_block(blocks)
    except ValueError as error:
        metadata["eev_status"] = f"not computed: {error}"
        return None
    ev_run = solve_extensive([mean], solver)
    if not ev_run.has_solution and ev_run.status == "infeasible":
        metadata["eev_status"] = f"not computed: {EV_INFEASIBLE}"
        return None
    if not ev_run.has_solution:
        raise_no_plan(ev_run, "the expected-value problem")
    values = np.round(ev_run.runs[0].primal[mean.runner.vlabels][mean.shared])
    margins, statuses = _evaluate(scenarios, values, solver, plans, remote, completions)
    metadata["expected_value_problem_usd"] = ev_run.objective_usd
    metadata["expected_value_first_stage"] = [float(v) for v in values]
    metadata["eev_status"] = eev_status(ev_run, [sc.name for sc in scenarios], statuses)
    return margins


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
    study = _study(data, study, catalog)
    if objective_kind is not None:
        study = _with_objective(study, objective_kind)
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
        scenarios, elements = _build(data, study, catalog)
    else:
        scenarios, elements, remote = _build_remote(client, data, study, catalog, solver)
    blocks = [scenario.block for scenario in scenarios]
    timings["build_seconds"] = time.perf_counter() - clock
    metadata: dict[str, Any] = {}
    probabilities = np.array([scenario.probability for scenario in scenarios])
    names = [scenario.name for scenario in scenarios]
    integer, weight, alpha = [bool(len(b.runner.integer)) for b in blocks], \
        study.risk_weight, study.alpha
    completions = Completions(len(scenarios), lambda values, only: _fixed_runs(
        scenarios, values, solver, remote, only), integer)
    # each scenario alone (EVPI, regret): F(its bounds) bounds every shared plan (known.py)
    clock = time.perf_counter()
    own: list[ExtensiveRun] = []
    known: list[KnownPlan] = []
    evaluated: dict[str, np.ndarray] = {}
    if evpi or regret:
        own = _fixed_runs(scenarios, None, solver, remote)
        if missing := [alone for alone in own if not alone.has_solution]:  # explained
            raise_no_plan(missing[0], f"study '{study.name}'", scenarios, solver,
                          study.revelation_year, remote)
        known, evaluated = own_plans(scenarios, own, completions, probabilities, weight,
                                     alpha, every=regret)
    timings["wait_and_see_seconds"] = time.perf_counter() - clock
    clock = time.perf_counter()
    ev_runs: list[HighsRun] = []
    datas = applied_inputs(data, study, catalog) if remote is not None and vss else None
    ev_margins = (_expected_value_plan(scenarios, blocks, solver, metadata, ev_runs, remote,
                                       datas, completions) if vss else None)
    eev = (risk_objective(ev_margins, probabilities, weight, alpha)
           if ev_margins is not None and np.isfinite(ev_margins).all() else None)
    if eev is not None:
        ev_plan, _ = completions.plan("expected-value plan", np.array(
            metadata["expected_value_first_stage"]), probabilities, weight, alpha)
        known += [ev_plan] if ev_plan is not None else []
    timings["vss_seconds"] = time.perf_counter() - clock
    clock = time.perf_counter()
    bound = wait_and_see_bound(own, integer, probabilities, weight, alpha) if own else np.inf
    best = max(known, key=lambda plan: plan.score) if known else None
    gap = float(solver.mip_gap)
    if best is not None and gap * abs(best.score) + 1 < bound - best.score <= 4 * gap * abs(
            best.score):  # close: the bound and the plan 4x tighter may prove it (known.py)
        own, best = tighten(own, best, lambda values, to: _fixed_runs(
            scenarios, values, dataclasses.replace(solver, mip_gap=to), remote), gap / 4,
            integer, probabilities, weight, alpha)
        bound = wait_and_see_bound(own, integer, probabilities, weight, alpha)
        known, evaluated = shared_tightened(best, known, evaluated)  # same first stage
        if eev is not None and (ev := next((p for p in known if p.plan == "expected-value"), None)):
            ev_margins, eev = ev.margins, ev.score
    if best is not None and bound - best.score <= gap * max(abs(best.score), 1e-9) + 1.0:
        # proven by the wait-and-see bound: the extensive form is not needed
        run = plan_run(best, bound, gap, weight, alpha, probabilities, blocks)
        metadata["plan_from"], metadata["bound_from"] = best.name, "wait-and-see"
    else:
        # the best known plan is HiGHS's cutoff, and HiGHS stops once its bound is within
        # the gap of it
        cut = best.score if best is not None else None
        run = solve_extensive(blocks, solver, risk_weight=weight, alpha=alpha,
                              cutoff_usd=cut, known_usd=cut)
        if cut is not None and not run.has_solution and run.status == "infeasible":
            run = solve_extensive(blocks, solver, risk_weight=weight, alpha=alpha)
        metadata["plan_from"], metadata["bound_from"] = "extensive form", "extensive form"
        if best is not None:
            run, metadata["plan_from"] = _better_of(run, list(best.runs), best.margins,
                                                    best.score, study, solver, best.name)
    timings["solve_seconds"] = time.perf_counter() - clock
    if not run.has_solution:
        raise_no_plan(run, f"study '{study.name}'", scenarios, solver, study.revelation_year,
                      remote)
    clock = time.perf_counter()
    results = _certify(scenarios, run, remote)
    problems = _check_values(study, run, scenarios, results)
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
        wait = best_margins(own, completions, [p.margins for p in known] + [margins])
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
            eev_range = (eev, next((risk_objective(p.bounds, probabilities, weight, alpha)
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
        value=_fixed_values(run, scenarios[0]))
    metadata |= {"intervals_usd": intervals((objective, bound_usd), wait_range, eev_range),
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
