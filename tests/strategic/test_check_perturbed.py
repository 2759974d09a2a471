"""Wrong strategic plans must fail their certificate: each test solves a small network,
breaks one rule in the result tables, and asserts that the checks evplan runs before it
returns a strategic plan (:func:`evplan.strategic.check.check_plan` and
:func:`evplan.verify.verify_network` with :func:`network_skip`) name the broken row.

Where a test also moves the objective so that it agrees with the broken tables, only a
check that reads the input tables (not the tables' own money columns) can catch it.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import evplan
from evplan.errors import VerificationError
from evplan.strategic.check import check_plan, network_skip
from evplan.verify import verify_network
from tests.strategic.networks import two_plants
from tests.strategic.test_hand_solvable import kit_network


def problems_of(data: evplan.NetworkData, result: evplan.Result,
                changes: dict[str, pd.DataFrame], objective: float | None = None
                ) -> list[str]:
    """Every line both certificates report for ``result`` with ``changes`` applied."""
    tables = {**dict(result.tables), **changes}
    value = result.objective_usd if objective is None else objective
    problems = check_plan(data, tables, value)
    changed = dataclasses.replace(result, tables=tables, objective_usd=value)
    try:
        verify_network(data, changed, skip=network_skip(data))
    except VerificationError as error:
        problems += error.violations
    return problems


@pytest.fixture(scope="module")
def closing() -> tuple[evplan.NetworkData, evplan.Result]:
    """P2 (12,000 a vehicle, fixed 1.5 M) closes in 2026 for 0.1 M; P1 (no strategy row)
    builds 600 a year; 20 % duty into M1 (country BB), a 200-vehicle quota at 0 %; V1's life
    ends in 2026."""
    extra = {
        "plant_strategy": {"plant": ["P2"], "modules_initial": [1], "closure_cost_usd": [1e5],
                           "earliest_closure_year": [2026]},
        "program_lifecycle": {"program": ["V1"], "last_year": [2026]},
        "duties": {"origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
                   "ad_valorem_rate": [0.2], "in_quota_rate": [0.0],
                   "quota_vehicles_per_year": [200.0]},
    }
    data = two_plants(years=3, demand=[600.0, 600.0, 0.0], market_country="BB",
                      capacities=(700.0, 1_000.0), extra=extra)
    return data, evplan.optimize(data)


def test_the_solved_plan_passes(closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = closing
    assert problems_of(data, result, {}) == []
    states = result["plant_decisions"].set_index("year")["state"]
    assert states.to_dict() == {2025: "running", 2026: "closed", 2027: "closed"}


def _move(result: evplan.Result, plant: str, year: int, vehicles: float) -> dict[str, pd.DataFrame]:
    """Ship ``vehicles`` more from ``plant`` in ``year`` and sell them in tier 1, so that
    the market balance and the money columns stay consistent."""
    shipments = result["shipments"].copy()
    at = (shipments["plant"] == plant) & (shipments["year"] == year)
    per_vehicle = (shipments.loc[at, ["variable_cost_usd", "freight_usd", "duty_usd"]].sum()
                   / shipments.loc[at, "shipment_vehicles"].sum())
    if not per_vehicle.notna().all():  # nothing shipped: the plant's cost, freight, full duty
        per_vehicle = pd.Series({"variable_cost_usd": 10_000.0 if plant == "P1" else 12_000.0,
                                 "freight_usd": 1_000.0,
                                 "duty_usd": float(shipments.loc[at, "full_duty_usd_per_vehicle"]
                                                   .iloc[0])})
    shipments.loc[at, "shipment_vehicles"] += vehicles
    for column, unit in per_vehicle.items():
        shipments.loc[at, column] += vehicles * unit
    sales = result["sales"].copy()
    sold = (sales["year"] == year) & (sales["tier"] == 1)
    sales.loc[sold, "sales_vehicles"] += vehicles
    sales.loc[sold, "revenue_usd"] += vehicles * sales.loc[sold, "price_usd_per_vehicle"]
    return {"shipments": shipments, "sales": sales}


def test_a_plant_without_a_strategy_row_over_capacity_is_caught(
        closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """The network certificate leaves plant-capacity to check_plan, which checked only the
    plants of plant_strategy.csv (an audit found P1 could build 900 of 700 unnoticed)."""
    data, result = closing
    problems = problems_of(data, result, _move(result, "P1", 2025, 300.0))
    assert any(line.startswith("P1 2025: builds 900.0 with 700.0 capacity")
               for line in problems), problems


def test_a_closed_plant_that_builds_is_caught(
        closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = closing
    problems = problems_of(data, result, _move(result, "P2", 2026, 50.0))
    assert any(line.startswith("P2 2026: builds 50.0 with 0.0 capacity") for line in problems)


def test_a_program_built_after_its_life_is_caught(
        closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = closing
    changes = _move(result, "P1", 2027, 40.0)
    problems = problems_of(data, result, changes)
    assert "V1 is built in 2027, outside its life 2025-2026." in problems


def test_an_overused_quota_is_caught(closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = closing
    shipments = result["shipments"].copy()
    at = (shipments["plant"] == "P1") & (shipments["year"] == 2025)
    shipments.loc[at, "in_quota_vehicles"] = 300.0
    problems = problems_of(data, result, {"shipments": shipments})
    assert any(line.startswith("duty-quota: quota") and "300.000 in-quota vehicles, quota "
               "200.000" in line for line in problems), problems


def test_a_duty_computed_wrong_is_caught_even_when_the_objective_agrees(
        closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """check_plan recomputed the objective from the shipments' duty_usd and passed a plan
    whose duty and objective were both wrong (an audit found it); the duty now comes from
    the inputs' per-vehicle duty and the in-quota vehicles."""
    data, result = closing
    shipments = result["shipments"].copy()
    at = (shipments["plant"] == "P1") & (shipments["year"] == 2025)
    shipments.loc[at, "duty_usd"] -= 100_000.0
    problems = problems_of(data, result, {"shipments": shipments},
                           objective=result.objective_usd + 100_000.0)
    assert any(line.startswith("shipments P1>M1 V1 2025: duty_usd is") for line in problems)
    assert not any("objective" in line for line in problems)
    # The per-vehicle duty itself is checked against duties.csv by the network certificate.
    shipments = result["shipments"].copy()
    shipments.loc[at, "full_duty_usd_per_vehicle"] = 1.0
    problems = problems_of(data, result, {"shipments": shipments})
    assert any(line.startswith("duty: flow P1/V1/M1/2025 reports full_duty_usd_per_vehicle")
               for line in problems), problems


def test_a_cost_or_revenue_not_from_the_inputs_is_caught(
        closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = closing
    shipments = result["shipments"].copy()
    at = (shipments["plant"] == "P1") & (shipments["year"] == 2025)
    shipments.loc[at, "variable_cost_usd"] *= 0.9
    sales = result["sales"].copy()
    sales["revenue_usd"] *= 1.01
    problems = problems_of(data, result, {"shipments": shipments, "sales": sales},
                           objective=result.objective_usd + 1e6)
    assert any(line.startswith("shipments P1>M1 V1 2025: variable_cost_usd is")
               for line in problems)
    assert any(line.startswith("sales M1 2025 V1 tier 1 V1: revenue_usd is")
               for line in problems), problems


def test_an_allocation_at_a_closed_plant_is_caught() -> None:
    extra = {"plant_strategy": {"plant": ["P2"], "modules_initial": [1]},
             "plant_program_options": {"plant": ["P2"], "program": ["V1"],
                                       "existing": ["yes"], "exit_cost_usd": [0.0]}}
    data = two_plants(years=1, extra=extra)
    result = evplan.optimize(data)
    assert result["plant_decisions"]["state"].tolist() == ["closed"]
    allocations = result["program_allocations"].copy()
    allocations["allocated"] = True
    problems = problems_of(data, result, {"program_allocations": allocations})
    assert "P2 V1: allocated in 2025 at a closed plant." in problems


@pytest.fixture(scope="module")
def kits() -> tuple[evplan.NetworkData, evplan.Result]:
    data = kit_network(0.30)
    return data, evplan.optimize(data)


def test_sales_beyond_what_is_shipped_and_assembled_are_caught(
        kits: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """With kits the network certificate leaves market-balance to check_plan, which did not
    check it (an audit found 100 vehicles sold from nowhere passed)."""
    data, result = kits
    sales = result["sales"].copy()
    sales["sales_vehicles"] -= 100.0
    sales["revenue_usd"] = sales["sales_vehicles"] * sales["price_usd_per_vehicle"]
    problems = problems_of(data, result, {"sales": sales},
                           objective=result.objective_usd - 100 * 20_000.0)
    assert ("V1 in M1 in 2025: shipped and assembled minus sold is 100.000 vehicles (market "
            "balance).") in problems


def test_kits_off_the_kit_lanes_or_into_a_closing_site_are_caught(
        kits: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = kits
    table = result["kit_shipments"].copy()
    table["kit"] = ["SKD", "XKD"]
    problems = problems_of(data, result, {"kit_shipments": table})
    assert any("kits on a lane the inputs do not open (no kit_routes.csv row)" in line
               for line in problems), problems
    table = result["kit_shipments"].copy()
    table.loc[table["kit"] == "CKD", "preferential_kits"] = 1_000.0
    problems = problems_of(data, result, {"kit_shipments": table})
    assert any("1,000.0 preferential kits of 179.1" in line for line in problems), problems


def test_a_site_or_an_approval_switched_off_again_is_caught() -> None:
    """Sites, homologations and steering variants switch on for good (site-monotone,
    homologation-monotone, variant-monotone); the check did not read them."""
    from evplan.examples import random_strategic_network

    data = random_strategic_network(2, features=("kits", "markets"))
    result = evplan.optimize(data)
    assembly = result["assembly"].copy()
    assembly["open"] = [True, False]
    approvals = result["program_homologations"].copy()
    approvals["homologated"] = [True, False]
    problems = check_plan(data, {**dict(result.tables), "assembly": assembly,
                                 "program_homologations": approvals}, result.objective_usd)
    assert "S1: open in 2030 but not in 2031 (it is for good)." in problems
    assert "V0 M1: homologated in 2030 but not in 2031 (it is for good)." in problems


def test_kits_above_the_site_capacity_are_caught_from_the_kit_rows(
        kits: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """Site capacity was checked on the assembly table's own total, not on the kits."""
    data, result = kits
    table = result["kit_shipments"].copy()
    table.loc[table["kit"] == "CKD", "kits"] += 100.0
    problems = check_plan(data, {**dict(result.tables), "kit_shipments": table},
                          result.objective_usd)
    assert "S1 assembles 500.0 in 2025, above its capacity 400." in problems
    assert "S1 2025: reports 400.0 assembled, its kits add up to 500.0." in problems


def test_a_strategic_plants_fixed_cost_is_reported_in_the_years_dollars() -> None:
    """plant_decisions and margin_by_plant reported a strategic plant's fixed cost at the
    first year's exchange rate (the objective converted it); the check now compares each
    reported cost with the inputs and caught it."""
    from tests.strategic.kit_oracle import random_kit_network

    data = random_kit_network(0)
    result = evplan.optimize(data)
    rates = data["exchange_rates"].set_index(["country", "year"])["local_per_usd"]
    fixed = float(data.plants.set_index("plant").loc["P0", "fixed_cost_usd_per_year"])
    want = fixed * rates[("AA", 2030)] / rates[("AA", 2031)]
    decisions = result["plant_decisions"].set_index("year")
    assert decisions.loc[2031, "state"] == "running"
    assert decisions.loc[2031, "fixed_cost_usd"] == pytest.approx(want)
    margin = result["margin_by_plant"].set_index(["plant", "year"])
    assert margin.loc[("P0", 2031), "fixed_cost_usd"] == pytest.approx(want)


def test_reported_events_costs_prices_and_kit_terms_are_checked(
        kits: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = kits
    assembly = result["assembly"].copy()
    assembly["opened_this_year"] = False
    assembly["one_off_cost_usd"] = 0.0
    sales = result["sales"].copy()
    sales["price_usd_per_vehicle"] += 1.0
    table = result["kit_shipments"].copy()
    table["customs_value_usd_per_vehicle"] = 0.0
    table["cvd_rate"] = 0.1
    table["rvc"] = 0.5
    table["origin"] = "ZZ"  # second read: neither was compared with the inputs
    table["powertrain"] = "ICE"
    problems = check_plan(data, {**dict(result.tables), "assembly": assembly, "sales": sales,
                                 "kit_shipments": table}, result.objective_usd)
    assert "assembly S1 2025: opened_this_year is 0.00; the inputs give 1.00." in problems
    assert "assembly S1 2025: one_off_cost_usd is 0.00; the inputs give 1,000,000.00." in problems
    assert any(line.startswith("sales M1 2025 V1 tier 1 V1: price_usd_per_vehicle is 20,001.00")
               for line in problems), problems
    assert "P1>S1 CKD V1 2025: reports customs_value_usd_per_vehicle 0.0000; the inputs give " \
           "5,500.0000." in problems
    assert "P1>S1 SKD V1 2025: reports cvd_rate 0.1000; the inputs give 0.0000." in problems
    assert "S1 V1 2025: reports a regional value content of 0.5000; its kits make 0.3000." \
        in problems
    assert "P1>S1 CKD V1 2025: origin is 'ZZ'; the inputs make it 'AA'." in problems
    assert "P1>S1 CKD V1 2025: powertrain is 'ICE'; the inputs make it 'BEV'." in problems


def test_kits_from_a_closed_plant_are_caught() -> None:
    """A kit lane with plant_capacity_share 0 was not tied to its plant running: a plan
    with P0 closed that still shipped CKD kits passed the certificate (review, seed 8)."""
    from tests.strategic.kit_oracle import random_kit_network

    data = random_kit_network(8, years=3)
    result = evplan.optimize(data)
    decisions = result["plant_decisions"].copy()
    decisions["state"] = "closed"
    problems = check_plan(data, {**dict(result.tables), "plant_decisions": decisions},
                          result.objective_usd)
    assert "P0 2030: ships 361.0 kits while closed (kits leave a plant only in years it runs)." \
        in problems, problems


def test_not_a_number_in_a_kit_row_or_the_objective_is_caught(
        kits: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """Comparisons written abs(got - want) > tolerance are False for NaN, so a NaN duty on a
    kit row and a NaN objective passed every check (review)."""
    data, result = kits
    table = result["kit_shipments"].copy()
    table.loc[table.index[0], "duty_usd"] = float("nan")
    problems = check_plan(data, {**dict(result.tables), "kit_shipments": table},
                          result.objective_usd)
    assert any("duty_usd is nan" in line for line in problems), problems
    problems = check_plan(data, dict(result.tables), float("nan"))
    assert any("the objective recomputed" in line and "the solver's nan" in line
               for line in problems), problems
    sales = result["sales"].copy()
    sales.loc[sales.index[0], "revenue_usd"] = float("nan")
    problems = check_plan(data, {**dict(result.tables), "sales": sales}, result.objective_usd)
    assert any("revenue_usd" in line for line in problems), problems


def test_kits_into_a_site_the_inputs_do_not_have_are_named(
        kits: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """check_plan raised KeyError on a kit row into an unknown site (review)."""
    data, result = kits
    table = result["kit_shipments"].copy()
    table["site"] = "S9"
    problems = check_plan(data, {**dict(result.tables), "kit_shipments": table},
                          result.objective_usd)
    assert ("kit_shipments P1>S9 CKD V1 2025: 179.1 kits into site S9, which "
            "assembly_sites.csv does not have.") in problems, problems


def test_rvc_met_is_checked_against_the_kits_and_the_customs_columns_are_required(
        kits: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """rvc_met was never read, and a kit table without customs_value_usd_per_vehicle or
    cvd_rate passed (those checks were skipped; review)."""
    data, result = kits
    table = result["kit_shipments"].copy()
    table["rvc_met"] = False
    problems = check_plan(data, {**dict(result.tables), "kit_shipments": table},
                          result.objective_usd)
    assert "S1 V1 2025: 179.1 preferential kits with rvc_met false." in problems, problems
    table = result["kit_shipments"].drop(columns=["customs_value_usd_per_vehicle", "cvd_rate"])
    problems = check_plan(data, {**dict(result.tables), "kit_shipments": table},
                          result.objective_usd)
    assert ("kit_shipments has no cvd_rate column (the certificate checks each kit row's)."
            in problems), problems
    strict = kit_network(0.50)  # CKD alone is 47.6 %: no mix meets 50 %
    solved = evplan.optimize(strict)
    table = solved["kit_shipments"].copy()
    table["rvc_met"] = True
    problems = check_plan(strict, {**dict(solved.tables), "kit_shipments": table},
                          solved.objective_usd)
    assert ("S1 V1 2025: rvc_met is true at a regional value content of 0.4762, below "
            "0.5000.") in problems, problems


def test_a_module_count_that_is_not_a_number_is_caught_not_a_crash(
        closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """Second read: a NaN modules_installed raised ValueError in round() inside the check."""
    data, result = closing
    decisions = result["plant_decisions"].copy()
    decisions["modules_installed"] = decisions["modules_installed"].astype(float)
    decisions.loc[decisions["year"] == 2025, "modules_installed"] = float("nan")
    problems = problems_of(data, result, {"plant_decisions": decisions})
    assert any(line.startswith("P2 2025: nan modules installed") for line in problems), problems


def test_kits_without_a_preference_do_not_count_in_the_rules_of_origin_check() -> None:
    """Second read: the certificate averaged the regional value content over every kit of a
    site's program and year, the model over the kits with a preference only. A valid plan
    mixing P1's preferential CKD kits (47.6 %, threshold 45 %) with P2's SKD kits from a
    country without a preference (all kits: 30 %) was refused as 'a bug in evplan'."""
    extra = {
        "plants": {"plant": ["P1", "P2"], "country": ["AA", "CC"],
                   "capacity_vehicles_per_year": [1_000.0, 200.0],
                   "fixed_cost_usd_per_year": [0.0, 0.0]},
        "duties": {"origin": ["AA", "CC"], "market": ["M1", "M1"], "powertrain": ["*", "*"],
                   "ad_valorem_rate": [0.5, 0.5]},
        "assembly_sites": {"site": ["S1"], "market": ["M1"], "capacity_vehicles_per_year":
                           [400.0], "opening_cost_usd": [1e5], "fixed_cost_usd_per_year": [0.0]},
        "kit_routes": {"plant": ["P1", "P2"], "site": ["S1", "S1"], "kit": ["CKD", "SKD"],
                       "kit_value_share": [0.5, 0.8], "freight_usd_per_vehicle": [500.0, 500.0],
                       "assembly_cost_usd_per_vehicle": [5_000.0, 1_000.0],
                       "plant_capacity_share": [0.0, 1.0]},
        "kit_duties": {"origin": ["AA", "CC"], "market": ["M1", "M1"], "powertrain": ["*", "*"],
                       "kit_duty_rate": [0.2, 0.05], "preferential_rate": [0.0, None],
                       "rvc_threshold": [0.45, None]},
    }
    data = two_plants(years=1, costs=(10_000.0, 10_000.0), market_country="BB", duty=0.5,
                      demand=1_000.0, extra=extra)
    result = evplan.optimize(data)  # raised VerificationError before
    kits = result["kit_shipments"].set_index("plant")
    assert kits.loc["P1", "preferential_kits"] == pytest.approx(200.0)
    assert kits.loc["P2", "kits"] == pytest.approx(200.0)
    assert result.metadata["strategic_check"] == "passed"
