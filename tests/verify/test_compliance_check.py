"""The compliance certificate: passes the plans evplan makes, catches tampered ones."""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.examples.compliance import two_powertrains
from evplan.verify.compliance import check_compliance


@pytest.fixture(scope="module")
def solved() -> tuple[evplan.NetworkData, evplan.Result]:
    data = two_powertrains(
        years=(2025, 2026), co2_kg_per_vehicle=500.0,
        fleet_targets=[{"market": "M1", "year": year, "target_g_per_km": 100.0,
                        "premium_usd_per_g_km": 100.0} for year in (2025, 2026)],
        zev_mandates=[{"market": "M1", "year": year, "zev_share": 0.3,
                       "penalty_usd_per_vehicle": 3_000.0, "borrow_share": 0.5}
                      for year in (2025, 2026)],
        production_credits=[{"country": "AA", "year": year, "requirement_share": 0.2,
                             "bev_credits_per_vehicle": 0.1, "phev_credits_per_vehicle": 1.0,
                             "credit_price_usd": 300.0} for year in (2025, 2026)],
        carbon_prices=[{"year": 2025, "carbon_price_usd_per_t": 40.0, "cap_t_co2": 4.0},
                       {"year": 2026, "carbon_price_usd_per_t": 40.0}])
    return data, evplan.optimize(data)


def test_the_plan_evplan_returns_is_certified(solved) -> None:
    data, result = solved
    assert result.metadata["compliance_check"] == "passed"
    assert check_compliance(data, result.tables) == []


def tampered(result: evplan.Result, table: str, column: str, factor: float
             ) -> dict[str, pd.DataFrame]:
    tables = dict(result.tables)
    frame = tables[table].copy()
    frame[column] = frame[column] * factor
    tables[table] = frame
    return tables


@pytest.mark.parametrize(("table", "column", "message"), [
    ("fleet_compliance", "group_excess_g_km_vehicles", "fleet target M1"),
    ("zev_compliance", "credits_missing", "ZEV mandate M1"),
    ("production_credit_compliance", "credits_bought", "production credits AA"),
    ("co2_by_year", "carbon_cost_usd", "reported carbon cost"),
])
def test_a_tampered_plan_fails_the_certificate(solved, table: str, column: str,
                                               message: str) -> None:
    data, result = solved
    assert result[table][column].abs().sum() > 0, "the case must exercise this column"
    problems = check_compliance(data, tampered(result, table, column, 0.5))
    assert any(message in problem for problem in problems), problems


def test_extra_shipments_break_the_carbon_cap(solved) -> None:
    data, result = solved
    tables = dict(result.tables)
    shipments = tables["shipments"].copy()
    shipments["shipment_vehicles"] = shipments["shipment_vehicles"] + 5
    tables["shipments"] = shipments
    problems = check_compliance(data, tables)
    assert any("carbon cap 2025" in problem for problem in problems), problems


@pytest.mark.parametrize("table", ["zev_compliance", "co2_by_year",
                                   "production_credit_compliance", "fleet_compliance"])
def test_two_rows_for_one_rule_year_fail_the_certificate(solved, table: str) -> None:
    # The second row's balance would not be checked while its money counts.
    data, result = solved
    tables = dict(result.tables)
    tables[table] = pd.concat([tables[table], tables[table].iloc[[0]]], ignore_index=True)
    problems = check_compliance(data, tables)
    assert any(problem.startswith(f"{table} (") and "more than one row" in problem
               for problem in problems), problems
