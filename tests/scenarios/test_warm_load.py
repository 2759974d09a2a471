"""Only changed costs and row bounds reach HiGHS, and HiGHS ends up holding every case's."""

from __future__ import annotations

import highspy
import numpy as np
import pytest

import evplan
from evplan.scenarios import WarmModel, apply_patches
from evplan.scenarios.breakeven import bisect_breakeven
from evplan.scenarios.cases import Patch
from evplan.scenarios.warm_load import Loaded


def _model(columns: int, rows: int) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(columns, np.zeros(columns), np.full(columns, 10.0))
    for _ in range(rows):
        h.addRow(-np.inf, np.inf, 1, np.array([0], dtype=np.int32), np.array([1.0]))
    return h


def test_every_send_leaves_highs_holding_that_call_s_vectors() -> None:
    rng = np.random.default_rng(7)
    h = _model(6, 5)
    loaded = Loaded()
    columns = np.arange(6, dtype=np.int32)
    rows = np.arange(5, dtype=np.int32)
    cost, lower, upper = rng.normal(size=6), -rng.random(5), rng.random(5)
    passed = []
    for _ in range(20):
        # change a random few entries, sometimes none
        cost = np.where(rng.random(6) < 0.3, rng.normal(size=6), cost)
        lower = np.where(rng.random(5) < 0.2, -rng.random(5), lower)
        upper = np.where(rng.random(5) < 0.2, rng.random(5), upper)
        passed.append(loaded.send(h, columns, cost, rows, lower, upper))
        lp = h.getLp()
        assert np.array_equal(np.asarray(lp.col_cost_), cost)
        assert np.array_equal(np.asarray(lp.row_lower_), lower)
        assert np.array_equal(np.asarray(lp.row_upper_), upper)
    assert passed[0] == 11 and min(passed) < 11  # the first passes all, later ones fewer


def test_a_change_made_elsewhere_is_resent_after_forget() -> None:
    h = _model(3, 0)
    loaded = Loaded()
    columns, none = np.arange(3, dtype=np.int32), np.zeros(0, dtype=np.int32)
    cost = np.array([1.0, 2.0, 3.0])
    loaded.send(h, columns, cost, none, np.zeros(0), np.zeros(0))
    h.changeColCost(1, 99.0)
    loaded.forget()
    assert loaded.send(h, columns, cost, none, np.zeros(0), np.zeros(0)) == 3
    assert list(h.getLp().col_cost_) == [1.0, 2.0, 3.0]


def test_other_rows_are_sent_in_full() -> None:
    h = _model(2, 3)
    loaded = Loaded()
    columns = np.arange(2, dtype=np.int32)
    loaded.send(h, columns, np.ones(2), np.array([0, 1], dtype=np.int32), np.zeros(2),
                np.ones(2))
    passed = loaded.send(h, columns, np.ones(2), np.array([1, 2], dtype=np.int32),
                         np.zeros(2), np.full(2, 4.0))
    assert passed == 4
    assert list(h.getLp().row_upper_) == [1.0, 4.0, 4.0]


@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_warm_cases_after_a_breakeven_equal_cold_solves(scale: float) -> None:
    """Break-even changes the warm model's costs itself; the next case must not inherit them."""
    data = evplan.examples.china_export()
    warm = WarmModel(data)
    dearer = apply_patches(data, [Patch("routes", scale={"freight_usd_per_vehicle": scale})]
                           ).data
    warm.solve(dearer)
    assert np.isfinite(bisect_breakeven(warm, data, 35))  # a used flow that stops when dearer
    for case in (dearer, data):
        assert warm.solve(case).objective_usd == pytest.approx(
            evplan.optimize(case).objective_usd, rel=1e-9)
