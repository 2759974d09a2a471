r"""Strong linking rows :math:`x_{ij} \le y_i`, only where they bind (separation).

The strong CFLP formulation has one linking row per site-customer pair: 100,000 rows
on capa/capb/capc, which make every LP in HiGHS' branch-and-bound slow. The
site-capacity row :math:`\sum_j d_j x_{ij} \le s_i y_i` already keeps every
:math:`x_{ij}` with :math:`d_j > 0` at zero when site ``i`` is closed, so any subset of
linking rows that contains the pairs of zero-demand customers (which the capacity row
does not see; :func:`~evplan.location.formulations.build_facility_model` always adds
them) gives an exact model; the rows only strengthen the LP relaxation, and only where
they bind.

:func:`separate_linking` starts from a small set of pairs (each customer's nearest
sites and the pairs the Lagrangian solution uses), solves the LP relaxation, adds the
rows its solution violates, and re-solves from the previous basis until none is
violated. The final LP bound equals that of the full strong formulation with a few
percent of its rows; the MILP is then built with those rows only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from evplan.highs import allow_seconds, run_solver
from evplan.location.formulations import build_facility_model
from evplan.location.highs import load_highs
from evplan.location.options import SolveOptions

__all__ = ["LinkingCuts", "nearest_pairs", "separate_linking"]


@dataclass(frozen=True)
class LinkingCuts:
    """Result of :func:`separate_linking`.

    ``linked`` (sites x customers) holds the pairs given a linking row; ``lp_bound`` is
    the LP relaxation's value with those rows (the strong LP bound when ``complete``);
    ``site_value`` the LP's ``y`` per site (zero for sites not kept); ``rounds`` the
    number of LP solves.
    """

    linked: np.ndarray
    lp_bound: float
    site_value: np.ndarray
    rounds: int
    complete: bool


def nearest_pairs(cost: np.ndarray, keep: np.ndarray, per_customer: int) -> np.ndarray:
    """Sites x customers mask of each customer's ``per_customer`` cheapest kept sites."""
    restricted = np.where(keep[:, None], cost, np.inf)
    count = min(per_customer, int(keep.sum()))
    nearest = np.argpartition(restricted, count - 1, axis=0)[:count]
    mask = np.zeros(cost.shape, dtype=bool)
    np.put_along_axis(mask, nearest, True, axis=0)
    return mask & np.isfinite(restricted)


def separate_linking(
    cost: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    fixed: np.ndarray,
    *,
    keep: np.ndarray,
    forced_open: np.ndarray,
    linked: np.ndarray,
    options: SolveOptions,
    time_limit: float,
    max_rounds: int = 100,
) -> LinkingCuts:
    """Add violated linking rows to the LP relaxation until none is violated.

    Parameters
    ----------
    cost, demand, capacity, fixed : numpy.ndarray
        The instance (``cost`` sites x customers, ``inf`` where not allowed).
    keep, forced_open : numpy.ndarray of bool
        Sites modelled, and sites whose ``y`` is fixed to 1.
    linked : numpy.ndarray of bool
        Sites x customers: the pairs given a linking row to start with.
    options : SolveOptions
        Threads and verbosity for HiGHS.
    time_limit : float
        Seconds for all rounds; on the limit the rows found so far are returned.
    """
    started = time.perf_counter()
    linked = linked & np.isfinite(cost) & keep[:, None]
    model = build_facility_model(
        cost,
        demand,
        capacity,
        fixed,
        strong=True,
        keep=keep,
        forced_open=forced_open,
        linked=linked,
    )
    milp = model.milp
    lp = replace(milp, integer=np.zeros_like(milp.integer))
    highs = load_highs(lp, replace(options, highs_options=()), time_limit=time_limit)
    y_count = len(model.sites)
    column = np.full(cost.shape, -1, dtype=np.int64)
    column[model.pair_site, model.pair_customer] = y_count + np.arange(len(model.pair_site))
    y_column = np.full(cost.shape[0], -1, dtype=np.int64)
    y_column[model.sites] = np.arange(y_count)
    site_value = np.zeros(cost.shape[0])
    bound, complete, rounds = -np.inf, False, 0
    for rounds in range(1, max_rounds + 1):  # noqa: B007 - reported below
        allow_seconds(highs, max(1e-3, time_limit - (time.perf_counter() - started)))
        run_solver(highs)
        if highs.getModelStatus().name != "kOptimal":
            break
        values = np.asarray(highs.getSolution().col_value)
        bound = float(highs.getInfo().objective_function_value)
        site_value[model.sites] = values[:y_count]
        x = np.zeros(cost.shape)
        x[model.pair_site, model.pair_customer] = values[y_count:]
        violated = (x > site_value[:, None] + 1e-7) & ~linked
        if not violated.any():
            complete = True
            break
        if time.perf_counter() - started > time_limit:
            break
        site, customer = np.nonzero(violated)
        count = len(site)
        indices = np.column_stack([y_column[site], column[site, customer]]).ravel()
        highs.addRows(
            count,
            np.full(count, -highs.getInfinity()),
            np.zeros(count),
            2 * count,
            np.arange(0, 2 * count, 2, dtype=np.int32),
            indices.astype(np.int32),
            np.tile([-1.0, 1.0], count),
        )
        linked = linked | violated
    return LinkingCuts(linked, bound, site_value, rounds, complete)
