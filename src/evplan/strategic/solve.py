"""Solve the strategic network-design MILP into a Result, with today's network as reference.

:func:`optimize_strategic` is what :func:`evplan.optimize` runs when the inputs hold a
strategic table:

1. build the model (the network LP plus :mod:`evplan.model.strategic`);
2. solve it with the network fixed as it is today (:func:`~evplan.strategic.milp.
   status_quo_values`): the reference the plan's value is measured against, and a first
   incumbent;
3. solve the LP relaxation, round its network (:func:`~evplan.strategic.milp.
   rounded_values`) and solve that fixed network: a second incumbent;
4. solve the MILP with the better incumbent's value as HiGHS's cutoff;
5. build the result tables, the decisions in plain words, the comparison with today's
   network, and check the plan against the input tables (:mod:`evplan.strategic.check`).

The Result's ``objective_usd`` is the discounted value on the scenario's
``objective_basis``; ``metadata`` carries both bases, the gap, the bound, the value of
today's network and the timings of each step.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from evplan import __version__
from evplan.data import NetworkData
from evplan.errors import InfeasibleError, SolverLimitError, VerificationError
from evplan.highs import HighsRun, SolverOptions
from evplan.model.build import build_model
from evplan.model.compliance_index import has_compliance
from evplan.model.index import ModelIndex, build_index
from evplan.model.options import BuildOptions
from evplan.model.requirements import empty_requirements
from evplan.model.strategic.objective import strategic_constant_usd
from evplan.results import Result, compute_kpis, result_tables
from evplan.strategic.check import check_plan, network_skip
from evplan.strategic.decisions import decision_table
from evplan.strategic.kpis import strategic_kpis, value_by_year
from evplan.strategic.milp import MilpRunner, rounded_values, solve_milp, status_quo_values
from evplan.strategic.tables import strategic_tables
from evplan.verify.certify import certify

__all__ = ["StrategicOptions", "empty_strategic_requirements", "optimize_strategic"]


@dataclass(frozen=True)
class StrategicOptions:
    """How :func:`optimize_strategic` runs (defaults: the tight formulation with heuristics).

    Parameters
    ----------
    formulation : {"tight", "disaggregated", "textbook"}
        See :class:`evplan.model.options.BuildOptions`.
    module_order : bool
        Order identical modules (explicit symmetry breaking; see BuildOptions).
    heuristics : bool
        Solve today's network and the rounded LP plan first and pass the better one's value
        as a cutoff.
    compare : bool
        Report the value of today's network (needs its solve even without heuristics).
    fixed : mapping, optional
        First-stage values to fix (then only the operational plan is optimised).
    """

    formulation: str = "tight"
    module_order: bool = False
    heuristics: bool = True
    compare: bool = True
    fixed: Mapping[str, np.ndarray] | None = None


def empty_strategic_requirements(data: NetworkData, index: ModelIndex) -> bool:
    """Is there a commitment no sale can serve, or a plant minimum of a plant that can
    neither close (no plant_strategy row) nor ship kits, with no flow? Such a row reads
    0 >= M, which linopy drops, so the plan would break it; the model is infeasible."""
    holes = empty_requirements(index, data.scenario.unmet_committed_penalty_usd_per_vehicle)
    flexible = set(data["plant_strategy"]["plant"]) | set(data["kit_routes"]["plant"])
    fixed = ~index.plant_years["plant"].iloc[holes.plant_minimum].isin(flexible).to_numpy()
    return bool(len(holes.committed) or fixed.any())


def _objective(run: HighsRun, index: ModelIndex) -> float:
    return run.objective - strategic_constant_usd(index)


def true_gap(run: HighsRun, constant_usd: float) -> float:
    """The relative gap of the plan as reported: (bound - objective) / |objective|, with the
    fixed costs the MILP leaves out (``constant_usd``) taken off both; inf without a plan."""
    if not run.has_solution or not np.isfinite(run.bound):
        return float("inf")
    value = abs(run.objective - constant_usd)
    return max(0.0, run.bound - run.objective) / value if value > 0 else (
        0.0 if run.bound <= run.objective else float("inf"))


@dataclass(frozen=True)
class TimeBudget:
    """``solver.time_limit_s`` for a run's HiGHS solves together: each gets the time left.

    A strategic run solves several times (today's network, the LP relaxation, the rounded
    network, the MILP and any re-solve for the gap); ``--time-limit 60`` bounds them
    together, counted from the first solve, so the run's solves take at most about 60 s.
    A solve the budget leaves no time for stops at once (HiGHS ``time_limit`` 0).

    Attributes
    ----------
    end_s : float or None
        The deadline on :func:`time.perf_counter`'s clock (None: no limit).
    """

    end_s: float | None

    @classmethod
    def start(cls, solver: SolverOptions) -> TimeBudget:
        """The budget of ``solver.time_limit_s`` seconds, from now."""
        limit_s = solver.time_limit_s
        return cls(None if limit_s is None else time.perf_counter() + float(limit_s))

    def left(self, solver: SolverOptions) -> SolverOptions:
        """``solver`` with the time left as its limit."""
        if self.end_s is None:
            return solver
        return replace(solver, time_limit_s=max(0.0, self.end_s - time.perf_counter()))


#: The absolute gap HiGHS itself accepts as closed (its default ``mip_abs_gap`` 1e-6 on the
#: objective it sees, in millions of USD: :attr:`MilpRunner.objective_scale`), in USD.
MIP_ABS_GAP_USD = 1e-6 / MilpRunner.objective_scale


def gap_closed(run: HighsRun, constant_usd: float, mip_gap: float) -> bool:
    """Whether the plan as reported is proven within ``mip_gap`` of its bound: its relative
    gap (:func:`true_gap`) at most ``mip_gap``, or its absolute gap at most
    ``MIP_ABS_GAP_USD`` (the rounding of a closed gap: with ``mip_gap`` 0 a plan whose
    bound exceeded it by 1e-16 relative was reported ``time_limit``)."""
    if not run.has_solution or not np.isfinite(run.bound):
        return False
    return (true_gap(run, constant_usd) <= mip_gap * (1 + 1e-9)
            or run.bound - run.objective <= MIP_ABS_GAP_USD)


def proven_to_gap(runner: MilpRunner, run: HighsRun, solver: SolverOptions, constant_usd: float,
                  fixed: Mapping[str, np.ndarray] | None = None, tries: int = 3,
                  budget: TimeBudget | None = None) -> HighsRun:
    """``run``, or a re-solve, whose plan is within ``solver.mip_gap`` of its bound on the
    objective as reported.

    HiGHS measures its gap on the MILP's objective, which leaves out the fixed costs of the
    plants without a ``plant_strategy`` row (a constant): with those costs large, a plan
    HiGHS stops at within 21 % of its bound was 10 times its own value below it (audit
    s22). While HiGHS says ``optimal`` but the plan's own gap is above ``mip_gap``, solve
    again with HiGHS's gap scaled to the plan's objective and the plan found as a cutoff (the
    next plan is at least as good); after ``tries`` the last run is returned, its status
    ``time_limit`` (a plan, its gap open, as a limit leaves it) when the gap is still not
    proven. ``budget`` (default: ``solver``'s limit for each re-solve) holds the time the
    run has left.
    """
    for _ in range(tries):
        if run.status != "optimal" or gap_closed(run, constant_usd, solver.mip_gap):
            return run
        scale = abs(run.objective - constant_usd) / max(abs(run.objective), 1e-9)
        tighter = replace(solver, mip_gap=max(solver.mip_gap * scale, 1e-9))
        again = solve_milp(runner, budget.left(tighter) if budget else tighter, fixed=fixed,
                           cutoff=run.objective)
        if not again.has_solution or again.objective < run.objective:
            break  # nothing better found (numerically): the gap stays unproven
        run = again
    if run.status == "optimal" and not gap_closed(run, constant_usd, solver.mip_gap):
        run = replace(run, status="time_limit")
    return run


def _not_worse_than_known(run: HighsRun, known: HighsRun | None, lp_bound: float) -> HighsRun:
    """A MILP a limit stopped without a plan, or with one worse than a network's plan found
    before it (today's or the rounded relaxation's): that plan, with the best bound known.

    HiGHS's cutoff prunes what cannot beat the known plan but still accepts a worse
    incumbent, so a run stopped by its time limit returned a plan worth 5.9e8 USD beside
    today's network at 8.87e10, or none at all (audit s22).
    """
    limited = run.status not in ("optimal", "infeasible", "unbounded")
    if known is None or not limited or (run.has_solution and run.objective >= known.objective):
        return run
    bounds = [bound for bound in (run.bound if run.has_solution else np.inf, lp_bound)
              if np.isfinite(bound)]
    return replace(known, status=run.status, bound=min(bounds, default=np.inf),
                   mip_gap=np.inf, seconds=known.seconds + run.seconds, nodes=run.nodes)


def optimize_strategic(data: NetworkData, solver: SolverOptions | None = None,
                       options: StrategicOptions | None = None) -> Result:
    """Plan the network (decisions) and its flows; see the module docstring.

    Raises
    ------
    InfeasibleError
        With the requirements that cannot be met and why (an elastic re-solve).
    SolverLimitError
        When the limit is hit before any feasible plan is found.

    Examples
    --------
    >>> from evplan.examples import strategic_lane
    >>> result = optimize_strategic(strategic_lane())  # 600 x (20,000 - 11,000) - 2,000,000
    >>> result.status, round(result.objective_usd)
    ('optimal', 3400000)
    """
    solver = solver or SolverOptions()
    options = options or StrategicOptions()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    index = build_index(data)
    if empty_strategic_requirements(data, index):
        from evplan.strategic.explain import explain_strategic_infeasibility

        raise InfeasibleError(explain_strategic_infeasibility(data, index, solver))
    m, index = build_model(data, BuildOptions(strategic_formulation=options.formulation,
                                              strategic_module_order=options.module_order),
                           index)
    runner = MilpRunner(m)
    timings["build_seconds"] = time.perf_counter() - started
    budget = TimeBudget.start(solver)  # --time-limit: for the solves below together
    today: HighsRun | None = None
    known: list[HighsRun] = []  # plans of networks found before the MILP (today's, rounded)
    lp_bound = np.inf  # the LP relaxation's value: a bound on every plan
    if options.fixed is None and (options.compare or options.heuristics):
        clock = time.perf_counter()
        today = solve_milp(runner, budget.left(solver), fixed=status_quo_values(index))
        timings["today_seconds"] = time.perf_counter() - clock
        known.append(today)
    if options.fixed is None and options.heuristics:
        clock = time.perf_counter()
        relaxed = solve_milp(runner, budget.left(solver), relax=True)
        if relaxed.has_solution:
            known.append(solve_milp(runner, budget.left(solver),
                                    fixed=rounded_values(m, relaxed, index)))
            timings["lp_bound_usd"] = relaxed.objective - strategic_constant_usd(index)
            if relaxed.status == "optimal":
                lp_bound = relaxed.objective
        timings["heuristic_seconds"] = time.perf_counter() - clock
    known = [run for run in known if run.has_solution]
    best_known = max(known, key=lambda run: run.objective, default=None)
    incumbent = best_known.objective if best_known is not None and options.heuristics \
        else -np.inf
    clock = time.perf_counter()
    cutoff = incumbent if np.isfinite(incumbent) else None
    run = solve_milp(runner, budget.left(solver), fixed=options.fixed, cutoff=cutoff)
    if cutoff is not None and not run.has_solution and run.status == "infeasible":
        run = solve_milp(runner, budget.left(solver), fixed=options.fixed)  # safety: no cutoff
    run = proven_to_gap(runner, run, solver, strategic_constant_usd(index), options.fixed,
                        budget=budget)
    run = _not_worse_than_known(run, best_known, lp_bound)
    timings["solve_seconds"] = time.perf_counter() - clock
    if not run.has_solution:
        if run.status in ("infeasible", "unbounded"):
            from evplan.strategic.explain import explain_strategic_infeasibility

            raise InfeasibleError(explain_strategic_infeasibility(data, index, solver))
        raise SolverLimitError(f"evplan: the solver stopped ({run.status}) after "
                               f"{run.seconds:.1f} s without a feasible plan. Raise "
                               "--time-limit.")
    tables = strategic_tables(m, run, index, data, result_tables(m, run, index, data))
    tables["network_decisions"] = decision_table(tables, index)
    kpis = pd.concat([compute_kpis(tables), strategic_kpis(tables)], ignore_index=True)
    if has_compliance(data):  # CO2 and zero-emission rules (issue 16) on the designed network
        from evplan.results.compliance import compliance_kpis  # tables: strategic_tables

        kpis = pd.concat([kpis, compliance_kpis(tables)], ignore_index=True)
    from evplan.results.commitments import add_committed_sales  # what each commitment gets

    kpis = add_committed_sales(tables, kpis, index, run.primal,
                               m.variables["sales"].labels.values.ravel(),
                               data.scenario.unmet_committed_penalty_usd_per_vehicle)
    value = value_by_year(tables)
    discount = index.discount
    consolidated = float((value["consolidated_usd"] * value["year"].map(discount)).sum())
    attributable = float((value["attributable_usd"] * value["year"].map(discount)).sum())
    objective = _objective(run, index)
    metadata: dict[str, Any] = {
        "evplan_version": __version__, "sizes": {**index.sizes(), **index.strategic.sizes()},
        "variables": int(m.nvars), "constraints": int(m.ncons),
        "integer_variables": len(runner.integer),
        "build_seconds": timings["build_seconds"], "solve_seconds": timings["solve_seconds"],
        "mip_gap": (true_gap(run, strategic_constant_usd(index)) if len(runner.integer)
                    else run.mip_gap),
        "mip_bound_usd": run.bound - strategic_constant_usd(index),
        "mip_nodes": run.nodes, "origin": data.origin, "strategic": True,
        "objective_basis": index.strategic.objective_basis,
        "objective_consolidated_usd": consolidated,
        "objective_attributable_usd": attributable,
        "formulation": options.formulation, "strategic_seconds": timings,
        "time_limit_s": solver.time_limit_s,  # the solves' budget (None: no limit)
    }
    if today is not None:
        today_value = _objective(today, index) if today.has_solution else float("nan")
        metadata["today_network_status"] = today.status
        metadata["today_network_objective_usd"] = today_value
        metadata["plan_gain_over_today_usd"] = objective - today_value
        tables["network_comparison"] = _comparison(m, today, index, data, value)
    problems = check_plan(data, tables, objective, index.strategic.objective_basis)
    if problems:
        raise VerificationError([f"strategic: {line}" for line in problems])
    metadata["strategic_check"] = "passed"
    status = "optimal" if run.status == "optimal" else run.status
    result = Result(status=status, objective_usd=objective, tables=tables, kpis=kpis,
                    scenario=data.scenario.as_dict(), metadata=metadata)
    # The network rows the strategic check leaves to the export certificate (lanes, sales,
    # demand tiers, duties, quotas, routes, commitments) and the compliance rows.
    return certify(data, result, m, run, index, lp=False, skip=network_skip(data))


def _comparison(m: Any, today: HighsRun, index: ModelIndex, data: NetworkData,
                plan_value: pd.DataFrame) -> pd.DataFrame:
    """Per year: the plan's value against today's network (undiscounted and discounted)."""
    frame = plan_value[["year", "consolidated_usd", "attributable_usd"]].rename(
        columns={"consolidated_usd": "plan_consolidated_usd",
                 "attributable_usd": "plan_attributable_usd"})
    if today.has_solution:
        today_tables = strategic_tables(m, today, index, data,
                                        result_tables(m, today, index, data))
        reference = value_by_year(today_tables)
        frame = frame.merge(reference.rename(columns={
            "consolidated_usd": "today_consolidated_usd",
            "attributable_usd": "today_attributable_usd"}), on="year", how="left")
    else:
        frame["today_consolidated_usd"] = np.nan
        frame["today_attributable_usd"] = np.nan
    frame["discount_factor"] = frame["year"].map(index.discount).to_numpy(dtype=float)
    frame["gain_consolidated_usd"] = frame["plan_consolidated_usd"] - frame[
        "today_consolidated_usd"]
    frame["gain_attributable_usd"] = frame["plan_attributable_usd"] - frame[
        "today_attributable_usd"]
    return frame
