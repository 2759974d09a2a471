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


def edited(result: evplan.Result, table: str, edit) -> dict[str, pd.DataFrame]:
    tables = dict(result.tables)
    frame = tables[table].copy()
    edit(frame)
    tables[table] = frame
    return tables


def _negative_pooling(frame: pd.DataFrame) -> None:
    # Pool 50 g/km x vehicles "out" (a sale at the pool price) and pay premium on 50 more:
    # the group's cover and the money still add up.
    frame.loc[1, "group_excess_g_km_vehicles"] += 50.0
    frame.loc[1, "group_pooled_g_km_vehicles"] = -50.0
    frame.loc[1, "premium_usd"] = frame.loc[1, "group_excess_g_km_vehicles"] * 100.0


def _negative_debt(frame: pd.DataFrame) -> None:
    # A negative debt in 2025 carries credits into 2026 like a bank, unchecked by banking.
    frame.loc[0, "credits_owed"] = -1.0
    frame.loc[0, "credits_missing"] += 1.0
    frame.loc[0, "penalty_usd"] += 3_000.0
    frame.loc[1, "credits_missing"] -= 1.0
    frame.loc[1, "penalty_usd"] -= 3_000.0


def _pooling_without_a_price(frame: pd.DataFrame) -> None:
    # No pooling price is given: the excess moved to "pooled" would cost nothing.
    frame["group_pooled_g_km_vehicles"] = frame["group_excess_g_km_vehicles"]
    frame["group_excess_g_km_vehicles"] = 0.0
    frame["premium_usd"] = 0.0


def _credits_sold_without_a_price(frame: pd.DataFrame) -> None:
    frame.loc[0, "credits_sold"] = 5.0
    frame.loc[0, "credits_bought"] += 5.0
    frame.loc[0, "credit_trade_usd"] += 5 * 300.0


@pytest.mark.parametrize(("table", "edit", "message"), [
    ("fleet_compliance", _negative_pooling, "group_pooled_g_km_vehicles = -50 is negative"),
    ("zev_compliance", _negative_debt, "credits_owed = -1 is negative"),
    ("fleet_compliance", _pooling_without_a_price, "pooled without a pooling price"),
    ("production_credit_compliance", _credits_sold_without_a_price,
     "credits_sold without a sale price"),
])
def test_a_plan_whose_balances_and_money_add_up_but_breaks_a_rule_fails(
        solved, table: str, edit, message: str) -> None:
    # Each tampering keeps every balance row and every USD amount consistent, so only the
    # rule itself (one-signed quantities, no pooling or sale without a price) catches it.
    data, result = solved
    problems = check_compliance(data, edited(result, table, edit))
    assert any(message in problem for problem in problems), problems


def test_a_missing_production_credit_row_fails(solved) -> None:
    # Dropping the 2025 row hid its deficit (the credits bought with it) from the check.
    data, result = solved
    assert result["production_credit_compliance"]["credits_bought"].iloc[0] > 0
    tables = dict(result.tables)
    tables["production_credit_compliance"] = tables["production_credit_compliance"].iloc[
        1:].reset_index(drop=True)
    problems = check_compliance(data, tables)
    assert "production credits AA 2025: no row in production_credit_compliance" in problems


def test_a_penalty_banked_into_a_dearer_year_fails(solved) -> None:
    # The plan pays the 2025 penalty on 2.3 more credits than 2025 lacks and banks them
    # into 2026, where it then reports none missing. With 2025's penalty at 1,000 (2026:
    # 3,000) that reports 1,000 x (1.4 + 2.3) instead of 1,000 x 1.4 + 3,000 x 2.3 / 1.05.
    # Validation refuses such rising penalties, so the inputs are set past it.
    data, result = solved
    mandates = data["zev_mandates"].copy()
    mandates.loc[mandates["year"] == 2025, "penalty_usd_per_vehicle"] = 1_000.0
    cheap_first = data.replace(tables={**data.tables, "zev_mandates": mandates})
    zev = result["zev_compliance"]
    assert zev["credits_missing"].tolist() == pytest.approx([1.4, 2.3])

    def bank_a_penalty(frame: pd.DataFrame) -> None:
        frame["credits_missing"] = [3.7, 0.0]
        frame["credits_banked"] = [2.3, 0.0]
        frame["penalty_usd"] = [3_700.0, 0.0]

    problems = check_compliance(cheap_first, edited(result, "zev_compliance", bank_a_penalty))
    assert any("banked into later years" in problem for problem in problems), problems
    # The same bank at equal penalties costs the plan more than paying in 2026: it passes
    # this rule (it is feasible, if not optimal).
    problems = check_compliance(data, edited(result, "zev_compliance", bank_a_penalty))
    assert not any("banked into later years" in problem for problem in problems), problems
