"""Audit s23 (helper-80): a break-even row names how its own rate was found.

``breakeven_duties(..., refine_all=True)`` (``evplan breakeven --exact``) bisects the rows
cost ranging only bounds; the stored ``breakeven`` table said ``method = ranging`` beside
those bisected rates too (on the default scenario, 2027: GB-SUN>TR QASHQAI, ranging 0.7 %
"at least", bisected 39.8 %, recorded as "ranging"). The rates are checked here against
cold solves of the lane at rates either side, independently of ranging and bisection.
"""

from __future__ import annotations

import pytest

import evplan
from evplan.examples import single_lane
from evplan.scenarios import breakeven_duties

STOP = 9_000 / 11_000  # single_lane: 9,000 a vehicle before duty on a customs value of 11,000
QUOTA = {"quota": 300.0, "in_quota_rate": 0.0}


def shipped_at(rate: float, **lane: float) -> float:
    result = evplan.optimize(single_lane(ad_valorem_rate=rate, **lane))
    return float(result["shipments"]["shipment_vehicles"].sum())


def test_a_bisected_row_says_bisection_and_its_rate_is_where_the_lane_stops() -> None:
    row = breakeven_duties(single_lane(ad_valorem_rate=0.10, **QUOTA), refine_all=True).iloc[0]
    assert row["method"] == "bisection"
    assert row["meaning"] == "out of quota: stops above" and bool(row["exact"])
    assert row["breakeven_rate"] == pytest.approx(STOP, abs=1e-3)
    # independently: the vehicles outside the quota ship just below, not just above
    assert shipped_at(STOP - 0.002, **QUOTA) == pytest.approx(600)
    assert shipped_at(STOP + 0.002, **QUOTA) == pytest.approx(300)


def test_a_row_ranging_found_still_says_ranging() -> None:
    row = breakeven_duties(single_lane(ad_valorem_rate=0.05), refine_all=True).iloc[0]
    assert row["method"] == "ranging" and bool(row["exact"])
    assert row["breakeven_rate"] == pytest.approx(STOP, rel=1e-6)
    assert shipped_at(STOP - 0.002) == pytest.approx(600)
    assert shipped_at(STOP + 0.002) == 0


def test_flows_asked_for_by_number_are_bisected_and_say_so() -> None:
    table = breakeven_duties(single_lane(ad_valorem_rate=0.9), flows=[0])
    row = table.iloc[0]
    assert row["method"] == "bisection"
    assert row["meaning"] == "starts below"
    assert row["breakeven_rate"] == pytest.approx(STOP, abs=1e-3)
    assert shipped_at(STOP - 0.002) == pytest.approx(600)
    assert shipped_at(STOP + 0.002) == 0
