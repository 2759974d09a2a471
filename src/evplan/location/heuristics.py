r"""Primal heuristics and Lagrangian bounds for facility location.

Everything here works on dense arrays: ``cost[i, j]`` for site ``i`` and customer ``j``
(``inf`` where not allowed), with no Python loop over site-customer pairs.

Uncapacitated problems (UFLP, p-median)
    :func:`greedy_open` adds the site with the largest saving until none helps (or
    ``p`` are open); :func:`interchange` then applies the best add, drop or swap
    (Teitz–Bart vertex substitution) until no move improves. A swap ``(i in, r out)`` is
    evaluated for every pair at once from the nearest and second-nearest open distances
    :math:`d^1_j, d^2_j`:

    .. math:: \Delta_{ir} = f_i - f_r + \sum_j (\min(c_{ij}, d^1_j) - d^1_j)
              + \sum_{j: a_j = r} (\min(c_{ij}, d^2_j) - \min(c_{ij}, d^1_j))

    whose last term is one matrix product with the one-hot assignment.

Capacitated facility location (CFLP)
    :func:`lagrangian_cflp` relaxes the assignment rows :math:`\sum_i x_{ij} = 1` with
    multipliers :math:`u_j`. Each site then solves a continuous knapsack

    .. math:: v_i(u) = f_i + \min\{\textstyle\sum_j (c_{ij} - u_j) x_{ij} :
              \sum_j d_j x_{ij} \le s_i,\ 0 \le x_{ij} \le 1\}

    and the sites are chosen by the 0-1 covering knapsack
    :math:`\min \sum_i v_i y_i` s.t. :math:`\sum_i s_i y_i \ge D` (total demand), so
    :math:`L(u) = \sum_j u_j + \min_y \sum_i v_i y_i` is a lower bound at least as strong
    as the LP of the strong formulation with the cover cut. Subgradient steps (Polyak)
    maximise it. With an upper bound :math:`\bar z`, a site whose bound with
    :math:`y_i` forced to 1 exceeds :math:`\bar z` is closed in every better solution
    (and vice versa), which removes sites before the MILP is built.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

__all__ = [
    "LagrangianBound",
    "assignment_cost",
    "cover_knapsack",
    "greedy_open",
    "interchange",
    "lagrangian_cflp",
    "lagrangian_pmedian",
    "reduce_pmedian",
]


def finite_cost(cost: np.ndarray) -> np.ndarray:
    """Replace ``inf`` by a large finite penalty so that matrix products stay finite."""
    finite = cost[np.isfinite(cost)]
    penalty = (float(np.abs(finite).max()) + 1.0) * (cost.shape[1] + 1) * 10.0
    return np.where(np.isfinite(cost), cost, penalty)


def assignment_cost(cost: np.ndarray, is_open: np.ndarray, fixed: np.ndarray) -> float:
    """Fixed cost of the open sites plus each customer's cheapest open site."""
    if not is_open.any():
        return float("inf")
    return float(fixed[is_open].sum() + cost[is_open].min(axis=0).sum())


def greedy_open(
    cost: np.ndarray,
    fixed: np.ndarray,
    medians: int | None = None,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """Greedy add: open the site saving most until no saving (UFLP) or ``medians`` are open.

    Parameters
    ----------
    cost : numpy.ndarray
        Sites x customers, finite (see :func:`finite_cost`).
    fixed : numpy.ndarray
        Fixed cost per site (zeros for p-median).
    medians : int, optional
        Open exactly this many sites (p-median).
    start : numpy.ndarray of bool, optional
        Sites open to begin with (default: the single cheapest site).
    """
    site_count = cost.shape[0]
    if start is not None and start.any():
        is_open = start.copy()
        nearest = cost[is_open].min(axis=0)
    else:
        is_open = np.zeros(site_count, dtype=bool)
        first = int(np.argmin(fixed + cost.sum(axis=1)))
        is_open[first] = True
        nearest = cost[first].copy()
    target = medians if medians is not None else site_count
    while is_open.sum() < target:
        saving = np.maximum(nearest[None, :] - cost, 0.0).sum(axis=1) - fixed
        saving[is_open] = -np.inf
        best = int(np.argmax(saving))
        if medians is None and saving[best] <= 0:
            break
        is_open[best] = True
        np.minimum(nearest, cost[best], out=nearest)
    return is_open


def interchange(
    cost: np.ndarray,
    fixed: np.ndarray,
    is_open: np.ndarray,
    medians: int | None = None,
    max_moves: int = 10_000,
) -> np.ndarray:
    """Best-improvement add / drop / swap local search (swaps only when ``medians`` is set).

    Returns the improved open-site mask; each move is evaluated for all sites at once.
    """
    is_open = is_open.copy()
    if not is_open.any():
        return is_open
    for _ in range(max_moves):
        open_sites = np.flatnonzero(is_open)
        open_cost = cost[open_sites]
        order = np.argsort(open_cost, axis=0)
        nearest_rank = order[0]
        nearest = np.take_along_axis(open_cost, order[:1], axis=0)[0]
        if len(open_sites) > 1:
            second = np.take_along_axis(open_cost, order[1:2], axis=0)[0]
        else:
            second = np.full(cost.shape[1], cost.max() * 10.0)
        capped_nearest = np.minimum(cost, nearest[None, :])
        gain_in = (capped_nearest - nearest[None, :]).sum(axis=1)  # <= 0, per site in
        one_hot = np.zeros((cost.shape[1], len(open_sites)))
        one_hot[np.arange(cost.shape[1]), nearest_rank] = 1.0
        loss_out = (np.minimum(cost, second[None, :]) - capped_nearest) @ one_hot
        swap = fixed[:, None] - fixed[open_sites][None, :] + gain_in[:, None] + loss_out
        swap[is_open] = np.inf
        best_delta = swap.min()
        site_in, rank_out = np.unravel_index(int(swap.argmin()), swap.shape)
        move: tuple[str, int, int] = ("swap", int(site_in), int(rank_out))
        if medians is None:
            add = fixed + gain_in
            add[is_open] = np.inf
            drop = ((second - nearest) @ one_hot) - fixed[open_sites]
            if len(open_sites) == 1:
                drop[:] = np.inf
            if add.min() < best_delta:
                best_delta, move = add.min(), ("add", int(add.argmin()), -1)
            if drop.min() < best_delta:
                best_delta, move = drop.min(), ("drop", -1, int(drop.argmin()))
        tolerance = 1e-9 * max(1.0, abs(float(nearest.sum())))
        if not best_delta < -tolerance:
            break
        kind, site_moved_in, rank_moved_out = move
        if kind in ("swap", "add"):
            is_open[site_moved_in] = True
        if kind in ("swap", "drop"):
            is_open[open_sites[rank_moved_out]] = False
    return is_open


def cover_knapsack(
    value: np.ndarray,
    capacity: np.ndarray,
    required: float,
    forced_open: int | None = None,
    forced_closed: int | None = None,
    resolution: int = 2000,
) -> tuple[float, np.ndarray]:
    r"""Lower bound of :math:`\min \sum_i v_i y_i` s.t. :math:`\sum_i s_i y_i \ge D`, y binary.

    Sites with negative value are always taken; the rest is a dynamic programme over
    coverage. Capacities are rounded *up* and the requirement *down* to a grid of at
    most ``resolution`` steps, so the value is a valid lower bound (exact for integer
    data below the resolution). Returns the value and the chosen sites; value ``inf``
    when no choice covers ``D``.
    """
    chosen = value < 0
    if forced_open is not None:
        chosen[forced_open] = True
    if forced_closed is not None:
        chosen[forced_closed] = False
    need = required - capacity[chosen].sum()
    base = float(value[chosen].sum())
    if need <= 0:
        return base, chosen
    candidates = np.flatnonzero(~chosen)
    if forced_closed is not None:
        candidates = candidates[candidates != forced_closed]
    scale = need / resolution if need > resolution else 1.0
    steps = int(np.floor(need / scale + 1e-9))
    sizes = np.ceil(np.minimum(capacity[candidates], need) / scale - 1e-9).astype(np.int64)
    best = np.full(steps + 1, np.inf)
    best[0] = 0.0
    took = np.zeros((len(candidates), steps + 1), dtype=bool)
    option = np.empty(steps + 1)
    for position, (site, size) in enumerate(zip(candidates, sizes, strict=True)):
        # option[k] = best[max(k - size, 0)] + v, by slices (no fancy indexing)
        cut = min(int(size), steps + 1)
        option[:cut] = best[0]
        np.add(best[: steps + 1 - cut], value[site], out=option[cut:])
        option[:cut] += value[site]
        better = np.less(option, best, out=took[position])
        np.copyto(best, option, where=better)
    if not np.isfinite(best[steps]):
        return float("inf"), chosen
    remaining = steps
    for position in range(len(candidates) - 1, -1, -1):
        if took[position, remaining]:
            chosen[candidates[position]] = True
            remaining = max(0, remaining - int(sizes[position]))
    return base + float(best[steps]), chosen


def _site_knapsacks(
    reduced: np.ndarray, demand: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Continuous knapsack per site: value and the fractions taken (sites x customers)."""
    benefit = reduced < 0
    safe_demand = np.maximum(demand, 1e-12)
    ratio = np.where(benefit, reduced / safe_demand[None, :], np.inf)
    order = np.argsort(ratio, axis=1, kind="stable")
    benefit_sorted = np.take_along_axis(benefit, order, axis=1)
    reduced_sorted = np.take_along_axis(reduced, order, axis=1)
    demand_sorted = np.where(benefit_sorted, demand[order], 0.0)
    used_before = np.cumsum(demand_sorted, axis=1) - demand_sorted
    room = capacity[:, None] - used_before
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        fraction = np.where(demand_sorted > 0, room / np.maximum(demand_sorted, 1e-300), 1.0)
    fraction = np.where(benefit_sorted, np.clip(fraction, 0.0, 1.0), 0.0)
    # Forbidden pairs carry an infinite cost: take the product only where it counts.
    value = (fraction * np.where(benefit_sorted, reduced_sorted, 0.0)).sum(axis=1)
    taken = np.empty_like(fraction)
    np.put_along_axis(taken, order, fraction, axis=1)
    return value, taken


@dataclass(frozen=True)
class LagrangianBound:
    """Result of :func:`lagrangian_cflp`.

    ``bound`` is the best :math:`L(u)`; ``bound_if_open[i]`` / ``bound_if_closed[i]`` the
    bound with site ``i`` forced open / closed at the best multipliers; ``open_sets`` the
    distinct site choices met on the way (candidates for primal heuristics).
    """

    bound: float
    multipliers: np.ndarray
    bound_if_open: np.ndarray
    bound_if_closed: np.ndarray
    open_sets: list[np.ndarray]
    iterations: int


def lagrangian_cflp(
    cost: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    fixed: np.ndarray,
    upper_bound: float,
    max_iterations: int = 600,
    time_limit: float = 30.0,
) -> LagrangianBound:
    """Maximise the Lagrangian bound of the CFLP (assignment rows relaxed) by subgradient.

    ``capacity`` may be ``inf`` (uncapacitated); the cover requirement then asks for
    one open site. Returns bounds for fixing sites (see module docstring).
    """
    started = time.perf_counter()
    total_demand = float(demand.sum())
    cover_capacity = np.minimum(capacity, max(total_demand, 1e-9))
    required = max(total_demand, 1e-9)
    sorted_cost = np.sort(cost, axis=0)
    multipliers = sorted_cost[min(1, cost.shape[0] - 1)].copy()
    multipliers[~np.isfinite(multipliers)] = sorted_cost[0][~np.isfinite(multipliers)]
    best_bound, best_multipliers = -np.inf, multipliers.copy()
    step_scale, stall = 2.0, 0
    open_sets: dict[bytes, np.ndarray] = {}
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported below
        site_value, taken = _site_knapsacks(cost - multipliers[None, :], demand, capacity)
        site_value = site_value + fixed
        knapsack_value, chosen = cover_knapsack(site_value, cover_capacity, required)
        bound = float(multipliers.sum() + knapsack_value)
        open_sets.setdefault(chosen.tobytes(), chosen.copy())
        if bound > best_bound + 1e-9 * abs(bound):
            best_bound, best_multipliers, stall = bound, multipliers.copy(), 0
        else:
            stall += 1
            if stall >= 20:
                step_scale, stall = step_scale / 2.0, 0
        subgradient = 1.0 - (taken * chosen[:, None]).sum(axis=0)
        norm = float(subgradient @ subgradient)
        gap = upper_bound - bound
        if norm < 1e-12 or step_scale < 1e-4 or gap <= 1e-9 * abs(upper_bound):
            break
        if time.perf_counter() - started > time_limit:
            break
        multipliers = multipliers + step_scale * max(gap, 1e-6 * abs(upper_bound)) / norm * (
            subgradient
        )
    site_value, _ = _site_knapsacks(cost - best_multipliers[None, :], demand, capacity)
    site_value = site_value + fixed
    base = float(best_multipliers.sum())
    _, chosen = cover_knapsack(site_value, cover_capacity, required)
    bound_if_open = np.full(cost.shape[0], best_bound)
    bound_if_closed = np.full(cost.shape[0], best_bound)
    # One knapsack per site (0.3 s on capb under load): skipped on the time limit, which
    # leaves every site free (the bounds above fix none).
    within_time = time.perf_counter() - started <= time_limit
    for site in range(cost.shape[0] if within_time else 0):
        if chosen[site]:
            value, _ = cover_knapsack(site_value, cover_capacity, required, forced_closed=site)
            bound_if_closed[site] = base + value
        else:
            value, _ = cover_knapsack(site_value, cover_capacity, required, forced_open=site)
            bound_if_open[site] = base + value
    return LagrangianBound(
        bound=best_bound,
        multipliers=best_multipliers,
        bound_if_open=np.maximum(bound_if_open, best_bound),
        bound_if_closed=np.maximum(bound_if_closed, best_bound),
        open_sets=list(open_sets.values()),
        iterations=iteration,
    )


@dataclass(frozen=True)
class PMedianLagrangian:
    """Result of :func:`lagrangian_pmedian`: the best bound, its multipliers, and the
    distinct site choices met on the way (candidates for primal heuristics)."""

    bound: float
    multipliers: np.ndarray
    open_sets: list[np.ndarray]
    iterations: int


@dataclass(frozen=True)
class PMedianReduction:
    """Result of :func:`reduce_pmedian`.

    ``allowed[i, j]`` is False for pairs no solution better than the incumbent uses
    (customer ``j`` never has site ``i`` as its nearest open site); ``closed`` / ``opened``
    are sites fixed closed / open for the same reason.
    """

    bound: float
    allowed: np.ndarray
    closed: np.ndarray
    opened: np.ndarray


def lagrangian_pmedian(
    cost: np.ndarray,
    medians: int,
    upper_bound: float,
    start: np.ndarray,
    improvement: float = 0.0,
    max_iterations: int = 1500,
    time_limit: float = 30.0,
) -> PMedianLagrangian:
    r"""Lagrangian bound for the p-median, maximised by subgradient (Polyak steps).

    Relaxing :math:`\sum_i x_{ij} = 1` with :math:`u_j` leaves
    :math:`\rho_i = \sum_j \min(0, c_{ij} - u_j)` per site; the best ``p`` sites give
    :math:`L(u) = \sum_j u_j + \sum_{p\ \text{smallest}} \rho_i`. Stops once the bound
    passes ``upper_bound - improvement`` (nothing better is left to find).

    Parameters
    ----------
    cost : numpy.ndarray
        Weighted distances, sites x customers (``inf`` where not allowed).
    start : numpy.ndarray
        Initial multipliers, e.g. each customer's cost in the heuristic solution.
    improvement : float
        The least improvement worth finding (just under 1 for integer data).
    """
    started = time.perf_counter()
    site_count = cost.shape[0]
    multipliers = start.astype(float).copy()
    best_bound, best_multipliers = -np.inf, multipliers.copy()
    step_scale, stall = 1.0, 0
    target = upper_bound - improvement
    open_sets: dict[bytes, np.ndarray] = {}
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported below
        reduced = cost - multipliers[None, :]
        negative = np.minimum(reduced, 0.0)
        site_value = negative.sum(axis=1)
        chosen = np.argpartition(site_value, medians - 1)[:medians]
        mask = np.zeros(site_count, dtype=bool)
        mask[chosen] = True
        open_sets.setdefault(mask.tobytes(), mask)
        bound = float(multipliers.sum() + site_value[chosen].sum())
        if bound > best_bound + 1e-12 * abs(bound):
            best_bound, best_multipliers, stall = bound, multipliers.copy(), 0
        else:
            stall += 1
            if stall >= 30:
                step_scale, stall = step_scale / 2.0, 0
        if bound > target or step_scale < 1e-3 or time.perf_counter() - started > time_limit:
            break
        subgradient = 1.0 - (reduced[chosen] < 0).sum(axis=0)
        norm = float(subgradient @ subgradient)
        if norm == 0:
            break
        gap = max(upper_bound - bound, 1e-3 * max(1.0, improvement))
        multipliers = multipliers + step_scale * gap / norm * subgradient
    return PMedianLagrangian(best_bound, best_multipliers, list(open_sets.values()), iteration)


def reduce_pmedian(
    cost: np.ndarray,
    medians: int,
    lagrangian: PMedianLagrangian,
    upper_bound: float,
    improvement: float = 0.0,
) -> PMedianReduction:
    r"""Pairs and sites that no solution better than ``upper_bound - improvement`` uses.

    At the multipliers :math:`u` of ``lagrangian``, forcing :math:`x_{ij} = 1` costs at
    least :math:`\max(0, c_{ij} - u_j)` plus, when ``i`` is not among the chosen,
    :math:`\rho_i - \rho_{(p)}`. Pairs (and sites) whose forced bound exceeds the
    target are eliminated.
    """
    site_count = cost.shape[0]
    finite = np.isfinite(cost)
    target = upper_bound - improvement
    reduced = cost - lagrangian.multipliers[None, :]
    site_value = np.minimum(reduced, 0.0).sum(axis=1)
    order = np.argsort(site_value, kind="stable")
    is_chosen = np.zeros(site_count, dtype=bool)
    is_chosen[order[:medians]] = True
    worst_chosen = site_value[order[medians - 1]]
    best_unchosen = site_value[order[medians]] if medians < site_count else np.inf
    slack = target - lagrangian.bound + 1e-9 * max(1.0, abs(upper_bound))
    open_penalty = np.where(is_chosen, 0.0, site_value - worst_chosen)
    close_penalty = np.where(is_chosen, best_unchosen - site_value, 0.0)
    closed = open_penalty > slack
    opened = close_penalty > slack
    pair_penalty = open_penalty[:, None] + np.maximum(np.where(finite, reduced, 0.0), 0.0)
    allowed = finite & (pair_penalty <= slack) & ~closed[:, None]
    return PMedianReduction(lagrangian.bound, allowed, closed, opened)
