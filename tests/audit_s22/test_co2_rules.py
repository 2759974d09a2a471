"""Audit s22: the CO2 and zero-emission rules of docs/formulation.md, by hand.

The network is :func:`evplan.examples.compliance.two_powertrains` (one plant P1 in AA, one
market M1 in BB, no duty): an ICE car earns 10,000 (cost 10,000, price 20,000); a BEV
costs 16,000. Every expected number below is worked out from the inputs in the comments.
"""

from __future__ import annotations

import pytest

import evplan
from evplan.data import NetworkData, validate_tables
from evplan.examples.compliance import two_powertrains


def discounted(data: NetworkData, rate: float) -> NetworkData:
    frames = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    return validate_tables(frames, {**data.scenario.as_dict(), "discount_rate": rate})


def averaging_case(bev_price: float) -> NetworkData:
    """2025-2026 share one averaging group (target 100 g/km, premium 100 USD per g/km x
    vehicle); ICE at 120 g/km, 10 cars in 2025 and 20 in 2026; one BEV a year; 10 % a year."""
    group = {"market": "M1", "target_g_per_km": 100.0, "premium_usd_per_g_km": 100.0,
             "averaging_group": "G"}
    data = two_powertrains(years=(2025, 2026), ice={"volume": {2025: 10.0, 2026: 20.0}},
                           bev={"price": bev_price},
                           fleet_targets=[{**group, "year": 2025}, {**group, "year": 2026}])
    return discounted(data, 0.10)


def test_averaging_sums_unequal_fleets_and_pays_the_premium_discounted_at_the_last_year(
        ) -> None:
    # Without BEVs the group is 10 x 20 + 20 x 20 = 600 g/km x vehicles over. A BEV lowers
    # it by 100, worth 100 x 100 = 10,000 USD of 2026 (9,090.9 of 2025) against a loss of
    # 1,000: both BEVs are sold, the group is 400 over, and the premium 40,000 is paid in
    # 2026. Objective: 2025 10 x 10,000 - 1,000 = 99,000; 2026 (200,000 - 1,000 - 40,000)
    # / 1.1.
    result = evplan.optimize(averaging_case(15_000.0))
    assert result.objective_usd == pytest.approx(99_000.0 + 159_000.0 / 1.1)
    table = result["fleet_compliance"].set_index("year")
    assert table.loc[2025, "balance_g_km_vehicles"] == pytest.approx(10 * 20.0 - 100.0)
    assert table.loc[2026, "balance_g_km_vehicles"] == pytest.approx(20 * 20.0 - 100.0)
    assert table.loc[2025, "co2_g_per_km_average"] == pytest.approx(1_200.0 / 11)
    assert table.loc[2025, "premium_usd"] == pytest.approx(0.0)
    assert table.loc[2026, "group_excess_g_km_vehicles"] == pytest.approx(400.0)
    assert table.loc[2026, "premium_usd"] == pytest.approx(40_000.0)
    assert result.kpi("compliance_cost", 2026) == pytest.approx(40_000.0)
    assert result.kpi("compliance_cost", 2025) == pytest.approx(0.0)
    # The group's shadow price in USD of its last year is the premium; so is a 2026 BEV's
    # worth, 100 x 100.
    assert table.loc[2026, "shadow_price_usd_per_g_km_vehicle"] == pytest.approx(100.0)
    assert table.loc[2026, "bev_value_usd_per_vehicle"] == pytest.approx(10_000.0)


def test_a_bev_in_an_early_year_of_the_group_is_sold_only_when_worth_its_discounted_saving(
        ) -> None:
    # A 2025 BEV that loses 9,500 (price 6,500) saves 10,000 USD of 2026 = 9,090.9 USD of
    # 2025: not sold in 2025; in 2026 it saves 10,000 > 9,500 and is sold.
    result = evplan.optimize(averaging_case(6_500.0))
    bevs = result["fleet_compliance"].set_index("year")["bev_vehicles"]
    assert bevs.loc[2025] == pytest.approx(0.0)
    assert bevs.loc[2026] == pytest.approx(1.0)


def test_the_compliance_value_of_a_bev_is_in_usd_of_its_own_year() -> None:
    """Audit s22: an averaging group's dual was divided by the discount factor of the group's
    last year on every year's row, so an early year's value was in USD of the last year."""
    # results/compliance.py: value = -sum_r lambda_r a_r / delta_y, y the BEV's year. The
    # premium (100 per g/km x vehicle) is paid in 2026, so lambda = 100 delta_2026 and a
    # 2025 BEV is worth 100 x 100 x delta_2026 / delta_2025 = 10,000 / 1.1 = 9,090.9 USD of
    # 2025. Reported: 10,000, more than the 9,500 it loses although the plan (previous
    # test) rightly does not sell it.
    result = evplan.optimize(averaging_case(6_500.0))
    table = result["fleet_compliance"].set_index("year")
    assert table.loc[2025, "bev_value_usd_per_vehicle"] == pytest.approx(10_000.0 / 1.1)
    assert result.kpi("bev_compliance_value", 2025, "M1") == pytest.approx(10_000.0 / 1.1)
    assert table.loc[2026, "bev_value_usd_per_vehicle"] == pytest.approx(10_000.0)
    # the group's one shadow price stays in USD of its last year, on both rows
    assert table["shadow_price_usd_per_g_km_vehicle"].tolist() == pytest.approx([100.0, 100.0])


def test_surplus_zev_credits_are_sold_and_lower_the_compliance_cost() -> None:
    # Share 0.5; 10 ICE; up to 20 BEVs that lose 100 each (price 15,900). A BEV earns 1
    # credit and needs 0.5: a net 0.5 credit, sold at 1,000 = 500 > 100, so all 20 sell.
    # Credits 20 against 0.5 x 30 = 15: 5 sold for 5,000.
    data = two_powertrains(bev={"price": 15_900.0, "volume": 20.0}, zev_mandates=[{
        "market": "M1", "year": 2025, "zev_share": 0.5, "penalty_usd_per_vehicle": 10_000.0,
        "credit_price_usd": 1_500.0, "credit_sale_price_usd": 1_000.0}])
    result = evplan.optimize(data)
    row = result["zev_compliance"].iloc[0]
    assert row["zev_vehicles"] == pytest.approx(20.0)
    assert row["credits_required"] == pytest.approx(15.0)
    assert row["credits_sold"] == pytest.approx(5.0)
    assert row["credit_trade_usd"] == pytest.approx(-5_000.0)
    assert result.objective_usd == pytest.approx(100_000.0 - 2_000.0 + 5_000.0)
    assert result.kpi("compliance_cost", 2025) == pytest.approx(-5_000.0)
    assert result.kpi("zev_share", 2025, "M1") == pytest.approx(20.0 / 30.0)


def test_production_credits_count_exported_cars_and_surplus_credits_are_sold() -> None:
    # P1 (AA) exports everything to M1 (BB): the production credits of AA still apply.
    # 10 ICE need 0.2 x 10 = 2 credits; each of up to 5 BEVs (loss 100) earns 2 credits,
    # sold at 150 = 300 > 100: 5 built, 10 credits, 8 sold for 1,200.
    data = two_powertrains(bev={"price": 15_900.0, "volume": 5.0}, production_credits=[{
        "country": "AA", "year": 2025, "requirement_share": 0.2,
        "bev_credits_per_vehicle": 2.0, "phev_credits_per_vehicle": 1.0,
        "credit_price_usd": 200.0, "credit_sale_price_usd": 150.0}])
    result = evplan.optimize(data)
    row = result["production_credit_compliance"].iloc[0]
    assert row["vehicles_built"] == pytest.approx(15.0)
    assert row["credits_required"] == pytest.approx(2.0)
    assert row["credits_earned"] == pytest.approx(10.0)
    assert row["credits_sold"] == pytest.approx(8.0)
    assert row["credit_trade_usd"] == pytest.approx(-1_200.0)
    assert result.objective_usd == pytest.approx(100_000.0 - 500.0 + 1_200.0)
    assert result.kpi("compliance_cost", 2025) == pytest.approx(-1_200.0)
