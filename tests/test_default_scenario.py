"""Layer 6: the embedded china-export scenario.

Its demand is *calibrated* to 2023 (``evplan calibrate``): the 2023 figures below are
identities that restate Nissan's observed year, not results. What the model predicts is
checked out of sample in tests/calibration/test_backtest.py (calibrate on 2023, predict
2024, compare with the 2024 actuals).
"""

from __future__ import annotations

import re

import pytest

import evplan
from evplan.examples import china_export

CHINA_2023 = 793_768          # [S29]
GLOBAL_2023 = 3_374_271       # [S29]
CHINA_CAPACITY_2023 = 1_600_000


@pytest.fixture(scope="module")
def result() -> evplan.Result:
    return evplan.optimize(china_export())


def test_identity_2023_calibration_reproduces_the_observed_year(result: evplan.Result) -> None:
    # Identity, not a prediction: the calibration makes the observed 2023 the optimum.
    assert result.status == "optimal"
    assert result.kpi("global_sales", 2023) == pytest.approx(GLOBAL_2023, abs=1e-3)
    assert result.kpi("sales_share_by_market", 2023, "CN") == pytest.approx(
        CHINA_2023 / GLOBAL_2023, abs=1e-9)
    # Chinese plants serve China only in 2023 (export lanes open in 2025, an input).
    assert result.kpi("utilisation_by_country", 2023, "CN") == pytest.approx(
        CHINA_2023 / CHINA_CAPACITY_2023, abs=1e-9)
    assert result.kpi("exports_by_origin", 2023, "CN") == 0.0


def test_later_years_export_from_china_and_lift_its_plants(result: evplan.Result) -> None:
    assert result.kpi("exports_by_origin", 2026, "CN") > 50_000
    assert result.kpi("utilisation_by_country", 2030, "CN") > result.kpi(
        "utilisation_by_country", 2023, "CN")
    shipments = result["shipments"]
    from_china = shipments[(shipments["origin"] == "CN") & shipments["export"]
                           & (shipments["year"] == 2030)]
    assert from_china["market"].nunique() >= 3


def test_section_232_stacks_on_section_301_for_china_built_cars_in_the_us() -> None:
    duties = china_export()["duties"]
    us = duties[(duties["origin"] == "CN") & (duties["market"] == "US")]
    rate = us.set_index(["powertrain", "first_year"])["ad_valorem_rate"]
    assert rate[("*", 2026)] == pytest.approx(0.025 + 0.25 + 0.25)
    assert rate[("BEV", 2026)] == pytest.approx(0.025 + 1.00 + 0.25)
    japan = duties[(duties["origin"] == "JP") & (duties["market"] == "US")]
    assert japan.set_index("first_year")["ad_valorem_rate"][2026] == pytest.approx(0.15)


def test_every_number_keeps_its_source_or_says_it_is_an_estimate() -> None:
    data = china_export()
    cited = re.compile(r"\[S\d+[a-z]?\]|estimate|derived|assumption|calibration",
                       re.IGNORECASE)
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
