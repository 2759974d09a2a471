"""Where a warm re-solve lands on another optimum than a cold one (helper-94, session 25).

docs/scenarios.md allows it: "A case whose LP has several optimal plans may land on another
optimum than a cold build (same objective and KPI totals)". These tests pin what must
still agree in the two ties this audit found: the money, and the net position.
"""

from __future__ import annotations

import pytest

import evplan
from evplan.examples import china_export, single_lane
from evplan.scenarios import Patch, WarmModel, apply_patches

from .warm_compare import Audit, untied


def test_a_quota_that_saves_nothing_may_count_vehicles_in_quota_but_not_money() -> None:
    base = single_lane(capacity=1000, ad_valorem_rate=0.1, quota=300.0, in_quota_rate=0.0)
    warm = WarmModel(base)
    assert float(warm.solve(base)["shipments"]["in_quota_vehicles"].sum()) == 300.0
    free = apply_patches(base, [Patch("duties", set={"ad_valorem_rate": 0.0})]).data
    hot, cold = warm.solve(free), evplan.optimize(free)
    assert hot.metadata["solve_mode"] == "warm"
    # by hand: 600 sold at 20,000 - 10,000 - 1,000, no duty
    assert hot.objective_usd == cold.objective_usd == pytest.approx(5_400_000.0)
    assert float(hot["shipments"]["duty_usd"].sum()) == float(cold["shipments"]["duty_usd"].sum())
    assert float(cold["shipments"]["in_quota_vehicles"].sum()) == 0.0
    # the tie: warm keeps the 300 "in quota" it had (the quota saves nothing at 0 %)
    assert 0.0 <= float(hot["shipments"]["in_quota_vehicles"].sum()) <= 300.0


@pytest.mark.slow
def test_zev_bank_and_borrow_tie_keeps_the_net_position() -> None:
    data = untied(china_export())
    audit = Audit(data)
    dear = apply_patches(data, [Patch("routes", set={"freight_usd_per_vehicle": 60000.0})]).data
    audit.warm.solve(dear)
    same = apply_patches(data, [Patch("markets", where={"market": ("BR",)},
                                      set={"customs_basis": "CIF"})]).data
    hot, cold = audit.warm.solve(same), evplan.optimize(same)
    assert hot.objective_usd == pytest.approx(cold.objective_usd, rel=1e-9)
    left = hot["zev_compliance"].set_index(["market", "year"]).sort_index()
    right = cold["zev_compliance"].set_index(["market", "year"]).sort_index()
    net = ["credits_banked", "credits_owed"]
    assert ((left[net[0]] - left[net[1]]) - (right[net[0]] - right[net[1]])).abs().max() < 1e-6
    for column in ("credits_earned", "credits_required", "credits_bought", "credits_sold",
                   "credits_missing", "penalty_usd", "credit_trade_usd"):
        if column in left:
            assert (left[column] - right[column]).abs().max() < 1e-6, column
