r"""Maximal covering and set covering, for corridor and charging-site planning.

A customer is *covered* by a site when their distance is at most the service distance
:math:`R`; :math:`N_j = \{i : d_{ij} \le R\}`.

Maximal covering (Church and ReVelle 1974):

.. math::
    \max \sum_j w_j z_j \quad\text{s.t.}\quad z_j \le \sum_{i \in N_j} y_i,\
    \sum_i y_i \le p,\ 0 \le z_j \le 1,\ y_i \in \{0, 1\}

Set covering (Toregas et al. 1971): fewest sites covering every customer with demand,

.. math:: \min \sum_i y_i \quad\text{s.t.}\quad \sum_{i \in N_j} y_i \ge 1,\ y_i \in \{0,1\}

Reductions: customers with the same cover set :math:`N_j` are merged (their weights
added; for set covering one row is kept); customers with zero weight are dropped from
maximal covering; the covering matrix is built sparse from the pairs within :math:`R`.
"""

from __future__ import annotations

import numbers
from dataclasses import replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from evplan.errors import InfeasibleError, InputError, Problem
from evplan.location.budget import Budget
from evplan.location.highs import Milp, relative_gap, solve_milp
from evplan.location.options import SolveOptions
from evplan.location.result import LocationResult
from evplan.location.tables import DenseInstance, as_tables, to_dense
from evplan.verify.location import certify

__all__ = ["maximal_covering", "set_covering"]


def _instance(
    sites: pd.DataFrame, customers: pd.DataFrame, distances: pd.DataFrame, service_distance: float
) -> tuple[DenseInstance, np.ndarray]:
    instance = to_dense(
        sites,
        customers,
        distances,
        value_column="distance",
        need_fixed_cost=False,
        need_capacity=False,
    )
    if (
        not isinstance(service_distance, numbers.Real)
        or isinstance(service_distance, bool)
        or not np.isfinite(service_distance)
        or service_distance < 0
    ):
        raise InputError(
            [
                Problem(
                    file="options",
                    message=(
                        f"service_distance = {service_distance!r} must be a finite number "
                        ">= 0, in the unit of the distance column."
                    ),
                )
            ]
        )
    return instance, instance.value <= service_distance


def _uncoverable(instance: DenseInstance, customer: int, service_distance: float) -> str:
    name = instance.customer_ids[customer]
    name = name.item() if isinstance(name, np.generic) else name
    nearest = float(np.min(instance.value[:, customer]))
    if not np.isfinite(nearest):
        return (
            f"distances: customer {name!r} (demand {instance.demand[customer]:g}) has no row "
            "in distances, so no site may cover it; add a row for it or set its demand to 0."
        )
    return (
        f"customers: customer {name!r} has no site within service distance "
        f"{service_distance:g} (nearest {nearest:g}); raise the service distance or add a site."
    )


def _validate_sites_to_open(sites_to_open: int) -> None:
    if (
        isinstance(sites_to_open, bool)
        or not isinstance(sites_to_open, numbers.Real)
        or not float(sites_to_open).is_integer()
        or (sites_to_open < 0)
    ):
        raise InputError(
            [
                Problem(
                    file="options",
                    message=(
                        f"sites_to_open = {sites_to_open!r} must be a whole number >= 0. "
                        "Give the most sites to open."
                    ),
                )
            ]
        )


def _unique_cover_sets(covers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct columns of the sites x customers cover matrix and each customer's group."""
    packed = np.packbits(covers, axis=0)
    _, first, group = np.unique(packed.T, axis=0, return_index=True, return_inverse=True)
    return first, group.ravel()


def _covering_matrix(covers: np.ndarray, customers: np.ndarray) -> sp.csc_matrix:
    """Rows = chosen customers, columns = sites, 1 where the site covers the customer."""
    site_index, row_index = np.nonzero(covers[:, customers])
    return sp.csc_matrix(
        (np.ones(len(site_index)), (row_index, site_index)),
        shape=(len(customers), covers.shape[0]),
    )


def _assignment(instance: DenseInstance, covers: np.ndarray, is_open: np.ndarray) -> pd.DataFrame:
    distance = np.where(covers & is_open[:, None], instance.value, np.inf)
    covered = np.isfinite(distance).any(axis=0)
    nearest = distance.argmin(axis=0)
    customer = np.flatnonzero(covered)
    return pd.DataFrame(
        {
            "site": instance.site_ids[nearest[customer]],
            "customer": instance.customer_ids[customer],
            "fraction": 1.0,
            "distance": instance.value[nearest[customer], customer],
        }
    )


def _greedy_cover(covers: np.ndarray, weight: np.ndarray, limit: int | None) -> np.ndarray:
    """Open the site covering most uncovered weight, until ``limit`` or all covered."""
    is_open = np.zeros(covers.shape[0], dtype=bool)
    uncovered = weight.astype(float).copy()
    while limit is None or is_open.sum() < limit:
        gain = covers @ uncovered
        gain[is_open] = -1.0
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        is_open[best] = True
        uncovered[covers[best]] = 0.0
    return is_open


def maximal_covering(
    sites: pd.DataFrame,
    customers: pd.DataFrame,
    distances: pd.DataFrame,
    service_distance: float,
    sites_to_open: int,
    *,
    options: SolveOptions | None = None,
) -> LocationResult:
    """Open at most ``sites_to_open`` sites maximising the demand within ``service_distance``.

    ``objective`` is the demand covered; ``bound`` an upper bound on it.

    Examples
    --------
    >>> import pandas as pd
    >>> sites = pd.DataFrame({"site": ["A", "B"]})
    >>> customers = pd.DataFrame({"customer": [1, 2, 3], "demand": [5.0, 1.0, 2.0]})
    >>> distances = pd.DataFrame({"site": ["A"] * 3 + ["B"] * 3, "customer": [1, 2, 3] * 2,
    ...                           "distance": [1, 9, 9, 9, 1, 1]})
    >>> maximal_covering(sites, customers, distances, 2.0, 1).objective
    5.0
    """
    options = options or SolveOptions()
    sites, customers, distances = as_tables(sites, customers, distances, "distances")
    budget = Budget.start(options.time_limit)
    instance, covers = _instance(sites, customers, distances, service_distance)
    _validate_sites_to_open(sites_to_open)
    site_count = len(instance.site_ids)
    useful = (instance.demand > 0) & covers.any(axis=0)
    first, group = _unique_cover_sets(covers[:, useful])
    merged_weight = np.bincount(group, weights=instance.demand[useful], minlength=len(first))
    representatives = np.flatnonzero(useful)[first]
    cover_matrix = _covering_matrix(covers, representatives)
    group_count = len(representatives)
    # columns: y (sites), z (groups); minimise -sum w z
    matrix = sp.hstack(
        [
            sp.vstack([-cover_matrix, sp.csc_matrix(np.ones((1, site_count)))]),
            sp.vstack([sp.identity(group_count), sp.csc_matrix((1, group_count))]),
        ],
        format="csc",
    )
    milp = Milp(
        cost=np.concatenate([np.zeros(site_count), -merged_weight]),
        lower=np.zeros(site_count + group_count),
        upper=np.ones(site_count + group_count),
        integer=np.arange(site_count + group_count) < site_count,
        matrix=matrix,
        row_lower=np.full(group_count + 1, -np.inf),
        row_upper=np.concatenate([np.zeros(group_count), [sites_to_open]]),
    )
    greedy = _greedy_cover(covers, instance.demand * useful, sites_to_open)
    warm = np.concatenate([greedy, (cover_matrix @ greedy.astype(float)) > 0]).astype(float)
    greedy_value = float(milp.cost @ warm)
    solution = solve_milp(
        milp,
        options,
        time_limit=budget.for_highs(),
        cutoff=greedy_value if options.warm_start else None,
    )
    is_open = solution.values[:site_count] > 0.5 if solution.values is not None else greedy
    if solution.status == "infeasible":  # nothing beats the greedy cover
        solution = replace(solution, status="optimal", bound=greedy_value)
    covered = float(instance.demand[(covers & is_open[:, None]).any(axis=0)].sum())
    bound = max(covered, -solution.bound) if np.isfinite(solution.bound) else float("inf")
    gap = abs(bound - covered) / max(covered, 1e-9) if bound != covered else 0.0
    result = LocationResult(
        problem="maximal_covering",
        status="optimal" if solution.status == "optimal" else "time_limit",
        objective=covered,
        bound=float(bound),
        gap=float(gap),
        open_sites=list(instance.site_ids[is_open]),
        assignment=_assignment(instance, covers, is_open),
        seconds=budget.elapsed(),
        details={"customer_groups": group_count, "nodes": solution.nodes},
    )
    return certify(
        result,
        sites,
        customers,
        distances,
        options=options,
        service_distance=service_distance,
        sites_to_open=sites_to_open,
    )


def set_covering(
    sites: pd.DataFrame,
    customers: pd.DataFrame,
    distances: pd.DataFrame,
    service_distance: float,
    *,
    options: SolveOptions | None = None,
) -> LocationResult:
    """Open the fewest sites so that every customer with demand is within ``service_distance``.

    Raises
    ------
    evplan.errors.InfeasibleError
        Naming every customer no site covers.

    Examples
    --------
    >>> import pandas as pd
    >>> sites = pd.DataFrame({"site": ["A", "B", "C"]})
    >>> customers = pd.DataFrame({"customer": [1, 2], "demand": [1.0, 1.0]})
    >>> distances = pd.DataFrame({"site": ["A", "A", "B", "C"], "customer": [1, 2, 1, 2],
    ...                           "distance": [1, 1, 1, 1]})
    >>> set_covering(sites, customers, distances, 2.0).open_sites
    ['A']
    """
    options = options or SolveOptions()
    sites, customers, distances = as_tables(sites, customers, distances, "distances")
    budget = Budget.start(options.time_limit)
    instance, covers = _instance(sites, customers, distances, service_distance)
    site_count = len(instance.site_ids)
    needed = instance.demand > 0
    uncoverable = np.flatnonzero(needed & ~covers.any(axis=0))
    if len(uncoverable):
        raise InfeasibleError(
            [_uncoverable(instance, int(j), service_distance) for j in uncoverable]
        )
    first, _ = _unique_cover_sets(covers[:, needed])
    representatives = np.flatnonzero(needed)[first]
    cover_matrix = _covering_matrix(covers, representatives)
    milp = Milp(
        cost=np.ones(site_count),
        lower=np.zeros(site_count),
        upper=np.ones(site_count),
        integer=np.ones(site_count, dtype=bool),
        matrix=cover_matrix,
        row_lower=np.ones(len(representatives)),
        row_upper=np.full(len(representatives), np.inf),
    )
    greedy = _greedy_cover(covers, needed.astype(float), None)
    solution = solve_milp(
        milp,
        options,
        time_limit=budget.for_highs(),
        cutoff=float(greedy.sum()) if options.warm_start else None,
    )
    is_open = solution.values > 0.5 if solution.values is not None else greedy
    if solution.status == "infeasible":  # nothing beats the greedy cover
        solution = replace(solution, status="optimal", bound=float(greedy.sum()))
    objective = float(is_open.sum())
    bound = min(objective, np.ceil(solution.bound - 1e-6)) if np.isfinite(solution.bound) else 0.0
    result = LocationResult(
        problem="set_covering",
        status="optimal" if objective - bound < 0.5 else "time_limit",
        objective=objective,
        bound=float(bound),
        gap=relative_gap(objective, bound),
        open_sites=list(instance.site_ids[is_open]),
        assignment=_assignment(instance, covers, is_open),
        seconds=budget.elapsed(),
        details={"customer_groups": len(representatives), "nodes": solution.nodes},
    )
    return certify(
        result, sites, customers, distances, options=options, service_distance=service_distance
    )
