"""Session-25 audit of evplan.location (helper-96): time-limited runs of every problem and
formulation against the independent scipy ``milp`` oracle of tests/location/oracle.py.

A run stopped by its limit must say ``time_limit`` (``optimal`` only for the optimum), its
bound must not pass the oracle's optimum, its gap must be the one between its value and
bound, and its plan must pass the oracle's own checker; a run that cannot price a plan in
time raises ``SolverLimitError`` (never a wrong ``InfeasibleError``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from evplan.errors import SolverLimitError
from evplan.location import (
    SolveOptions,
    capacitated,
    maximal_covering,
    p_median,
    set_covering,
    uncapacitated,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.location.oracle import Instance, oracle_objective, solution_problems

SIZES = {"capacitated": (8, 20), "single_source": (6, 14), "uncapacitated": (10, 30),
         "p_median": (20, 30), "maximal_covering": (20, 50), "set_covering": (20, 50)}


def _instance(kind: str, seed: int) -> Instance:
    rng = np.random.default_rng(seed)
    site_count, customer_count = SIZES[kind]
    site_xy, customer_xy = rng.random((site_count, 2)), rng.random((customer_count, 2))
    distance = np.sqrt(((site_xy[:, None] - customer_xy[None]) ** 2).sum(-1))
    demand = rng.uniform(1, 10, customer_count).round(1 if seed % 2 else 0)
    no_capacity, no_fixed = np.full(site_count, np.inf), np.zeros(site_count)
    if kind in ("capacitated", "single_source", "uncapacitated"):
        cost = np.round(distance * demand * 10, 2 if seed % 2 else 0)
        capacity = np.round(rng.uniform(0.5, 1.5, site_count) * demand.sum() * 2.2 / site_count)
        fixed = np.round(rng.uniform(20, 120, site_count))
        return Instance(kind, cost, demand, no_capacity if kind == "uncapacitated" else capacity,
                        fixed)
    value = np.round(distance * 100, 1 if seed % 2 else 0)
    if kind == "p_median":
        return Instance(kind, value, demand, no_capacity, no_fixed, medians=3 + seed)
    return Instance(kind, value, demand, no_capacity, no_fixed, service_distance=30.0,
                    sites_to_open=2 + seed)


def _solve(instance: Instance, options: SolveOptions):
    sites, customers, pairs = instance.tables()
    if instance.kind == "uncapacitated":
        return uncapacitated(sites, customers, pairs, options=options)
    if instance.kind in ("capacitated", "single_source"):
        return capacitated(sites, customers, pairs, options=options,
                           single_source=instance.kind == "single_source")
    if instance.kind == "p_median":
        return p_median(sites, customers, pairs, instance.medians, options=options)
    if instance.kind == "maximal_covering":
        return maximal_covering(sites, customers, pairs, instance.service_distance,
                                instance.sites_to_open, options=options)
    return set_covering(sites, customers, pairs, instance.service_distance, options=options)


@pytest.mark.parametrize("kind", list(SIZES))
@pytest.mark.parametrize("seed", [0, 1])
def test_limited_runs_are_honest(kind: str, seed: int) -> None:
    instance = _instance(kind, seed)
    optimum = oracle_objective(instance)
    assert optimum is not None
    tolerance = 1e-6 * max(1.0, abs(optimum))
    maximise = kind == "maximal_covering"
    for formulation in ("strong", "textbook"):
        for limit in (0.02, 0.2, 60.0):
            try:
                result = _solve(instance, SolveOptions(time_limit=limit,
                                                       formulation=formulation))
            except SolverLimitError as error:
                assert limit < 1 and "raise time_limit" in str(error)
                continue
            case = (formulation, limit, result.status, result.objective, result.bound, optimum)
            assert solution_problems(instance, result) == [], case
            if maximise:
                assert result.bound >= optimum - tolerance >= result.objective - 2 * tolerance
            else:
                assert result.bound <= optimum + tolerance <= result.objective + 2 * tolerance
            assert result.status in ("optimal", "time_limit"), case
            if result.status == "optimal" or limit == 60.0:
                assert result.status == "optimal", case
                assert result.objective == pytest.approx(optimum, rel=1e-6, abs=1e-6), case
            expected_gap = abs(result.objective - result.bound) / max(abs(result.objective), 1e-9)
            if np.isfinite(expected_gap):
                assert result.gap == pytest.approx(expected_gap, rel=1e-6, abs=1e-12), case
            else:
                assert not np.isfinite(result.gap), case
