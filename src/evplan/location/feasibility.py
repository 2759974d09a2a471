r"""Explain instances that are infeasible through their allowed pairs, before any solve.

A pair left out of the ``costs`` (``distances``) table is not allowed, so sparse tables
can make an instance infeasible even when total capacity covers total demand. Each
check raises :class:`~evplan.errors.InfeasibleError` naming the customers concerned:

* :func:`check_assignable` — a customer with no allowed site at all (every problem that
  assigns every customer: capacitated, single-source, uncapacitated, p-median; a
  customer with zero demand is assigned too, at no capacity);
* :func:`check_reachable_capacity` — a set of customers :math:`J` whose allowed sites
  :math:`N(J)` have less capacity than they need, :math:`\sum_{i \in N(J)} s_i <
  \sum_{j \in J} d_j` (Hall's condition). The splittable problem with every site open
  is a transportation problem, feasible exactly when no such set exists; the set is
  read off a maximum flow (customers and sites reachable in the residual graph from a
  customer left short), so the message names a set that provably cannot be served;
* :func:`check_single_source_sizes` — a customer whose demand exceeds the capacity of
  each site it may use (single source only);
* :func:`covering_start` — for the p-median, ``p`` sites that give every customer an
  allowed site, or a proof that none exist (customers whose allowed sites are pairwise
  disjoint, or the fewest sites that serve everyone by an exact set cover).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from evplan.errors import InfeasibleError, SolverLimitError
from evplan.location.budget import Budget
from evplan.location.highs import Milp, solve_milp
from evplan.location.options import SolveOptions
from evplan.location.tables import DenseInstance

__all__ = [
    "check_assignable",
    "check_reachable_capacity",
    "check_single_source_sizes",
    "covering_start",
    "explain_single_source",
    "short_of_capacity",
]

_NAMED = 8  # customers (or sites) named in one message before "and k more"
_TOLERANCE = 1e-9


def _names(ids: Sequence[object], limit: int = _NAMED) -> str:
    shown = ", ".join(repr(_plain(identifier)) for identifier in list(ids)[:limit])
    extra = len(ids) - limit
    return shown + (f" and {extra} more" if extra > 0 else "")


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def check_assignable(instance: DenseInstance, table: str) -> None:
    """Raise when a customer has no allowed site (no row in ``table``)."""
    unserved = np.flatnonzero(~np.isfinite(instance.value).any(axis=0))
    if len(unserved) == 0:
        return
    customers = list(instance.customer_ids[unserved])
    noun = "customer" if len(customers) == 1 else "customers"
    raise InfeasibleError(
        [
            f"{table}: {noun} {_names(customers)} {'has' if len(customers) == 1 else 'have'} "
            f"no row in {table}, so no site may serve {'it' if len(customers) == 1 else 'them'}"
            " (every customer is assigned to an open site, even with demand 0). Add a "
            f"site-customer row to {table}, or drop the customer."
        ]
    )


def _budget(options: SolveOptions, budget: Budget | None) -> Budget:
    """The solve's budget, or one of ``options.time_limit`` from now (a call on its own)."""
    return budget if budget is not None else Budget.start(options.time_limit)


def _max_flow(
    instance: DenseInstance, options: SolveOptions, budget: Budget
) -> np.ndarray | None:
    """Demand units shipped per allowed pair by a maximum flow with every site open; None
    when the solver stopped (a time limit) before proving the flow maximal, since a smaller
    flow would show demand short that the sites can carry."""
    site, customer = np.nonzero(np.isfinite(instance.value))
    pair_count = len(site)
    customer_count = len(instance.customer_ids)
    limited = np.isfinite(instance.capacity)
    limited_sites = np.flatnonzero(limited)
    site_row = np.full(len(instance.site_ids), -1)
    site_row[limited_sites] = customer_count + np.arange(len(limited_sites))
    on_limited = limited[site]
    rows = np.concatenate([customer, site_row[site[on_limited]]])
    columns = np.concatenate([np.arange(pair_count), np.flatnonzero(on_limited)])
    matrix = sp.csc_matrix(
        (np.ones(len(rows)), (rows, columns)),
        shape=(customer_count + len(limited_sites), pair_count),
    )
    lp = Milp(
        cost=-np.ones(pair_count),
        lower=np.zeros(pair_count),
        upper=instance.demand[customer].astype(float),
        integer=np.zeros(pair_count, dtype=bool),
        matrix=matrix,
        row_lower=np.full(matrix.shape[0], -np.inf),
        row_upper=np.concatenate([instance.demand, instance.capacity[limited_sites]]),
    )
    solution = solve_milp(lp, options, time_limit=budget.for_highs())
    if solution.status != "optimal" or solution.values is None:
        return None
    flow = np.zeros(instance.value.shape)
    flow[site, customer] = solution.values
    return flow


def short_of_capacity(
    instance: DenseInstance, options: SolveOptions, budget: Budget | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Customers (mask) whose allowed sites (mask) cannot hold their demand, or None.

    Returns ``(customers, sites, short)``: the set read off the maximum flow with every
    site open (see :func:`check_reachable_capacity`) and each customer's demand left
    unshipped. None when all demand can be shipped, or when the maximum flow was not proven
    (a time limit stopped it): then nothing is claimed short, and the solve that follows
    reports its own status.
    """
    allowed = np.isfinite(instance.value)
    if allowed.all() and float(instance.capacity.sum()) >= float(instance.demand.sum()):
        return None
    flow = _max_flow(instance, options, _budget(options, budget))
    if flow is None:
        return None
    scale = max(1.0, float(instance.demand.max(initial=0.0)))
    short = instance.demand - flow.sum(axis=0)
    if not (short > 1e-7 * scale).any():
        return None
    # Residual graph: customer -> every allowed site; site -> customers it ships to.
    customers = short > 1e-7 * scale
    sites = np.zeros(len(instance.site_ids), dtype=bool)
    while True:
        new_sites = (allowed[:, customers].any(axis=1)) & ~sites
        sites |= new_sites
        new_customers = (flow[sites] > 1e-9 * scale).any(axis=0) & ~customers
        if not new_sites.any() and not new_customers.any():
            break
        customers |= new_customers
    return customers, sites, short


def check_reachable_capacity(
    instance: DenseInstance, options: SolveOptions, budget: Budget | None = None
) -> None:
    """Raise when some customers' allowed sites cannot hold their demand, with all open.

    Skipped when every pair is allowed (then total capacity decides, checked before).
    """
    allowed = np.isfinite(instance.value)
    if allowed.all():
        return
    found = short_of_capacity(instance, options, budget)
    if found is None:
        return
    customers, sites, short = found
    need = float(instance.demand[customers].sum())
    have = float(instance.capacity[sites].sum())
    customer_ids = list(instance.customer_ids[np.flatnonzero(customers)])
    site_ids = list(instance.site_ids[np.flatnonzero(sites)])
    if have < need:
        raise InfeasibleError(
            [
                f"costs: customers {_names(customer_ids)} (demand {need:g} in total) may only "
                f"be served from sites {_names(site_ids)}, whose capacity totals {have:g}; "
                f"allow pairs to other sites in costs or add {need - have:g} of capacity there."
            ]
        )
    raise InfeasibleError(  # only when the flow is numerically doubtful
        [
            f"costs: the allowed pairs cannot carry all demand ({float(short.sum()):g} short "
            f"at customers {_names(customer_ids)}); allow more pairs or add capacity."
        ]
    )


def check_single_source_sizes(instance: DenseInstance) -> None:
    """Raise when a customer's demand exceeds the capacity of every site it may use."""
    allowed = np.isfinite(instance.value)
    largest = np.where(allowed, instance.capacity[:, None], -np.inf).max(axis=0)
    too_big = np.flatnonzero(instance.demand > largest * (1 + _TOLERANCE))
    if len(too_big) == 0:
        return
    raise InfeasibleError(
        [
            f"customers: customer {_plain(instance.customer_ids[int(j)])!r} has demand "
            f"{instance.demand[j]:g} but the largest site it may use holds {largest[j]:g}; "
            "with single_source=True a customer is served by one site. Allow a larger site "
            "for it in costs, add capacity, or allow splitting (single_source=False)."
            for j in too_big[:_NAMED]
        ]
    )


def _most_served_whole(
    instance: DenseInstance,
    sites: np.ndarray,
    customers: np.ndarray,
    options: SolveOptions,
    budget: Budget | None = None,
) -> float | None:
    """Most demand of ``customers`` that ``sites`` hold with each customer whole at one site.

    ``None`` when HiGHS cannot decide within the time limit.
    """
    value = instance.value[np.ix_(sites, customers)]
    site_index, customer_index = np.nonzero(np.isfinite(value))
    demand = instance.demand[customers]
    limited = np.isfinite(instance.capacity[sites])
    rows = [
        sp.csc_matrix(
            (np.ones(len(site_index)), (customer_index, np.arange(len(site_index)))),
            shape=(len(customers), len(site_index)),
        )
    ]
    limits = [np.ones(len(customers))]
    if limited.any():
        row_of = np.cumsum(limited) - 1
        on = limited[site_index]
        rows.append(
            sp.csc_matrix(
                (demand[customer_index[on]], (row_of[site_index[on]], np.flatnonzero(on))),
                shape=(int(limited.sum()), len(site_index)),
            )
        )
        limits.append(instance.capacity[sites][limited])
    matrix = sp.vstack(rows, format="csc")
    # The most that fits, proven: the caller's looser gap would understate it and call
    # more demand short than is (mip_rel_gap=0.2 gave 521 where 543 of 543 fits).
    exact = replace(options, mip_rel_gap=1e-9, mip_abs_gap=1e-6)
    solution = solve_milp(
        Milp(
            cost=-demand[customer_index].astype(float),
            lower=np.zeros(len(site_index)),
            upper=np.ones(len(site_index)),
            integer=np.ones(len(site_index), dtype=bool),
            matrix=matrix,
            row_lower=np.full(matrix.shape[0], -np.inf),
            row_upper=np.concatenate(limits),
        ),
        exact,
        time_limit=_budget(options, budget).for_highs(),
    )
    if solution.status != "optimal" or solution.values is None:
        return None
    return float(demand[customer_index] @ (solution.values > 0.5))


def explain_single_source(
    instance: DenseInstance, options: SolveOptions, budget: Budget | None = None
) -> list[str]:
    """Why no single-source assignment exists, once the splittable problem is feasible.

    Customers and sites linked by allowed pairs form groups that share no capacity. For
    each group whose demand cannot be packed whole into its sites (a 0-1 MILP of the most
    demand served whole), the message names the customers, their sites and capacities,
    and how much demand is left over.

    Examples
    --------
    Sites A and B hold 6 each; x, y and z need 4 each: the capacity (12) covers the demand
    (12), but only one 4 fits in a 6, so at most 8 is served whole.
    """
    budget = _budget(options, budget)
    allowed = np.isfinite(instance.value)
    site_count = allowed.shape[0]
    graph = sp.bmat([[None, sp.csr_matrix(allowed)], [sp.csr_matrix(allowed.T), None]])
    _, label = connected_components(graph, directed=False)
    lines = []
    for group in np.unique(label[site_count:]):
        sites = np.flatnonzero(label[:site_count] == group)
        customers = np.flatnonzero((label[site_count:] == group) & (instance.demand > 0))
        if len(customers) == 0:
            continue
        need = float(instance.demand[customers].sum())
        served = _most_served_whole(instance, sites, customers, options, budget)
        if served is None or served >= need * (1 - _TOLERANCE):
            continue
        capacities = ", ".join(
            f"{_plain(instance.site_ids[i])!r} ({instance.capacity[i]:g})" for i in sites[:_NAMED]
        )
        capacities += f" and {len(sites) - _NAMED} more" if len(sites) > _NAMED else ""
        demands = ", ".join(
            f"{_plain(instance.customer_ids[j])!r} ({instance.demand[j]:g})"
            for j in customers[:_NAMED]
        )
        demands += f" and {len(customers) - _NAMED} more" if len(customers) > _NAMED else ""
        lines.append(
            f"costs: customers {demands} (demand {need:g} in total) may only be served from "
            f"sites {capacities}, capacity {float(instance.capacity[sites].sum()):g} in "
            f"total; with single_source=True each customer is served whole by one site, and "
            f"at most {served:g} of the {need:g} fits ({need - served:g} short). Allow pairs "
            "to other sites in costs, add capacity there, or allow splitting "
            "(single_source=False)."
        )
    return lines


def _greedy_cover(allowed: np.ndarray) -> np.ndarray:
    is_open = np.zeros(allowed.shape[0], dtype=bool)
    uncovered = np.ones(allowed.shape[1], dtype=bool)
    while uncovered.any():
        gain = allowed[:, uncovered].sum(axis=1)
        gain[is_open] = -1
        best = int(np.argmax(gain))
        is_open[best] = True
        uncovered &= ~allowed[best]
    return is_open


def _disjoint_customers(allowed: np.ndarray) -> list[int]:
    """Customers whose allowed site sets are pairwise disjoint (fewest sites first)."""
    chosen: list[int] = []
    used = np.zeros(allowed.shape[0], dtype=bool)
    for customer in np.argsort(allowed.sum(axis=0), kind="stable"):
        if not (allowed[:, customer] & used).any():
            chosen.append(int(customer))
            used |= allowed[:, customer]
    return chosen


def covering_start(
    instance: DenseInstance, medians: int, options: SolveOptions, budget: Budget | None = None
) -> np.ndarray:
    """At most ``medians`` sites giving every customer an allowed site, or raise.

    Greedy set cover first; when it needs more than ``medians`` sites, an exact set-cover
    MILP decides. Assumes :func:`check_assignable` passed.
    """
    allowed = np.isfinite(instance.value)
    cover = _greedy_cover(allowed)
    if cover.sum() <= medians:
        return cover
    disjoint = _disjoint_customers(allowed)
    if len(disjoint) > medians:
        names = list(instance.customer_ids[np.array(disjoint)])
        raise InfeasibleError(
            [
                f"distances: customers {_names(names, 12)} have no allowed site in common, so "
                f"each needs its own open site: at least {len(disjoint)} sites, but medians = "
                f"{medians}. Raise medians or allow more site-customer pairs."
            ]
        )
    site_index, customer_index = np.nonzero(allowed)
    milp = Milp(
        cost=np.ones(allowed.shape[0]),
        lower=np.zeros(allowed.shape[0]),
        upper=np.ones(allowed.shape[0]),
        integer=np.ones(allowed.shape[0], dtype=bool),
        matrix=sp.csc_matrix(
            (np.ones(len(site_index)), (customer_index, site_index)),
            shape=(allowed.shape[1], allowed.shape[0]),
        ),
        row_lower=np.ones(allowed.shape[1]),
        row_upper=np.full(allowed.shape[1], np.inf),
    )
    solution = solve_milp(
        milp,
        options,
        time_limit=_budget(options, budget).for_highs(),
        cutoff=float(medians),
    )
    if solution.status == "infeasible" or (
        solution.values is not None and solution.objective > medians + 0.5
    ):
        fewest = "" if solution.values is None else f" ({round(solution.objective)})"
        raise InfeasibleError(
            [
                f"distances: no {medians} sites give every customer an allowed site; the "
                f"fewest sites that do{fewest} exceed medians = {medians}. Raise medians or "
                "allow more site-customer pairs."
            ]
        )
    if solution.values is None:
        raise SolverLimitError(
            f"HiGHS could not decide within {options.time_limit:g} s whether {medians} sites "
            "can give every customer an allowed site; raise time_limit."
        )
    return solution.values > 0.5
