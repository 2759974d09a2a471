"""Layer 6: the embedded china-export scenario reproduces the story of its 2023 base year."""

from __future__ import annotations

import re

import pytest

import evplan
from evplan.examples import china_export


@pytest.fixture(scope="module")
def result() -> evplan.Result:
    return evplan.optimize(china_export())


def test_2023_reproduces_the_story(result: evplan.Result) -> None:
    # Reuters, Dec 2023: China was "just over a fifth" of Nissan's ~2.8 M sales (Jan-Oct);
    # calendar 2023: 793,768 of 3,374,271 (23.5 %). Chinese plants ran about half full.
    assert result.status == "optimal"
    assert 3.2e6 <= result.kpi("global_sales", 2023) <= 3.5e6
    assert 0.20 <= result.kpi("sales_share_by_market", 2023, "CN") <= 0.25
    assert 0.45 <= result.kpi("utilisation_by_country", 2023, "CN") <= 0.55
    assert result.kpi("exports_by_origin", 2023, "CN") == 0.0


def test_later_years_export_from_china_and_lift_its_plants(result: evplan.Result) -> None:
    assert result.kpi("exports_by_origin", 2026, "CN") > 50_000
    assert result.kpi("utilisation_by_country", 2030, "CN") > result.kpi(
        "utilisation_by_country", 2023, "CN")
    shipments = result["shipments"]
    from_china = shipments[(shipments["origin"] == "CN") & shipments["export"]
                           & (shipments["year"] == 2030)]
    assert from_china["market"].nunique() >= 3


def test_every_number_keeps_its_source_or_says_it_is_an_estimate() -> None:
    data = china_export()
    cited = re.compile(r"\[S\d+[a-z]?\]|estimate|derived|assumption", re.IGNORECASE)
    for name, table in data.tables.items():
        unsourced = table[~table["source"].str.contains(cited)]
        assert unsourced.empty, f"{name}: rows {list(unsourced['row'])} have no source"
    for source_id in sorted({match for table in data.tables.values()
                             for text in table["source"]
                             for match in re.findall(r"\[(S\d+[a-z]?)\]", text)}):
        assert source_id in data.scenario.sources, f"{source_id} is not in scenario.yaml sources"


def test_the_default_plan_meets_the_sourced_co2_and_zev_rules(result: evplan.Result) -> None:
    # Issue 16: the default scenario carries the EU fleet targets, the UK ZEV mandate and
    # China's NEV credits; the plan passes its compliance certificate, settles every
    # borrowed UK credit by 2030 and is at or under the EU's 2030 target of 49.5 g/km
    # after pooling.
    assert result.metadata["compliance_check"] == "passed"
    fleet = result["fleet_compliance"].set_index("year")
    assert list(fleet.index) == list(range(2025, 2031))
    over = fleet["balance_g_km_vehicles"] - fleet["group_excess_g_km_vehicles"] - fleet[
        "group_pooled_g_km_vehicles"]
    assert over.loc[2028:].max() <= 1e-3 * fleet["vehicles"].max()
    zev = result["zev_compliance"].set_index("year")
    assert zev.loc[2030, "credits_owed"] == pytest.approx(0.0, abs=1e-6)
    assert (zev["zev_share_achieved"] > 0).all()
    credits = result["production_credit_compliance"].set_index("year")
    assert credits.loc[2023, "credits_required"] > 0
    assert result.kpi("co2_total", 2023) > 0
    assert result.kpi("compliance_cost", 2027) > 0
