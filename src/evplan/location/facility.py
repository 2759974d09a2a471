r"""Capacitated (multi- and single-source) and uncapacitated facility location.

The strong solve runs in five steps:

1. **Primal heuristic.** Greedy add + add/drop/swap interchange on the uncapacitated
   relaxation, repaired for capacity, each candidate site set priced exactly by a
   transportation LP (UFLP: nearest open site).
2. **Lagrangian bound** (:func:`~evplan.location.heuristics.lagrangian_cflp`):
   assignment rows relaxed, continuous knapsack per site, covering knapsack over the
   sites. The site sets it visits are priced as further heuristic candidates.
3. **Kernel search.** The MILP restricted to the incumbent's sites and the union of
   the Lagrangian's last 50 site choices (about a fifth of the sites on capa/b/c) is
   solved by HiGHS for at most 30 s; its solution, feasible for the whole problem,
   joins the incumbent. When that union holds more than 40 % of the sites (loose
   capacity, e.g. 1.5x the demand, where the subgradient keeps swapping sites) only the
   last 25, 12, 6 or 3 choices are taken, the most that keep it within 40 %: a larger
   kernel MILP is nearly as slow as the final one and gives no bound.
4. **Reduction.** A site whose Lagrangian bound with it forced open (closed) exceeds
   the best known objective is closed (opened) before the MILP is built: no solution
   better than the incumbent uses it.
5. **MILP** over the remaining sites with the demand-cover row and only the strong
   linking rows :math:`x_{ij} \le y_i` that the LP relaxation needs
   (:mod:`evplan.location.linking`), with the incumbent's value as HiGHS' cutoff.

The reported bound is ``min(incumbent, HiGHS bound on the reduced model)``, valid for
the full problem because the reduction only removes solutions worse than the incumbent.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evplan.errors import InfeasibleError, SolverLimitError
from evplan.location.budget import Budget
from evplan.location.feasibility import (
    check_assignable,
    check_reachable_capacity,
    check_single_source_sizes,
    explain_single_source,
)
from evplan.location.formulations import build_facility_model, transport
from evplan.location.heuristics import (
    finite_cost,
    greedy_open,
    interchange,
    lagrangian_cflp,
)
from evplan.location.highs import relative_gap, solve_milp
from evplan.location.linking import nearest_pairs, separate_linking
from evplan.location.options import SolveOptions
from evplan.location.result import LocationResult
from evplan.location.tables import DenseInstance, as_tables, to_dense
from evplan.verify.location import certify

__all__ = ["capacitated", "uncapacitated"]

KERNEL_MAX_SHARE = 0.4  # kernel search only on kernels of at most this share of the sites
FINAL_MILP_SHARE = 0.1  # of the time limit, kept for the final MILP


def _assignment_table(
    instance: DenseInstance, fractions: np.ndarray, value_name: str = "cost"
) -> pd.DataFrame:
    site, customer = np.nonzero(fractions > 1e-9)
    share = fractions[site, customer]
    return pd.DataFrame(
        {
            "site": instance.site_ids[site],
            "customer": instance.customer_ids[customer],
            "fraction": share,
            value_name: share * instance.value[site, customer],
        }
    )


def _check_capacity(instance: DenseInstance) -> None:
    total_capacity = float(instance.capacity.sum())
    total_demand = float(instance.demand.sum())
    if total_capacity < total_demand:
        raise InfeasibleError(
            [
                f"sites: total capacity {total_capacity:g} is below total demand "
                f"{total_demand:g} in customers; add {total_demand - total_capacity:g} of "
                "capacity or reduce demand."
            ]
        )


def _repair_capacity(is_open: np.ndarray, instance: DenseInstance, score: np.ndarray) -> np.ndarray:
    """Open further sites, best ``score`` first, until every customer has an allowed open
    site and capacity covers demand."""
    is_open = is_open.copy()
    allowed = np.isfinite(instance.value)
    for customer in np.flatnonzero(~(allowed & is_open[:, None]).any(axis=0)):
        if not (allowed[:, customer] & is_open).any():
            candidates = np.flatnonzero(allowed[:, customer])
            is_open[candidates[np.argmin(score[candidates])]] = True
    need = instance.demand.sum() - instance.capacity[is_open].sum()
    for site in np.argsort(score):
        if need <= 0:
            break
        if not is_open[site]:
            is_open[site] = True
            need -= instance.capacity[site]
    return is_open


class _Incumbent:
    """Best solution so far (open mask, fractions, objective), priced exactly."""

    def __init__(self, instance: DenseInstance, options: SolveOptions, budget: Budget) -> None:
        self.instance, self.options, self.budget = instance, options, budget
        self.objective = float("inf")
        self.is_open = np.zeros(len(instance.site_ids), dtype=bool)
        self.fractions = np.zeros(instance.value.shape)
        self._seen: set[bytes] = set()

    def offer(self, is_open: np.ndarray) -> None:
        key = is_open.tobytes()
        if key in self._seen or not is_open.any():
            return
        self._seen.add(key)
        instance = self.instance
        assignment_cost, fractions = transport(
            instance.value,
            instance.demand,
            instance.capacity,
            is_open,
            self.options,
            time_limit=self.budget.for_highs(),
        )
        total = assignment_cost + float(instance.fixed_cost[is_open].sum())
        if total < self.objective:
            self.objective, self.is_open, self.fractions = total, is_open.copy(), fractions


def _kernel_search(
    instance: DenseInstance,
    options: SolveOptions,
    incumbent: _Incumbent,
    open_sets: list[np.ndarray],
    budget: Budget,
) -> None:
    """Solve the MILP restricted to the incumbent's sites and the Lagrangian's last choices.

    The site sets the subgradient visits near its end are the sites a near-optimal
    solution uses; their union (about a fifth of the sites on capa/b/c) makes a small
    MILP whose solution, feasible for the whole problem, is offered to the incumbent.
    """
    for window in (50, 25, 12, 6, 3):  # the latest choices that keep the kernel small
        kernel = incumbent.is_open.copy()
        for is_open in open_sets[-window:]:
            kernel |= is_open
        if kernel.sum() <= KERNEL_MAX_SHARE * len(kernel):
            break
    else:
        return  # nearly the whole MILP: as slow as the final solve and adds no bound
    if instance.capacity[kernel].sum() < instance.demand.sum():
        return
    model = build_facility_model(
        instance.value,
        instance.demand,
        instance.capacity,
        instance.fixed_cost,
        strong=True,
        keep=kernel,
        linked=nearest_pairs(instance.value, kernel, 3),
    )
    limit = min(max(1.0, min(30.0, 0.1 * options.time_limit)), _seconds_left(budget))
    solution = solve_milp(model.milp, options, time_limit=limit, cutoff=incumbent.objective)
    if solution.values is not None:
        is_open, _ = model.decode(solution.values, instance.value.shape)
        incumbent.offer(is_open)


def _seconds_left(budget: Budget) -> float:
    """Seconds the steps before the final MILP may still use: the time limit less what
    has run, keeping a tenth of it for that MILP (which gets all that is left)."""
    return budget.until(1.0 - FINAL_MILP_SHARE)


def _solve_strong(
    instance: DenseInstance, options: SolveOptions, budget: Budget
) -> tuple[_Incumbent, float, dict[str, Any]]:
    cost, fixed, capacity = instance.value, instance.fixed_cost, instance.capacity
    incumbent = _Incumbent(instance, options, budget)
    finite = finite_cost(cost)
    heuristic_open = interchange(finite, fixed, greedy_open(finite, fixed))
    per_unit = (fixed + np.sort(finite, axis=1)[:, : max(1, cost.shape[1] // 10)].sum(1)) / (
        np.minimum(capacity, instance.demand.sum()) + 1e-9
    )
    incumbent.offer(_repair_capacity(heuristic_open, instance, per_unit))
    incumbent.offer(_repair_capacity(np.zeros_like(heuristic_open), instance, per_unit))
    if not np.isfinite(incumbent.objective):
        # Sparse pairs can leave the repaired sets short; with every site open the
        # instance is feasible (feasibility.check_reachable_capacity passed).
        incumbent.offer(np.ones_like(heuristic_open))
    heuristic_objective = incumbent.objective
    lagrangian = lagrangian_cflp(
        cost,
        instance.demand,
        capacity,
        fixed,
        incumbent.objective,
        time_limit=min(max(1.0, 0.25 * options.time_limit), _seconds_left(budget)),
    )
    for is_open in lagrangian.open_sets[-25:]:
        if budget.elapsed() > 0.4 * options.time_limit:
            break
        incumbent.offer(_repair_capacity(is_open, instance, per_unit))
    if np.isfinite(capacity).all() and incumbent.is_open.any():
        incumbent.offer(
            interchange(finite, fixed, incumbent.is_open, medians=int(incumbent.is_open.sum()))
        )
        if _seconds_left(budget) > 0:
            _kernel_search(instance, options, incumbent, lagrangian.open_sets[-50:], budget)
    tolerance = 1e-9 * abs(incumbent.objective) + 1e-6
    closed = lagrangian.bound_if_open > incumbent.objective + tolerance
    opened = lagrangian.bound_if_closed > incumbent.objective + tolerance
    closed &= ~incumbent.is_open
    opened &= incumbent.is_open
    keep = ~closed
    cuts = None
    if np.isfinite(capacity).all() and _seconds_left(budget) > 0:
        # Without time for it every linking row goes to the MILP: exact, just larger.
        cuts = separate_linking(
            cost,
            instance.demand,
            capacity,
            fixed,
            keep=keep,
            forced_open=opened,
            linked=nearest_pairs(cost, keep, 3),
            options=options,
            time_limit=min(max(1.0, 0.2 * options.time_limit), _seconds_left(budget)),
        )
        for threshold in (0.5, 1e-6):
            incumbent.offer(_repair_capacity(cuts.site_value > threshold, instance, per_unit))
    details = {
        "heuristic_objective": heuristic_objective,
        "incumbent_before_milp": incumbent.objective,
        "lagrangian_bound": lagrangian.bound,
        "lagrangian_iterations": lagrangian.iterations,
        "sites_fixed_closed": int(closed.sum()),
        "sites_fixed_open": int(opened.sum()),
    }
    if cuts is not None:
        details.update(
            lp_bound=cuts.lp_bound, linking_rows=int(cuts.linked.sum()), lp_rounds=cuts.rounds
        )
    extra = {"keep": keep, "opened": opened, "linked": None if cuts is None else cuts.linked}
    return incumbent, lagrangian.bound, {**details, **extra}


def _solve_facility(
    instance: DenseInstance,
    options: SolveOptions,
    single_source: bool,
    problem: str,
    budget: Budget,
) -> LocationResult:
    site_count = len(instance.site_ids)
    strong = options.formulation == "strong"
    lower_bound = -np.inf
    details: dict[str, Any] = {"formulation": options.formulation}
    incumbent: _Incumbent | None = None
    keep, opened = np.ones(site_count, dtype=bool), np.zeros(site_count, dtype=bool)
    linked = None
    if strong and not single_source:
        incumbent, lower_bound, extra = _solve_strong(instance, options, budget)
        keep, opened, linked = extra.pop("keep"), extra.pop("opened"), extra.pop("linked")
        details.update(extra)
    if budget.spent() and incumbent is not None and np.isfinite(incumbent.objective):
        # No time left for the final MILP: the incumbent, with the Lagrangian's bound.
        details["final_milp"] = "not started: the time limit was spent"
        return _result(instance, problem, incumbent.objective, incumbent.is_open,
                       incumbent.fractions, lower_bound, options, budget, details)
    model = build_facility_model(
        instance.value,
        instance.demand,
        instance.capacity,
        instance.fixed_cost,
        strong=strong,
        single_source=single_source,
        keep=keep,
        forced_open=opened,
        linked=linked,
    )
    details.update(columns=model.milp.matrix.shape[1], rows=model.milp.matrix.shape[0])
    cutoff = None
    if incumbent is not None and options.warm_start and np.isfinite(incumbent.objective):
        # The incumbent's value as a cutoff, not a MIP start: with presolve, HiGHS 1.16
        # can lose the objective offset of a MIP start (see highs.solve_milp).
        cutoff = incumbent.objective
    solution = solve_milp(model.milp, options, time_limit=budget.for_highs(), cutoff=cutoff)
    details["nodes"] = solution.nodes
    if solution.status == "infeasible" and incumbent is not None:
        lower_bound = incumbent.objective  # nothing beats the incumbent
    if solution.status == "infeasible" and incumbent is None:
        explained = explain_single_source(instance, options, budget) if single_source else []
        raise InfeasibleError(
            explained
            or [
                f"no {'single-source ' if single_source else ''}assignment respects the "
                "capacities and allowed site-customer pairs; add capacity or allow more "
                "pairs in costs."
            ]
        )
    objective, is_open, fractions = np.inf, np.zeros(site_count, dtype=bool), None
    if solution.values is not None:
        is_open, fractions = model.decode(solution.values, instance.value.shape)
        objective = solution.objective
    if (
        incumbent is not None
        and np.isfinite(incumbent.objective)
        and (fractions is None or incumbent.objective < objective - 1e-9 * abs(objective))
    ):
        objective, is_open, fractions = (
            incumbent.objective,
            incumbent.is_open,
            incumbent.fractions,
        )
    if fractions is None:
        raise SolverLimitError(
            f"HiGHS found no feasible {problem} solution within {options.time_limit:g} s; "
            "raise time_limit."
        )
    if solution.status == "optimal":
        details["highs_optimal"] = True
    return _result(instance, problem, objective, is_open, fractions,
                   max(lower_bound, solution.bound), options, budget, details)


def _result(
    instance: DenseInstance,
    problem: str,
    objective: float,
    is_open: np.ndarray,
    fractions: np.ndarray,
    lower_bound: float,
    options: SolveOptions,
    budget: Budget,
    details: dict[str, Any],
) -> LocationResult:
    """The result, ``optimal`` when HiGHS proved it or the bound is within the gaps."""
    bound = min(objective, lower_bound)
    gap = relative_gap(objective, bound)
    within = gap <= options.mip_rel_gap * 1.0001 or objective - bound <= options.mip_abs_gap
    status = "optimal" if details.pop("highs_optimal", False) or within else "time_limit"
    return LocationResult(
        problem=problem,
        status=status,
        objective=float(objective),
        bound=float(bound),
        gap=float(gap),
        open_sites=list(instance.site_ids[is_open]),
        assignment=_assignment_table(instance, fractions),
        seconds=budget.elapsed(),
        details=details,
    )


def capacitated(
    sites: pd.DataFrame,
    customers: pd.DataFrame,
    costs: pd.DataFrame,
    *,
    single_source: bool = False,
    options: SolveOptions | None = None,
) -> LocationResult:
    r"""Capacitated facility location, splittable (default) or single-source.

    .. math::
        \min \sum_i f_i y_i + \sum_{ij} c_{ij} x_{ij} \quad\text{s.t.}\quad
        \sum_i x_{ij} = 1,\ \sum_j d_j x_{ij} \le s_i y_i,\ x_{ij} \le y_i,\
        y_i \in \{0, 1\}

    with :math:`x_{ij} \in [0, 1]` (multi-source) or :math:`\{0, 1\}` (single source).

    Parameters
    ----------
    sites : pandas.DataFrame
        ``site``, ``capacity`` (same unit as demand), ``fixed_cost``.
    customers : pandas.DataFrame
        ``customer``, ``demand``.
    costs : pandas.DataFrame
        ``site``, ``customer``, ``cost``: cost of serving **all** of the customer's
        demand from the site; pairs left out are not allowed.
    single_source : bool
        Each customer served by exactly one site.
    options : SolveOptions, optional
        Time limit, gaps, formulation.

    Examples
    --------
    >>> import pandas as pd
    >>> sites = pd.DataFrame({"site": ["A", "B"], "capacity": [10, 10], "fixed_cost": [5, 6]})
    >>> customers = pd.DataFrame({"customer": ["x", "y"], "demand": [6, 6]})
    >>> costs = pd.DataFrame({"site": ["A", "A", "B", "B"], "customer": ["x", "y"] * 2,
    ...                       "cost": [1, 2, 2, 1]})
    >>> capacitated(sites, customers, costs).objective
    13.0
    """
    options = options or SolveOptions()
    sites, customers, costs = as_tables(sites, customers, costs, "costs")
    budget = Budget.start(options.time_limit)
    instance = to_dense(
        sites, customers, costs, value_column="cost", need_fixed_cost=True, need_capacity=True
    )
    check_assignable(instance, "costs")
    _check_capacity(instance)
    check_reachable_capacity(instance, options, budget)
    if single_source:
        check_single_source_sizes(instance)
    problem = "single_source" if single_source else "capacitated"
    result = _solve_facility(instance, options, single_source, problem, budget)
    return certify(result, sites, customers, costs, options=options)


def uncapacitated(
    sites: pd.DataFrame,
    customers: pd.DataFrame,
    costs: pd.DataFrame,
    *,
    options: SolveOptions | None = None,
) -> LocationResult:
    r"""Uncapacitated facility location.

    .. math::
        \min \sum_i f_i y_i + \sum_{ij} c_{ij} x_{ij} \quad\text{s.t.}\quad
        \sum_i x_{ij} = 1,\ x_{ij} \le y_i,\ y_i \in \{0, 1\}

    Tables as for :func:`capacitated`; ``capacity`` is not needed (ignored if present).

    Examples
    --------
    >>> import pandas as pd
    >>> sites = pd.DataFrame({"site": ["A", "B"], "fixed_cost": [5, 6]})
    >>> customers = pd.DataFrame({"customer": ["x", "y"], "demand": [6, 6]})
    >>> costs = pd.DataFrame({"site": ["A", "A", "B", "B"], "customer": ["x", "y"] * 2,
    ...                       "cost": [1, 2, 2, 1]})
    >>> uncapacitated(sites, customers, costs).objective
    8.0
    """
    options = options or SolveOptions()
    sites, customers, costs = as_tables(sites, customers, costs, "costs")
    budget = Budget.start(options.time_limit)
    instance = to_dense(
        sites, customers, costs, value_column="cost", need_fixed_cost=True, need_capacity=False
    )
    check_assignable(instance, "costs")
    result = _solve_facility(instance, options, False, "uncapacitated", budget)
    return certify(result, sites, customers, costs, options=options)
