r"""The extensive form of a two-stage study, handed to HiGHS in memory.

Each scenario :math:`s` (probability :math:`p_s`) is the strategic model of its own inputs:
columns :math:`x_s`, rows :math:`A_s x_s \in [l_s, u_s]`, objective :math:`c_s^\top x_s` and
the constant :math:`K_s` (fixed cost of plants without a strategy row), so its margin is
:math:`M_s = c_s^\top x_s - K_s`. The extensive form stacks the blocks and adds

* **non-anticipativity**, one equality row per shared first-stage element :math:`j` and
  scenario :math:`s \ge 1`: :math:`x_{s,j} - x_{1,j} = 0`;
* with a risk weight :math:`\lambda > 0`, the Rockafellar-Uryasev variables :math:`\eta`
  (free) and :math:`u_s \ge 0` with rows :math:`u_s - \eta + c_s^\top x_s \ge K_s`
  (:math:`u_s \ge \eta - M_s`).

It maximises :math:`\sum_s p_s M_s + \lambda\,(\eta - \frac{1}{1-\alpha}\sum_s p_s u_s)`.
At an optimum :math:`\eta - \frac{1}{1-\alpha}\sum_s p_s u_s` is CVaR\ :sub:`α` of the margin
(the mean of its worst :math:`1-\alpha` of probability). HiGHS sees USD millions, like
:class:`~evplan.strategic.milp.MilpRunner`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from evplan.highs import _STATUS, HighsRun, SolverOptions, new_highs, run_solver, set_threads
from evplan.strategic.milp import MilpRunner

__all__ = ["Block", "ExtensiveRun", "averaged_block", "solve_extensive"]

SCALE = MilpRunner.objective_scale


@dataclass(frozen=True)
class Block:
    """One scenario's model in the extensive form.

    Attributes
    ----------
    runner : MilpRunner
        The scenario's matrices.
    probability : float
        p_s.
    constant_usd : float
        K_s, subtracted from c_s x_s to give the margin.
    shared : numpy.ndarray
        Columns (in the runner's column order) of the shared first-stage elements, in the
        same element order in every block.
    """

    runner: MilpRunner
    probability: float
    constant_usd: float
    shared: np.ndarray

    def alone(self) -> Block:
        """This scenario's model on its own (probability 1)."""
        return Block(self.runner, 1.0, self.constant_usd, self.shared)


@dataclass(frozen=True)
class ExtensiveRun:
    """A solved extensive form: the value, the proof, and each scenario's own run."""

    status: str
    has_solution: bool
    objective_usd: float
    bound_usd: float
    mip_gap: float
    seconds: float
    nodes: int
    runs: tuple[HighsRun, ...]
    margins_usd: np.ndarray
    eta_usd: float
    cvar_usd: float | None
    nonanticipativity_rows: int
    columns: int
    rows: int
    stopped_at_known: bool = False


def averaged_block(blocks: Sequence[Block]) -> Block:
    """The expected-value model: every coefficient, bound and constant probability-weighted.

    Needs the same columns and rows in every block (raises ValueError otherwise). This is
    the model of the mean inputs wherever a coefficient is linear in the uncertain data
    (duty rates, prices, volumes, costs, capacities); see ``docs/stochastic.md``.
    """
    first = blocks[0].runner
    for block in blocks[1:]:
        other = block.runner
        if (not np.array_equal(other.vlabels, first.vlabels)
                or not np.array_equal(other.clabels, first.clabels)
                or not np.array_equal(other.integer, first.integer)):
            raise ValueError("the scenarios' models differ in their columns or rows")
    weights = np.array([block.probability for block in blocks])
    mean = copy.copy(first)

    def average(name: str) -> np.ndarray:
        stacked = np.vstack([getattr(block.runner, name) for block in blocks])
        same = (stacked == stacked[0]).all(axis=0)  # keeps infinite bounds infinite
        return np.where(same, stacked[0], np.nan_to_num(weights @ np.where(
            np.isfinite(stacked), stacked, 0.0)))

    for name in ("cost", "lower", "upper", "row_lower", "row_upper"):
        setattr(mean, name, average(name))
    if first.a is not None:
        matrix = blocks[0].probability * first.a
        for block in blocks[1:]:
            matrix = matrix + block.probability * block.runner.a  # type: ignore[operator]
        mean.a = sp.csr_matrix(matrix)
    constant = float(weights @ np.array([block.constant_usd for block in blocks]))
    return Block(mean, 1.0, constant, blocks[0].shared)


def _matrix(blocks: Sequence[Block], risk: bool, wait: np.ndarray | None = None
            ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """Stacked rows: the blocks, non-anticipativity, and the CVaR rows when ``risk`` (the
    minimax-regret rows when ``wait``, the scenarios' own optima, is given)."""
    sizes = [len(block.runner.vlabels) for block in blocks]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    count = len(blocks)
    n_columns = int(offsets[-1]) + (1 + count if risk else 0) + (1 if wait is not None else 0)
    parts = [sp.block_diag([block.runner.a for block in blocks], format="csr")]
    parts[0].resize((parts[0].shape[0], n_columns))
    lower = [np.concatenate([block.runner.row_lower for block in blocks])]
    upper = [np.concatenate([block.runner.row_upper for block in blocks])]
    shared = blocks[0].shared
    if count > 1 and len(shared):
        rows = np.arange((count - 1) * len(shared))
        first_columns = np.tile(shared + offsets[0], count - 1)
        other_columns = np.concatenate([block.shared + offsets[i + 1]
                                        for i, block in enumerate(blocks[1:])])
        na = sp.csr_matrix((np.concatenate([np.ones(len(rows)), -np.ones(len(rows))]),
                            (np.concatenate([rows, rows]),
                             np.concatenate([other_columns, first_columns]))),
                           shape=(len(rows), n_columns))
        parts.append(na)
        lower.append(np.zeros(len(rows)))
        upper.append(np.zeros(len(rows)))
    if risk:
        eta = int(offsets[-1])
        risk_rows = sp.lil_matrix((count, n_columns))
        for s, block in enumerate(blocks):
            columns = np.arange(offsets[s], offsets[s + 1])
            risk_rows[s, columns] = block.runner.cost * SCALE
            risk_rows[s, eta] = -1.0
            risk_rows[s, eta + 1 + s] = 1.0
        parts.append(risk_rows.tocsr())
        lower.append(np.array([block.constant_usd * SCALE for block in blocks]))
        upper.append(np.full(count, np.inf))
    if wait is not None:  # t + c_s x_s >= WS_s + K_s, i.e. t >= WS_s - M_s (USD millions)
        regret_rows = sp.lil_matrix((count, n_columns))
        for s, block in enumerate(blocks):
            regret_rows[s, np.arange(offsets[s], offsets[s + 1])] = block.runner.cost * SCALE
            regret_rows[s, n_columns - 1] = 1.0
        parts.append(regret_rows.tocsr())
        lower.append((np.asarray(wait, dtype=float)
                      + np.array([block.constant_usd for block in blocks])) * SCALE)
        upper.append(np.full(count, np.inf))
    return (sp.vstack(parts, format="csr"), np.concatenate(lower), np.concatenate(upper),
            offsets)


def _solve_once(blocks: Sequence[Block], solver: SolverOptions | None = None, *,
                risk_weight: float = 0.0, alpha: float = 0.9,
                fixed: np.ndarray | None = None,
                cutoff_usd: float | None = None,
                minimax_wait_usd: np.ndarray | None = None,
                known_usd: float | None = None) -> ExtensiveRun:
    """Build and solve the extensive form of ``blocks`` (see the module docstring).

    Parameters
    ----------
    fixed : numpy.ndarray, optional
        Values of the shared first-stage elements to fix in every block (to evaluate a
        given first-stage plan).
    cutoff_usd : float, optional
        The objective of a known plan (e.g. the expected-value plan's, EEV): HiGHS prunes
        what cannot beat it, less a margin of 10⁻⁷ relative + 1 USD so that plan stays
        admissible. A cutoff, not a MIP start (see :mod:`evplan.strategic.milp`).
    minimax_wait_usd : numpy.ndarray, optional
        Each scenario's own optimum WS_s: minimise the largest regret instead, i.e.
        maximise -t subject to t >= WS_s - M_s for every s (t free, the last column);
        ``objective_usd`` is then -t and ``risk_weight`` must be 0.
    known_usd : float, optional
        The objective of a known feasible plan of this model (e.g. the expected-value plan
        completed in every scenario, EEV). HiGHS is stopped as soon as its proven bound is
        within the MIP gap of it: (bound - known) <= mip_gap x |known|; the run then has
        ``stopped_at_known`` set, and the caller returns the better of the two plans with
        that bound. No MIP start is handed to HiGHS (see :mod:`evplan.strategic.milp`).
    """
    options = solver or SolverOptions()
    risk = risk_weight > 0
    minimax = minimax_wait_usd is not None
    if risk and minimax:
        raise ValueError("minimax regret takes no CVaR weight")
    a, row_lower, row_upper, offsets = _matrix(blocks, risk, minimax_wait_usd)
    count = len(blocks)
    cost = [block.probability * block.runner.cost * SCALE * (0.0 if minimax else 1.0)
            for block in blocks]
    lower = [block.runner.lower for block in blocks]
    upper = [block.runner.upper for block in blocks]
    if risk:
        cost.append(np.array([risk_weight]))
        cost.append(-risk_weight / (1 - alpha) * np.array([b.probability for b in blocks]))
        lower += [np.array([-np.inf]), np.zeros(count)]
        upper += [np.array([np.inf]), np.full(count, np.inf)]
    if minimax:
        cost.append(np.array([-1.0]))
        lower.append(np.array([-np.inf]))
        upper.append(np.array([np.inf]))
    lower_all, upper_all = np.concatenate(lower), np.concatenate(upper)
    if fixed is not None:
        for s, block in enumerate(blocks):
            lower_all[block.shared + offsets[s]] = fixed
            upper_all[block.shared + offsets[s]] = fixed
    h = new_highs()
    h.setOptionValue("output_flag", bool(options.log))
    if options.time_limit_s is not None:
        h.setOptionValue("time_limit", float(options.time_limit_s))
    if options.threads is not None:
        set_threads(h, options.threads)
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    h.addVars(len(lower_all), lower_all, upper_all)
    integer = np.concatenate([block.runner.integer + offsets[s]
                              for s, block in enumerate(blocks)]).astype(np.int32)
    if len(integer):
        h.changeColsIntegrality(len(integer), integer, np.ones(len(integer), dtype=np.uint8))
    objective = np.concatenate(cost)
    h.changeColsCost(len(objective), np.arange(len(objective), dtype=np.int32), objective)
    if a.shape[0]:
        h.addRows(a.shape[0], row_lower, row_upper, a.nnz, a.indptr, a.indices, a.data)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    constant = 0.0 if minimax else sum(block.probability * block.constant_usd
                                       for block in blocks)
    if cutoff_usd is not None and np.isfinite(cutoff_usd):
        margin = 1e-7 * abs(cutoff_usd) + 1.0
        # HiGHS reads objective_bound in its internal minimisation sense: negate.
        h.setOptionValue("objective_bound", float(-(cutoff_usd - margin + constant) * SCALE))
    stopped = False

    def enough(event: object) -> None:  # HiGHS reports the bound in the user's (max) sense
        nonlocal stopped
        assert known_usd is not None
        bound = float(event.data_out.mip_dual_bound)  # type: ignore[attr-defined]
        if np.isfinite(bound) and abs(bound) < 1e20 and (
                bound / SCALE - constant - known_usd
                <= float(options.mip_gap) * max(abs(known_usd), 1e-9)):
            stopped = True
            event.interrupt()  # type: ignore[attr-defined]

    watch = known_usd is not None and np.isfinite(known_usd) and bool(len(integer))
    if watch:
        h.cbMipInterrupt.subscribe(enough)
    try:
        run_solver(h, f"MILP of {len(blocks)} scenario{'s' if len(blocks) > 1 else ''}")
    finally:
        if watch:
            h.cbMipInterrupt.unsubscribe(enough)
    status = _STATUS.get(str(h.getModelStatus()).split(".")[-1], "error")
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2
    mip = bool(len(integer))
    runs = []
    margins = np.full(count, np.nan)
    eta = float("nan")
    cvar = None
    values = np.asarray(h.getSolution().col_value) if has_solution else None
    for s, block in enumerate(blocks):
        runner = block.runner
        primal = np.full(runner.n_labels[0], np.nan)
        value = float("nan")
        if values is not None:
            columns = values[offsets[s]:offsets[s + 1]]
            primal[runner.vlabels] = columns
            value = float(runner.cost @ columns)
            margins[s] = value - block.constant_usd
        runs.append(HighsRun(status=status, has_solution=has_solution, objective=value,
                             primal=primal, dual=np.full(runner.n_labels[1], np.nan),
                             mip_gap=float(info.mip_gap) if mip else 0.0,
                             seconds=float(h.getRunTime()), bound=value, nodes=0))
    if values is not None and risk:
        eta = float(values[offsets[-1]]) / SCALE
        u = values[offsets[-1] + 1:] / SCALE
        cvar = eta - float(np.dot([b.probability for b in blocks], u)) / (1 - alpha)
    unscale = 1.0 / SCALE
    value = (float(info.objective_function_value) * unscale - constant
             if has_solution else float("nan"))
    bound = (float(info.mip_dual_bound) * unscale - constant if mip else value)
    return ExtensiveRun(status=status, has_solution=has_solution, objective_usd=value,
                        bound_usd=bound, mip_gap=float(info.mip_gap) if mip else 0.0,
                        seconds=float(h.getRunTime()),
                        nodes=int(info.mip_node_count) if mip else 0, runs=tuple(runs),
                        stopped_at_known=stopped,
                        margins_usd=margins, eta_usd=eta, cvar_usd=cvar,
                        nonanticipativity_rows=(count - 1) * len(blocks[0].shared),
                        columns=len(lower_all), rows=int(a.shape[0]))


def _gap_met(run: ExtensiveRun, mip_gap: float) -> bool:
    """Whether the run's plan is within ``mip_gap`` of its bound on the objective as
    reported (the constants of the scenarios included), or within 1 USD of it (HiGHS's
    own absolute gap, 10⁻⁶ of its unit of 1 M USD)."""
    return bool(np.isfinite(run.bound_usd)) and (
        run.bound_usd - run.objective_usd
        <= mip_gap * max(abs(run.objective_usd), 1e-9) * (1 + 1e-9) + 1.0)


def solve_extensive(blocks: Sequence[Block], solver: SolverOptions | None = None, *,
                    risk_weight: float = 0.0, alpha: float = 0.9,
                    fixed: np.ndarray | None = None,
                    cutoff_usd: float | None = None,
                    minimax_wait_usd: np.ndarray | None = None,
                    known_usd: float | None = None, tries: int = 3) -> ExtensiveRun:
    """Solve the extensive form (:func:`_solve_once`), proven to ``solver.mip_gap`` on the
    objective as reported.

    HiGHS measures its gap on its own objective, which leaves out the scenarios'
    constants (the fixed costs of plants without a ``plant_strategy`` row): with them
    large, HiGHS said ``optimal`` on a study whose plan was 77 % below its bound at a
    ``--mip-gap`` of 0.3 (audit s23). While HiGHS says ``optimal`` but the plan's own gap
    is above ``mip_gap``, solve again with HiGHS's gap scaled to the reported objective and
    the plan found as a cutoff; after ``tries`` a plan still not proven has the status
    ``time_limit`` (a plan, its gap open, as a limit leaves it), as
    :func:`evplan.strategic.solve.proven_to_gap` does for one scenario.

    Parameters
    ----------
    blocks : sequence of Block
        The scenarios' blocks.
    solver : SolverOptions, optional
        Time limit, threads and the relative gap to prove.
    risk_weight, alpha, fixed, cutoff_usd, minimax_wait_usd, known_usd
        As :func:`_solve_once` takes them.
    tries : int
        Re-solves with a tighter gap before an unproven plan is called ``time_limit``.

    Returns
    -------
    ExtensiveRun
        The run, with its status, plan, objective and bound in USD.
    """
    options_ = solver or SolverOptions()

    def once(solver_: SolverOptions, cutoff: float | None) -> ExtensiveRun:
        return _solve_once(blocks, solver_, risk_weight=risk_weight, alpha=alpha,
                           fixed=fixed, cutoff_usd=cutoff, minimax_wait_usd=minimax_wait_usd,
                           known_usd=known_usd)

    run = once(options_, cutoff_usd)
    minimax = minimax_wait_usd is not None
    constant = 0.0 if minimax else sum(b.probability * b.constant_usd for b in blocks)
    for _ in range(tries):
        if run.status != "optimal" or not run.has_solution or _gap_met(run, options_.mip_gap):
            return run
        scale = abs(run.objective_usd) / max(abs(run.objective_usd + constant), 1e-9)
        tighter = dataclasses.replace(options_, mip_gap=max(options_.mip_gap * scale, 1e-9))
        known = run.objective_usd if cutoff_usd is None else max(cutoff_usd, run.objective_usd)
        again = once(tighter, known)
        if not again.has_solution or again.objective_usd < run.objective_usd:
            break  # nothing better found (numerically): the gap stays unproven
        run = again
    if run.status == "optimal" and run.has_solution and not _gap_met(run, options_.mip_gap):
        run = dataclasses.replace(run, status="time_limit", runs=tuple(
            dataclasses.replace(r, status="time_limit") for r in run.runs))
    return run
