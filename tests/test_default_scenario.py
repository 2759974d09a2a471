"""Layer 6: the embedded china-export scenario: its 2023 base year, and what exports do later.

The 2023 figures match the Reuters story (China "just over a fifth" of Nissan's sales,
Chinese plants about half full) **because the inputs were built to match them**: tier-1
volumes are Nissan's reported 2023 sales, every 2023 tier-1 volume is profitable, and no
lane from China abroad opens before 2025. So the 2023 plan is an identity of the inputs,
and the tests below say so in their names and assert it exactly (to rounding), computing
the expected value from the input tables. They are not a validation of the model; a
calibration and backtest against data the inputs were not built from is separate work.
"""

from __future__ import annotations

import re

import pytest

import evplan
from evplan.examples import china_export

EXACT = 1e-12  # relative: the LP returns vertex values, sums differ only by rounding


@pytest.fixture(scope="module")
def data() -> evplan.NetworkData:
    return china_export()


@pytest.fixture(scope="module")
def result(data: evplan.NetworkData) -> evplan.Result:
    return evplan.optimize(data)


def tier_one_2023(data: evplan.NetworkData, market: str | None = None) -> float:
    demand = data["demand"]
    chosen = demand[(demand["year"] == 2023) & (demand["tier"] == 1)]
    if market is not None:
        chosen = chosen[chosen["market"] == market]
    return float(chosen["volume_vehicles"].sum())


def test_identity_2023_global_sales_are_the_tier_one_volumes(data: evplan.NetworkData,
                                                             result: evplan.Result) -> None:
    assert result.status == "optimal"
    assert result.kpi("global_sales", 2023) == pytest.approx(tier_one_2023(data), rel=EXACT)
    sold_2023 = result["sales"][result["sales"]["year"] == 2023]
    assert sold_2023.loc[sold_2023["tier"] > 1, "sales_vehicles"].sum() == 0.0


def test_identity_2023_china_share_is_its_tier_one_volume_over_the_total(
        data: evplan.NetworkData, result: evplan.Result) -> None:
    assert result.kpi("sales_share_by_market", 2023, "CN") == pytest.approx(
        tier_one_2023(data, "CN") / tier_one_2023(data), rel=EXACT)


def test_identity_2023_china_utilisation_is_china_demand_over_china_capacity(
        data: evplan.NetworkData, result: evplan.Result) -> None:
    # Only Chinese plants have a lane to CN, and their lanes abroad open in 2025.
    routes = data["routes"].merge(data.plants[["plant", "country"]], on="plant")
    assert set(routes.loc[routes["market"] == "CN", "country"]) == {"CN"}
    plants = data.plants
    open_2023 = plants[(plants["country"] == "CN") & (plants["first_year"].fillna(0) <= 2023)
                       & (plants["last_year"].fillna(9999) >= 2023)]
    capacity = float(open_2023["capacity_vehicles_per_year"].sum())
    assert result.kpi("utilisation_by_country", 2023, "CN") == pytest.approx(
        tier_one_2023(data, "CN") / capacity, rel=EXACT)


def test_identity_2023_no_exports_from_china_as_its_export_lanes_open_in_2025(
        data: evplan.NetworkData, result: evplan.Result) -> None:
    routes = data["routes"].merge(data.plants[["plant", "country"]], on="plant")
    abroad = routes[(routes["country"] == "CN") & (routes["market"] != "CN")]
    assert (abroad["first_year"] == 2025).all()
    assert result.kpi("exports_by_origin", 2023, "CN") == 0.0


def test_later_years_export_from_china_and_lift_its_plants(result: evplan.Result) -> None:
    assert result.kpi("exports_by_origin", 2026, "CN") > 50_000
    assert result.kpi("utilisation_by_country", 2030, "CN") > result.kpi(
        "utilisation_by_country", 2023, "CN")
    shipments = result["shipments"]
    from_china = shipments[(shipments["origin"] == "CN") & shipments["export"]
                           & (shipments["year"] == 2030)]
    assert from_china["market"].nunique() >= 3


def test_the_default_plan_carries_its_certificate(result: evplan.Result) -> None:
    certificate = result.metadata["certificate"]
    assert certificate["objective_usd"] == pytest.approx(result.objective_usd, rel=1e-9)
    assert certificate["bound_usd"] - result.objective_usd <= 1e-6 * result.objective_usd


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
