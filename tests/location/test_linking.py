"""Linking rows by separation: same LP bound as the full strong model, same optimum."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import linprog
from tests.location.test_bruteforce import _tables

from evplan.location import SolveOptions, capacitated
from evplan.location.linking import nearest_pairs, separate_linking
from evplan.location.tables import to_dense


def _strong_lp_bound(
    cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, fixed: np.ndarray
) -> float:
    """LP relaxation of the full strong model, written densely for scipy's linprog."""
    sites, customers = cost.shape
    pairs = sites * customers
    # columns: y (sites), then x (site-major)
    objective = np.concatenate([fixed, cost.ravel()])
    assignment = np.hstack([np.zeros((customers, sites)), np.tile(np.eye(customers), sites)])
    capacity_rows = np.hstack([-np.diag(capacity), np.kron(np.eye(sites), demand[None, :])])
    linking = np.hstack([-np.repeat(np.eye(sites), customers, axis=0), np.eye(pairs)])
    cover = np.concatenate([-capacity, np.zeros(pairs)])[None, :]
    lp = linprog(
        objective,
        A_ub=np.vstack([capacity_rows, linking, cover]),
        b_ub=np.concatenate([np.zeros(sites + pairs), [-demand.sum()]]),
        A_eq=assignment,
        b_eq=np.ones(customers),
        bounds=(0, 1),
        method="highs",
    )
    assert lp.status == 0
    return float(lp.fun)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("per_customer", [0, 1, 3])
def test_separated_lp_bound_equals_the_full_strong_lp(seed: int, per_customer: int) -> None:
    sites, customers, costs = _tables(seed, 7, 20)
    instance = to_dense(
        sites, customers, costs, value_column="cost", need_fixed_cost=True, need_capacity=True
    )
    keep = np.ones(7, dtype=bool)
    start = (
        nearest_pairs(instance.value, keep, per_customer)
        if per_customer
        else np.zeros(instance.value.shape, dtype=bool)
    )
    cuts = separate_linking(
        instance.value,
        instance.demand,
        instance.capacity,
        instance.fixed_cost,
        keep=keep,
        forced_open=np.zeros(7, dtype=bool),
        linked=start,
        options=SolveOptions(),
        time_limit=60.0,
    )
    expected = _strong_lp_bound(
        instance.value, instance.demand, instance.capacity, instance.fixed_cost
    )
    assert cuts.complete
    assert cuts.lp_bound == pytest.approx(expected, rel=1e-7)
    assert cuts.linked.sum() < instance.value.size  # fewer rows than the full model


def test_nearest_pairs_takes_the_cheapest_kept_sites() -> None:
    cost = np.array([[1.0, 5.0], [2.0, 1.0], [0.5, 9.0]])
    keep = np.array([True, True, False])
    mask = nearest_pairs(cost, keep, 1)
    assert mask.tolist() == [[True, False], [False, True], [False, False]]


@pytest.mark.parametrize("seed", range(3))
def test_strong_pipeline_matches_the_textbook_milp(seed: int) -> None:
    """Kernel search, reductions and separated linking rows against HiGHS on the plain MILP."""
    sites, customers, costs = _tables(100 + seed, 14, 45)
    strong = capacitated(sites, customers, costs)
    textbook = capacitated(
        sites,
        customers,
        costs,
        options=replace(SolveOptions(), formulation="textbook", warm_start=False),
    )
    assert strong.status == textbook.status == "optimal"
    assert strong.objective == pytest.approx(textbook.objective, rel=1e-7)
