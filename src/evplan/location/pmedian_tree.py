r"""Lagrangian branch-and-bound for the p-median, for instances whose LP gap is wide.

With few medians (pmed36: 800 vertices, p = 10) the LP bound stays about 1 % under the
optimum, and every node LP of the radius model takes HiGHS tens of seconds. Here each
node is bounded by the Lagrangian of :func:`~evplan.location.heuristics.lagrangian_pmedian`
instead (a few milliseconds per subgradient step, warm-started from the parent's
multipliers), with the sites fixed open or closed on the way down:

* node bound :math:`L(u) = \sum_j u_j + \sum_{i \in F_1} \rho_i +` the
  :math:`p - |F_1|` smallest :math:`\rho_i` of the free sites, where
  :math:`\rho_i = \sum_j \min(0, c_{ij} - u_j)` and :math:`F_1` / :math:`F_0` are the
  sites fixed open / closed;
* a node is pruned once its bound passes ``upper_bound - improvement``;
* penalty tests fix further sites at each node (as in
  :func:`~evplan.location.heuristics.reduce_pmedian`);
* every node's choice of sites is priced exactly and, when it beats the incumbent,
  improved by vertex substitution;
* branching on the free chosen site whose closing raises the bound most: the child
  with it closed, then the child with it open; nodes are taken best bound first.

Pairs eliminated by the root reduction get an infinite cost (no better solution uses
them); solutions are always priced with the true costs.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

import numpy as np

from evplan.location.heuristics import interchange

__all__ = ["TreeResult", "branch_and_bound"]


@dataclass(frozen=True)
class TreeResult:
    """Best open mask, its value, the proven lower bound, nodes, and whether it finished."""

    is_open: np.ndarray
    objective: float
    bound: float
    nodes: int
    finished: bool


@dataclass
class _Node:
    bound: float
    opened: np.ndarray
    closed: np.ndarray
    multipliers: np.ndarray


def _node_bound(
    reduced_cost: np.ndarray,
    medians: int,
    node: _Node,
    target: float,
    upper_bound: float,
    iterations: int,
    deadline: float,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Subgradient at one node: best bound, its multipliers, site values and choice.

    Stops at ``deadline`` (a :func:`time.perf_counter` reading): any multipliers give a
    valid bound, so a node cut short is still bounded correctly, only less tightly."""
    multipliers = node.multipliers.copy()
    free_slots = medians - int(node.opened.sum())
    best = (-np.inf, multipliers, np.zeros(0), np.zeros(0, dtype=bool))
    step_scale, stall = 1.0, 0
    for _ in range(iterations):
        reduced = reduced_cost - multipliers[None, :]
        site_value = np.minimum(reduced, 0.0).sum(axis=1)
        free_value = np.where(node.opened | node.closed, np.inf, site_value)
        chosen = node.opened.copy()
        if free_slots > 0:
            chosen[np.argpartition(free_value, free_slots - 1)[:free_slots]] = True
        bound = float(multipliers.sum() + site_value[chosen].sum())
        if bound > best[0] + 1e-12 * abs(bound):
            best, stall = (bound, multipliers.copy(), site_value, chosen), 0
        else:
            stall += 1
            if stall >= 10:
                step_scale, stall = step_scale / 2.0, 0
        if bound > target or step_scale < 1e-3 or time.perf_counter() > deadline:
            break
        subgradient = 1.0 - (reduced[chosen] < 0).sum(axis=0)
        norm = float(subgradient @ subgradient)
        if norm == 0:
            break
        multipliers = multipliers + step_scale * max(upper_bound - bound, 1e-3) / norm * (
            subgradient
        )
    return best


def branch_and_bound(
    cost: np.ndarray,
    reduced_cost: np.ndarray,
    medians: int,
    is_open: np.ndarray,
    multipliers: np.ndarray,
    opened: np.ndarray,
    closed: np.ndarray,
    improvement: float,
    time_limit: float,
    node_iterations: int = 60,
) -> TreeResult:
    """Prove (or improve) a p-median incumbent by Lagrangian branch-and-bound.

    Parameters
    ----------
    cost : numpy.ndarray
        True weighted distances, sites x customers (finite), to price solutions.
    reduced_cost : numpy.ndarray
        The same with eliminated pairs set to ``inf``.
    is_open : numpy.ndarray of bool
        The incumbent.
    multipliers : numpy.ndarray
        Root multipliers (e.g. from :func:`~evplan.location.heuristics.lagrangian_pmedian`).
    opened, closed : numpy.ndarray of bool
        Sites fixed at the root.
    improvement : float
        Least improvement worth finding (just under 1 for integer data).
    time_limit : float
        Seconds; on the limit the best bound over open nodes is returned.
    """
    started = time.perf_counter()
    deadline = started + time_limit
    sites = np.flatnonzero(~closed)  # sites closed at the root never enter the tree
    full_cost = cost
    cost, reduced_cost = cost[sites], reduced_cost[sites]
    zeros = np.zeros(len(sites))
    best_open = is_open.copy()
    upper_bound = float(full_cost[is_open].min(axis=0).sum())
    root = _Node(
        -np.inf, opened[sites], np.zeros(len(sites), dtype=bool), multipliers.astype(float)
    )
    heap: list[tuple[float, int, _Node]] = [(-np.inf, 0, root)]
    count, nodes = 1, 0
    while heap:
        if time.perf_counter() - started > time_limit:
            lowest = min(entry[0] for entry in heap)
            return TreeResult(best_open, upper_bound, lowest, nodes, False)
        parent_bound, _, node = heapq.heappop(heap)
        target = upper_bound - improvement
        if parent_bound > target:
            continue
        nodes += 1
        if int(node.opened.sum()) > medians or int((~node.closed).sum()) < medians:
            continue
        iterations = 4 * node_iterations if nodes == 1 else node_iterations
        bound, node_multipliers, site_value, chosen = _node_bound(
            reduced_cost, medians, node, target, upper_bound, iterations, deadline
        )
        if float(cost[chosen].min(axis=0).sum()) < upper_bound:
            improved = interchange(cost, zeros, chosen, medians=medians)
            best_open = np.zeros(len(is_open), dtype=bool)
            best_open[sites[improved]] = True
            upper_bound = float(cost[improved].min(axis=0).sum())
            target = upper_bound - improvement
        if bound > target:
            continue
        # Penalty tests: free sites whose change of state alone passes the target.
        slack = target - bound
        free = ~(node.opened | node.closed)
        free_chosen, free_unchosen = free & chosen, free & ~chosen
        if free_chosen.any() and free_unchosen.any():
            last_in = site_value[free_chosen].max()
            first_out = site_value[free_unchosen].min()
            fixed_closed = node.closed | (free_unchosen & (site_value - last_in > slack))
            fixed_open = node.opened | (free_chosen & (first_out - site_value > slack))
        else:
            fixed_closed, fixed_open = node.closed, node.opened
        candidates = chosen & ~fixed_open
        if not candidates.any():
            continue  # every chosen site fixed open: the node's choice is its solution
        # The most attractive chosen site: closing it raises the bound most, so that
        # child is pruned early and the other child fixes a site the optimum likely uses.
        site = int(np.argmin(np.where(candidates, site_value, np.inf)))
        for child_open in (False, True):
            child_opened, child_closed = fixed_open.copy(), fixed_closed.copy()
            if child_open:
                child_opened[site] = True
            else:
                child_closed[site] = True
            child = _Node(bound, child_opened, child_closed, node_multipliers)
            heapq.heappush(heap, (bound, count, child))
            count += 1
    return TreeResult(best_open, upper_bound, upper_bound, nodes, True)
