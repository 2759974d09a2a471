"""Hand a linopy model to HiGHS in memory, run it, and read the solution back.

linopy's own ``Model.solve`` works too; evplan drives ``highspy`` itself so that it can
keep the solver object (for warm re-solves), set limits, and silence the banner the
HiGHS constructor prints on the process's standard output.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from evplan.lazy_dask import defer_dask_import
from evplan.progress import run_solver

if TYPE_CHECKING:
    import linopy

__all__ = ["HighsRun", "SolverOptions", "allow_seconds", "has_plan", "lp_gap_and_bound",
           "new_highs", "proven", "run_highs", "run_solver", "set_threads"]

if "xarray" in sys.modules:  # linopy is loaded: its arrays hold NumPy data, no dask import
    defer_dask_import()


@dataclass(frozen=True)
class SolverOptions:
    """Solver limits and settings.

    Parameters
    ----------
    time_limit_s : float or None
        Wall-clock limit in seconds (None: no limit).
    mip_gap : float
        Relative MIP gap at which HiGHS stops (only for models with integers). A MILP plan
        is reported ``optimal`` when HiGHS proves it within this gap of its bound, so at
        ``mip_gap=0.5`` an ``optimal`` plan may earn up to half less than the best plan
        (the strategic case of tests/audit_s22/test_status_limits.py: 22 % less); the gap
        proven is in ``metadata["mip_gap"]``, on the objective as reported: HiGHS
        measures its gap on the objective it solves, which for the strategic model leaves
        out the fixed cost of plants without a strategy row, so evplan re-solves until the
        reported plan's own gap is proven (``time_limit`` when it is not).
    threads : int or None
        Threads HiGHS may use (None: HiGHS decides).
    log : bool
        Show the HiGHS log.
    """

    time_limit_s: float | None = None
    mip_gap: float = 1e-4
    threads: int | None = None
    log: bool = False


@dataclass(frozen=True)
class HighsRun:
    """What one HiGHS run returned, mapped back to linopy labels.

    Attributes
    ----------
    status : str
        ``optimal``, ``infeasible``, ``unbounded``, ``time_limit``, ``iteration_limit``
        or ``error``.
    has_solution : bool
        Whether primal values are available.
    objective : float
        Objective value of the solution (NaN without one).
    primal : numpy.ndarray
        Value per linopy variable label (NaN for labels not in the model).
    dual : numpy.ndarray
        Dual value per linopy constraint label (NaN for MIPs, for an LP stopped by a limit,
        and without a solution).
    mip_gap : float
        Proven relative gap: HiGHS's for a MIP; 0 for an LP solved to optimality and
        ``inf`` for an LP stopped by a limit (it proves no bound).
    seconds : float
        HiGHS run time.
    bound : float
        Best proven bound on the objective: HiGHS's dual bound for a MIP; for an LP the
        objective itself when optimal, NaN when stopped by a limit.
    nodes : int
        Branch-and-bound nodes (0 for LPs).
    """

    status: str
    has_solution: bool
    objective: float
    primal: np.ndarray
    dual: np.ndarray
    mip_gap: float
    seconds: float
    bound: float = float("nan")
    nodes: int = 0


@contextlib.contextmanager
def _native_stdout_silenced() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null while native code prints a banner."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs() -> highspy.Highs:
    """A silent ``highspy.Highs`` (its constructor's banner kept off standard output)."""
    with _native_stdout_silenced():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def _to_highs(m: linopy.Model, matrices: Any = None) -> highspy.Highs:
    """A HiGHS model of ``m`` (pass ``m.matrices`` if already made: linopy rebuilds it)."""
    matrices = m.matrices if matrices is None else matrices
    h = new_highs()
    h.addVars(len(matrices.vlabels), matrices.lb, matrices.ub)
    if len(m.binaries) + len(m.integers):
        integer = np.flatnonzero(np.isin(matrices.vtypes, ["B", "I"]))
        h.changeColsIntegrality(len(integer), integer.astype(np.int32),
                                np.ones(len(integer), dtype=np.uint8))
    cost = matrices.c
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
    a = matrices.A
    if a is not None and a.shape[0]:
        a = a.tocsr()
        lower = np.where(matrices.sense != "<", matrices.b, -np.inf)
        upper = np.where(matrices.sense != ">", matrices.b, np.inf)
        h.addRows(a.shape[0], lower, upper, a.nnz, a.indptr, a.indices, a.data)
    if m.objective.sense == "max":
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    return h


def set_threads(h: highspy.Highs, threads: int) -> None:
    """Set HiGHS's thread count, even after an earlier solve in this process.

    HiGHS keeps one thread scheduler per process, sized by the first solve; a later
    ``threads`` option that differs makes ``run()`` fail with an error status. Resetting
    the scheduler first lets each solve choose its own thread count.
    """
    highspy.Highs.resetGlobalScheduler(True)
    h.setOptionValue("threads", int(threads))


_STATUS = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnboundedOrInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "iteration_limit",
    "kSolutionLimit": "time_limit",
    "kInterrupt": "time_limit",
    "kModelEmpty": "optimal",  # nothing to decide (no lane sells anything): the empty plan
}


def has_plan(h: highspy.Highs) -> bool:
    """Whether HiGHS holds a feasible plan (an empty model's empty plan counts)."""
    empty = str(h.getModelStatus()).split(".")[-1] == "kModelEmpty"
    return bool(h.getInfo().primal_solution_status == 2 or empty)


def allow_seconds(h: highspy.Highs, seconds: float | None) -> None:
    """Let the next ``h.run()`` take ``seconds`` of wall time (None: leave the limit as it is).

    HiGHS compares its ``time_limit`` option with the Highs object's run clock
    (``getRunTime``), which keeps counting across runs. A Highs object that is run again
    (warm re-solves of a sweep, progressive hedging's subproblems, a cut loop) would stop
    at once, with status ``time_limit``, as soon as its earlier runs had used the limit
    up; so the limit is set from the clock's reading before each run.
    """
    if seconds is not None:
        h.setOptionValue("time_limit", h.getRunTime() + float(seconds))


def lp_gap_and_bound(status: str, objective: float) -> tuple[float, float]:
    """The gap and bound an LP run proves: 0 and its objective only when it is optimal.

    An LP stopped by a limit (``time_limit``, ``iteration_limit``) with a feasible plan
    proves no bound: its objective is not the optimum (a primal simplex stopped after 100
    iterations held 351 M USD of an optimum of 409 M), so the gap is ``inf`` and the bound
    NaN rather than 0 and the plan's own objective.
    """
    if status == "optimal":
        return 0.0, objective
    return float("inf"), float("nan")


def proven(info: Any, status: str, objective: float) -> tuple[float, float]:
    """The gap and bound a run proves, from HiGHS's ``info``: its MIP gap and dual bound
    when it ran the MIP solver (integer columns, even fixed ones), else
    :func:`lp_gap_and_bound`."""
    if info.mip_node_count >= 0:  # -1 after an LP
        return float(info.mip_gap), float(info.mip_dual_bound)
    return lp_gap_and_bound(status, objective)


def run_highs(m: linopy.Model, options: SolverOptions | None = None) -> HighsRun:
    """Solve ``m`` with HiGHS in memory and return values per linopy label.

    Parameters
    ----------
    m : linopy.Model
        A built model.
    options : SolverOptions, optional
        Limits and settings.

    Returns
    -------
    HighsRun
    """
    options = options or SolverOptions()
    matrices = m.matrices  # linopy builds the matrices on each access: once here
    h = _to_highs(m, matrices)
    h.setOptionValue("output_flag", bool(options.log))
    if options.time_limit_s is not None:
        h.setOptionValue("time_limit", float(options.time_limit_s))
    if options.threads is not None:
        set_threads(h, options.threads)
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    run_solver(h)  # h.run(); reports progress and stops on Ctrl-C inside evplan.progress.work
    model_status = h.getModelStatus()
    status = _STATUS.get(str(model_status).split(".")[-1], "error")
    info = h.getInfo()
    has_solution = has_plan(h)
    primal = np.full(m._xCounter, np.nan)
    dual = np.full(m._cCounter, np.nan)
    objective = float("nan")
    mip = bool(len(m.binaries) + len(m.integers))
    if has_solution:
        solution = h.getSolution()
        primal[matrices.vlabels] = np.asarray(solution.col_value, dtype=float)
        objective = float(info.objective_function_value)
        if not mip and solution.dual_valid and status == "optimal":
            # a stopped LP's row prices are no optimum's shadow prices: NaN, as for a MIP
            dual[matrices.clabels] = np.asarray(solution.row_dual)
    gap, bound = lp_gap_and_bound(status, objective)
    if mip:
        gap, bound = float(info.mip_gap), float(info.mip_dual_bound)
    nodes = int(info.mip_node_count) if mip else 0
    return HighsRun(status=status, has_solution=has_solution, objective=objective,
                    primal=primal, dual=dual, mip_gap=gap, seconds=float(h.getRunTime()),
                    bound=bound, nodes=nodes)
