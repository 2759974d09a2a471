"""The plan check (``evplan.strategic.check``) accepts plans and catches broken ones."""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.strategic.check import check_plan
from tests.strategic.networks import two_plants
from tests.strategic.test_hand_solvable import kit_exchange_network, kit_network


@pytest.fixture(scope="module")
def closing() -> tuple[evplan.NetworkData, evplan.Result]:
    data = two_plants(years=2, extra={"plant_strategy": {
        "plant": ["P2"], "modules_initial": [1], "closure_cost_usd": [1e6],
        "earliest_closure_year": [2026]}})
    return data, evplan.optimize(data)


def test_a_solved_plan_passes(closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = closing
    assert check_plan(data, dict(result.tables), result.objective_usd) == []


def test_a_closure_before_its_year_is_caught(
        closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = closing
    tables = dict(result.tables)
    decisions = tables["plant_decisions"].copy()
    decisions["state"] = "closed"
    decisions["modules_installed"] = 0.0
    tables["plant_decisions"] = decisions
    problems = check_plan(data, tables, result.objective_usd)
    assert "P2 2025: closed, but plant_strategy.csv allows closure from 2026." in problems
    assert any(problem.startswith("the objective recomputed") for problem in problems)


def test_production_above_the_decided_capacity_is_caught(
        closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = closing
    tables = dict(result.tables)
    decisions = tables["plant_decisions"].copy()
    decisions["production_vehicles"] = 5_000.0
    tables["plant_decisions"] = decisions
    problems = check_plan(data, tables, result.objective_usd)
    assert any("reports production of 5,000.0, its shipments add up to" in problem
               for problem in problems)
    # Capacity is checked on the shipments themselves, not on the reported production.
    tables = dict(result.tables)
    shipments = tables["shipments"].copy()
    shipments.loc[shipments["plant"] == "P2", "shipment_vehicles"] += 4_000.0
    tables["shipments"] = shipments
    problems = check_plan(data, tables, result.objective_usd)
    assert any(problem.startswith("P2 2025: builds 4,") and "with 1,000.0 capacity" in problem
               for problem in problems), problems


def test_a_preference_claimed_below_the_threshold_is_caught() -> None:
    data = kit_network(0.30)
    result = evplan.optimize(data)
    tables = dict(result.tables)
    kits = tables["kit_shipments"].copy()
    kits.loc[kits["kit"] == "CKD", "kits"] = 0.0
    tables["kit_shipments"] = kits
    problems = check_plan(data, tables, result.objective_usd)
    assert any("regional value content of 0.150, below 0.300" in problem
               for problem in problems)


def test_a_kit_valued_without_the_exchange_rate_is_caught() -> None:
    """The kit value and the assembly cost are recomputed from the inputs (an audit found
    kits valued at the first year's rate; the check read the value back from the table)."""
    data = kit_exchange_network()
    result = evplan.optimize(data)
    tables = dict(result.tables)
    assert check_plan(data, tables, result.objective_usd) == []
    kits = tables["kit_shipments"].copy()
    kits["kit_value_usd"] = kits["kits"] * 5_000.0
    tables["kit_shipments"] = kits
    problems = check_plan(data, tables, result.objective_usd)
    assert ("P1>S1 CKD V1 2026: kit_value_usd is 3,000,000.00; 600.0 kits (0.0 preferential) "
            "at the inputs' terms make 2,400,000.00.") in problems


def test_sales_in_a_market_not_entered_are_caught() -> None:
    data = two_plants(fixed=(0.0, 0.0), extra={"market_entry": {
        "market": ["M1"], "entry_cost_usd": [1e6]}})
    result = evplan.optimize(data)
    tables = dict(result.tables)
    presence = tables["market_presence"].copy()
    presence["present"] = False
    tables["market_presence"] = presence
    problems = check_plan(data, tables, result.objective_usd)
    assert "600.0 V1 sold in M1 in 2025 while the automaker is not present." in problems
    assert isinstance(tables["sales"], pd.DataFrame)
