r"""Plans known before the extensive form, and the wait-and-see bound that can prove them.

Every scenario solved alone (the wait-and-see solves that EVPI and the regret table need)
gives HiGHS's proven bound :math:`\bar W_s \ge W_s^*`. For any shared first stage
:math:`x`, scenario :math:`s` earns :math:`M_s(x) \le W_s^* \le \bar W_s`, and the study's
objective :math:`F(M) = E[M] + \lambda\,\mathrm{CVaR}_\alpha(M)` does not fall when a margin
rises, so

.. math:: RP^* = \max_x F(M(x)) \le F(\bar W)

(the Lagrangian bound of progressive hedging at :math:`w = 0`). The plans whose value in
every scenario is already known are each scenario's own plan (its first stage fixed in every
scenario: the regret table's solves) and the expected-value plan (EEV). When the best of
them is within the MIP gap of :math:`F(\bar W)` the extensive form is not solved: that plan is
returned, ``optimal`` at its gap, with :math:`F(\bar W)` as its bound. Otherwise the best
known value is HiGHS's cutoff and known plan (:func:`~evplan.twostage.extensive.
solve_extensive`).

:class:`Completions` solves each (first stage, scenario) pair once: a scenario's own
wait-and-see plan is its completion of its own first stage, and of every equal one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from evplan.highs import HighsRun
from evplan.twostage.extensive import Block, ExtensiveRun
from evplan.twostage.risk import cvar, risk_objective

if TYPE_CHECKING:
    from evplan.highs import SolverOptions
    from evplan.twostage.tree import Study

__all__ = ["Completions", "KnownPlan", "best_margins", "better_of", "fixed_values", "own_plans",
           "plan_run", "run_bound", "shared_tightened", "tighten", "wait_and_see_bound"]

#: Largest distance of a plan's shared values from whole numbers for it to count as the
#: completion of those whole numbers (HiGHS's integrality tolerance, 10⁻⁶; non-anticipativity
#: is checked to 10⁻⁶ too).
INTEGRAL = 1e-6


@dataclass(frozen=True)
class KnownPlan:
    """A first stage completed in every scenario.

    Attributes
    ----------
    name : str
        ``expected-value plan`` or ``wait-and-see plan of '<scenario>'``.
    values : numpy.ndarray
        The shared first-stage values.
    runs : tuple of HighsRun
        Each scenario's completed plan.
    margins_usd, bounds_usd : numpy.ndarray
        Each completion's margin and HiGHS's proven bound on it (USD).
    score_usd : float
        E + lambda x CVaR of the margins (USD).
    plan : str
        Its name in the regret table (the scenario, or ``expected-value``).
    """

    name: str
    values: np.ndarray
    runs: tuple[HighsRun, ...]
    margins_usd: np.ndarray
    bounds_usd: np.ndarray
    score_usd: float
    plan: str = "expected-value"


def run_bound(run: ExtensiveRun, integer: bool) -> float:
    """A proven upper bound on the run's model: HiGHS's MIP dual bound (valid whatever
    stopped it), an LP's value only when optimal, else infinity."""
    if not run.has_solution:
        return float("inf")
    if integer:
        return float(run.bound_usd) if np.isfinite(run.bound_usd) else float("inf")
    return float(run.objective_usd) if run.status == "optimal" else float("inf")


class Completions:
    """Each scenario's best completion of a first stage, solved once per pair.

    Parameters
    ----------
    count : int
        Scenarios.
    solve : callable
        ``solve(values, only)``: ExtensiveRuns of the scenarios ``only`` (indices) with the
        shared first stage fixed to ``values`` (a list as long as ``only``).
    integer : sequence of bool
        Whether each scenario's model has integers (what bounds it, :func:`run_bound`).
    """

    def __init__(self, count: int, solve: Callable[[np.ndarray, list[int]], list[ExtensiveRun]],
                 integer: Sequence[bool]) -> None:
        self.count = count
        self._solve = solve
        self._integer = list(integer)
        self._known: dict[tuple[bytes, int], ExtensiveRun] = {}
        self.solves = 0

    @staticmethod
    def _key(values: np.ndarray, s: int) -> tuple[bytes, int]:
        """The values rounded to 10⁻⁶ (within HiGHS's integrality tolerance of the same
        whole numbers: one key) plus 0.0 (so -0.0 and 0.0 are the same bytes)."""
        return ((np.round(np.asarray(values, dtype=float), 6) + 0.0).tobytes(), s)

    def best(self) -> np.ndarray:
        """Each scenario's best margin of every completion known so far (-inf if none)."""
        best = np.full(self.count, -np.inf)
        for (_, s), run in self._known.items():
            if run.has_solution:
                best[s] = max(best[s], float(run.objective_usd))
        return best

    def add(self, values: np.ndarray, shared: np.ndarray, s: int, run: ExtensiveRun) -> None:
        """Record ``run`` (a plan of scenario s whose shared values are ``shared``) as its
        completion of ``values`` when they are those whole numbers."""
        if run.has_solution and len(shared) == len(values) and (
                np.max(np.abs(shared - values), initial=0.0) <= INTEGRAL):
            self._known[self._key(values, s)] = run

    def runs(self, values: np.ndarray) -> list[ExtensiveRun]:
        """Each scenario's completion of ``values`` (solved now where not known)."""
        missing = [s for s in range(self.count) if self._key(values, s) not in self._known]
        if missing:
            for s, run in zip(missing, self._solve(values, missing), strict=True):
                self._known[self._key(values, s)] = run
            self.solves += len(missing)
        return [self._known[self._key(values, s)] for s in range(self.count)]

    def plan(self, name: str, values: np.ndarray, probabilities: np.ndarray, weight: float,
             alpha: float, plan: str = "expected-value"
             ) -> tuple[KnownPlan | None, list[ExtensiveRun]]:
        """``values`` completed in every scenario (None when some scenario has no plan)."""
        runs = self.runs(values)
        if not all(run.has_solution for run in runs):
            return None, runs
        margins = np.array([run.objective_usd for run in runs])
        bounds = np.array([run_bound(run, integer)
                           for run, integer in zip(runs, self._integer, strict=True)])
        return KnownPlan(name, np.asarray(values, dtype=float),
                         tuple(run.runs[0] for run in runs), margins, bounds,
                         risk_objective(margins, probabilities, weight, alpha), plan), runs


def fixed_values(run: ExtensiveRun | HighsRun, scenario: Any) -> np.ndarray:
    """The shared first stage of a scenario's run, rounded to whole numbers."""
    runs = run.runs if isinstance(run, ExtensiveRun) else (run,)
    return np.round(runs[0].primal[scenario.block.runner.vlabels][scenario.block.shared])


def own_plans(scenarios: Sequence[Any], own: Sequence[ExtensiveRun], completions: Completions,
              probabilities: np.ndarray, weight: float, alpha: float, *, every: bool
              ) -> tuple[list[KnownPlan], dict[str, np.ndarray]]:
    """Each scenario's own plan (its first stage) completed in every scenario: the known
    plans and, by plan, the margins in every scenario (-inf where it has no completion).

    With ``every`` (the regret table) all of them; otherwise only when every scenario's
    own plan has the same first stage (then no solve is needed: each own plan completes
    it). A completion that stops without a plan raises (:func:`~.no_plan.raise_no_plan`).
    """
    from evplan.twostage.no_plan import raise_no_plan

    for scenario, alone in zip(scenarios, own, strict=True):
        if not alone.has_solution:
            raise_no_plan(alone, f"scenario '{scenario.name}' alone")
    values = [fixed_values(alone, scenario) for scenario, alone in zip(scenarios, own,
                                                                        strict=True)]
    for s, (scenario, alone) in enumerate(zip(scenarios, own, strict=True)):
        shared = alone.runs[0].primal[scenario.block.runner.vlabels][scenario.block.shared]
        completions.add(values[s], shared, s, alone)
    known: list[KnownPlan] = []
    evaluated: dict[str, np.ndarray] = {}
    if not every and not all(np.array_equal(values[0], v) for v in values):
        return known, evaluated
    for scenario, first in zip(scenarios, values, strict=True):
        plan, runs = completions.plan(f"wait-and-see plan of '{scenario.name}'", first,
                                      probabilities, weight, alpha, scenario.name)
        for other, run in zip(scenarios, runs, strict=True):
            if not run.has_solution and run.status not in ("infeasible", "unbounded"):
                raise_no_plan(run, f"scenario '{other.name}' with a fixed first stage")
        evaluated[scenario.name] = np.array([r.objective_usd if r.has_solution else -np.inf
                                             for r in runs])
        known += [plan] if plan is not None else []
    return known, evaluated


def best_margins(own: Sequence[ExtensiveRun], completions: Completions,
                 plans: Sequence[np.ndarray]) -> np.ndarray:
    """Each scenario's wait-and-see value: the best plan known for it alone, which is the
    better of its own solve and every completion of a shared first stage found (the known
    ones, and ``plans``: margins by scenario). A scenario's own solve stopped at the gap can
    be beaten by another plan's completion; the best known is still a plan of that scenario
    alone, so W_s >= it and the regret of every known plan and EVPI are >= 0 (W_s is at most
    each own solve's proven bound)."""
    wait = np.array([alone.objective_usd for alone in own], dtype=float)
    for margins in [completions.best(), *plans]:
        wait = np.fmax(wait, np.asarray(margins, dtype=float))
    return wait


def _better(first: ExtensiveRun, second: ExtensiveRun) -> ExtensiveRun:
    """The run with the better plan, carrying the lower (tighter) of the two proven bounds
    of the same model."""
    if not second.has_solution:
        return first
    run = second if not first.has_solution or second.objective_usd > first.objective_usd \
        else first
    return dataclasses.replace(run, bound_usd=min(first.bound_usd, second.bound_usd))


def tighten(own: list[ExtensiveRun], best: KnownPlan,
            solve: Callable[[np.ndarray | None, float], list[ExtensiveRun]],
            gap: float, integer: Sequence[bool], probabilities: np.ndarray, weight: float,
            alpha: float) -> tuple[list[ExtensiveRun], KnownPlan]:
    """The wait-and-see solves and the best known plan's completions solved again at
    ``gap`` (``solve(values, gap)``, values None for each scenario alone): each scenario
    keeps the better plan and the tighter bound of the two solves."""
    again = [_better(a, b) for a, b in zip(own, solve(None, gap), strict=True)]
    completed = solve(best.values, gap)
    runs = []
    for s, run in enumerate(completed):
        if run.has_solution and run.objective_usd > best.margins_usd[s]:
            runs.append(run)
        else:  # the known completion, its bound the tighter of the two
            runs.append(dataclasses.replace(run, has_solution=True, objective_usd=float(
                best.margins_usd[s]), runs=(best.runs[s],), bound_usd=min(
                    float(best.bounds_usd[s]), run_bound(run, integer[s]))))
    margins = np.array([run.objective_usd for run in runs])
    bounds = np.array([min(float(best.bounds_usd[s]), run_bound(run, integer[s]))
                       for s, run in enumerate(runs)])
    plan = KnownPlan(best.name, best.values, tuple(run.runs[0] for run in runs), margins,
                     bounds, risk_objective(margins, probabilities, weight, alpha), best.plan)
    return again, plan


def shared_tightened(best: KnownPlan, known: list[KnownPlan], evaluated: dict[str, np.ndarray]
                     ) -> tuple[list[KnownPlan], dict[str, np.ndarray]]:
    """``known`` and ``evaluated`` (margins by plan) after :func:`tighten` improved ``best``:
    every known plan with the same first stage (within INTEGRAL) gets its completions, so the
    regret table shows one margin per (first stage, scenario)."""
    same = [plan.plan for plan in known if len(plan.values) == len(best.values) and np.max(
        np.abs(plan.values - best.values), initial=0.0) <= INTEGRAL]
    known = [dataclasses.replace(best, name=plan.name, plan=plan.plan) if plan.plan in same
             else plan for plan in known]
    return known, {name: best.margins_usd if name in same else margins
                   for name, margins in evaluated.items()}


def wait_and_see_bound(own: Sequence[ExtensiveRun], integer: Sequence[bool],
                       probabilities: np.ndarray, weight: float, alpha: float) -> float:
    """F(each scenario's proven bound alone): an upper bound on every plan's objective."""
    bounds = np.array([run_bound(run, i) for run, i in zip(own, integer, strict=True)])
    if not np.isfinite(bounds).all():
        return float("inf")
    return risk_objective(bounds, probabilities, weight, alpha)


def plan_run(plan: KnownPlan, bound_usd: float, mip_gap: float, weight: float, alpha: float,
             probabilities: np.ndarray, blocks: Sequence[Block]) -> ExtensiveRun:
    """``plan`` as the extensive form's run: its value, the bound that proves it, its gap
    and status (``optimal`` when the gap is within ``mip_gap``, else ``time_limit``), and
    the size the extensive form of ``blocks`` would have had."""
    risk, shared, count = weight > 0, len(blocks[0].shared), len(blocks)
    columns = sum(len(b.runner.vlabels) for b in blocks) + (1 + count if risk else 0)
    rows = (sum(len(b.runner.clabels) for b in blocks) + (count - 1) * shared
            + (count if risk else 0))
    gap = max(0.0, bound_usd - plan.score_usd) / max(abs(plan.score_usd), 1e-9)
    # within the gap, or 1 USD (HiGHS's absolute gap, 10⁻⁶ of its unit of 1 M USD)
    status = "optimal" if bound_usd - plan.score_usd <= mip_gap * max(
        abs(plan.score_usd), 1e-9) * (1 + 1e-9) + 1.0 else "time_limit"
    return ExtensiveRun(
        status=status, has_solution=True, objective_usd=plan.score_usd, bound_usd=bound_usd,
        mip_gap=gap, seconds=0.0, nodes=0, runs=plan.runs,
        margins_usd=plan.margins_usd.copy(), eta_usd=float("nan"),
        cvar_usd=cvar(plan.margins_usd, probabilities, alpha) if risk else None,
        nonanticipativity_rows=(count - 1) * shared, columns=columns, rows=rows)


def better_of(run: ExtensiveRun, ev_runs: list[HighsRun], ev_margins: np.ndarray,
               eev: float, study: Study, solver: SolverOptions,
               known: str = "expected-value plan") -> tuple[ExtensiveRun, str]:
    """The extensive form's plan, or the expected-value plan completed in every scenario
    when that is better (or HiGHS has none), with HiGHS's bound and the returned plan's gap.

    HiGHS's MIP dual bound bounds every plan of the extensive form, so it proves the gap of
    whichever plan is returned. When HiGHS was stopped because its bound came within the
    MIP gap of EEV (``stopped_at_known``), the returned plan is ``optimal`` at that gap.
    A plan HiGHS stopped on is judged at the value of its scenario margins (its CVaR
    helper may be short of the value at risk, so the model's objective can understate it;
    the plan is reported at that value too: :func:`~.risk.restated`).
    """
    source = "extensive form"
    probabilities = np.array([scenario.probability for scenario in study.scenarios])
    value = run.objective_usd
    if run.has_solution and run.status != "optimal" and np.isfinite(run.margins_usd).all():
        value = risk_objective(run.margins_usd, probabilities, study.risk_weight, study.alpha)
    if not run.has_solution or value < eev:
        run = dataclasses.replace(
            run, has_solution=True, objective_usd=eev, runs=tuple(ev_runs),
            margins_usd=np.asarray(ev_margins, dtype=float).copy(), eta_usd=float("nan"),
            cvar_usd=(cvar(ev_margins, probabilities, study.alpha)
                      if study.risk_weight > 0 else None))
        source = known
    if run.stopped_at_known or source != "extensive form":
        bound = run.bound_usd
        gap = (max(0.0, bound - run.objective_usd) / max(abs(run.objective_usd), 1e-9)
               if np.isfinite(bound) else float("inf"))
        optimal = gap <= float(solver.mip_gap) * (1 + 1e-9)
        run = dataclasses.replace(run, mip_gap=gap,
                                  status="optimal" if optimal else run.status)
    return run, source
