r"""The scenario subproblems of progressive hedging, each a warm HiGHS model.

A :class:`Shard` holds some scenarios of a study (all of them when run serially, or one
share per Dask worker as a Dask actor). It builds each scenario's strategic model once, then
answers :meth:`Shard.step` calls that carry only the multipliers :math:`w_s` and the mean
first stage :math:`\bar x`, and returns only first-stage values and numbers. Per scenario
the HiGHS model has the scenario's columns :math:`x` plus one column :math:`t_j \ge 0` per
shared element :math:`j`, with rows :math:`t_j - x_j \ge -\bar x_j` and
:math:`t_j + x_j \ge \bar x_j` (so :math:`t_j \ge |x_j - \bar x_j|`); between iterations only
costs and the bounds of these rows change. The previous solution is not handed to HiGHS as
a MIP start: with presolve, HiGHS 1.16 can lose a start's objective offset and misstate the
bound PH's upper bound is made of (docs/location.md). See :mod:`evplan.twostage.hedging`
for the algorithm.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from evplan.data import NetworkData
from evplan.errors import InfeasibleError, InputError, Problem, SolverLimitError, VerificationError
from evplan.highs import _STATUS, SolverOptions, allow_seconds, new_highs, set_threads
from evplan.model.build import build_model
from evplan.model.index import build_index
from evplan.model.strategic import has_strategic
from evplan.model.strategic.objective import strategic_constant_usd
from evplan.progress import run_solver
from evplan.scenarios.apply import apply_scenario
from evplan.scenarios.overrides import Patch
from evplan.strategic.milp import MilpRunner
from evplan.twostage.extensive import Block, solve_extensive
from evplan.twostage.no_plan import raise_if_unservable
from evplan.twostage.verify import scenario_result

__all__ = ["ScenarioSpec", "Shard", "StepResult"]

SCALE = MilpRunner.objective_scale


@dataclass(frozen=True)
class ScenarioSpec:
    """What a worker needs to build one scenario: name, probability and its patches."""

    name: str
    probability: float
    patches: tuple[Patch, ...]


@dataclass(frozen=True)
class StepResult:
    """One scenario's answer to a :meth:`Shard.step` (numbers and first-stage values only).

    Attributes
    ----------
    x : numpy.ndarray
        The first stage of the proximal (PH) solve; of the Lagrangian solve when it was
        the only one.
    bound_usd : float
        An upper bound on max_x [M_s(x) - w_s x] (HiGHS's MIP dual bound; +inf if none).
    lagrangian_x : numpy.ndarray
        The first stage of the Lagrangian solve.
    lagrangian_usd : float
        M_s(x) - w_s x at that solve's plan.
    candidate_usd : float
        M_s with the first stage fixed to the candidate; -inf when that is infeasible, NaN
        when no candidate was asked.
    """

    x: np.ndarray
    bound_usd: float
    lagrangian_x: np.ndarray
    lagrangian_usd: float
    candidate_usd: float


class _Scenario:
    """One scenario: its model, matrices and warm HiGHS model with the proximal columns."""

    def __init__(self, spec: ScenarioSpec, data: NetworkData, revelation: int | None,
                 solver: SolverOptions) -> None:
        from evplan.twostage.models import first_stage_elements, shared_columns

        applied = apply_scenario(data, list(spec.patches))
        if not has_strategic(applied.data):
            raise InputError([Problem("scenarios.yaml", "the inputs have no strategic table "
                                      "(plant_strategy.csv, ...), so there is no first-stage "
                                      "decision to share. Run the study on strategic inputs "
                                      "such as china-strategic.")])
        self.spec = spec
        self.data = applied.data
        self.overrides = applied.overrides
        index = build_index(applied.data)
        raise_if_unservable(spec.name, applied.data, index, solver)
        self.m, self.index = build_model(applied.data, index=index)
        self.runner = MilpRunner(self.m)
        self.elements = first_stage_elements(self.index, revelation)
        self.shared = shared_columns(self.runner, self.elements)
        self.constant_usd = strategic_constant_usd(self.index)
        self.solver = solver
        self._h: highspy.Highs | None = None  # built on first use (PH only)
        self.last_candidate: tuple[tuple[float, ...], float] | None = None

    @property
    def n(self) -> int:
        return len(self.runner.vlabels)

    @property
    def h(self) -> highspy.Highs:
        """The warm HiGHS model with the proximal columns (made on first use)."""
        if self._h is None:
            self._h = self._highs()
        return self._h

    @property
    def block(self) -> Block:
        """This scenario alone (probability 1), for :func:`solve_extensive`."""
        return Block(self.runner, 1.0, self.constant_usd, self.shared)

    def _highs(self) -> highspy.Highs:
        runner, k, n = self.runner, len(self.shared), self.n
        h = new_highs()
        h.setOptionValue("output_flag", bool(self.solver.log))
        if self.solver.threads is not None:
            set_threads(h, self.solver.threads)
        h.setOptionValue("mip_rel_gap", float(self.solver.mip_gap))
        h.addVars(n + k, np.concatenate([runner.lower, np.zeros(k)]),
                  np.concatenate([runner.upper, np.full(k, np.inf)]))
        if len(runner.integer):
            h.changeColsIntegrality(len(runner.integer), runner.integer,
                                    np.ones(len(runner.integer), dtype=np.uint8))
        cost = np.concatenate([runner.cost * SCALE, np.zeros(k)])
        h.changeColsCost(n + k, np.arange(n + k, dtype=np.int32), cost)
        a = runner.a if runner.a is not None else sp.csr_matrix((0, n))
        a = sp.csr_matrix(a)
        a.resize((a.shape[0], n + k))
        rows = np.arange(k)
        prox = sp.csr_matrix((np.concatenate([np.ones(k), -np.ones(k), np.ones(k),
                                              np.ones(k)]),
                              (np.concatenate([rows, rows, rows + k, rows + k]),
                               np.concatenate([n + rows, self.shared, n + rows, self.shared]))),
                             shape=(2 * k, n + k))
        matrix = sp.vstack([a, prox], format="csr")
        lower = np.concatenate([runner.row_lower, np.zeros(2 * k)])
        upper = np.concatenate([runner.row_upper, np.full(2 * k, np.inf)])
        if matrix.shape[0]:
            h.addRows(matrix.shape[0], lower, upper, matrix.nnz, matrix.indptr,
                      matrix.indices, matrix.data)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.prox_rows = (a.shape[0] + np.arange(2 * k)).astype(np.int32)
        return h

    def _set(self, w: np.ndarray, xbar: np.ndarray, rho: np.ndarray | None) -> None:
        """Costs c - w on the shared columns, -rho/2 on t (0: no proximal term), rows at xbar."""
        k, n = len(self.shared), self.n
        h = self.h
        columns = np.concatenate([self.shared, n + np.arange(k)]).astype(np.int32)
        t_cost = np.zeros(k) if rho is None else -0.5 * rho
        h.changeColsCost(2 * k, columns,
                         np.concatenate([self.runner.cost[self.shared] - w, t_cost]) * SCALE)
        change_rows_bounds = getattr(h, "changeRowsBounds")  # noqa: B009 (not in the stubs)
        change_rows_bounds(2 * k, self.prox_rows, np.concatenate([-xbar, xbar]),
                           np.full(2 * k, np.inf))

    def _run(self) -> tuple[str, bool, np.ndarray | None, float]:
        # No MIP start from the last plan: with presolve, HiGHS 1.16 can lose the objective
        # offset of a start and misstate the bound (docs/location.md), and PH's upper bound
        # is built from these bounds. The model itself stays built between iterations.
        h = self.h
        allow_seconds(h, self.solver.time_limit_s)  # per run: HiGHS's run clock keeps going
        run_solver(h, f"progressive hedging · scenario {self.spec.name}")
        status = _STATUS.get(str(h.getModelStatus()).split(".")[-1], "error")
        info = h.getInfo()
        has = info.primal_solution_status == 2
        values = np.asarray(h.getSolution().col_value) if has else None
        # A MIP's dual bound is valid whatever stopped it; an LP's value only when optimal.
        bound = float(info.mip_dual_bound) / SCALE if len(self.runner.integer) else (
            float(info.objective_function_value) / SCALE if status == "optimal" else np.inf)
        return status, has, values, bound

    def lagrangian(self, w: np.ndarray) -> tuple[np.ndarray, float, float]:
        """max_x M_s(x) - w x: the plan's first stage, its value and an upper bound."""
        k = len(self.shared)
        self._set(w, np.zeros(k), None)
        status, has, values, bound = self._run()
        if (not has or values is None) and status == "infeasible":
            from evplan.strategic.explain import explain_strategic_infeasibility

            raise InfeasibleError([f"scenario '{self.spec.name}' has no feasible plan even on "
                                   f"its own: {line}" for line in
                                   explain_strategic_infeasibility(self.data, self.index,
                                                                   self.solver)])
        if not has or values is None:
            raise SolverLimitError(f"evplan: the solver stopped ({status}) without a plan for "
                                   f"scenario '{self.spec.name}''s hedging subproblem. Raise "
                                   "--time-limit.")
        x = values[:self.n]
        value = float(self.runner.cost @ x - w @ x[self.shared]) - self.constant_usd
        return np.round(x[self.shared]), value, bound - self.constant_usd

    def proximal(self, w: np.ndarray, xbar: np.ndarray, rho: np.ndarray) -> np.ndarray:
        """The PH subproblem: max M_s(x) - w x - rho/2 |x - xbar|; its first stage."""
        self._set(w, xbar, rho)
        status, has, values, _ = self._run()
        if not has or values is None:
            raise InputError([Problem("scenarios.yaml", f"scenario '{self.spec.name}': the "
                                      f"hedging subproblem has no plan ({status}).")])
        return np.round(values[self.shared])

    def candidate(self, xhat: np.ndarray) -> float:
        """M_s with the first stage fixed to ``xhat`` (-inf when infeasible)."""
        key = tuple(float(v) for v in xhat)
        if self.last_candidate is not None and self.last_candidate[0] == key:
            return self.last_candidate[1]
        h, k = self.h, len(self.shared)
        lower, upper = self.runner.lower[self.shared], self.runner.upper[self.shared]
        columns = self.shared.astype(np.int32)
        h.changeColsBounds(k, columns, xhat, xhat)
        self._set(np.zeros(k), xhat, None)
        try:
            status, has, values, _ = self._run()
        finally:
            h.changeColsBounds(k, columns, lower, upper)
        if has and values is not None:
            margin = float(self.runner.cost @ values[:self.n]) - self.constant_usd
        elif status in ("infeasible", "unbounded"):
            margin = -np.inf
        else:
            raise SolverLimitError(f"evplan: the solver stopped ({status}) without a plan for "
                                   f"scenario '{self.spec.name}' with a fixed first stage. "
                                   "Raise --time-limit.")
        self.last_candidate = (key, margin)
        return margin


class Shard:
    """Some scenarios of a study with their warm models (a Dask actor, or in-process).

    Parameters
    ----------
    data : NetworkData
        The study's base inputs.
    specs : sequence of ScenarioSpec
        This shard's scenarios.
    revelation : int or None
        The study's revelation year (which network decisions are shared).
    solver : SolverOptions
        HiGHS settings of every subproblem.
    """

    def __init__(self, data: NetworkData, specs: Sequence[ScenarioSpec],
                 revelation: int | None, solver: SolverOptions) -> None:
        self.scenarios = [_Scenario(spec, data, revelation, solver) for spec in specs]

    def describe(self) -> list[dict[str, Any]]:
        """Per scenario: name, shared elements (variable, element, year), costs and bounds."""
        return [{"name": sc.spec.name,
                 "elements": sc.elements[["variable", "element", "year"]].reset_index(
                     drop=True),
                 "cost": sc.runner.cost[sc.shared], "lower": sc.runner.lower[sc.shared],
                 "upper": sc.runner.upper[sc.shared], "columns": sc.n + len(sc.shared),
                 "integer": np.isin(sc.shared, sc.runner.integer)}
                for sc in self.scenarios]

    def step(self, w: Sequence[np.ndarray], xbar: np.ndarray | None, rho: np.ndarray | None,
             candidate: np.ndarray | None) -> list[StepResult]:
        """For each scenario: the Lagrangian bound at ``w``, the candidate's margin, and
        (when ``xbar`` is given) the proximal subproblem's first stage."""
        out = []
        for scenario, weights in zip(self.scenarios, w, strict=True):
            lagrangian_x, value, bound = scenario.lagrangian(weights)
            margin = scenario.candidate(candidate) if candidate is not None else np.nan
            x = (scenario.proximal(weights, xbar, rho) if xbar is not None and rho is not None
                 else lagrangian_x)
            out.append(StepResult(x, bound, lagrangian_x, value, margin))
        return out

    def blocks(self) -> list[dict[str, Any]]:
        """Per scenario what the extensive form needs: name, runner (the matrices),
        constant_usd, shared columns, elements and the overrides applied."""
        return [{"name": sc.spec.name, "runner": sc.runner, "constant_usd": sc.constant_usd,
                 "shared": sc.shared, "elements": sc.elements, "overrides": sc.overrides}
                for sc in self.scenarios]

    def fixed_runs(self, xhat: np.ndarray | None, positions: Sequence[int] | None = None,
                   mip_gap: float | None = None) -> list[Any]:
        """This shard's scenarios at ``positions`` (all when None) solved cold and alone,
        their first stage fixed to ``xhat`` (free when None), at ``mip_gap`` (the shard's
        solver's when None): a list of :class:`~evplan.twostage.extensive.ExtensiveRun`."""
        chosen = range(len(self.scenarios)) if positions is None else positions
        return [solve_extensive([self.scenarios[i].block], self.scenarios[i].solver if
                                mip_gap is None else dataclasses.replace(
                                    self.scenarios[i].solver, mip_gap=mip_gap), fixed=xhat)
                for i in chosen]

    def explain(self, names: Sequence[str]) -> list[list[str]]:
        """What binds in each of this shard's scenarios named in ``names`` (those with no
        plan on their own), by the strategic model's elastic re-solve; [] for the others."""
        from evplan.strategic.explain import explain_strategic_infeasibility

        return [explain_strategic_infeasibility(sc.data, sc.index, sc.solver)
                if sc.spec.name in names else [] for sc in self.scenarios]

    def certify(self, runs: Sequence[Any]) -> list[Any]:
        """Each scenario's plan (a :class:`~evplan.highs.HighsRun` of its model) checked
        against its own tables: a list of Result (raises VerificationError)."""
        return [scenario_result(sc.spec.name, sc.data, sc.m, sc.index, run, sc.overrides)
                for sc, run in zip(self.scenarios, runs, strict=True)]

    def verify(self, xhat: np.ndarray) -> list[tuple[str, Any, np.ndarray]]:
        """Each scenario solved cold with the first stage fixed to ``xhat``, as a checked
        Result (:func:`evplan.twostage.verify.scenario_result`), with its shared values."""
        out = []
        for sc in self.scenarios:
            run = solve_extensive([sc.block], sc.solver, fixed=xhat)
            if not run.has_solution and run.status in ("infeasible", "unbounded"):
                raise VerificationError([f"scenario '{sc.spec.name}' is {run.status} with the "
                                         "hedged first stage, which its hedging subproblem "
                                         "completed."])
            if not run.has_solution:
                raise SolverLimitError(f"evplan: the solver stopped ({run.status}) without a "
                                       f"plan for scenario '{sc.spec.name}' with the hedged "
                                       "first stage. Raise --time-limit.")
            result = scenario_result(sc.spec.name, sc.data, sc.m, sc.index, run.runs[0],
                                     sc.overrides)
            shared = run.runs[0].primal[sc.runner.vlabels][sc.shared]
            out.append((sc.spec.name, result, shared))
        return out


def elements_equal(first: pd.DataFrame, other: pd.DataFrame) -> bool:
    """Whether two scenarios share the same first-stage elements."""
    return bool(first.equals(other))
