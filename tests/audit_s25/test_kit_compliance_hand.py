"""Vehicles assembled from kits count in the fleet target, ZEV mandate and carbon cap of the
site's market (docs/formulation.md, "Kits"), worked by hand.

One year (2025), plant P1 (country AA, variable cost 10,000 for ICE1 and 15,000 for EV1)
and a site S1 in market M1 (country BB). A built-up car pays 50,000 freight, so M1 is
served by kits only: kit_value_share 0.5, freight 100, assembly 2,000, no duty, so a kit car
costs 0.5 x 10,000 + 2,100 = 7,100 (ICE1, margin 12,900 at 20,000) or 0.5 x 15,000 + 2,100
= 9,600 (EV1, margin 10,400). Demand 100 ICE1 and 40 EV1; the site holds 1,000.
Without a rule the plan sells 100 + 40 kit cars. Until session 25 such a model was refused.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.data import NetworkData, validate_tables

ICE_MARGIN = 20_000.0 - (0.5 * 10_000.0 + 100.0 + 2_000.0)   # 12,900
BEV_MARGIN = 20_000.0 - (0.5 * 15_000.0 + 100.0 + 2_000.0)   # 10,400


def kit_market(**rules: object) -> NetworkData:
    """The network of the module docstring, with compliance tables ``rules``."""
    tables = {
        "plants": {"plant": ["P1"], "country": ["AA"], "capacity_vehicles_per_year": [1_000.0],
                   "fixed_cost_usd_per_year": [0.0]},
        "programs": {"program": ["ICE1", "EV1"], "powertrain": ["ICE", "BEV"],
                     "segment": ["C", "C"], "maker": ["Maker", "Maker"],
                     "battery_kwh": [0.0, 50.0]},
        "plant_programs": {"plant": ["P1", "P1"], "program": ["ICE1", "EV1"],
                           "variable_cost_usd_per_vehicle": [10_000.0, 15_000.0]},
        "markets": {"market": ["M1"], "country": ["BB"]},
        "demand": {"market": ["M1", "M1"], "year": [2025, 2025], "product": ["ICE1", "EV1"],
                   "tier": [1, 1], "volume_vehicles": [100.0, 40.0],
                   "price_usd_per_vehicle": [20_000.0, 20_000.0]},
        "routes": {"plant": ["P1"], "market": ["M1"], "freight_usd_per_vehicle": [50_000.0]},
        "assembly_sites": {"site": ["S1"], "market": ["M1"],
                           "capacity_vehicles_per_year": [1_000.0]},
        "kit_routes": {"plant": ["P1"], "site": ["S1"], "kit": ["CKD"],
                       "kit_value_share": [0.5], "freight_usd_per_vehicle": [100.0],
                       "assembly_cost_usd_per_vehicle": [2_000.0]},
        "program_emissions": {"program": ["ICE1", "EV1"], "co2_g_per_km": [150.0, 0.0]},
        **rules,
    }
    return validate_tables({name: pd.DataFrame(frame) for name, frame in tables.items()},
                           {"name": "kit market (hand)", "first_year": 2025,
                            "last_year": 2025, "default_duty_rate": 0.0})


def _kits(result: evplan.Result) -> dict[str, float]:
    table = result.tables["kit_shipments"]
    return table.groupby("program")["kits"].sum().to_dict()


@pytest.fixture(scope="module")
def free() -> evplan.Result:
    return evplan.optimize(kit_market())


def test_without_a_rule_every_kit_car_sells(free: evplan.Result) -> None:
    assert free.status == "optimal"
    assert _kits(free) == pytest.approx({"ICE1": 100.0, "EV1": 40.0})
    assert free.tables["shipments"]["shipment_vehicles"].sum() == pytest.approx(0.0)


def test_a_fleet_target_counts_kit_cars(free: evplan.Result) -> None:
    """Target 100 g/km, premium 300 USD per g/km x vehicle: an ICE1 kit car adds +50, an EV1
    one -100. The 40 EV1 cover 80 ICE1 (50 x 80 = 100 x 40); the 81st would pay
    50 x 300 = 15,000 > 12,900, so 80 ICE1 sell: 20 fewer, 258,000 less margin."""
    target = {"market": ["M1"], "year": [2025], "target_g_per_km": [100.0],
              "premium_usd_per_g_km": [300.0]}
    result = evplan.optimize(kit_market(fleet_targets=target))
    assert result.status == "optimal"
    assert result.metadata["compliance_check"] == "passed"
    assert _kits(result) == pytest.approx({"ICE1": 80.0, "EV1": 40.0})
    assert free.objective_usd - result.objective_usd == pytest.approx(20 * ICE_MARGIN, rel=1e-9)
    row = result.tables["fleet_compliance"].iloc[0]
    assert row["vehicles"] == pytest.approx(120.0)
    assert row["kit_vehicles"] == pytest.approx(120.0)
    assert row["bev_vehicles"] == pytest.approx(40.0)
    assert row["co2_g_per_km_average"] == pytest.approx(100.0)   # 80 x 150 / 120
    assert row["balance_g_km_vehicles"] == pytest.approx(0.0)
    assert row["premium_usd"] == pytest.approx(0.0, abs=1e-6)


def test_a_zev_mandate_counts_kit_cars(free: evplan.Result) -> None:
    """Share 0.5, a BEV earns 1 credit, penalty 30,000 per missing credit: an ICE1 kit car
    costs 0.5 credit, 15,000 > 12,900, so only the 40 ICE1 the 40 EV1 cover sell (credits
    40 = 0.5 x 80): 60 fewer, 774,000 less margin."""
    mandate = {"market": ["M1"], "year": [2025], "zev_share": [0.5],
               "penalty_usd_per_vehicle": [30_000.0]}
    result = evplan.optimize(kit_market(zev_mandates=mandate))
    assert result.status == "optimal"
    assert result.metadata["compliance_check"] == "passed"
    assert _kits(result) == pytest.approx({"ICE1": 40.0, "EV1": 40.0})
    assert free.objective_usd - result.objective_usd == pytest.approx(60 * ICE_MARGIN, rel=1e-9)
    row = result.tables["zev_compliance"].iloc[0]
    assert (row["vehicles"], row["kit_vehicles"], row["zev_vehicles"]) == pytest.approx(
        (80.0, 80.0, 40.0))
    assert (row["credits_earned"], row["credits_required"]) == pytest.approx((40.0, 40.0))
    assert row["credits_missing"] == pytest.approx(0.0, abs=1e-6)


def test_a_carbon_cap_counts_the_kits_production_co2(free: evplan.Result) -> None:
    """Grid AA 500 g/kWh, 2,000 kWh per car: 1 t each; EV1's 50 kWh battery at 100 kg/kWh
    adds 5 t. Cap 220 t: 12,900 per t for ICE1 against 10,400 / 6 for EV1, so 100 ICE1
    (100 t) and 20 EV1 (120 t): 20 fewer EV1, 208,000 less margin. Kit lanes carry no
    shipping CO2."""
    rules = {"grid_intensity": {"country": ["AA", "BB"], "grid_g_co2_per_kwh": [500.0, 0.0]},
             "plant_emissions": {"plant": ["P1"], "assembly_kwh_per_vehicle": [2_000.0],
                                 "battery_kg_co2_per_kwh": [100.0]},
             "carbon_prices": {"year": [2025], "cap_t_co2": [220.0]}}
    result = evplan.optimize(kit_market(**rules))
    assert result.status == "optimal"
    assert result.metadata["compliance_check"] == "passed"
    assert _kits(result) == pytest.approx({"ICE1": 100.0, "EV1": 20.0})
    assert free.objective_usd - result.objective_usd == pytest.approx(20 * BEV_MARGIN, rel=1e-9)
    year = result.tables["co2_by_year"].iloc[0]
    assert (year["production_t_co2"], year["shipping_t_co2"], year["counted_t_co2"]) == (
        pytest.approx((220.0, 0.0, 220.0)))
    plant = result.tables["co2_by_plant"].set_index("plant").loc["P1"]
    assert (plant["vehicles"], plant["production_t_co2"]) == pytest.approx((120.0, 220.0))
    assert result.tables["co2_by_lane"]["vehicles"].sum() == pytest.approx(0.0)
    battery = result.tables["battery_footprint"].set_index("program").loc["EV1"]
    assert battery["footprint_t_co2"] == pytest.approx(20 * 50 * 100 / 1e3)


def test_a_carbon_price_charges_the_kits() -> None:
    """40 USD/t on the same tonnes: 40 per ICE1 car, 240 per EV1 car, all still sell; the
    objective falls by 100 x 40 + 40 x 240 = 13,600 (no discounting in the first year)."""
    base = {"grid_intensity": {"country": ["AA", "BB"], "grid_g_co2_per_kwh": [500.0, 0.0]},
            "plant_emissions": {"plant": ["P1"], "assembly_kwh_per_vehicle": [2_000.0],
                                "battery_kg_co2_per_kwh": [100.0]}}
    free = evplan.optimize(kit_market(**base))
    priced = evplan.optimize(kit_market(
        **base, carbon_prices={"year": [2025], "carbon_price_usd_per_t": [40.0]}))
    assert priced.metadata["compliance_check"] == "passed"
    assert free.objective_usd - priced.objective_usd == pytest.approx(13_600.0, rel=1e-9)
    assert priced.tables["co2_by_year"]["carbon_cost_usd"].sum() == pytest.approx(13_600.0)
    assert np.isclose(priced.tables["co2_by_year"]["counted_t_co2"].sum(), 340.0)
