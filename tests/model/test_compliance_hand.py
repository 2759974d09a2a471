"""Layer 3 for issue 16: hand-solvable cases of each CO2 and zero-emission rule.

The network is :func:`evplan.examples.compliance.two_powertrains`: ten ICE cars with a
margin of 10,000 USD each and one BEV that loses 1,000 USD, one market, no duty.
"""

from __future__ import annotations

import pytest

import evplan
from evplan.examples import single_lane
from evplan.examples.compliance import two_powertrains, with_tables


def fleet(*rows: dict) -> list[dict]:
    base = {"market": "M1", "premium_usd_per_g_km": 100.0}
    return [{**base, **row} for row in rows]


def test_one_bev_flips_the_fleet_average_onto_the_target() -> None:
    # ICE 110 g/km, target 100: ten ICE are 10 x 10 = 100 g/km x vehicles over; the BEV
    # brings (0 - 100) x 1 = -100, so with it the average is 1,100 / 11 = 100 exactly.
    data = two_powertrains(ice={"g_per_km": 110.0},
                           fleet_targets=fleet({"year": 2025, "target_g_per_km": 100.0}))
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(10 * 10_000 - 1_000)
    row = result["fleet_compliance"].iloc[0]
    assert row["co2_g_per_km_average"] == pytest.approx(100.0)
    assert row["premium_usd"] == pytest.approx(0.0)
    assert result.metadata["compliance_check"] == "passed"


def test_a_bev_worth_less_than_its_loss_is_not_sold_and_the_premium_is_paid() -> None:
    data = two_powertrains(ice={"g_per_km": 110.0}, bev={"price": 5_000.0},
                           fleet_targets=fleet({"year": 2025, "target_g_per_km": 100.0}))
    result = evplan.optimize(data)
    # Without the BEV: premium 100 x 100 = 10,000; with it: loss 11,000.
    assert result.objective_usd == pytest.approx(100_000 - 10_000)
    assert result["fleet_compliance"].iloc[0]["bev_vehicles"] == pytest.approx(0.0)


def test_shadow_price_of_a_target_is_the_premium_and_a_bev_is_worth_premium_x_target() -> None:
    # ICE 120 g/km: even with the BEV the fleet is 100 g/km x vehicles over, so the
    # excess is basic and its premium (100 USD per g/km x vehicle) prices the row.
    data = two_powertrains(fleet_targets=fleet({"year": 2025, "target_g_per_km": 100.0}))
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(100_000 - 1_000 - 100 * 100)
    row = result["fleet_compliance"].iloc[0]
    assert row["group_excess_g_km_vehicles"] == pytest.approx(100.0)
    assert row["shadow_price_usd_per_g_km_vehicle"] == pytest.approx(100.0)
    assert row["bev_value_usd_per_vehicle"] == pytest.approx(100.0 * 100.0)
    assert result.kpi("bev_compliance_value", 2025, "M1") == pytest.approx(10_000.0)


def test_pooling_is_used_when_cheaper_than_the_premium() -> None:
    data = two_powertrains(fleet_targets=fleet({"year": 2025, "target_g_per_km": 100.0,
                                                "pool_price_usd_per_g_km": 40.0}))
    result = evplan.optimize(data)
    row = result["fleet_compliance"].iloc[0]
    assert row["group_pooled_g_km_vehicles"] == pytest.approx(100.0)
    assert row["group_excess_g_km_vehicles"] == pytest.approx(0.0)
    assert result.objective_usd == pytest.approx(100_000 - 1_000 - 100 * 40)


@pytest.mark.parametrize(("group", "premium"), [("", 100 * 200), ("EU-25-26", 0)])
def test_multi_year_averaging_offsets_an_over_year_with_an_under_year(group: str,
                                                                       premium: float) -> None:
    # 2025: ten ICE at 120 against 100 -> +200; 2026: against 140 -> -200. Assessed each
    # year, 2025 pays 200 x 100; averaged over the two years the fleet is on target.
    data = two_powertrains(years=(2025, 2026), bev={"price": 1_000.0}, fleet_targets=fleet(
        {"year": 2025, "target_g_per_km": 100.0, "averaging_group": group},
        {"year": 2026, "target_g_per_km": 140.0, "averaging_group": group}))
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(2 * 100_000 - premium)
    assert result["fleet_compliance"]["premium_usd"].sum() == pytest.approx(premium)


def zev(*rows: dict) -> list[dict]:
    base = {"market": "M1", "zev_share": 0.5, "penalty_usd_per_vehicle": 10_000.0}
    return [{**base, **row} for row in rows]


@pytest.mark.parametrize(("banking", "objective", "missing"),
                         [("yes", 200_000 - 20 * 100, 0.0),
                          ("no", 200_000 - 10 * 100 - 5 * 10_000, 5.0)])
def test_zev_credits_banked_in_one_year_cover_the_next(banking: str, objective: float,
                                                       missing: float) -> None:
    # Share 0.5. 2025: up to 20 BEVs (each loses 100) and 10 ICE; 2026: no BEV, 10 ICE.
    # Banking: 20 BEVs earn 20 credits against 15 required; the 5 banked cover 2026.
    data = two_powertrains(years=(2025, 2026),
                           bev={"price": 15_900.0, "volume": {2025: 20.0, 2026: 0.0}},
                           zev_mandates=zev({"year": 2025, "banking": banking},
                                            {"year": 2026, "banking": banking}))
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(objective)
    table = result["zev_compliance"].set_index("year")
    assert table.loc[2025, "credits_banked"] == pytest.approx(5.0 if banking == "yes" else 0.0)
    assert table.loc[2026, "credits_missing"] == pytest.approx(missing)
    assert result.metadata["compliance_check"] == "passed"


def test_zev_borrowing_is_limited_and_repaid_by_the_last_year() -> None:
    # 2025: no BEV, 10 ICE need 5 credits; at most 0.5 x 5 = 2.5 may be owed, the rest is
    # missing. 2026: 5 + 2.5 credits with b BEVs: 0.5 b - 5 - 2.5 >= 0 -> b = 15.
    data = two_powertrains(years=(2025, 2026),
                           bev={"price": 15_900.0, "volume": {2025: 0.0, 2026: 20.0}},
                           zev_mandates=zev({"year": 2025, "borrow_share": 0.5},
                                            {"year": 2026, "borrow_share": 0.5}))
    result = evplan.optimize(data)
    table = result["zev_compliance"].set_index("year")
    assert table.loc[2025, "credits_owed"] == pytest.approx(2.5)
    assert table.loc[2025, "credits_missing"] == pytest.approx(2.5)
    assert table.loc[2026, "credits_owed"] == pytest.approx(0.0)
    assert table.loc[2026, "zev_vehicles"] == pytest.approx(15.0)
    assert result.objective_usd == pytest.approx(200_000 - 2.5 * 10_000 - 15 * 100)


def test_zev_credits_are_bought_when_cheaper_than_penalty_and_bevs() -> None:
    # 10 ICE need 0.5 x 11 - 1 = 4.5 credits beyond the one BEV (which loses 1,000 but
    # brings a net 0.5): buying at 1,500 beats the BEV (1,000 / 0.5 = 2,000 per credit).
    data = two_powertrains(zev_mandates=zev({"year": 2025, "credit_price_usd": 1_500.0}))
    result = evplan.optimize(data)
    row = result["zev_compliance"].iloc[0]
    assert row["zev_vehicles"] == pytest.approx(0.0)
    assert row["credits_bought"] == pytest.approx(5.0)
    assert row["shadow_price_usd_per_credit"] == pytest.approx(1_500.0)
    assert result.objective_usd == pytest.approx(100_000 - 5 * 1_500)


def credits(**row: float) -> list[dict]:
    return [{"country": "AA", "year": 2025, "requirement_share": 0.2,
             "bev_credits_per_vehicle": 2.0, "phev_credits_per_vehicle": 1.0, **row}]


@pytest.mark.parametrize(("price", "bevs"), [(800.0, 1.0), (400.0, 0.0)])
def test_production_credits_are_earned_by_building_bevs_or_bought(price: float,
                                                                  bevs: float) -> None:
    # Ten ICE built require 2 credits; the BEV earns 2 and loses 1,000.
    data = two_powertrains(production_credits=credits(credit_price_usd=price))
    result = evplan.optimize(data)
    row = result["production_credit_compliance"].iloc[0]
    assert row["nev_built"] == pytest.approx(bevs)
    assert row["credits_bought"] == pytest.approx(2.0 - 2.0 * bevs)
    assert result.objective_usd == pytest.approx(
        100_000 - (1_000 if bevs else 2 * price))


def test_a_carbon_cap_binds_and_its_shadow_price_is_the_margin_of_a_tonne() -> None:
    # Each vehicle ships with 1 t CO2; a cap of 6 t leaves six of the ten ICE.
    data = two_powertrains(bev={"volume": 0.0}, co2_kg_per_vehicle=1_000.0,
                           carbon_prices=[{"year": 2025, "cap_t_co2": 6.0}])
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(60_000)
    row = result["co2_by_year"].iloc[0]
    assert row["counted_t_co2"] == pytest.approx(6.0)
    assert row["cap_shadow_price_usd_per_t"] == pytest.approx(10_000)


def test_a_carbon_price_is_charged_per_tonne_of_production_and_shipping() -> None:
    # 1 t shipping + 500 kWh at 400 g/kWh (0.2 t) + a 50 kWh battery at 100 kg/kWh (5 t).
    data = two_powertrains(
        co2_kg_per_vehicle=1_000.0, bev={"price": 5_000.0},
        plant_emissions=[{"plant": "P1", "assembly_kwh_per_vehicle": 500.0,
                          "battery_kg_co2_per_kwh": 100.0}],
        grid_intensity=[{"country": "AA", "grid_g_co2_per_kwh": 400.0}],
        carbon_prices=[{"year": 2025, "carbon_price_usd_per_t": 50.0}])
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(10 * (10_000 - 50 * 1.2))
    assert result["co2_by_plant"]["production_t_co2"].sum() == pytest.approx(10 * 0.2)


def test_an_unreachable_carbon_cap_is_explained() -> None:
    data = two_powertrains(co2_kg_per_vehicle=1_000.0,
                           carbon_prices=[{"year": 2025, "cap_t_co2": 2.0}])
    committed = with_tables(data, committed_sales=[{"market": "M1", "year": 2025,
                                                    "product": "V-ICE", "min_vehicles": 5}])
    with pytest.raises(evplan.InfeasibleError, match="the carbon cap of 2 t in 2025"):
        evplan.optimize(committed)


def test_absent_compliance_tables_leave_the_model_unchanged() -> None:
    plain = evplan.optimize(single_lane(capacity=500))
    priced = evplan.optimize(with_tables(single_lane(capacity=500), carbon_prices=[
        {"year": 2025, "carbon_price_usd_per_t": 0.0}]))
    assert "fleet_compliance" not in plain.tables
    assert "compliance_check" not in plain.metadata
    assert priced.objective_usd == pytest.approx(plain.objective_usd)
    assert priced.metadata["variables"] == plain.metadata["variables"]
    assert priced.metadata["constraints"] == plain.metadata["constraints"]


def test_a_penalty_cannot_be_paid_early_and_banked_into_a_dearer_year() -> None:
    # Share 0.5, ten ICE a year, no BEV: 5 credits short in 2025 and in 2026. The balance
    # row counts a missing credit like a held one, so with 2025's penalty at 1,000 and
    # 2026's at 10,000 the LP paid 2025's penalty on 10 credits and banked 5 into 2026
    # (objective 190,000, "optimal"). A penalty settles only its own year: by the rule 2026
    # pays 5 x 10,000. Such inputs are refused, naming the row; without banking the plan is
    # the rule's: 200,000 - 5 x 1,000 - 5 x 10,000.
    rows = zev({"year": 2025, "penalty_usd_per_vehicle": 1_000.0},
               {"year": 2026, "penalty_usd_per_vehicle": 10_000.0})
    with pytest.raises(evplan.InputError, match=r"zev_mandates 'M1/2025': "
                       r"penalty_usd_per_vehicle 1,000 is below 10,000"):
        two_powertrains(years=(2025, 2026), bev={"volume": 0.0}, zev_mandates=rows)
    rows[0]["banking"] = "no"
    data = two_powertrains(years=(2025, 2026), bev={"volume": 0.0}, zev_mandates=rows)
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(200_000 - 5 * 1_000 - 5 * 10_000)
    assert result["zev_compliance"]["credits_missing"].tolist() == pytest.approx([5.0, 5.0])


def test_each_year_reports_its_own_missing_credits_when_paying_early_ties() -> None:
    # Equal penalties at a zero discount rate: paying 2026's shortfall as a 2025 penalty
    # and banking it costs the same, and HiGHS returned that vertex (2025 missing 10,
    # 2026 none). The table reports what the rule says: 5 missing in each year.
    data = two_powertrains(years=(2025, 2026), bev={"volume": 0.0},
                           zev_mandates=zev({"year": 2025}, {"year": 2026}))
    assert data.scenario.discount_rate == 0.0
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(200_000 - 10 * 10_000)
    table = result["zev_compliance"]
    assert table["credits_missing"].tolist() == pytest.approx([5.0, 5.0])
    assert table["credits_banked"].tolist() == pytest.approx([0.0, 0.0])
    assert table["penalty_usd"].tolist() == pytest.approx([50_000.0, 50_000.0])
    assert result.metadata["compliance_check"] == "passed"


def test_a_tie_with_a_later_purchase_reports_the_purchase_in_its_year() -> None:
    # Zero discount rate: 2025's penalty (3,000) equals 2026's credit price, so paying
    # 2026's five credits as a 2025 penalty and banking them ties with buying them in 2026.
    # HiGHS took the first; by the rule a penalty settles only 2025, so the table reports
    # the purchase in 2026 (same cost: 200,000 - 5 x 3,000 - 5 x 3,000).
    data = two_powertrains(years=(2025, 2026), bev={"volume": 0.0}, zev_mandates=zev(
        {"year": 2025, "penalty_usd_per_vehicle": 3_000.0},
        {"year": 2026, "credit_price_usd": 3_000.0}))
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(170_000.0)
    table = result["zev_compliance"]
    assert table["credits_missing"].tolist() == pytest.approx([5.0, 0.0])
    assert table["credits_bought"].tolist() == pytest.approx([0.0, 5.0])
    assert table["credits_banked"].tolist() == pytest.approx([0.0, 0.0])
    assert table["credit_trade_usd"].tolist() == pytest.approx([0.0, 15_000.0])
    assert result.metadata["compliance_check"] == "passed"


def test_the_zev_chart_compares_credits_earned_with_the_mandate() -> None:
    # A BEV earns 2 credits against a share of 0.5 and loses 100: the plan sells just
    # enough, b with 2 b = 0.5 (10 + b), b = 10/3. Its 6.67 credits over 13.33 cars are
    # 50 per 100, on the mandate, while the BEV share (25 %) the chart used to draw
    # looked like half the mandate missed.
    from evplan.results.compliance_report import compliance_charts_of_run

    data = two_powertrains(bev={"price": 15_900.0, "volume": 20.0},
                           zev_mandates=zev({"year": 2025, "bev_credits_per_vehicle": 2.0}))
    result = evplan.optimize(data)
    table = result["zev_compliance"].iloc[0]
    assert table["zev_vehicles"] == pytest.approx(10 / 3)
    assert table["credits_missing"] == pytest.approx(0.0, abs=1e-9)
    chart = next(chart for chart in compliance_charts_of_run(result.tables)
                 if chart["id"] == "compliance-zev")
    earned, mandate = chart["figure"]["data"]
    assert earned["y"] == [pytest.approx(50.0)]
    assert mandate["y"] == [pytest.approx(50.0)]
