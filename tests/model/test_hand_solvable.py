"""Layer 3: networks small enough to solve by hand, checked exactly.

One plant (country AA), one BEV program, one market (country BB) unless said
otherwise: variable cost 10,000, freight 1,000, price 20,000, so a vehicle earns
9,000 before duty.
"""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.examples import single_lane


def margin(**kwargs: object) -> float:
    return evplan.optimize(single_lane(**kwargs)).objective_usd  # type: ignore[arg-type]


def test_capacity_binds() -> None:
    result = evplan.optimize(single_lane(capacity=500))
    assert result.objective_usd == pytest.approx(500 * 9_000)
    utilisation = result["utilisation"].iloc[0]
    assert utilisation["utilisation"] == pytest.approx(1.0)
    assert utilisation["capacity_shadow_price_usd_per_vehicle"] == pytest.approx(9_000)


def test_demand_binds_and_prices_the_market() -> None:
    result = evplan.optimize(single_lane(capacity=1_000))
    assert result.objective_usd == pytest.approx(600 * 9_000)
    tier = result["demand_shadow_prices"].iloc[0]
    assert tier["sales_vehicles"] == pytest.approx(600)
    assert tier["shadow_price_usd_per_vehicle"] == pytest.approx(9_000)
    assert result["utilisation"].iloc[0]["capacity_shadow_price_usd_per_vehicle"] == \
        pytest.approx(0)


def test_tiers_fill_best_price_first_and_stop_when_unprofitable() -> None:
    tiers = ((300.0, 20_000.0), (300.0, 15_000.0), (300.0, 10_500.0))
    result = evplan.optimize(single_lane(capacity=1_000, tiers=tiers))
    assert result.objective_usd == pytest.approx(300 * 9_000 + 300 * 4_000)
    sold = result["sales"].set_index("tier")["sales_vehicles"]
    assert list(sold.round(6)) == [300, 300, 0]


def test_ad_valorem_on_cif_and_fob_customs_value() -> None:
    assert margin(ad_valorem_rate=0.1) == pytest.approx(600 * (9_000 - 1_100))
    assert margin(ad_valorem_rate=0.1, customs_basis="FOB") == pytest.approx(
        600 * (9_000 - 1_000))
    assert margin(ad_valorem_rate=0.1, transfer_price_markup=0.2, customs_basis="FOB") == \
        pytest.approx(600 * (9_000 - 1_200))


def test_minimum_duty_is_the_higher_of_the_two() -> None:
    assert margin(ad_valorem_rate=0.1, minimum_duty=3_000) == pytest.approx(600 * 6_000)
    assert margin(ad_valorem_rate=0.1, minimum_duty=500) == pytest.approx(600 * 7_900)


def test_specific_and_countervailing_duties_add_up() -> None:
    assert margin(ad_valorem_rate=0.1, specific_duty=250) == pytest.approx(600 * 7_650)
    assert margin(ad_valorem_rate=0.1, cvd_rate=0.2) == pytest.approx(600 * (9_000 - 3_300))


def test_domestic_sales_pay_no_duty() -> None:
    assert margin(ad_valorem_rate=0.5, domestic=True) == pytest.approx(600 * 9_000)


def test_tariff_rate_quota_fills_first_then_full_rate() -> None:
    result = evplan.optimize(single_lane(ad_valorem_rate=0.5, quota=200, in_quota_rate=0.0))
    assert result.objective_usd == pytest.approx(200 * 9_000 + 400 * (9_000 - 5_500))
    duties = result["duties"].iloc[0]
    assert duties["in_quota_vehicles"] == pytest.approx(200)
    assert duties["duty_usd"] == pytest.approx(400 * 5_500)


def test_quota_only_when_the_full_rate_does_not_pay() -> None:
    assert margin(ad_valorem_rate=1.0, quota=200, in_quota_rate=0.0) == pytest.approx(
        200 * 9_000)


def test_discounting_and_fixed_cost() -> None:
    data = single_lane(first_year=2025, last_year=2026, fixed_cost=1e6)
    data = data.replace(scenario=data.scenario.__class__(
        **{**data.scenario.as_dict(), "discount_rate": 0.1}))
    per_year = 600 * 9_000 - 1e6
    assert evplan.optimize(data).objective_usd == pytest.approx(per_year + per_year / 1.1)


def test_committed_sales_beyond_demand_are_explained() -> None:
    with pytest.raises(evplan.InfeasibleError) as caught:
        evplan.optimize(single_lane(capacity=500, committed=700))
    assert caught.value.explanations == [
        "committed sales of 700 V1 in M1 in 2025 (committed_sales.csv row 2) cannot be "
        "supplied: short by 200; its demand tiers hold only 600 vehicles and eligible plants "
        "are full (P1 at 100 %)."]


def test_committed_sales_with_a_penalty_fall_short_at_a_cost() -> None:
    result = evplan.optimize(single_lane(capacity=500, committed=550, unmet_penalty=100.0))
    assert result.objective_usd == pytest.approx(500 * 9_000 - 50 * 100)


def test_minimum_production_that_demand_cannot_absorb_is_explained() -> None:
    with pytest.raises(evplan.InfeasibleError) as caught:
        evplan.optimize(single_lane(capacity=1_000, min_utilisation=0.8))
    assert caught.value.explanations == [
        "minimum production of 800 vehicles at P1 in 2025 (plants.csv row 2, min_utilisation "
        "0.8) cannot be reached: short by 200; the markets its programs can reach take no more. "
        "Lower min_utilisation, add lanes or programs, or add demand."]


def _second_plant(data: evplan.NetworkData, own_market: bool) -> evplan.NetworkData:
    """P2 like P1 (capacity 1,000, minimum 80 %), selling into M1 beside P1, or into an M2
    of its own (600 vehicles at 20,000)."""
    from evplan.data import validate_tables

    tables = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    for name in ("plants", "plant_programs", "routes"):
        tables[name] = pd.concat([tables[name], tables[name].assign(plant="P2")],
                                 ignore_index=True)
    if own_market:
        tables["routes"].loc[1, "market"] = "M2"
        tables["markets"] = pd.concat([tables["markets"], tables["markets"].assign(
            market="M2")], ignore_index=True)
        tables["demand"] = pd.concat([tables["demand"], tables["demand"].assign(
            market="M2")], ignore_index=True)
        tables["duties"] = pd.concat([tables["duties"], tables["duties"].assign(
            market="M2")], ignore_index=True)
    return validate_tables(tables, data.scenario)


def test_minimums_of_plants_sharing_a_market_are_explained_as_one_total() -> None:
    # Two minimums of 800 and 600 vehicles of demand: 1,000 short in all. The elastic
    # re-solve splits that between P1 and P2 in one of many ways (800 + 200, 500 + 500...);
    # the explanation said each plant's share as if it were the only one.
    shared = _second_plant(single_lane(capacity=1_000, min_utilisation=0.8), own_market=False)
    with pytest.raises(evplan.InfeasibleError) as caught:
        evplan.optimize(shared)
    *plants, together = caught.value.explanations
    shorts = [float(line.split("short by ")[1].split(";")[0].replace(",", "")) for line in plants]
    assert len(plants) == 2 and sum(shorts) == pytest.approx(1_000)
    assert together == (
        "together, the minimum production at P1 2025, P2 2025 is short by 1,000: these plants "
        "sell into the same markets, so how that shortfall is split between them above is one "
        "of several splits, all as short; the total is what no plan can avoid.")
    # Each in a market of its own: each is short by 200, and there is no split to explain.
    apart = _second_plant(single_lane(capacity=1_000, min_utilisation=0.8), own_market=True)
    with pytest.raises(evplan.InfeasibleError) as caught:
        evplan.optimize(apart)
    assert [line.split(": ")[0] for line in caught.value.explanations] == [
        "minimum production of 800 vehicles at P1 in 2025 (plants.csv row 2, min_utilisation "
        "0.8) cannot be reached", "minimum production of 800 vehicles at P2 in 2025 "
        "(plants.csv row 3, min_utilisation 0.8) cannot be reached"]
    assert all("short by 200;" in line for line in caught.value.explanations)


def test_minimum_production_forces_loss_making_sales() -> None:
    tiers = ((600.0, 20_000.0), (400.0, 10_000.0))
    result = evplan.optimize(single_lane(capacity=1_000, min_utilisation=0.8, tiers=tiers))
    assert result.objective_usd == pytest.approx(600 * 9_000 - 200 * 1_000)


def test_quota_group_is_shared_across_powertrain_rows() -> None:
    """Canada-style EV quota: BEV and PHEV rows share one quota of 200 vehicles."""
    from evplan.data import validate_tables

    base = single_lane(capacity=2_000)
    tables = {name: frame.drop(columns="row") for name, frame in base.tables.items()}
    tables["programs"] = pd.DataFrame({"program": ["V1", "V2"], "powertrain": ["BEV", "PHEV"],
                                       "segment": ["C", "D"], "maker": ["Maker", "Maker"]})
    tables["plant_programs"] = pd.DataFrame({"plant": ["P1", "P1"], "program": ["V1", "V2"],
                                             "variable_cost_usd_per_vehicle": [10_000.0] * 2})
    tables["demand"] = pd.DataFrame({"market": ["M1", "M1"], "year": [2025, 2025],
                                     "product": ["V1", "V2"], "tier": [1, 1],
                                     "volume_vehicles": [300.0, 300.0],
                                     "price_usd_per_vehicle": [20_000.0, 20_000.0]})
    tables["duties"] = pd.DataFrame({
        "origin": ["AA", "AA"], "market": ["M1", "M1"], "powertrain": ["BEV", "PHEV"],
        "ad_valorem_rate": [1.0, 1.0], "quota_vehicles_per_year": [200.0, 200.0],
        "in_quota_rate": [0.0, 0.0], "quota_group": ["ev", "ev"]})
    data = validate_tables(tables, base.scenario)
    # Outside the quota a vehicle loses 2,000 (duty 11,000 on a 9,000 margin): only the
    # shared 200 are sold, not 200 of each powertrain.
    assert evplan.optimize(data).objective_usd == pytest.approx(200 * 9_000)
    tables["duties"]["quota_group"] = ["", ""]
    separate = validate_tables(tables, base.scenario)
    assert evplan.optimize(separate).objective_usd == pytest.approx(400 * 9_000)


def test_thread_count_can_change_between_solves_in_one_process() -> None:
    expected = 600 * 9_000
    assert margin() == pytest.approx(expected)
    for threads in (1, 2, 1):
        result = evplan.optimize(single_lane(), evplan.SolverOptions(threads=threads))
        assert result.objective_usd == pytest.approx(expected)
