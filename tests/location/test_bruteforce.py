"""Every problem type against brute-force enumeration on small random instances."""

from __future__ import annotations

from itertools import combinations, product

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from evplan.location import (
    capacitated,
    maximal_covering,
    p_median,
    set_covering,
    uncapacitated,
)

SEEDS = range(8)


def _tables(seed: int, site_count: int, customer_count: int) -> tuple[pd.DataFrame, ...]:
    rng = np.random.default_rng(seed)
    demand = rng.integers(1, 20, customer_count).astype(float)
    capacity = rng.integers(15, 60, site_count).astype(float)
    while capacity.sum() < demand.sum() * 1.1:
        capacity *= 1.3
    sites = pd.DataFrame(
        {
            "site": [f"S{i}" for i in range(site_count)],
            "capacity": capacity,
            "fixed_cost": rng.integers(10, 80, site_count).astype(float),
        }
    )
    customers = pd.DataFrame({"customer": list(range(customer_count)), "demand": demand})
    points_site = rng.uniform(0, 10, (site_count, 2))
    points_customer = rng.uniform(0, 10, (customer_count, 2))
    distance = np.round(
        np.linalg.norm(points_site[:, None, :] - points_customer[None, :, :], axis=2), 1
    )
    costs = pd.DataFrame(
        {
            "site": np.repeat(sites["site"].to_numpy(), customer_count),
            "customer": np.tile(customers["customer"].to_numpy(), site_count),
            "cost": (distance * demand[None, :]).ravel(),
            "distance": distance.ravel(),
        }
    )
    return sites, customers, costs


def _subsets(count: int, sizes: range) -> list[np.ndarray]:
    masks = []
    for size in sizes:
        for chosen in combinations(range(count), size):
            mask = np.zeros(count, dtype=bool)
            mask[list(chosen)] = True
            masks.append(mask)
    return masks


def _matrix(costs: pd.DataFrame, column: str, shape: tuple[int, int]) -> np.ndarray:
    return costs[column].to_numpy().reshape(shape)


@pytest.mark.parametrize("seed", SEEDS)
def test_capacitated_splittable_by_enumeration(seed: int) -> None:
    sites, customers, costs = _tables(seed, 5, 8)
    cost = _matrix(costs, "cost", (5, 8))
    demand, capacity = customers["demand"].to_numpy(), sites["capacity"].to_numpy()
    best = np.inf
    for mask in _subsets(5, range(1, 6)):
        if capacity[mask].sum() < demand.sum():
            continue
        open_sites = np.flatnonzero(mask)
        k = len(open_sites)
        equality = np.kron(np.ones((1, k)), np.eye(8))
        capacity_rows = np.kron(np.eye(k), demand[None, :])
        lp = linprog(
            cost[open_sites].ravel(),
            A_ub=capacity_rows,
            b_ub=capacity[open_sites],
            A_eq=equality,
            b_eq=np.ones(8),
            bounds=(0, 1),
            method="highs",
        )
        if lp.status == 0:
            best = min(best, lp.fun + sites["fixed_cost"].to_numpy()[mask].sum())
    result = capacitated(sites, customers, costs)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best, rel=1e-7)
    assert result.bound <= result.objective + 1e-6


@pytest.mark.parametrize("seed", SEEDS)
def test_capacitated_single_source_by_enumeration(seed: int) -> None:
    sites, customers, costs = _tables(seed, 4, 6)
    cost = _matrix(costs, "cost", (4, 6))
    demand = customers["demand"].to_numpy()
    capacity, fixed = sites["capacity"].to_numpy(), sites["fixed_cost"].to_numpy()
    choice = np.array(list(product(range(4), repeat=6)))  # assignments x customers
    one_hot = choice[:, :, None] == np.arange(4)[None, None, :]
    load = (one_hot * demand[None, :, None]).sum(axis=1)
    feasible = (load <= capacity[None, :]).all(axis=1)
    total = cost[choice, np.arange(6)[None, :]].sum(axis=1) + (one_hot.any(axis=1) * fixed).sum(
        axis=1
    )
    best = total[feasible].min()
    result = capacitated(sites, customers, costs, single_source=True)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best, rel=1e-7)
    assert result.assignment["fraction"].round(6).eq(1.0).all()
    assert result.assignment["customer"].is_unique


@pytest.mark.parametrize("seed", SEEDS)
def test_uncapacitated_by_enumeration(seed: int) -> None:
    sites, customers, costs = _tables(seed, 7, 9)
    cost = _matrix(costs, "cost", (7, 9))
    fixed = sites["fixed_cost"].to_numpy() * 5
    best = min(
        fixed[mask].sum() + cost[mask].min(axis=0).sum() for mask in _subsets(7, range(1, 8))
    )
    result = uncapacitated(sites.assign(fixed_cost=fixed), customers, costs)
    assert result.objective == pytest.approx(best, rel=1e-7)
    assert result.status == "optimal"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("medians", [1, 2, 3])
def test_p_median_by_enumeration(seed: int, medians: int) -> None:
    sites, customers, costs = _tables(seed, 7, 10)
    distance = _matrix(costs, "distance", (7, 10))
    weight = customers["demand"].to_numpy()
    best = min(
        float(distance[mask].min(axis=0) @ weight)
        for mask in _subsets(7, range(medians, medians + 1))
    )
    for formulation in ("strong", "textbook"):
        from evplan.location import SolveOptions

        result = p_median(
            sites, customers, costs, medians, options=SolveOptions(formulation=formulation)
        )
        assert result.objective == pytest.approx(best, rel=1e-9), formulation
        assert len(result.open_sites) == medians


@pytest.mark.parametrize("seed", SEEDS)
def test_maximal_covering_by_enumeration(seed: int) -> None:
    sites, customers, costs = _tables(seed, 7, 12)
    within = _matrix(costs, "distance", (7, 12)) <= 3.0
    weight = customers["demand"].to_numpy()
    best = max(float(weight[within[mask].any(axis=0)].sum()) for mask in _subsets(7, range(0, 3)))
    result = maximal_covering(sites, customers, costs, 3.0, 2)
    assert result.objective == pytest.approx(best)
    assert result.status == "optimal"
    assert len(result.open_sites) <= 2


@pytest.mark.parametrize("seed", SEEDS)
def test_set_covering_by_enumeration(seed: int) -> None:
    sites, customers, costs = _tables(seed, 8, 12)
    within = _matrix(costs, "distance", (8, 12)) <= 6.0
    if not within.any(axis=0).all():
        pytest.skip("this random draw leaves a customer uncoverable")
    best = min(
        int(mask.sum()) for mask in _subsets(8, range(1, 9)) if within[mask].any(axis=0).all()
    )
    result = set_covering(sites, customers, costs, 6.0)
    assert result.objective == best
    assert len(result.open_sites) == best
    assert result.status == "optimal"
    assert set(result.assignment["customer"]) == set(customers["customer"])
