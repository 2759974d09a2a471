"""Run the strategic MILP: fix or relax the first-stage decisions, heuristics and cutoffs.

The first-stage (network) decisions are the variables of
:data:`evplan.model.strategic.FIRST_STAGE`. This module

* fixes them to given values (``fix``), which turns the MILP into the operational plan of
  that network: an LP, or a tiny MILP when rules-of-origin binaries remain;
* gives their values for "keep today's network" (:func:`status_quo_values`): every plant
  kept as it is, programs where they are, markets and approvals as they are, no new site
  or steering variant;
* rounds an LP-relaxation plan into a network (:func:`rounded_values`), respecting the
  monotone decisions (a closed plant stays closed; a site, approval or variant once added
  stays);
* runs HiGHS with the best known plan's value as a cutoff. The cutoff, not a MIP start:
  with presolve, HiGHS 1.16 can lose the objective offset of a MIP start (see
  ``docs/location.md``). For a maximisation HiGHS reads ``objective_bound`` in its internal
  minimisation sense, so the bound passed is the negated value.
"""

from __future__ import annotations

from collections.abc import Mapping

import highspy
import linopy
import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.highs import _STATUS, HighsRun, SolverOptions, new_highs, run_solver, set_threads
from evplan.model.index import ModelIndex
from evplan.model.strategic import FIRST_STAGE

__all__ = ["MilpRunner", "first_stage_values", "rounded_values", "solve_milp",
           "status_quo_values"]

Values = Mapping[str, np.ndarray]


def status_quo_values(index: ModelIndex) -> dict[str, np.ndarray]:
    """First-stage values of "keep today's network" (see the module docstring)."""
    strategic = index.strategic
    years = strategic.plant_years
    return {
        "plant_open": np.ones(len(years)),
        "plant_running": np.ones(len(years)),
        "plant_modules": years["modules_initial"].to_numpy(dtype=float),
        "program_allocated": strategic.allocations["initial"].to_numpy(dtype=float),
        "variant_added": np.zeros(len(strategic.variants)),
        "market_present": strategic.market_years["initial"].to_numpy(dtype=float),
        "homologated": strategic.homologations["initial"].to_numpy(dtype=float),
        "site_open": strategic.site_years["initial"].to_numpy(dtype=float),
    }


def first_stage_values(m: linopy.Model, run: HighsRun) -> dict[str, np.ndarray]:
    """The first-stage decisions of a solved model, rounded to integers."""
    values = {}
    for name in FIRST_STAGE:
        variable = m.variables[name]
        value = run.primal[variable.labels.values.ravel()]
        lower = np.asarray(variable.lower.values, dtype=float).ravel()
        values[name] = np.round(np.where(np.isnan(value), lower, value))
    return values


def _monotone(values: np.ndarray, prev: np.ndarray, rising: bool) -> np.ndarray:
    """Make values non-increasing (or non-decreasing) along each subject's years."""
    subject = np.cumsum(np.asarray(prev) < 0)  # chains are sorted by subject, then year
    series = pd.Series(values).groupby(subject)
    return (series.cummax() if rising else series.cummin()).to_numpy(dtype=float)


def rounded_values(m: linopy.Model, relaxed: HighsRun, index: ModelIndex
                   ) -> dict[str, np.ndarray]:
    """Round an LP-relaxation plan into a network that respects the monotone decisions."""
    strategic = index.strategic
    raw = {name: np.nan_to_num(relaxed.primal[m.variables[name].labels.values.ravel()])
           for name in FIRST_STAGE}
    years = strategic.plant_years
    prev = years["prev"].to_numpy()
    opened = _monotone((raw["plant_open"] > 0.5).astype(float), prev, rising=False)
    running = np.minimum((raw["plant_running"] > 0.5).astype(float), opened)
    modules = np.minimum(np.ceil(raw["plant_modules"] - 1e-6), years["modules_upper"]) * opened
    modules = np.maximum(modules, years["modules_lower"].to_numpy(dtype=float))
    return {
        "plant_open": opened,
        "plant_running": running,
        "plant_modules": modules,
        "program_allocated": (raw["program_allocated"] > 1e-6).astype(float),
        "variant_added": _monotone((raw["variant_added"] > 1e-6).astype(float),
                                   strategic.variants["prev"].to_numpy(), rising=True),
        "market_present": (raw["market_present"] > 1e-6).astype(float),
        "homologated": _monotone((raw["homologated"] > 1e-6).astype(float),
                                 strategic.homologations["prev"].to_numpy(), rising=True),
        "site_open": _monotone((raw["site_open"] > 1e-6).astype(float),
                               strategic.site_years["prev"].to_numpy(), rising=True),
    }


class MilpRunner:
    """The model's matrices, taken from linopy once, and HiGHS runs built from them.

    Each :meth:`solve` loads a fresh ``highspy.Highs`` from the cached arrays (linopy
    rebuilds its matrices on every access, which costs more than a small solve). HiGHS sees
    the objective in millions of USD (one-off costs reach 10⁹ USD; HiGHS warns about
    scaling above 10⁷); values are scaled back on the way out.
    """

    objective_scale = 1e-6

    def __init__(self, m: linopy.Model) -> None:
        matrices = m.matrices
        self.vlabels = np.asarray(matrices.vlabels)
        self.clabels = np.asarray(matrices.clabels)
        self.lower = np.asarray(matrices.lb, dtype=float)
        self.upper = np.asarray(matrices.ub, dtype=float)
        self.integer = np.flatnonzero(np.isin(matrices.vtypes, ["B", "I"])).astype(np.int32)
        self.cost = np.asarray(matrices.c, dtype=float)
        a = matrices.A
        self.a = a.tocsr() if a is not None else None
        sense = np.asarray(matrices.sense)
        b = np.asarray(matrices.b, dtype=float)
        self.row_lower = np.where(sense != "<", b, -np.inf)
        self.row_upper = np.where(sense != ">", b, np.inf)
        self.maximise = m.objective.sense == "max"
        self.n_labels = (m._xCounter, m._cCounter)
        self.column_of = np.full(m._xCounter, -1, dtype=np.int64)
        self.column_of[self.vlabels] = np.arange(len(self.vlabels))
        self.labels = {name: m.variables[name].labels.values.ravel() for name in m.variables}

    def columns(self, name: str) -> np.ndarray:
        """HiGHS column of each element of a variable (-1 where linopy left it out)."""
        return self.column_of[self.labels[name]]

    def _highs(self, relax: bool) -> highspy.Highs:
        h = new_highs()
        h.addVars(len(self.vlabels), self.lower, self.upper)
        if len(self.integer) and not relax:
            h.changeColsIntegrality(len(self.integer), self.integer,
                                    np.ones(len(self.integer), dtype=np.uint8))
        h.changeColsCost(len(self.cost), np.arange(len(self.cost), dtype=np.int32),
                         self.cost * self.objective_scale)
        if self.a is not None and self.a.shape[0]:
            h.addRows(self.a.shape[0], self.row_lower, self.row_upper, self.a.nnz,
                      self.a.indptr, self.a.indices, self.a.data)
        if self.maximise:
            h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        return h

    def solve(self, solver: SolverOptions | None = None, *, fixed: Values | None = None,
              relax: bool = False, cutoff: float | None = None) -> HighsRun:
        """Solve (see :func:`solve_milp`)."""
        options = solver or SolverOptions()
        h = self._highs(relax)
        h.setOptionValue("output_flag", bool(options.log))
        if options.time_limit_s is not None:
            h.setOptionValue("time_limit", float(options.time_limit_s))
        if options.threads is not None:
            set_threads(h, options.threads)
        h.setOptionValue("mip_rel_gap", float(options.mip_gap))
        for name, values in (fixed or {}).items():
            columns = self.columns(name)
            chosen = columns >= 0
            if chosen.any():
                value = np.asarray(values, dtype=float)[chosen]
                h.changeColsBounds(int(chosen.sum()), columns[chosen].astype(np.int32), value,
                                   value)
        if cutoff is not None and np.isfinite(cutoff):
            margin = 1e-7 * abs(cutoff) + 1.0
            h.setOptionValue("objective_bound",
                             float(-(cutoff - margin) * self.objective_scale))
        run_solver(h)
        status = _STATUS.get(str(h.getModelStatus()).split(".")[-1], "error")
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2
        primal = np.full(self.n_labels[0], np.nan)
        dual = np.full(self.n_labels[1], np.nan)
        objective = float("nan")
        mip = bool(len(self.integer)) and not relax
        unscale = 1.0 / self.objective_scale
        if has_solution:
            solution = h.getSolution()
            primal[self.vlabels] = np.asarray(solution.col_value)
            objective = float(info.objective_function_value) * unscale
            if not mip and solution.dual_valid:
                dual[self.clabels] = np.asarray(solution.row_dual) * unscale
        return HighsRun(status=status, has_solution=has_solution, objective=objective,
                        primal=primal, dual=dual,
                        mip_gap=float(info.mip_gap) if mip else 0.0,
                        seconds=float(h.getRunTime()),
                        bound=float(info.mip_dual_bound) * unscale if mip else objective,
                        nodes=int(info.mip_node_count) if mip else 0)


def solve_milp(m: linopy.Model | MilpRunner, solver: SolverOptions | None = None, *,
               fixed: Values | None = None, relax: bool = False,
               cutoff: float | None = None) -> HighsRun:
    """Solve the strategic model, optionally with first-stage values fixed or relaxed.

    Parameters
    ----------
    m : linopy.Model or MilpRunner
        The built model (a maximisation), or its runner (reused across solves).
    solver : SolverOptions, optional
        Limits; ``mip_gap`` is the relative gap HiGHS stops at.
    fixed : mapping of str to array, optional
        First-stage variable name -> values to fix (bounds lower = upper = value).
    relax : bool
        Solve the LP relaxation (every integrality dropped).
    cutoff : float, optional
        The value of a known plan: HiGHS prunes what cannot beat it (a cutoff, not a MIP
        start). When nothing beats it the status is ``infeasible``.
    """
    runner = m if isinstance(m, MilpRunner) else MilpRunner(m)
    return runner.solve(solver, fixed=fixed, relax=relax, cutoff=cutoff)


def network_values(data: NetworkData, solver: SolverOptions | None = None
                   ) -> dict[str, np.ndarray]:
    """Every integer variable's value in the optimal plan of ``data`` (to fix a network).

    Solved with today's network's value as the cutoff; raises like
    :func:`evplan.optimize` when there is no plan.
    """
    from evplan.errors import InfeasibleError, SolverLimitError
    from evplan.model.build import build_model
    from evplan.model.index import build_index

    index = build_index(data)
    m, index = build_model(data, index=index)
    runner = MilpRunner(m)
    today = runner.solve(solver, fixed=status_quo_values(index))
    run = runner.solve(solver, cutoff=today.objective if today.has_solution else None)
    if not run.has_solution and today.has_solution:
        run = runner.solve(solver)
    if not run.has_solution:
        if run.status in ("infeasible", "unbounded"):
            raise InfeasibleError([f"the strategic model is {run.status}; run evplan run for "
                                   "the explanation."])
        raise SolverLimitError(f"evplan: the solver stopped ({run.status}) without a plan.")
    names = [name for name in m.variables if m.variables[name].attrs.get("integer")
             or m.variables[name].attrs.get("binary")]
    return {name: np.round(np.nan_to_num(run.primal[m.variables[name].labels.values.ravel()]))
            for name in names}
