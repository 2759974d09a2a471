r"""p-median by the radius (cover) formulation with truncation, and the textbook model.

Radius formulation (Elloumi 2010; García, Labbé and Marín 2011). For customer
:math:`j` let :math:`D_j^0 < D_j^1 < \dots < D_j^{L_j - 1}` be its distinct finite
distances to the sites, and :math:`z_j^k = 1` when no open site is closer than
:math:`D_j^k`. Written as a chain (one site coefficient per pair, so the matrix has
about as many non-zeros as pairs instead of pairs times levels):

.. math::
    \min\ \sum_j w_j \Big(D_j^0 + \sum_{k \ge 1} (D_j^k - D_j^{k-1})\, z_j^k\Big)
    \quad\text{s.t.}\quad
    z_j^1 + \sum_{i: d_{ij} = D_j^0} y_i \ge 1,\quad
    z_j^k - z_j^{k-1} + \sum_{i: d_{ij} = D_j^{k-1}} y_i \ge 0,\quad
    \sum_i y_i = p

Summing the chain gives :math:`z_j^k \ge 1 - \sum_{i: d_{ij} < D_j^k} y_i`, the
cumulative radius rows, and the two have the same LP bound.

Reductions:

* **Closing level** :math:`E_j`: once :math:`n - p + 1` sites lie within
  :math:`D_j^{k-1}`, one of them is open in every solution, so :math:`z_j^k = 0` and
  the chain stops there.
* **Truncation (row-and-column generation).** Keeping only levels up to
  :math:`T_j \le E_j` charges a customer at most :math:`D_j^{T_j}`: a relaxation, so its
  optimum is a valid lower bound. Start from the levels the heuristic solution needs;
  solve; if the relaxation's sites cost the same with true distances, that solution is
  optimal; otherwise extend :math:`T_j` for the customers that were under-charged.
* **Incumbent** from greedy + vertex substitution
  (:func:`~evplan.location.heuristics.interchange`), restarted from the ten cheapest site
  choices the Lagrangian visits; its value is HiGHS' cutoff.

With at most ``SolveOptions.tree_max_medians`` medians the Lagrangian branch-and-bound of
:mod:`evplan.location.pmedian_tree` runs before the radius MILP, which gets the rest of
the time if the tree does not finish.

Time: every step draws on one :class:`~evplan.location.budget.Budget` of
``SolveOptions.time_limit``. HiGHS' presolve of a large radius model checks its clock too
rarely to stop on time (pmed36, 280,000 non-zeros: about 21 CPU seconds of presolve; given
1 s it ran 1.2 to 6 s), and a radius MILP stopped inside presolve proves nothing. So the
radius MILP is only started when the time left covers an estimate of its presolve
(:func:`presolve_seconds`); otherwise the tree gets that time (when there is one: with more
medians than ``tree_max_medians`` there is none and the time is left unused), and the solve
returns the best solution with the tree's or the Lagrangian's bound, status ``time_limit``.

The textbook formulation (``formulation="textbook"``) is the assignment model
:math:`\min \sum_{ij} w_j d_{ij} x_{ij}`, :math:`\sum_i x_{ij} = 1`,
:math:`x_{ij} \le y_i`, :math:`\sum_i y_i = p`, with one variable per pair.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from evplan.errors import InputError, Problem, SolverLimitError
from evplan.location.budget import Budget
from evplan.location.feasibility import check_assignable, covering_start
from evplan.location.formulations import build_facility_model
from evplan.location.heuristics import (
    PMedianReduction,
    finite_cost,
    greedy_open,
    interchange,
    lagrangian_pmedian,
    reduce_pmedian,
)
from evplan.location.highs import Milp, relative_gap, solve_milp
from evplan.location.options import SolveOptions
from evplan.location.pmedian_tree import branch_and_bound
from evplan.location.result import LocationResult
from evplan.location.tables import DenseInstance, as_tables, to_dense
from evplan.verify.location import certify

__all__ = ["p_median"]

TREE_TIME_SHARE = 0.5
"""Share of the remaining time the tree may use before the radius MILP takes over."""
PRESOLVE_SECONDS_PER_UNIT = 3.0
"""HiGHS presolve seconds of a radius model per (100,000 non-zeros) ** 1.5, measured with
HiGHS 1.16 (CPU seconds: pmed11 0.03, pmed16 1.0, pmed26 1.3, pmed36 21; a low estimate
on a loaded machine)."""


@dataclass(frozen=True)
class _Levels:
    """Distinct distance levels per customer (see module docstring)."""

    level: np.ndarray  # sites x customers: level index of each pair (-1 if not allowed)
    values: np.ndarray  # levels x customers: D_j^k (inf past L_j)
    closing: np.ndarray  # E_j per customer


def _levels(distance: np.ndarray, medians: int, opened: np.ndarray) -> _Levels:
    site_count, customer_count = distance.shape
    order = np.argsort(distance, axis=0, kind="stable")
    sorted_distance = np.take_along_axis(distance, order, axis=0)
    is_new = np.ones_like(sorted_distance, dtype=bool)
    is_new[1:] = sorted_distance[1:] != sorted_distance[:-1]
    sorted_level = np.cumsum(is_new, axis=0) - 1
    finite_sorted = np.isfinite(sorted_distance)
    sorted_level = np.where(finite_sorted, sorted_level, -1)
    level = np.empty_like(sorted_level)
    np.put_along_axis(level, order, sorted_level, axis=0)
    level_count = sorted_level.max(axis=0) + 1
    values = np.full((int(level_count.max()) + 1, customer_count), np.inf)
    rows, columns = np.nonzero(finite_sorted)
    values[sorted_level[rows, columns], columns] = sorted_distance[rows, columns]
    # sites within level l (inclusive): the sorted position of the last site + 1
    within = np.zeros_like(values)
    np.maximum.at(within, (sorted_level[rows, columns], columns), rows + 1)
    within = np.maximum.accumulate(within, axis=0)
    threshold = site_count - medians + 1
    reached = within >= threshold
    first_reached = np.where(reached.any(axis=0), reached.argmax(axis=0) + 1, level_count)
    closing = np.minimum(first_reached, level_count)
    if opened.any():
        opened_level = np.where(level[opened] >= 0, level[opened], 1 << 30).min(axis=0)
        closing = np.minimum(closing, opened_level + 1)
    return _Levels(level=level, values=values, closing=closing)


def _ranges(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts per customer: (customer of each item, index of item within customer)."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(int(counts.sum())) - starts[owner]


@dataclass(frozen=True)
class _RadiusModel:
    milp: Milp
    truncation: np.ndarray
    z_count: np.ndarray


def _build_radius(
    levels: _Levels,
    weight: np.ndarray,
    truncation: np.ndarray,
    medians: int,
    reduction: PMedianReduction,
) -> _RadiusModel:
    site_count = levels.level.shape[0]
    closed = truncation >= levels.closing
    z_count = truncation - closed
    row_start = np.cumsum(truncation) - truncation
    z_start = site_count + np.cumsum(z_count) - z_count
    site_index, customer_index = np.nonzero(
        (levels.level >= 0) & (levels.level < truncation[None, :])
    )
    site_rows = row_start[customer_index] + levels.level[site_index, customer_index]
    z_owner, z_k = _ranges(z_count)  # z_k = k - 1
    chain_owner, chain_k = _ranges(np.maximum(truncation - 1, 0))  # rows k = 2..T: k - 2
    row_count = int(truncation.sum())
    rows = np.concatenate(
        [
            site_rows,
            row_start[z_owner] + z_k,
            row_start[chain_owner] + chain_k + 1,
            np.full(site_count, row_count),
        ]
    )
    columns = np.concatenate(
        [
            site_index,
            z_start[z_owner] + z_k,
            z_start[chain_owner] + chain_k,
            np.arange(site_count),
        ]
    )
    values = np.concatenate(
        [
            np.ones(len(site_rows)),
            np.ones(len(z_owner)),
            -np.ones(len(chain_owner)),
            np.ones(site_count),
        ]
    )
    column_count = site_count + int(z_count.sum())
    matrix = sp.csc_matrix((values, (rows, columns)), shape=(row_count + 1, column_count))
    first_row = np.zeros(row_count)
    first_row[row_start] = 1.0
    step = levels.values[z_k + 1, z_owner] - levels.values[z_k, z_owner]
    milp = Milp(
        cost=np.concatenate([np.zeros(site_count), weight[z_owner] * step]),
        lower=np.concatenate([reduction.opened.astype(float), np.zeros(column_count - site_count)]),
        upper=np.concatenate(
            [(~reduction.closed).astype(float), np.ones(column_count - site_count)]
        ),
        integer=np.arange(column_count) < site_count,
        matrix=matrix,
        row_lower=np.concatenate([first_row, [medians]]),
        row_upper=np.concatenate([np.full(row_count, np.inf), [medians]]),
        offset=float(weight @ levels.values[0]),
    )
    return _RadiusModel(milp, truncation, z_count)


def _served_level(levels: _Levels, is_open: np.ndarray) -> np.ndarray:
    """Level of each customer's nearest open site (a large number if none is allowed)."""
    open_level = np.where(levels.level[is_open] >= 0, levels.level[is_open], 1 << 30)
    return open_level.min(axis=0)


def _integral(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.all(finite == np.round(finite)))


def weighted_distance(instance: DenseInstance) -> np.ndarray:
    """``w_j d_ij``, ``inf`` where the pair is not allowed (also when ``w_j = 0``)."""
    allowed = np.isfinite(instance.value)
    return np.where(allowed, np.where(allowed, instance.value, 0.0) * instance.demand, np.inf)


def _serves_all(weighted: np.ndarray, is_open: np.ndarray) -> bool:
    return bool(np.isfinite(weighted[is_open]).any(axis=0).all())


def presolve_seconds(milp: Milp) -> float:
    """Estimated seconds of HiGHS' presolve on a radius model.

    The radius MILP is not started with less time left than this.

    Parameters
    ----------
    milp : Milp
        The radius model; only its matrix's number of non-zeros is read.

    Returns
    -------
    float
        :data:`PRESOLVE_SECONDS_PER_UNIT` x (non-zeros / 100,000) ** 1.5, in seconds.
    """
    return PRESOLVE_SECONDS_PER_UNIT * (milp.matrix.nnz / 1e5) ** 1.5


def _solve_radius(
    instance: DenseInstance,
    medians: int,
    options: SolveOptions,
    budget: Budget,
    cover: np.ndarray,
) -> tuple[np.ndarray, float, float, dict[str, object]]:
    distance, weight = instance.value, instance.demand
    weighted = weighted_distance(instance)
    site_count = len(distance)
    finite = finite_cost(weighted)
    zeros = np.zeros(site_count)
    greedy = greedy_open(finite, zeros, medians)
    if not _serves_all(weighted, greedy):
        # Sparse pairs: start from sites that give every customer an allowed site; the
        # penalty on forbidden pairs keeps every later move feasible.
        greedy = greedy_open(finite, zeros, medians, start=cover)
    is_open = interchange(finite, zeros, greedy, medians=medians)
    nearest_cost = np.where(is_open[:, None], weighted, np.inf).min(axis=0)
    best_objective = float(nearest_cost.sum())
    details: dict[str, object] = {"heuristic_objective": best_objective}
    integral = _integral(weighted)
    if integral:
        options = _with_abs_gap(options, 1.0 - 1e-6)
    improvement = 1.0 - 1e-6 if integral else 0.0
    lagrangian = lagrangian_pmedian(
        weighted,
        medians,
        best_objective,
        start=nearest_cost,
        improvement=improvement,
        time_limit=budget.share(0.2),
    )
    improved = _improve_from_lagrangian(
        finite, medians, lagrangian.open_sets, is_open, time_limit=budget.share(0.1)
    )
    improved_objective = float(np.where(improved[:, None], weighted, np.inf).min(axis=0).sum())
    if improved_objective < best_objective:
        is_open, best_objective = improved, improved_objective
        # A better incumbent sharpens the Polyak steps: resume from the best multipliers.
        lagrangian = lagrangian_pmedian(
            weighted,
            medians,
            best_objective,
            start=lagrangian.multipliers,
            improvement=improvement,
            time_limit=budget.share(0.1),
        )
    reduction = reduce_pmedian(weighted, medians, lagrangian, best_objective, improvement)
    details.update(
        incumbent_before_milp=best_objective,
        lagrangian_bound=reduction.bound,
        lagrangian_iterations=lagrangian.iterations,
        pairs_kept=int(reduction.allowed.sum()),
        sites_fixed_closed=int(reduction.closed.sum()),
        sites_fixed_open=int(reduction.opened.sum()),
    )
    bound = reduction.bound
    if best_objective - bound <= options.mip_abs_gap:
        return is_open, best_objective, bound, details
    if not reduction.allowed.any(axis=0).all():
        return is_open, best_objective, best_objective, details  # nothing better exists
    levels = _levels(np.where(reduction.allowed, distance, np.inf), medians, reduction.opened)
    truncation = levels.closing.copy()
    model = _build_radius(levels, weight, truncation, medians, reduction)
    presolve_needed_seconds = presolve_seconds(model.milp)
    details["radius_presolve_estimate_seconds"] = presolve_needed_seconds
    # Few medians leave a wide LP gap that HiGHS' node LPs close slowly while the tree's
    # nodes stay cheap; with more medians the radius MILP usually closes at its root.
    if medians <= options.tree_max_medians:
        left = budget.for_highs()
        # Half the time left, unless the rest could not even presolve the radius MILP.
        tree_seconds = (TREE_TIME_SHARE * left
                        if left - presolve_needed_seconds >= TREE_TIME_SHARE * left else left)
        tree = branch_and_bound(
            finite,
            np.where(reduction.allowed, weighted, np.inf),
            medians,
            is_open,
            lagrangian.multipliers,
            reduction.opened,
            reduction.closed,
            improvement=max(improvement, options.mip_abs_gap),
            time_limit=tree_seconds,
        )
        tree_objective = float(np.where(tree.is_open[:, None], weighted, np.inf).min(axis=0).sum())
        if tree_objective < best_objective:
            is_open, best_objective = tree.is_open, tree_objective
        details.update(tree_nodes=tree.nodes, tree_finished=tree.finished)
        if tree.finished:
            return is_open, best_objective, best_objective, details
        bound = max(bound, min(tree.bound, best_objective))
    for round_number in range(1, 50):
        if round_number > 1:
            model = _build_radius(levels, weight, truncation, medians, reduction)
            presolve_needed_seconds = presolve_seconds(model.milp)
        remaining_seconds = budget.for_highs()
        if remaining_seconds <= max(0.5, presolve_needed_seconds):
            details["radius_skipped"] = (
                f"{remaining_seconds:.2f} s left, HiGHS' presolve needs about "
                f"{presolve_needed_seconds:.2f} s"
            )
            break
        cutoff = best_objective if options.warm_start else None
        solution = solve_milp(model.milp, options, time_limit=remaining_seconds, cutoff=cutoff)
        details.update(
            rounds=round_number,
            columns=model.milp.matrix.shape[1],
            rows=model.milp.matrix.shape[0],
            nodes=solution.nodes,
        )
        if solution.status == "infeasible":
            bound = best_objective  # no solution beats the incumbent (cutoff)
            break
        bound = max(bound, min(solution.bound, best_objective))
        if solution.values is None:
            break
        candidate = solution.values[:site_count] > 0.5
        true_cost = float(np.where(candidate[:, None], weighted, np.inf).min(axis=0).sum())
        if true_cost < best_objective:
            best_objective, is_open = true_cost, candidate
        candidate_served = _served_level(levels, candidate)
        undercharged = candidate_served > model.z_count
        if solution.status != "optimal" or not undercharged.any():
            break
        grown = np.maximum(candidate_served, 2 * truncation - truncation // 2) + 1
        truncation = np.where(undercharged, np.minimum(grown, levels.closing), truncation)
    return is_open, best_objective, bound, details


def _improve_from_lagrangian(
    cost: np.ndarray,
    medians: int,
    open_sets: list[np.ndarray],
    is_open: np.ndarray,
    starts: int = 10,
    time_limit: float = np.inf,
) -> np.ndarray:
    """Vertex substitution from the ``starts`` cheapest site choices of the Lagrangian.

    Greedy + substitution stops at a local optimum (1 % above the optimum on pmed22);
    the choices the subgradient visits near the dual optimum are better starting points.
    No new start after ``time_limit`` seconds (each takes 20 to 80 ms on pmed36).
    """
    started = time.perf_counter()
    best, best_cost = is_open, float(cost[is_open].min(axis=0).sum())
    costs = np.array([cost[candidate].min(axis=0).sum() for candidate in open_sets])
    zeros = np.zeros(cost.shape[0])
    for position in np.argsort(costs, kind="stable")[:starts]:
        if time.perf_counter() - started > time_limit:
            break
        candidate = interchange(cost, zeros, open_sets[position], medians=medians)
        candidate_cost = float(cost[candidate].min(axis=0).sum())
        if candidate_cost < best_cost:
            best, best_cost = candidate, candidate_cost
    return best


def _with_abs_gap(options: SolveOptions, gap: float) -> SolveOptions:
    from dataclasses import replace

    return replace(options, mip_abs_gap=max(options.mip_abs_gap, gap))


def _validate_medians(medians: int, instance: DenseInstance) -> int:
    """``medians`` as an int, or an InputError (a fraction crashed the heuristics)."""
    try:
        whole = not isinstance(medians, bool | str) and float(medians).is_integer()
    except (TypeError, ValueError):
        whole = False
    if not whole or not 1 <= int(medians) <= len(instance.site_ids):
        raise InputError(
            [
                Problem(
                    file="options",
                    message=(
                        f"medians = {medians!r} must be a whole number between 1 and the "
                        f"number of sites ({len(instance.site_ids)}). Choose a number of "
                        "sites to open in that range."
                    ),
                )
            ]
        )
    return int(medians)


def p_median(
    sites: pd.DataFrame,
    customers: pd.DataFrame,
    distances: pd.DataFrame,
    medians: int,
    *,
    options: SolveOptions | None = None,
) -> LocationResult:
    r"""Open ``medians`` sites minimising demand-weighted distance to the nearest open site.

    .. math:: \min \sum_j w_j \min_{i \in S} d_{ij} \quad\text{s.t.}\quad |S| = p

    Parameters
    ----------
    sites : pandas.DataFrame
        ``site``.
    customers : pandas.DataFrame
        ``customer``, ``demand`` (the weight :math:`w_j`).
    distances : pandas.DataFrame
        ``site``, ``customer``, ``distance``; pairs left out are not allowed.
    medians : int
        Number of sites ``p`` to open.
    options : SolveOptions, optional
        Time limit, gaps, ``formulation`` (``"strong"`` = radius, ``"textbook"``).

    Examples
    --------
    >>> import pandas as pd
    >>> sites = pd.DataFrame({"site": [1, 2, 3]})
    >>> customers = pd.DataFrame({"customer": [1, 2, 3], "demand": [1.0, 1.0, 1.0]})
    >>> distances = pd.DataFrame({"site": [1, 1, 1, 2, 2, 2, 3, 3, 3],
    ...                           "customer": [1, 2, 3] * 3,
    ...                           "distance": [0, 1, 2, 1, 0, 1, 2, 1, 0]})
    >>> p_median(sites, customers, distances, 1).objective
    2.0
    """
    options = options or SolveOptions()
    sites, customers, distances = as_tables(sites, customers, distances, "distances")
    budget = Budget.start(options.time_limit)
    instance = to_dense(
        sites,
        customers,
        distances,
        value_column="distance",
        need_fixed_cost=False,
        need_capacity=False,
    )
    medians = _validate_medians(medians, instance)
    check_assignable(instance, "distances")
    cover = covering_start(instance, medians, options, budget)
    weighted = weighted_distance(instance)
    details: dict[str, object] = {"formulation": options.formulation}
    if options.formulation == "textbook":
        model = build_facility_model(
            weighted,
            instance.demand,
            instance.capacity,
            np.zeros(len(instance.site_ids)),
            strong=True,
        )
        cardinality = sp.csc_matrix(
            (np.ones(len(model.sites)), (np.zeros(len(model.sites)), model.sites)),
            shape=(1, model.milp.matrix.shape[1]),
        )
        milp = Milp(
            cost=model.milp.cost,
            lower=model.milp.lower,
            upper=model.milp.upper,
            integer=model.milp.integer,
            matrix=sp.vstack([model.milp.matrix, cardinality], format="csc"),
            row_lower=np.concatenate([model.milp.row_lower, [medians]]),
            row_upper=np.concatenate([model.milp.row_upper, [medians]]),
        )
        solution = solve_milp(milp, options, time_limit=budget.for_highs())
        if solution.values is None:
            raise SolverLimitError(
                f"HiGHS found no p-median solution within {options.time_limit:g} s "
                "(textbook formulation); raise time_limit."
            )
        is_open = solution.values[: len(instance.site_ids)] > 0.5
        # Priced by nearest open site: on a limit HiGHS' x may still use farther sites.
        objective = float(np.where(is_open[:, None], weighted, np.inf).min(axis=0).sum())
        bound = min(solution.bound, objective)
        details.update(
            columns=milp.matrix.shape[1], rows=milp.matrix.shape[0], nodes=solution.nodes
        )
    else:
        is_open, objective, bound, radius_details = _solve_radius(
            instance, medians, options, budget, cover
        )
        details.update(radius_details)
    if _integral(weighted):  # integer data: every solution's value is an integer
        bound = float(np.ceil(bound - 1e-6))
    bound = min(bound, objective)
    gap = relative_gap(objective, bound)
    abs_gap = 1.0 - 1e-6 if _integral(weighted) else options.mip_abs_gap
    status = (
        "optimal" if gap <= options.mip_rel_gap or objective - bound < abs_gap else ("time_limit")
    )
    # Nearest open allowed site by distance (for w_j > 0 also the cheapest by w_j d_ij).
    nearest = np.where(is_open[:, None], instance.value, np.inf).argmin(axis=0)
    customers_index = np.arange(len(instance.customer_ids))
    assignment = pd.DataFrame(
        {
            "site": instance.site_ids[nearest],
            "customer": instance.customer_ids,
            "fraction": 1.0,
            "distance": instance.value[nearest, customers_index],
        }
    )
    result = LocationResult(
        problem="p_median",
        status=status,
        objective=float(objective),
        bound=float(bound),
        gap=float(gap),
        open_sites=list(instance.site_ids[is_open]),
        assignment=assignment,
        seconds=budget.elapsed(),
        details=details,
    )
    return certify(result, sites, customers, distances, options=options, medians=medians)
