r"""Facility-location MILPs built as sparse matrices (no loop over site-customer pairs).

Columns are the open decisions :math:`y_i` of the kept sites, then one assignment
variable :math:`x_{ij}` per *allowed* pair (finite cost), on a flat sparse index.

Strong formulation (``strong=True``)::

    min  sum_i f_i y_i + sum_ij c_ij x_ij
    s.t. sum_i x_ij = 1                      customer-assignment   (every j)
         sum_j d_j x_ij - s_i y_i <= 0       site-capacity         (finite s_i)
         x_ij - y_i <= 0                     assignment-linking    (every pair)
         sum_i s_i y_i >= sum_j d_j          demand-cover          (finite s_i)

Textbook formulation (``strong=False``): the capacity row is the only link
(aggregated ``sum_j x_ij <= n y_i`` when uncapacitated), no strong linking, no cover;
only a customer with zero demand, absent from the capacity row, gets ``x_ij <= y_i``.

Single source: :math:`x_{ij}` binary. :math:`c_{ij}` is the cost of serving all of
customer ``j``'s demand from site ``i`` (OR-Library convention), so
:math:`x_{ij}` is the fraction of that demand.

======  =======================  ================================
symbol  code                     meaning
======  =======================  ================================
f_i     ``fixed``                fixed cost of opening site i
s_i     ``capacity``             capacity (``inf`` = uncapacitated)
d_j     ``demand``               demand of customer j
c_ij    ``cost``                 cost of serving all of j from i
======  =======================  ================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from evplan.location.highs import Milp, solve_milp
from evplan.location.options import SolveOptions

__all__ = ["FacilityModel", "build_facility_model", "transport"]


@dataclass(frozen=True)
class FacilityModel:
    """A built facility MILP and how its columns map back to sites and pairs."""

    milp: Milp
    sites: np.ndarray  # kept site positions, one y column each
    pair_site: np.ndarray  # site position of each x column
    pair_customer: np.ndarray  # customer position of each x column

    def decode(self, values: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Return (open mask over all sites, sites x customers fractions)."""
        is_open = np.zeros(shape[0], dtype=bool)
        is_open[self.sites] = values[: len(self.sites)] > 0.5
        fractions = np.zeros(shape)
        fractions[self.pair_site, self.pair_customer] = values[len(self.sites) :]
        return is_open, fractions


def _rows(*blocks: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    return tuple(np.concatenate([block[k] for block in blocks]) for k in range(3))


def build_facility_model(
    cost: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    fixed: np.ndarray,
    *,
    strong: bool,
    single_source: bool = False,
    keep: np.ndarray | None = None,
    forced_open: np.ndarray | None = None,
    linked: np.ndarray | None = None,
) -> FacilityModel:
    """Build the CFLP/UFLP MILP over the kept sites (see module docstring).

    Parameters
    ----------
    cost : numpy.ndarray
        Sites x customers, ``inf`` for pairs that are not allowed.
    demand, capacity, fixed : numpy.ndarray
        Per customer / per site; ``capacity`` may be ``inf``.
    strong : bool
        Strong (linking + cover) or textbook formulation.
    single_source : bool
        Binary assignment variables.
    keep : numpy.ndarray of bool, optional
        Sites to model (others are closed); default all.
    forced_open : numpy.ndarray of bool, optional
        Sites whose ``y`` has lower bound 1.
    linked : numpy.ndarray of bool, optional
        Sites x customers: pairs that get a strong linking row ``x_ij <= y_i``
        (default all). The site-capacity row alone already keeps ``x_ij = 0`` at a
        closed site, so leaving rows out keeps the model exact and only weakens its
        LP relaxation where they would bind. Pairs of customers with zero demand
        (absent from the capacity row) and of unlimited sites are always linked.
    """
    site_count, customer_count = cost.shape
    keep = np.ones(site_count, dtype=bool) if keep is None else keep
    sites = np.flatnonzero(keep)
    local_site, pair_customer = np.nonzero(np.isfinite(cost[sites]))
    pair_site = sites[local_site]
    y_count, x_count = len(sites), len(pair_site)
    x_columns = y_count + np.arange(x_count)
    capacitated = np.isfinite(capacity[sites])
    capacitated_local = np.flatnonzero(capacitated)
    row = 0
    # customer-assignment: sum_i x_ij = 1
    assignment = (pair_customer, x_columns, np.ones(x_count))
    row += customer_count
    # site-capacity: sum_j d_j x_ij - s_i y_i <= 0 (only capacitated sites)
    capacity_row = np.full(y_count, -1)
    capacity_row[capacitated_local] = row + np.arange(len(capacitated_local))
    x_capacitated = capacitated[local_site]
    capacity_block = _rows(
        (
            capacity_row[local_site[x_capacitated]],
            x_columns[x_capacitated],
            demand[pair_customer[x_capacitated]],
        ),
        (capacity_row[capacitated_local], capacitated_local, -capacity[sites[capacitated_local]]),
    )
    row += len(capacitated_local)
    blocks = [assignment, capacity_block]
    lower = [np.ones(customer_count), np.full(len(capacitated_local), -np.inf)]
    upper = [np.ones(customer_count), np.zeros(len(capacitated_local))]
    if strong:
        # assignment-linking: x_ij - y_i <= 0
        pairs = np.arange(x_count)
        if linked is not None:
            pairs = np.flatnonzero(
                linked[pair_site, pair_customer]
                | ~capacitated[local_site]
                | (demand[pair_customer] <= 0)
            )
        linking_rows = row + np.arange(len(pairs))
        blocks += [
            (linking_rows, x_columns[pairs], np.ones(len(pairs))),
            (linking_rows, local_site[pairs], -np.ones(len(pairs))),
        ]
        lower.append(np.full(len(pairs), -np.inf))
        upper.append(np.zeros(len(pairs)))
        row += len(pairs)
        if len(capacitated_local) == y_count:
            # demand-cover: sum_i s_i y_i >= D
            blocks.append((np.full(y_count, row), np.arange(y_count), capacity[sites]))
            lower.append(np.array([float(demand.sum())]))
            upper.append(np.array([np.inf]))
            row += 1
    else:
        # A customer with zero demand has no term in the capacity row, so only a
        # linking row keeps it off a closed site.
        zero = np.flatnonzero((demand[pair_customer] <= 0) & capacitated[local_site])
        if len(zero):
            zero_rows = row + np.arange(len(zero))
            blocks += [
                (zero_rows, x_columns[zero], np.ones(len(zero))),
                (zero_rows, local_site[zero], -np.ones(len(zero))),
            ]
            lower.append(np.full(len(zero), -np.inf))
            upper.append(np.zeros(len(zero)))
            row += len(zero)
        uncapacitated_local = np.flatnonzero(~capacitated)
        if len(uncapacitated_local):
            # aggregated linking: sum_j x_ij - n_i y_i <= 0
            link_row = np.full(y_count, -1)
            link_row[uncapacitated_local] = row + np.arange(len(uncapacitated_local))
            x_free = ~capacitated[local_site]
            pairs_per_site = np.bincount(local_site, minlength=y_count).astype(float)
            blocks += [
                (link_row[local_site[x_free]], x_columns[x_free], np.ones(int(x_free.sum()))),
                (
                    link_row[uncapacitated_local],
                    uncapacitated_local,
                    -pairs_per_site[uncapacitated_local],
                ),
            ]
            lower.append(np.full(len(uncapacitated_local), -np.inf))
            upper.append(np.zeros(len(uncapacitated_local)))
            row += len(uncapacitated_local)
    row_index, column_index, values = _rows(*blocks)
    matrix = sp.csc_matrix((values, (row_index, column_index)), shape=(row, y_count + x_count))
    y_lower = np.zeros(y_count)
    if forced_open is not None:
        y_lower[forced_open[sites]] = 1.0
    integer = np.zeros(y_count + x_count, dtype=bool)
    integer[:y_count] = True
    if single_source:
        integer[y_count:] = True
    milp = Milp(
        cost=np.concatenate([fixed[sites], cost[pair_site, pair_customer]]),
        lower=np.concatenate([y_lower, np.zeros(x_count)]),
        upper=np.ones(y_count + x_count),
        integer=integer,
        matrix=matrix,
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
    )
    return FacilityModel(milp, sites, pair_site, pair_customer)


def transport(
    cost: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    is_open: np.ndarray,
    options: SolveOptions,
    *,
    time_limit: float,
) -> tuple[float, np.ndarray]:
    """Cheapest splittable assignment to the open sites (a transportation LP).

    Returns (assignment cost, sites x customers fractions); cost ``inf`` if the open
    sites cannot serve every customer or the LP finds no assignment within ``time_limit``
    seconds (the solve's time left).
    """
    site_count, customer_count = cost.shape
    restricted = np.where(is_open[:, None], cost, np.inf)
    if not np.isfinite(restricted).any(axis=0).all():
        return float("inf"), np.zeros(cost.shape)
    nearest = restricted.argmin(axis=0)
    load = np.bincount(nearest, weights=demand, minlength=site_count)
    if (load <= capacity).all():
        # Every customer at its cheapest open site fits (always so when the open sites are
        # unlimited): no capacity binds, so this is the transportation optimum.
        fractions = np.zeros(cost.shape)
        fractions[nearest, np.arange(customer_count)] = 1.0
        return float(restricted.min(axis=0).sum()), fractions
    if capacity[is_open].sum() < demand.sum() * (1 - 1e-12):
        return float("inf"), np.zeros(cost.shape)
    model = build_facility_model(
        restricted, demand, capacity, np.zeros(site_count), strong=False, keep=is_open
    )
    milp = model.milp
    lp = Milp(
        cost=milp.cost,
        lower=np.concatenate([np.ones(len(model.sites)), milp.lower[len(model.sites) :]]),
        upper=milp.upper,
        integer=np.zeros_like(milp.integer),
        matrix=milp.matrix,
        row_lower=milp.row_lower,
        row_upper=milp.row_upper,
    )
    solution = solve_milp(lp, options, time_limit=time_limit)
    if solution.values is None:
        return float("inf"), np.zeros(cost.shape)
    _, fractions = model.decode(solution.values, cost.shape)
    return solution.objective, fractions
