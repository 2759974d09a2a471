"""Audit s22: each duty kind of docs/formulation.md, and their combinations, by hand.

Every expected number is worked out in the test from the input numbers, not from evplan's
code. The base is ``single_lane``: plant P1 (country AA) builds V1 (BEV, maker ``Maker``)
at 10,000; freight 1,000 to M1 (country BB); 600 vehicles sell at 20,000, so a vehicle
earns 9,000 before duty and its CIF customs value is 11,000 (FOB: 10,000).
"""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.data import NetworkData, validate_tables
from evplan.examples import single_lane
from evplan.report import with_report_tables

VOLUME = 600.0
MARGIN = 9_000.0


def rebuilt(base: NetworkData, scenario: dict | None = None, **tables: pd.DataFrame
            ) -> NetworkData:
    frames = {name: frame.drop(columns="row") for name, frame in base.tables.items()}
    frames.update(tables)
    return validate_tables(frames, {**base.scenario.as_dict(), **(scenario or {})})


def duty_paid(result: evplan.Result) -> float:
    return float(result["shipments"]["duty_usd"].sum())


def test_cvd_stacks_on_a_binding_minimum_and_a_specific_duty() -> None:
    # CIF value 11,000: 10 % is 1,100 < the 2,000 minimum, so the ordinary duty is 2,000;
    # the CVD (20 %) is levied on the customs value, not on the minimum: 2,200; the
    # specific duty 300 is added: 4,500 a vehicle.
    data = single_lane(ad_valorem_rate=0.1, minimum_duty=2_000.0, specific_duty=300.0,
                       cvd_rate=0.2)
    result = evplan.optimize(data)
    per_vehicle = 2_000.0 + 0.2 * 11_000.0 + 300.0
    assert result["shipments"]["full_duty_usd_per_vehicle"].iloc[0] == pytest.approx(per_vehicle)
    assert duty_paid(result) == pytest.approx(VOLUME * per_vehicle)
    assert result.objective_usd == pytest.approx(VOLUME * (MARGIN - per_vehicle))
    schedule = with_report_tables(result, data)["duty_schedule"].iloc[0]
    assert schedule["cvd_rate"] == pytest.approx(0.2)
    assert schedule["minimum_usd_per_vehicle"] == pytest.approx(2_000.0)
    assert schedule["specific_usd_per_vehicle"] == pytest.approx(300.0)


def test_on_a_fob_market_every_rate_applies_to_the_value_without_freight() -> None:
    # FOB value 10,000 x 1.05 (the scenario's transfer-price markup) = 10,500: 10 % = 1,050
    # (the 1,000 minimum does not bind), CVD 20 % = 2,100: 3,150 a vehicle.
    data = single_lane(ad_valorem_rate=0.1, minimum_duty=1_000.0, cvd_rate=0.2,
                       customs_basis="FOB", transfer_price_markup=0.05)
    result = evplan.optimize(data)
    per_vehicle = 0.1 * 10_500.0 + 0.2 * 10_500.0
    assert duty_paid(result) == pytest.approx(VOLUME * per_vehicle)
    assert result.objective_usd == pytest.approx(VOLUME * (MARGIN - per_vehicle))
    # The same on a CIF market: value 10,500 + 1,000 = 11,500, so 3,450 a vehicle.
    cif = evplan.optimize(single_lane(ad_valorem_rate=0.1, minimum_duty=1_000.0, cvd_rate=0.2,
                                      transfer_price_markup=0.05))
    assert duty_paid(cif) == pytest.approx(VOLUME * 0.3 * 11_500.0)


def test_a_quota_drops_the_minimum_but_keeps_the_cvd_and_the_specific_duty() -> None:
    # Out of quota: max(50 % x 11,000, 6,000) + 10 % CVD x 11,000 + 300 = 6,000 + 1,100
    # + 300 = 7,400. In quota (5 %): 550 + 1,100 + 300 = 1,950; the minimum does not apply.
    # 200 vehicles in quota, 400 out: margin 200 x 7,050 + 400 x 1,600.
    data = single_lane(ad_valorem_rate=0.5, minimum_duty=6_000.0, specific_duty=300.0,
                       quota=200.0, in_quota_rate=0.05, cvd_rate=0.1)
    result = evplan.optimize(data)
    shipments = result["shipments"].iloc[0]
    assert shipments["in_quota_vehicles"] == pytest.approx(200.0)
    assert shipments["full_duty_usd_per_vehicle"] == pytest.approx(7_400.0)
    assert shipments["in_quota_duty_usd_per_vehicle"] == pytest.approx(1_950.0)
    assert duty_paid(result) == pytest.approx(200 * 1_950.0 + 400 * 7_400.0)
    assert result.objective_usd == pytest.approx(200 * 7_050.0 + 400 * 1_600.0)
    duties = result["duties"].iloc[0]
    assert duties["duty_usd"] == pytest.approx(200 * 1_950.0 + 400 * 7_400.0)
    assert duties["in_quota_vehicles"] == pytest.approx(200.0)


def test_the_quota_is_not_filled_when_the_out_of_quota_vehicles_lose_money() -> None:
    # Out of quota 8,000 + 1,100 + 300 = 9,400 > 9,000: only the 200 quota vehicles ship.
    data = single_lane(ad_valorem_rate=0.5, minimum_duty=8_000.0, specific_duty=300.0,
                       quota=200.0, in_quota_rate=0.05, cvd_rate=0.1)
    result = evplan.optimize(data)
    assert result["shipments"]["shipment_vehicles"].sum() == pytest.approx(200.0)
    assert result.objective_usd == pytest.approx(200 * (MARGIN - 1_950.0))


def test_fx_converts_the_ad_valorem_and_cvd_base_but_not_the_minimum_or_specific() -> None:
    # AA's currency 100 -> 125 per USD: cost 10,000 -> 8,000 USD in 2026, CIF value
    # 11,000 -> 9,000. 10 % with a 1,000 minimum, CVD 20 %, specific 300:
    # 2025: max(1,100, 1,000) + 2,200 + 300 = 3,600; 2026: max(900, 1,000) + 1,800 + 300
    # = 3,100 (margin per vehicle 20,000 - 8,000 - 1,000 - 3,100 = 7,900).
    base = single_lane(first_year=2025, last_year=2026, ad_valorem_rate=0.1,
                       minimum_duty=1_000.0, specific_duty=300.0, cvd_rate=0.2)
    rates = pd.DataFrame({"country": ["AA", "AA"], "year": [2025, 2026],
                          "local_per_usd": [100.0, 125.0]})
    result = evplan.optimize(rebuilt(base, exchange_rates=rates))
    duty = result["shipments"].set_index("year")["full_duty_usd_per_vehicle"].to_dict()
    assert duty == pytest.approx({2025: 3_600.0, 2026: 3_100.0})
    assert result.objective_usd == pytest.approx(VOLUME * (MARGIN - 3_600.0) + VOLUME * 7_900.0)
    for year, per_vehicle in ((2025, 3_600.0), (2026, 3_100.0)):
        assert result.kpi("duties_paid", year) == pytest.approx(VOLUME * per_vehicle)


def test_an_fta_origin_does_not_use_a_quota_another_origin_has() -> None:
    # P1 (AA, FTA: 0 %, no quota, 300 capacity) and P2 (CC: 50 % with a 200 quota at 0 %)
    # sell V1 into M1. AA ships 300 duty-free; CC ships 300: 200 in quota, 100 at 5,500.
    base = single_lane(capacity=300.0)
    plants = pd.DataFrame({"plant": ["P1", "P2"], "country": ["AA", "CC"],
                           "capacity_vehicles_per_year": [300.0, 1_000.0],
                           "fixed_cost_usd_per_year": [0.0, 0.0]})
    plant_programs = pd.DataFrame({"plant": ["P1", "P2"], "program": ["V1", "V1"],
                                   "variable_cost_usd_per_vehicle": [10_000.0, 10_000.0]})
    routes = pd.DataFrame({"plant": ["P1", "P2"], "market": ["M1", "M1"],
                           "freight_usd_per_vehicle": [1_000.0, 1_000.0]})
    duties = pd.DataFrame({"origin": ["AA", "CC"], "market": ["M1", "M1"],
                           "powertrain": ["*", "*"], "ad_valorem_rate": [0.0, 0.5],
                           "quota_vehicles_per_year": ["", 200.0],
                           "in_quota_rate": ["", 0.0], "quota_group": ["", "EO"]})
    data = rebuilt(base, plants=plants, plant_programs=plant_programs, routes=routes,
                   duties=duties)
    result = evplan.optimize(data)
    by_plant = result["shipments"].set_index("plant")
    assert by_plant.loc["P1", "shipment_vehicles"] == pytest.approx(300.0)
    assert by_plant.loc["P1", "in_quota_vehicles"] == pytest.approx(0.0)
    assert by_plant.loc["P2", "in_quota_vehicles"] == pytest.approx(200.0)
    assert duty_paid(result) == pytest.approx(100 * 5_500.0)
    assert result.objective_usd == pytest.approx(500 * MARGIN + 100 * (MARGIN - 5_500.0))


def test_a_time_weighted_minimum_is_charged_as_written_for_the_year() -> None:
    # The 2024 Turkiye row of the default scenario: 29.45 % with a 3,400 minimum. On the
    # single lane (11,000 CIF) 29.45 % is 3,239.5 < 3,400, so the minimum binds.
    data = single_lane(ad_valorem_rate=0.2945, minimum_duty=3_400.0)
    result = evplan.optimize(data)
    assert duty_paid(result) == pytest.approx(VOLUME * 3_400.0)


@pytest.mark.parametrize(("threshold", "per_kit_duty"),
                         [(0.2, 0.2 * 6_550.0), (0.25, 0.3 * 6_550.0)])
def test_a_kit_that_fails_its_rule_of_origin_pays_the_full_kit_duty_and_the_cvd(
        threshold: float, per_kit_duty: float) -> None:
    """Kits: the preference lowers the ordinary kit duty only when the RVC is met."""
    from tests.strategic.test_kit_trade_terms import kit_terms_network

    # Kit customs value 0.5 x 11,000 x 1.1 + 500 = 6,550; assembly 2,000 is the local
    # content, so RVC = 2,000 / (6,550 + 2,000) = 0.2339. Threshold 0.2: met, the kit pays
    # 0 % + 20 % CVD = 1,310; threshold 0.25: failed, it pays 10 % + 20 % = 1,965.
    # A kit costs 5,000 + 500 + 2,000 + 60.5 (inventory) + duty; 600 kits at 20,000.
    data = kit_terms_network(preferential=True)
    kit_duties = data["kit_duties"].drop(columns="row").assign(rvc_threshold=threshold)
    frames = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    frames["kit_duties"] = kit_duties
    data = validate_tables(frames, data.scenario.as_dict())
    result = evplan.optimize(data)
    kits = result["kit_shipments"].iloc[0]
    assert kits["rvc"] == pytest.approx(2_000.0 / 8_550.0)
    assert bool(kits["rvc_met"]) is (threshold < 2_000.0 / 8_550.0)
    assert kits["duty_usd"] == pytest.approx(600 * per_kit_duty)
    kit_cost = 5_000.0 + 500.0 + 2_000.0 + 60.5 + per_kit_duty
    assert result.objective_usd == pytest.approx(600 * (20_000.0 - kit_cost) - 1_000_000.0)
