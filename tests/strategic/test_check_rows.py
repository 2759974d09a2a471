"""The strategic certificate reads every plant-year from plant_decisions: a plan whose rows
are missing, repeated or changed at the start of a mothball must fail it (audit 5).

Each test breaks a solved plan's tables and moves the objective so that it agrees with
them: only a rule, not the objective comparison, can catch the break.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import evplan
from evplan.strategic.check import check_plan
from evplan.strategic.check_reported import reported_problems
from tests.strategic.networks import two_plants

EXACT = evplan.SolverOptions(mip_gap=1e-9)


def rules(data: evplan.NetworkData, tables: dict[str, pd.DataFrame], objective: float
          ) -> list[str]:
    """check_plan's problems less the reported columns re-derived from the broken tables
    (check_reported.py: these tests break a decision table but not the tables made from
    it, and test the rules of the decisions themselves)."""
    reported = set(reported_problems(data, tables))
    return [problem for problem in check_plan(data, tables, objective)
            if problem not in reported]


def recomputed(problems: list[str]) -> float:
    """The objective the check recomputed from the tables (from its sentence)."""
    line = next(p for p in problems if p.startswith("the objective recomputed"))
    return float(re.search(r"is (-?[\d,]+\.\d+)", line).group(1).replace(",", ""))


def consistent(data: evplan.NetworkData, result: evplan.Result,
               decisions: pd.DataFrame) -> list[str]:
    """Problems of the plan with ``decisions`` and the objective they imply."""
    tables = {**dict(result.tables), "plant_decisions": decisions}
    problems = rules(data, tables, result.objective_usd)
    if any(p.startswith("the objective recomputed") for p in problems):
        problems = rules(data, tables, recomputed(problems))
    return problems


@pytest.fixture(scope="module")
def closing() -> tuple[evplan.NetworkData, evplan.Result]:
    """P1 (no strategy row, 400 a year) and P2 (may close, fixed 0.5 M), 3 years of 600
    vehicles: P2 builds 200 a year, which pays its fixed cost."""
    data = two_plants(years=3, capacities=(400.0, 1_000.0), fixed=(2e6, 5e5),
                      extra={"plant_strategy": {"plant": ["P2"], "modules_initial": [1]}})
    return data, evplan.optimize(data, EXACT)


def test_a_missing_or_repeated_plant_year_row_is_caught(
        closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """Before, dropping P2's 2027 row (and its fixed cost from the objective) passed: that
    year's 200 vehicles were checked against no capacity at all."""
    data, result = closing
    decisions = result.tables["plant_decisions"]
    assert consistent(data, result, decisions) == []
    last = decisions.index[(decisions["plant"] == "P2") & (decisions["year"] == 2027)]
    assert consistent(data, result, decisions.drop(index=last)) == [
        "P2 2027: no plant_decisions row (its state, modules and capacity are not reported), "
        "building 200.0 vehicles and 0.0 kits."]
    twice = pd.concat([decisions, decisions.loc[last]], ignore_index=True)
    assert "P2 2027: 2 plant_decisions rows; one is expected." in consistent(data, result,
                                                                            twice)
    alien = decisions.loc[last].assign(plant="P1")
    assert ("P1 2027: a plant_decisions row for a plant-year without a plant_strategy.csv "
            "row or outside the plant's years.") in consistent(
        data, result, pd.concat([decisions, alien], ignore_index=True))


def test_modules_removed_in_the_year_a_plant_is_mothballed_are_caught() -> None:
    """The model keeps the modules of an idle plant (n_{y-1} - n_y <= n̄ (r_y + c_y), r_y = 0).
    Before, the check compared modules only between two idle years, so a plan that dropped
    the line in the mothball year (and added it back, free, on reopening) passed."""
    strategy = {"plant": ["P1"], "modules_initial": [1], "can_mothball": ["yes"],
                "mothball_cost_usd": [3e5], "mothball_cost_usd_per_year": [2e5],
                "reopen_cost_usd": [4e5], "closure_cost_usd": [5e6]}
    data = two_plants(years=4, demand=[600.0, 0.0, 0.0, 600.0], fixed=(2e6, 0.0),
                      capacities=(1_000.0, 0.0), extra={"plant_strategy": strategy})
    result = evplan.optimize(data, EXACT)
    decisions = result.tables["plant_decisions"].copy()
    p1 = decisions["plant"] == "P1"
    assert decisions.loc[p1, "state"].tolist() == ["running", "mothballed", "mothballed",
                                                   "running"]
    assert consistent(data, result, decisions) == []
    idle = p1 & decisions["year"].isin([2026, 2027])
    decisions.loc[idle, "modules_installed"] = 0.0
    decisions.loc[p1 & (decisions["year"] == 2026), "modules_removed"] = 1.0
    decisions.loc[p1 & (decisions["year"] == 2028), "modules_added"] = 1.0
    assert consistent(data, result, decisions) == [
        "P1 2026: modules change while mothballed."]


def test_a_plant_state_the_model_does_not_have_is_caught(
        closing: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """Before, a year 'paused' between two running years (no production, no fixed cost, no
    mothball permission or cost) passed once the objective agreed."""
    data, result = closing
    decisions = result.tables["plant_decisions"].copy()
    middle = (decisions["plant"] == "P2") & (decisions["year"] == 2026)
    decisions.loc[middle, ["state", "modules_running", "capacity_vehicles_per_year",
                           "production_vehicles", "fixed_cost_usd"]] = ["paused", 0, 0, 0, 0]
    shipments = result.tables["shipments"].copy()
    moved = (shipments["plant"] == "P2") & (shipments["year"] == 2026)
    shipments.loc[moved, ["shipment_vehicles", "variable_cost_usd", "freight_usd",
                          "duty_usd", "inventory_usd"]] = 0.0
    sales = result.tables["sales"].copy()
    sold = sales["year"] == 2026
    sales.loc[sold, "sales_vehicles"] -= 200.0
    sales.loc[sold, "revenue_usd"] = sales.loc[sold, "sales_vehicles"] * sales.loc[
        sold, "price_usd_per_vehicle"]
    tables = {**dict(result.tables), "plant_decisions": decisions, "shipments": shipments,
              "sales": sales}
    problems = rules(data, tables, result.objective_usd)
    if any(p.startswith("the objective recomputed") for p in problems):
        problems = rules(data, tables, recomputed(problems))
    assert problems == ["P2 2026: state 'paused' is not running, mothballed or closed."]


def test_a_missing_program_allocation_row_is_caught() -> None:
    """P2 builds V1 (existing option, 1 M a year while allocated, exit 0.2 M, tooling
    0.3 M); no demand in 2026, so the plan stops V1 there and restarts it in 2027 (0.5 M
    against 1 M; P1 earns only 4,000 a vehicle). Before, dropping the 2026 row (and the
    2027 restart's flag and cost) hid the stop and the restart and the year's fixed cost:
    with the objective moved to agree, the plan passed."""
    options = {"plant": ["P2"], "program": ["V1"], "existing": ["yes"],
               "fixed_cost_usd_per_year": [1e6], "exit_cost_usd": [2e5],
               "tooling_cost_usd": [3e5]}
    data = two_plants(years=3, demand=[600.0, 0.0, 600.0], costs=(15_000.0, 10_000.0),
                      extra={"plant_program_options": options})
    result = evplan.optimize(data, EXACT)
    allocations = result.tables["program_allocations"]
    assert allocations["allocated"].tolist() == [True, False, True]
    tables = dict(result.tables)
    kept = allocations[allocations["year"] != 2026].copy()
    kept.loc[kept["year"] == 2027, ["started", "one_off_cost_usd"]] = [False, 0.0]
    tables["program_allocations"] = kept
    problems = rules(data, tables, result.objective_usd)
    problems = rules(data, tables, recomputed(problems))
    assert problems == ["P2 V1 2026: no program_allocations row (whether the plant is "
                        "allocated the program that year is not reported)."]


def test_a_missing_market_presence_row_is_caught() -> None:
    """M1 costs 3 M a year while present, 0.2 M to leave and 0.3 M to re-enter; no demand
    in 2026, so the plan leaves then and comes back in 2027. Before, dropping the 2026 row
    (and the 2027 re-entry's flag and cost) passed once the objective agreed; each table
    of yearly states (market_presence, program_homologations, assembly) is now checked
    for one row per input row and year."""
    entry = {"market": ["M1"], "present": ["yes"], "presence_cost_usd_per_year": [3e6],
             "exit_cost_usd": [2e5], "entry_cost_usd": [3e5]}
    data = two_plants(years=3, demand=[600.0, 0.0, 600.0], extra={"market_entry": entry})
    result = evplan.optimize(data, EXACT)
    presence = result.tables["market_presence"]
    assert presence["present"].tolist() == [True, False, True]
    kept = presence[presence["year"] != 2026].copy()
    kept.loc[kept["year"] == 2027, ["entered", "one_off_cost_usd"]] = [False, 0.0]
    tables = {**dict(result.tables), "market_presence": kept}
    problems = rules(data, tables, result.objective_usd)
    problems = rules(data, tables, recomputed(problems))
    assert problems == ["M1 2026: no market_presence row (market_entry.csv has a row, so the "
                        "plan must report every year)."]
