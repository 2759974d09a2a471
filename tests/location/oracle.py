"""An independent formulation of every location problem, for scipy.optimize.milp.

It shares no code with evplan.location: dense arrays in, its own constraint matrix (the
strong disaggregated model with ``x_ij <= y_i`` for every allowed pair), its own
checker of a returned solution. ``inf`` in ``value`` marks a pair that is not allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from evplan.location import LocationResult

MILP_OPTIONS = {"mip_rel_gap": 1e-10, "presolve": True, "time_limit": 60.0}


@dataclass(frozen=True)
class Instance:
    """Sites x customers arrays of one small instance, and the problem's parameters."""

    kind: str  # capacitated, single_source, uncapacitated, p_median, maximal_covering, ...
    value: np.ndarray  # cost (facility problems) or distance; inf = pair not allowed
    demand: np.ndarray
    capacity: np.ndarray  # inf = unlimited
    fixed: np.ndarray
    medians: int = 1
    service_distance: float = 0.0
    sites_to_open: int = 0

    @property
    def site_ids(self) -> list[str]:
        return [f"S{i}" for i in range(self.value.shape[0])]

    @property
    def customer_ids(self) -> list[int]:
        return list(range(100, 100 + self.value.shape[1]))

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The instance as evplan's three tables (absent pairs left out)."""
        sites = pd.DataFrame(
            {"site": self.site_ids, "capacity": self.capacity, "fixed_cost": self.fixed}
        )
        customers = pd.DataFrame({"customer": self.customer_ids, "demand": self.demand})
        site, customer = np.nonzero(np.isfinite(self.value))
        column = "cost" if self.kind in FACILITY else "distance"
        pairs = pd.DataFrame(
            {
                "site": np.array(self.site_ids, dtype=object)[site],
                "customer": np.array(self.customer_ids)[customer],
                column: self.value[site, customer],
            }
        )
        return sites, customers, pairs


FACILITY = ("capacitated", "single_source", "uncapacitated")


def _assignment_model(instance: Instance) -> tuple[np.ndarray, list, np.ndarray, np.ndarray]:
    """Cost, constraints, integrality and pair list of the strong assignment model."""
    site_count, customer_count = instance.value.shape
    pair_site, pair_customer = np.nonzero(np.isfinite(instance.value))
    pair_count = len(pair_site)
    columns = site_count + pair_count
    if instance.kind == "p_median":
        weight = instance.demand[pair_customer]
        pair_cost = np.where(weight > 0, weight * instance.value[pair_site, pair_customer], 0.0)
        cost = np.concatenate([np.zeros(site_count), pair_cost])
    else:
        cost = np.concatenate([instance.fixed, instance.value[pair_site, pair_customer]])
    constraints = []
    assign = np.zeros((customer_count, columns))
    assign[pair_customer, site_count + np.arange(pair_count)] = 1.0
    constraints.append(LinearConstraint(assign, 1.0, 1.0))
    link = np.zeros((pair_count, columns))
    link[np.arange(pair_count), site_count + np.arange(pair_count)] = 1.0
    link[np.arange(pair_count), pair_site] = -1.0
    if pair_count:
        constraints.append(LinearConstraint(link, -np.inf, 0.0))
    if instance.kind in ("capacitated", "single_source"):
        limited = np.flatnonzero(np.isfinite(instance.capacity))
        rows = np.zeros((len(limited), columns))
        for row, site in enumerate(limited):
            on_site = np.flatnonzero(pair_site == site)
            rows[row, site_count + on_site] = instance.demand[pair_customer[on_site]]
            rows[row, site] = -instance.capacity[site]
        if len(limited):
            constraints.append(LinearConstraint(rows, -np.inf, 0.0))
    if instance.kind == "p_median":
        count = np.zeros((1, columns))
        count[0, :site_count] = 1.0
        constraints.append(LinearConstraint(count, instance.medians, instance.medians))
    integrality = np.zeros(columns)
    integrality[:site_count] = 1
    if instance.kind in ("single_source", "p_median"):
        integrality[site_count:] = 1
    return cost, constraints, integrality, np.column_stack([pair_site, pair_customer])


def _covering_model(instance: Instance) -> tuple[np.ndarray, list, np.ndarray]:
    site_count, customer_count = instance.value.shape
    within = (instance.value <= instance.service_distance).astype(float)
    if instance.kind == "set_covering":
        needed = instance.demand > 0
        return (
            np.ones(site_count),
            [LinearConstraint(within.T[needed], 1.0, np.inf)] if needed.any() else [],
            np.ones(site_count),
        )
    # maximal covering: y (sites) then z (customers); maximise covered demand
    cover = np.hstack([-within.T, np.eye(customer_count)])
    count = np.concatenate([np.ones(site_count), np.zeros(customer_count)])[None, :]
    return (
        np.concatenate([np.zeros(site_count), -instance.demand]),
        [LinearConstraint(cover, -np.inf, 0.0), LinearConstraint(count, 0, instance.sites_to_open)],
        np.concatenate([np.ones(site_count), np.zeros(customer_count)]),
    )


def oracle_objective(instance: Instance) -> float | None:
    """Optimal objective (covered demand for maximal covering), or None when infeasible."""
    if instance.kind in ("maximal_covering", "set_covering"):
        cost, constraints, integrality = _covering_model(instance)
    else:
        cost, constraints, integrality, _ = _assignment_model(instance)
    result = milp(
        cost,
        integrality=integrality,
        bounds=Bounds(np.zeros(len(cost)), np.ones(len(cost))),
        constraints=constraints,
        options=MILP_OPTIONS,
    )
    if result.status == 2:
        return None
    assert result.status == 0, result.message
    objective = float(result.fun)
    return -objective if instance.kind == "maximal_covering" else objective


def solution_problems(instance: Instance, result: LocationResult) -> list[str]:
    """Everything wrong with an evplan result for ``instance`` (empty when feasible).

    Re-evaluates the open sites and the assignment table with plain loops, including
    the objective the result reports.
    """
    problems: list[str] = []
    open_sites = set(result.open_sites)
    site_position = {site: i for i, site in enumerate(instance.site_ids)}
    customer_position = {customer: j for j, customer in enumerate(instance.customer_ids)}
    is_open = np.array([site in open_sites for site in instance.site_ids])
    served = np.zeros(len(instance.customer_ids))
    load = np.zeros(len(instance.site_ids))
    total = float(instance.fixed[is_open].sum()) if instance.kind in FACILITY else 0.0
    rows_per_customer = np.zeros(len(instance.customer_ids), dtype=int)
    for row in result.assignment.itertuples(index=False):
        i, j = site_position[row.site], customer_position[row.customer]
        rows_per_customer[j] += 1
        if not np.isfinite(instance.value[i, j]):
            problems.append(f"pair {row.site}-{row.customer} is not allowed")
        if not is_open[i]:
            problems.append(f"customer {row.customer} at closed site {row.site}")
        served[j] += row.fraction
        load[i] += row.fraction * instance.demand[j]
        if instance.kind in FACILITY:
            total += row.fraction * instance.value[i, j]
        elif instance.kind == "p_median" and instance.demand[j] > 0:
            total += instance.demand[j] * instance.value[i, j]
    if instance.kind in (*FACILITY, "p_median"):
        for j, amount in enumerate(served):
            if abs(amount - 1.0) > 1e-6:
                problems.append(f"customer {instance.customer_ids[j]} served {amount}")
    if instance.kind in ("single_source", "p_median") and (rows_per_customer > 1).any():
        problems.append("a customer is split")
    if instance.kind in ("capacitated", "single_source"):
        for i in range(len(instance.site_ids)):
            if load[i] > instance.capacity[i] + 1e-6 * max(1.0, instance.capacity[i]):
                problems.append(f"site {instance.site_ids[i]} load {load[i]} > capacity")
    if instance.kind == "p_median":
        if is_open.sum() != instance.medians:
            problems.append(f"{is_open.sum()} sites open, medians {instance.medians}")
        nearest = np.where(is_open[:, None], instance.value, np.inf).min(axis=0)
        for row in result.assignment.itertuples(index=False):
            i, j = site_position[row.site], customer_position[row.customer]
            if instance.value[i, j] > nearest[j] + 1e-9:
                problems.append(f"customer {row.customer} not at its nearest open site")
    if instance.kind in ("maximal_covering", "set_covering"):
        within = instance.value <= instance.service_distance
        covered = (within & is_open[:, None]).any(axis=0)
        if instance.kind == "set_covering":
            total = float(is_open.sum())
            if ((instance.demand > 0) & ~covered).any():
                problems.append("a customer with demand is not covered")
        else:
            total = float(instance.demand[covered].sum())
            if is_open.sum() > instance.sites_to_open:
                problems.append("too many sites open")
        listed = set(result.assignment["customer"])
        if listed != {instance.customer_ids[j] for j in np.flatnonzero(covered)}:
            problems.append("assignment does not list exactly the covered customers")
    if abs(total - result.objective) > 1e-6 * max(1.0, abs(total)):
        problems.append(f"objective {result.objective} but the solution is worth {total}")
    return problems
