"""The cover knapsack of the Lagrangian against brute force; the kernel search's size rule.

With loose capacity (1.5x the demand) the subgradient keeps swapping sites, and the union
of its last 50 site choices covers most sites: the kernel MILP is then nearly the whole
problem. The kernel search takes the latest choices that keep it within 40 % of the sites
(or none), and the optimum must not change.
"""

from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd
import pytest

import evplan.location.facility as facility
from evplan.location import SolveOptions, capacitated
from evplan.location.heuristics import cover_knapsack


@pytest.mark.parametrize("seed", range(6))
def test_cover_knapsack_is_exact_on_integer_data(seed):
    rng = np.random.default_rng(seed)
    count = 9
    value = rng.normal(0.0, 50.0, count).round(2)
    capacity = rng.integers(5, 60, count).astype(float)
    required = float(rng.integers(20, int(capacity.sum())))
    choices = np.array(list(product([False, True], repeat=count)))
    for forced_open, forced_closed in (
        (None, None),
        (int(seed % count), None),
        (None, int((seed + 3) % count)),
    ):
        allowed = choices
        if forced_open is not None:
            allowed = allowed[allowed[:, forced_open]]
        if forced_closed is not None:
            allowed = allowed[~allowed[:, forced_closed]]
        covering = allowed[allowed @ capacity >= required]
        best = float((covering @ value).min()) if len(covering) else float("inf")
        found, chosen = cover_knapsack(
            value, capacity, required, forced_open=forced_open, forced_closed=forced_closed
        )
        assert found == pytest.approx(best)
        if np.isfinite(best):
            assert capacity[chosen].sum() >= required
            assert float(value[chosen].sum()) == pytest.approx(best)


def _random_cflp(seed: int, ratio: float, sites: int = 20, customers: int = 60):
    rng = np.random.default_rng(seed)
    site_xy, customer_xy = rng.random((sites, 2)), rng.random((customers, 2))
    demand = rng.uniform(5, 35, customers).round()
    capacity = rng.uniform(10, 160, sites)
    capacity = np.round(capacity * ratio * demand.sum() / capacity.sum())
    fixed = np.round(rng.uniform(0, 90, sites) + rng.uniform(100, 110, sites) * np.sqrt(capacity))
    cost = np.round(
        10 * np.sqrt(((site_xy[:, None] - customer_xy[None]) ** 2).sum(-1)) * demand[None], 3
    )
    i, j = np.meshgrid(np.arange(sites), np.arange(customers), indexing="ij")
    return (
        pd.DataFrame({"site": np.arange(sites), "capacity": capacity, "fixed_cost": fixed}),
        pd.DataFrame({"customer": np.arange(customers), "demand": demand}),
        pd.DataFrame({"site": i.ravel(), "customer": j.ravel(), "cost": cost.ravel()}),
    )


@pytest.mark.parametrize(("seed", "ratio"), [(0, 1.5), (1, 1.5), (2, 1.1)])
def test_kernel_stays_small_and_the_optimum_is_the_textbooks(seed, ratio, monkeypatch):
    tables = _random_cflp(seed, ratio)
    kernels: list[int] = []
    build = facility.build_facility_model

    def spy(*args, **kwargs):
        if "forced_open" not in kwargs and kwargs.get("keep") is not None:
            kernels.append(int(kwargs["keep"].sum()))  # the kernel search's model
        return build(*args, **kwargs)

    monkeypatch.setattr(facility, "build_facility_model", spy)
    result = capacitated(*tables, options=SolveOptions(time_limit=120))
    monkeypatch.undo()
    textbook = capacitated(*tables, options=SolveOptions(time_limit=120, formulation="textbook"))
    assert result.status == textbook.status == "optimal"
    assert result.objective == pytest.approx(textbook.objective, rel=1e-9)
    assert all(size <= facility.KERNEL_MAX_SHARE * 20 for size in kernels)
