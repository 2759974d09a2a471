"""One worked example per rule docs/formulation.md states for cases the tables leave open.

One plant P1 (country AA) builds V1 (BEV, maker 'Maker'); market M1 (country BB, CIF);
variable cost 10,000, freight 1,000, price 20,000 for 600 vehicles: a vehicle earns 9,000
before duty and its customs value is 11,000.
"""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.data import NetworkData, validate_tables
from evplan.examples import single_lane

MARGIN = 9_000.0
VALUE = 11_000.0


def network(base: NetworkData | None = None, scenario: dict | None = None,
            **tables: pd.DataFrame) -> NetworkData:
    base = base or single_lane()
    frames = {name: frame.drop(columns="row") for name, frame in base.tables.items()}
    frames.update(tables)
    return validate_tables(frames, {**base.scenario.as_dict(), **(scenario or {})})


def duty_rows(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame([{"origin": "AA", "market": "M1", "powertrain": "*",
                          "ad_valorem_rate": 0.0, **row} for row in rows])


def cvd_rows(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame([{"origin": "AA", "market": "M1", "powertrain": "*", "maker": "*",
                          **row} for row in rows])


def two_programs(**tables: pd.DataFrame) -> NetworkData:
    """V1 (BEV) and V2 (PHEV) of the same maker, 300 vehicles of demand each."""
    return network(
        single_lane(capacity=2_000),
        programs=pd.DataFrame({"program": ["V1", "V2"], "powertrain": ["BEV", "PHEV"],
                               "segment": ["C", "D"], "maker": ["Maker", "Maker"]}),
        plant_programs=pd.DataFrame({"plant": ["P1", "P1"], "program": ["V1", "V2"],
                                     "variable_cost_usd_per_vehicle": [10_000.0] * 2}),
        demand=pd.DataFrame({"market": ["M1", "M1"], "year": [2025, 2025],
                             "product": ["V1", "V2"], "tier": [1, 1],
                             "volume_vehicles": [300.0, 300.0],
                             "price_usd_per_vehicle": [20_000.0, 20_000.0]}),
        **tables)


def test_cvd_the_makers_own_rate_beats_the_all_others_rate_of_its_powertrain() -> None:
    """Rows ('*' maker, BEV) 30 % and (Maker, '*') 10 %: Maker's BEV pays its own 10 %."""
    rows = cvd_rows({"powertrain": "BEV", "cvd_rate": 0.30},
                    {"maker": "Maker", "cvd_rate": 0.10})
    result = evplan.optimize(network(countervailing_duties=rows))
    assert result.objective_usd == pytest.approx(600 * (MARGIN - 0.10 * VALUE))
    # Another maker has no row of its own: the all-others BEV rate applies.
    other = network(programs=single_lane().programs.drop(columns="row").assign(maker="Other"),
                    countervailing_duties=rows)
    assert evplan.optimize(other).objective_usd == pytest.approx(600 * (MARGIN - 0.30 * VALUE))


def test_cvd_precedence_runs_maker_then_powertrain() -> None:
    """All four rows present: (Maker, BEV) 5 % wins; without it (Maker, '*') 10 %; ..."""
    rows = [{"powertrain": "BEV", "maker": "Maker", "cvd_rate": 0.05},
            {"maker": "Maker", "cvd_rate": 0.10},
            {"powertrain": "BEV", "cvd_rate": 0.30},
            {"cvd_rate": 0.40}]
    for expected, used in ((0.05, rows), (0.10, rows[1:]), (0.30, rows[2:]), (0.40, rows[3:])):
        data = network(countervailing_duties=cvd_rows(*used))
        assert evplan.optimize(data).objective_usd == pytest.approx(
            600 * (MARGIN - expected * VALUE)), expected


def test_an_exact_powertrain_row_does_not_block_the_star_row_in_years_it_leaves_open() -> None:
    """'*' 10 % every year, BEV 50 % only in 2026: 2025 pays 10 %, 2026 pays 50 %."""
    base = single_lane(first_year=2025, last_year=2026)
    data = network(base, duties=duty_rows({"ad_valorem_rate": 0.10},
                                          {"powertrain": "BEV", "first_year": 2026,
                                           "last_year": 2026, "ad_valorem_rate": 0.50}))
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(600 * (MARGIN - 1_100) + 600 * (MARGIN - 5_500))
    paid = result["duties"].set_index("year")["duty_usd_per_vehicle"]
    assert paid[2025] == pytest.approx(1_100) and paid[2026] == pytest.approx(5_500)


def test_fixed_cost_is_charged_in_every_open_year_of_the_horizon_and_discounted() -> None:
    """Horizon 2025-2028, plant open 2026-2027, fixed 1 M, discount 10 %: two charges."""
    base = single_lane(first_year=2025, last_year=2028, fixed_cost=1e6)
    data = network(base, scenario={"discount_rate": 0.1},
                   plants=base.plants.drop(columns="row").assign(first_year=2026,
                                                                 last_year=2027))
    per_year = 600 * MARGIN - 1e6
    assert evplan.optimize(data).objective_usd == pytest.approx(per_year / 1.1 + per_year / 1.21)


def test_fixed_cost_is_charged_even_when_the_plant_builds_nothing() -> None:
    base = single_lane(fixed_cost=1e6)
    data = network(base, plants=pd.concat([base.plants.drop(columns="row"), pd.DataFrame({
        "plant": ["P2"], "country": ["AA"], "capacity_vehicles_per_year": [500.0],
        "fixed_cost_usd_per_year": [2e5]})], ignore_index=True))
    assert evplan.optimize(data).objective_usd == pytest.approx(600 * MARGIN - 1e6 - 2e5)


def test_cvd_applies_on_lanes_priced_by_default_duty_rate() -> None:
    """No duty row, default_duty_rate 10 %, CVD 20 %: 3,300 per vehicle."""
    no_row = duty_rows({"origin": "ZZ"})  # a row for another origin only
    data = network(scenario={"default_duty_rate": 0.10}, duties=no_row,
                   countervailing_duties=cvd_rows({"cvd_rate": 0.20}))
    assert evplan.optimize(data).objective_usd == pytest.approx(600 * (MARGIN - 3_300))


def test_a_quota_on_a_star_row_is_one_quota_for_every_powertrain_it_covers() -> None:
    """'*' row at 100 % with a 200-vehicle quota at 0 %: 200 vehicles in all, not 200 each."""
    quota = {"ad_valorem_rate": 1.0, "quota_vehicles_per_year": 200.0, "in_quota_rate": 0.0}
    assert evplan.optimize(two_programs(duties=duty_rows(quota))).objective_usd == \
        pytest.approx(200 * MARGIN)
    # One row per powertrain: one quota each.
    each = duty_rows({**quota, "powertrain": "BEV"}, {**quota, "powertrain": "PHEV"})
    assert evplan.optimize(two_programs(duties=each)).objective_usd == pytest.approx(
        400 * MARGIN)
    # A powertrain with its own row (no quota) does not draw on the '*' row's quota.
    own = duty_rows(quota, {"powertrain": "BEV", "ad_valorem_rate": 0.0})
    assert evplan.optimize(two_programs(duties=own)).objective_usd == pytest.approx(
        300 * MARGIN + 200 * MARGIN)


def test_a_quota_group_spans_origins_and_powertrains_of_one_market() -> None:
    """Plants in AA and CC share an erga-omnes quota of 200 vehicles into M1."""
    base = single_lane(capacity=2_000)
    plants = pd.DataFrame({"plant": ["P1", "P2"], "country": ["AA", "CC"],
                           "capacity_vehicles_per_year": [2_000.0, 2_000.0]})
    lanes = pd.DataFrame({"plant": ["P1", "P2"], "program": ["V1", "V1"],
                          "variable_cost_usd_per_vehicle": [10_000.0, 10_000.0]})
    routes = pd.DataFrame({"plant": ["P1", "P2"], "market": ["M1", "M1"],
                           "freight_usd_per_vehicle": [1_000.0, 1_000.0]})
    quota = {"ad_valorem_rate": 1.0, "quota_vehicles_per_year": 200.0, "in_quota_rate": 0.0,
             "quota_group": "erga-omnes"}
    data = network(base, plants=plants, plant_programs=lanes, routes=routes,
                   duties=duty_rows(quota, {**quota, "origin": "CC"}))
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(200 * MARGIN)
    assert result["shipments"]["in_quota_vehicles"].sum() == pytest.approx(200)


def test_a_quota_group_used_in_two_markets_is_an_input_error() -> None:
    base = single_lane()
    markets = pd.DataFrame({"market": ["M1", "M2"], "country": ["BB", "CC"]})
    quota = {"ad_valorem_rate": 1.0, "quota_vehicles_per_year": 200.0, "in_quota_rate": 0.0,
             "quota_group": "ev"}
    with pytest.raises(evplan.InputError) as caught:
        network(base, markets=markets, duties=duty_rows(quota, {**quota, "market": "M2"}))
    assert caught.value.problems[0].message == (
        "rows 2, 3: quota_group 'ev' is used in markets M1 and M2. A quota is opened by one "
        "market; give each market's quota its own quota_group name.")


def test_a_quota_group_without_a_quota_is_an_input_error() -> None:
    with pytest.raises(evplan.InputError) as caught:
        network(duties=duty_rows({"quota_group": "ev"}))
    assert caught.value.problems[0].message == (
        "row 2, duty 'AA>M1 *': quota_group 'ev' is set but quota_vehicles_per_year is blank, "
        "so the row has no quota to share. Give the quota or clear quota_group.")


@pytest.mark.parametrize("swap", [False, True])
def test_overlapping_countervailing_duty_rows_are_rejected_whatever_their_order(
        swap: bool) -> None:
    rows = [{"powertrain": "BEV", "maker": "Maker", "first_year": 2024, "last_year": 2026,
             "cvd_rate": 0.1},
            {"powertrain": "BEV", "maker": "Maker", "first_year": 2025, "cvd_rate": 0.2}]
    base = single_lane(first_year=2024, last_year=2027)
    with pytest.raises(evplan.InputError) as caught:
        network(base, countervailing_duties=cvd_rows(*(rows[::-1] if swap else rows)))
    assert [problem.message for problem in caught.value.problems] == [
        "rows 2, 3: countervailing duty rows for AA>M1 BEV, maker Maker, overlap in 2025-2026. "
        "Make the first_year/last_year ranges disjoint."]
    assert caught.value.problems[0].file == "countervailing_duties.csv"


def test_countervailing_rows_for_different_makers_or_years_do_not_overlap() -> None:
    rows = cvd_rows({"powertrain": "BEV", "maker": "Maker", "last_year": 2025, "cvd_rate": 0.1},
                    {"powertrain": "BEV", "maker": "Maker", "first_year": 2026,
                     "cvd_rate": 0.2},
                    {"powertrain": "BEV", "cvd_rate": 0.3})
    base = single_lane(first_year=2025, last_year=2026)
    result = evplan.optimize(network(base, countervailing_duties=rows))
    assert result.objective_usd == pytest.approx(600 * (2 * MARGIN - 0.1 * VALUE - 0.2 * VALUE))


def test_overlapping_duty_rows_are_still_rejected_with_the_same_message() -> None:
    rows = duty_rows({"last_year": 2026, "ad_valorem_rate": 0.1},
                     {"first_year": 2026, "ad_valorem_rate": 0.2})
    with pytest.raises(evplan.InputError) as caught:
        network(single_lane(first_year=2025, last_year=2027), duties=rows)
    assert [problem.message for problem in caught.value.problems] == [
        "rows 2, 3: duty rows for AA>M1 * overlap in 2026. Make the first_year/last_year "
        "ranges disjoint."]
