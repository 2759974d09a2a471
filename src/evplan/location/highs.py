"""A MILP held as scipy.sparse arrays, handed to HiGHS in memory.

Every formulation in :mod:`evplan.location` builds a :class:`Milp` — columns with
cost, bounds and integrality, rows ``row_lower <= A x <= row_upper`` — and calls
:func:`solve_milp`, which passes it to ``highspy`` column-wise (no files), optionally
with a cutoff (the value of a known solution), and returns the values, objective,
proven bound and gap. :func:`load_highs` alone serves LP loops that add rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from evplan.highs import new_highs, run_solver, set_threads
from evplan.location.options import SolveOptions

__all__ = ["Milp", "MilpSolution", "load_highs", "solve_milp"]


@dataclass(frozen=True)
class Milp:
    """``min cost @ x + offset`` s.t. ``row_lower <= matrix @ x <= row_upper``, bounds.

    Attributes
    ----------
    cost, lower, upper : numpy.ndarray
        One entry per column.
    integer : numpy.ndarray of bool
        Which columns are integer.
    matrix : scipy.sparse.csc_array or csc_matrix
        Rows x columns constraint matrix.
    row_lower, row_upper : numpy.ndarray
        One entry per row (``±inf`` for one-sided rows).
    offset : float
        Constant added to the objective.
    """

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    matrix: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    offset: float = 0.0


@dataclass(frozen=True)
class MilpSolution:
    """What HiGHS returned.

    ``status`` is ``"optimal"``, ``"time_limit"`` (a feasible solution, gap open),
    ``"infeasible"`` or ``"no_solution"`` (a limit hit before any feasible point).
    ``bound`` is HiGHS' proven dual bound and ``gap`` = (objective - bound) / objective.
    """

    status: str
    values: np.ndarray | None
    objective: float
    bound: float
    gap: float
    seconds: float
    nodes: int


def _inf(values: np.ndarray, infinity: float) -> np.ndarray:
    return np.clip(np.asarray(values, dtype=float), -infinity, infinity)


def load_highs(
    model: Milp,
    options: SolveOptions,
    *,
    time_limit: float,
    cutoff: float | None = None,
) -> highspy.Highs:
    """A silent ``highspy.Highs`` holding ``model`` (column-wise, in memory), options set.

    Parameters are as for :func:`solve_milp`; the caller may add rows and re-run, which
    warm-starts the simplex from the previous basis.
    """
    highs = new_highs()
    highs.setOptionValue("output_flag", bool(options.verbose))
    set_threads(highs, options.threads)
    highs.setOptionValue("time_limit", float(max(0.0, time_limit)))
    highs.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    highs.setOptionValue("mip_abs_gap", float(options.mip_abs_gap))
    highs.setOptionValue("random_seed", int(options.seed))
    if cutoff is not None and np.isfinite(cutoff):
        highs.setOptionValue("objective_bound", float(cutoff + 1e-7 * abs(cutoff) + 1e-6))
    for name, value in options.highs_options:
        highs.setOptionValue(name, value)
    infinity = highs.getInfinity()
    matrix = sp.csc_matrix(model.matrix)
    matrix.sort_indices()
    column_count = matrix.shape[1]
    integrality = np.where(model.integer, 1, 0).astype(np.int32)
    highs.passModel(
        int(column_count),
        int(matrix.shape[0]),
        int(matrix.nnz),
        1,  # column-wise
        1,  # minimise
        float(model.offset),
        np.asarray(model.cost, dtype=float),
        _inf(model.lower, infinity),
        _inf(model.upper, infinity),
        _inf(model.row_lower, infinity),
        _inf(model.row_upper, infinity),
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data.astype(float),
        integrality,
    )
    return highs


def solve_milp(
    model: Milp,
    options: SolveOptions,
    *,
    time_limit: float,
    cutoff: float | None = None,
) -> MilpSolution:
    """Solve ``model`` with HiGHS, passing it column-wise in memory.

    Parameters
    ----------
    model : Milp
        The problem.
    options : SolveOptions
        ``mip_rel_gap``, ``mip_abs_gap``, ``threads``, ``verbose`` (not ``time_limit``).
    time_limit : float
        Seconds HiGHS may run: what the solve's
        :class:`~evplan.location.budget.Budget` has left (``options.time_limit`` is the
        limit of the whole solve, not of one HiGHS run).
    cutoff : float, optional
        Objective value of a known solution (HiGHS ``objective_bound``): nodes that cannot
        beat it are pruned. Status ``"infeasible"`` then means nothing beats the cutoff.
        Used instead of a MIP start: with HiGHS 1.16 a MIP start combined with presolve
        can end with a wrong "optimal" (the presolve objective offset is lost).
    """
    if time_limit < 1e-3:
        # No time left: HiGHS would still pass the model and start its presolve (1 s on
        # capb's final MILP given 0 s, on a loaded machine) and could return nothing.
        return MilpSolution("no_solution", None, np.inf, -np.inf, np.inf, 0.0, 0)
    started = time.perf_counter()
    highs = load_highs(model, options, time_limit=time_limit, cutoff=cutoff)
    # Passing a large model takes a moment: HiGHS' clock starts at run(), so its limit is
    # what is left of ``time_limit`` then.
    highs.setOptionValue("time_limit", max(0.0, time_limit - (time.perf_counter() - started)))
    run_solver(highs)
    status = highs.getModelStatus()
    info = highs.getInfo()
    seconds = time.perf_counter() - started
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kInfeasible:
        return MilpSolution("infeasible", None, np.inf, np.inf, np.inf, seconds, 0)
    is_mip = bool(model.integer.any())
    nodes = int(info.mip_node_count) if is_mip else 0
    if not has_solution:
        bound = float(info.mip_dual_bound) if is_mip else -np.inf
        return MilpSolution("no_solution", None, np.inf, bound, np.inf, seconds, nodes)
    values = np.asarray(highs.getSolution().col_value, dtype=float)
    # Price the solution ourselves: when presolve alone solves a MIP started from a
    # warm start, HiGHS 1.16 can report objective and bound without the presolve offset.
    objective = float(np.asarray(model.cost, dtype=float) @ values + model.offset)
    optimal = status == highspy.HighsModelStatus.kOptimal
    if is_mip:
        bound = float(info.mip_dual_bound)
        if optimal:  # HiGHS proved optimality within its gap tolerances
            tolerance = max(options.mip_abs_gap, options.mip_rel_gap * abs(objective))
            bound = max(bound, objective - tolerance)
    else:
        bound = objective if optimal else -np.inf
    bound = min(bound, objective)
    gap = relative_gap(objective, bound)
    return MilpSolution(
        "optimal" if optimal else "time_limit", values, objective, bound, gap, seconds, nodes
    )


def relative_gap(objective: float, bound: float) -> float:
    """``(objective - bound) / max(|objective|, 1e-9)``, 0 when they meet."""
    if not np.isfinite(bound) or not np.isfinite(objective):
        return np.inf
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)
