"""The location engine works in a process that has already solved a network plan.

HiGHS sizes one thread scheduler per process on its first solve; a later solve asking for
another thread count used to fail with an error status (no sites opened, an IndexError).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import evplan
from evplan.examples import single_lane
from evplan.location import SolveOptions, capacitated


def _tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    sites = pd.DataFrame(
        {
            "site": [f"S{i}" for i in range(5)],
            "capacity": [40.0] * 5,
            "fixed_cost": rng.integers(10, 80, 5).astype(float),
        }
    )
    customers = pd.DataFrame(
        {"customer": list(range(8)), "demand": rng.integers(1, 20, 8).astype(float)}
    )
    costs = pd.DataFrame(
        {
            "site": np.repeat(sites["site"].to_numpy(), 8),
            "customer": np.tile(customers["customer"].to_numpy(), 5),
            "cost": rng.uniform(1, 100, 40).round(1),
        }
    )
    return sites, customers, costs


def test_capacitated_after_a_network_solve_with_other_threads() -> None:
    sites, customers, costs = _tables()
    alone = capacitated(sites, customers, costs)
    evplan.optimize(single_lane(), evplan.SolverOptions(threads=2))
    after = capacitated(sites, customers, costs, options=SolveOptions(threads=1))
    assert after.objective == alone.objective
    assert after.status == alone.status


def test_forbidden_pairs_match_the_dense_problem_with_prohibitive_costs() -> None:
    sites, customers, costs = _tables()
    sparse = costs.sample(frac=0.7, random_state=1)
    dense = costs.merge(
        sparse[["site", "customer"]].assign(allowed=True), on=["site", "customer"], how="left"
    )
    dense["cost"] = np.where(dense["allowed"].fillna(False).astype(bool), dense["cost"], 1e6)
    dense = dense.drop(columns="allowed")
    assert (
        capacitated(sites, customers, sparse).objective
        == capacitated(sites, customers, dense).objective
    )
