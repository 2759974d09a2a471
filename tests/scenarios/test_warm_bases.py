"""Warm cases start from the nearest solved case's basis (scenarios/warm_bases.py)."""

from __future__ import annotations

import numpy as np
import pytest

import evplan
from evplan.errors import InfeasibleError
from evplan.examples import china_export, single_lane
from evplan.scenarios import WarmModel, apply_patches, catalog_for, grid_cases
from evplan.scenarios.overrides import Patch
from evplan.scenarios.warm_bases import BasisBank


def test_nearest_is_the_kept_case_with_fewest_changed_entries_ties_to_the_latest() -> None:
    bank = BasisBank(size=4)
    bank.keep("a", np.array([1.0, 1.0, 1.0, 1.0]))
    bank.keep("b", np.array([2.0, 2.0, 1.0, 1.0]))
    bank.keep("c", np.array([1.0, 1.0, 5.0, 1.0]))  # HiGHS holds c
    # Two costs then two bounds. a and c are one entry away, b two: the latest of a and c.
    assert bank.nearest(np.array([1.0, 1.0, 3.0, 1.0]), costs=2) == (None, False)
    assert bank.nearest(np.array([3.0, 1.0, 1.0, 1.0]), costs=2) == (0, True)
    bank.forget_current()  # e.g. an infeasible case cleared HiGHS's basis
    assert bank.nearest(np.array([1.0, 1.0, 5.0, 1.0]), costs=2) == (2, True)


def test_the_ring_forgets_the_oldest_and_size_zero_keeps_nothing() -> None:
    bank = BasisBank(size=2)
    for value in (1.0, 2.0, 3.0):
        bank.keep(f"basis-{value}", np.array([value, 0.0]))
    bank.forget_current()
    assert bank.nearest(np.array([2.0, 0.0]), costs=1) == (1, True)
    assert bank.nearest(np.array([1.0, 0.0]), costs=1) == (0, True)  # 1.0 went: a tie, latest
    nothing = BasisBank(size=0)
    nothing.keep("basis", np.array([1.0, 0.0]))
    assert nothing.nearest(np.array([1.0, 0.0]), costs=1) == (None, False)


def test_a_case_after_an_infeasible_one_starts_from_a_kept_basis() -> None:
    data = apply_patches(single_lane(capacity=500),
                         [Patch("plants", set={"min_utilisation": 0.5})]).data
    warm = WarmModel(data)
    assert warm.solve(data).objective_usd == pytest.approx(4_500_000)
    # The same rows, but 60 vehicles of demand for a 250-vehicle plant minimum: HiGHS runs
    # warm, finds no plan and its basis is cleared.
    short = apply_patches(data, [Patch("demand", scale={"volume_vehicles": 0.1})]).data
    assert warm.numbers_for(short)[1] == "warm"
    with pytest.raises(InfeasibleError):
        warm.solve(short)
    assert warm.bases.current is None
    cheaper = apply_patches(data, [Patch("routes", scale={"freight_usd_per_vehicle": 0.5})]).data
    result = warm.solve(cheaper)
    assert result.metadata["solve_mode"] == "warm"
    assert result.objective_usd == pytest.approx(4_750_000)
    assert warm.bases.switches == 1


@pytest.mark.slow
def test_nearest_starts_reach_the_same_optima_in_far_fewer_iterations() -> None:
    """The eu-bev-cvd x freight grid, solved warm twice: each case from the nearest kept
    basis (primal simplex where only costs changed), and each from the previous case's basis
    with the dual simplex (a bank of size 0: the old behaviour). Same optimum every case,
    and three cases against a cold build-and-solve."""
    data = china_export()
    catalog = catalog_for(data)
    cases = [apply_patches(data, case.patches).data
             for case in grid_cases(catalog, catalog.sweeps["eu-duty-x-freight"])]
    nearest, previous = WarmModel(data), WarmModel(data)
    previous.bases = BasisBank(size=0)
    iterations = {"nearest": 0, "previous": 0}
    for number, case in enumerate(cases):
        near, prev = nearest.solve(case, tables=False), previous.solve(case, tables=False)
        assert near.metadata["solve_mode"] == prev.metadata["solve_mode"] == "warm"
        assert near.objective_usd == pytest.approx(prev.objective_usd, rel=1e-9)
        if number in (4, 13, 23):
            assert near.objective_usd == pytest.approx(evplan.optimize(case).objective_usd,
                                                       rel=1e-9)
        iterations["nearest"] += near.metadata["simplex_iterations"]
        iterations["previous"] += prev.metadata["simplex_iterations"]
    # Measured with HiGHS 1.16: 2,412 against 30,241. The factor 4 leaves room for
    # other HiGHS versions; the old behaviour cannot pass it.
    assert iterations["nearest"] * 4 < iterations["previous"]
    assert nearest.bases.switches > 0
