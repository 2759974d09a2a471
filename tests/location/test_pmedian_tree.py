"""Lagrangian branch-and-bound for the p-median against enumeration, and both p-median
strategies (tree first, radius MILP only) against each other."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evplan.location import SolveOptions, p_median, read_pmedian
from evplan.location.heuristics import lagrangian_pmedian, reduce_pmedian
from evplan.location.pmedian_tree import branch_and_bound


def _enumerate(cost: np.ndarray, medians: int) -> float:
    return min(
        float(cost[list(chosen)].min(axis=0).sum())
        for chosen in combinations(range(cost.shape[0]), medians)
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("medians", [2, 4])
@pytest.mark.parametrize("integral", [True, False])
def test_tree_proves_the_enumerated_optimum_from_a_poor_start(
    seed: int, medians: int, integral: bool
) -> None:
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 100, (12, 2))
    weight = rng.integers(1, 9, 12)
    cost = np.linalg.norm(points[:, None] - points[None, :], axis=2) * weight[None, :]
    cost = np.round(cost) if integral else cost
    improvement = 1.0 - 1e-6 if integral else 1e-9
    poor = np.zeros(12, dtype=bool)
    poor[np.argsort(cost.sum(axis=1))[-medians:]] = True  # the worst sites
    upper_bound = float(cost[poor].min(axis=0).sum())
    lagrangian = lagrangian_pmedian(cost, medians, upper_bound, start=cost[poor].min(axis=0))
    reduction = reduce_pmedian(cost, medians, lagrangian, upper_bound, improvement)
    tree = branch_and_bound(
        cost,
        np.where(reduction.allowed, cost, np.inf),
        medians,
        poor,
        lagrangian.multipliers,
        reduction.opened,
        reduction.closed,
        improvement,
        time_limit=60.0,
    )
    best = _enumerate(cost, medians)
    assert tree.finished
    assert tree.is_open.sum() == medians
    assert float(cost[tree.is_open].min(axis=0).sum()) == pytest.approx(best, rel=1e-12)
    assert tree.bound == pytest.approx(tree.objective)


def test_tree_stops_on_its_time_limit_with_a_valid_bound() -> None:
    rng = np.random.default_rng(7)
    points = rng.uniform(0, 100, (40, 2))
    cost = np.round(np.linalg.norm(points[:, None] - points[None, :], axis=2))
    medians = 5
    start = np.zeros(40, dtype=bool)
    start[:medians] = True
    upper_bound = float(cost[start].min(axis=0).sum())
    lagrangian = lagrangian_pmedian(cost, medians, upper_bound, start=cost[start].min(axis=0))
    tree = branch_and_bound(
        cost,
        cost,
        medians,
        start,
        lagrangian.multipliers,
        np.zeros(40, dtype=bool),
        np.zeros(40, dtype=bool),
        1.0 - 1e-6,
        time_limit=0.0,
    )
    assert not tree.finished
    assert tree.bound <= tree.objective


@pytest.mark.parametrize("number", [2, 3, 11, 12])
def test_tree_first_and_radius_only_both_prove_pmedopt(
    orlib_dir: Path, optima: pd.Series, number: int
) -> None:
    graph = read_pmedian(orlib_dir / f"pmed{number}.txt")
    tables = (graph.sites, graph.customers, graph.distances, graph.medians)
    tree_first = p_median(*tables)
    radius_only = p_median(*tables, options=replace(SolveOptions(), tree_max_medians=0))
    assert tree_first.details["tree_nodes"] > 1  # the tree did the proving
    assert "tree_nodes" not in radius_only.details
    for result in (tree_first, radius_only):
        assert result.status == "optimal"
        assert result.objective == optima[f"pmed{number}"]
