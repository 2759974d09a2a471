"""The compliance certificate counts kit-assembled cars: a reported number that leaves them
out fails (docs/formulation.md, "Kits"; network of tests/audit_s25/test_kit_compliance_hand.py).
"""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.strategic.check import check_plan
from evplan.verify import check_compliance
from tests.audit_s25.test_kit_compliance_hand import kit_market

TARGET = {"market": ["M1"], "year": [2025], "target_g_per_km": [100.0],
          "premium_usd_per_g_km": [100.0]}
MANDATE = {"market": ["M1"], "year": [2025], "zev_share": [0.5],
           "penalty_usd_per_vehicle": [1_000.0]}


@pytest.fixture(scope="module")
def solved() -> tuple[evplan.NetworkData, evplan.Result]:
    """Premium 100: an ICE1 kit car pays 50 x 100 = 5,000 < 12,900, so all 100 sell with
    40 EV1: excess 100 x 50 - 40 x 100 = 1,000 g/km x vehicles, premium 100,000. Penalty
    1,000 per credit: required 0.5 x 140 = 70, earned 40, 30 missing, 30,000."""
    data = kit_market(fleet_targets=TARGET, zev_mandates=MANDATE)
    return data, evplan.optimize(data)


def _tables(result: evplan.Result) -> dict[str, pd.DataFrame]:
    return {name: frame.copy() for name, frame in result.tables.items()}


def test_the_plan_pays_for_its_kit_cars(solved: tuple[evplan.NetworkData, evplan.Result]
                                         ) -> None:
    data, result = solved
    assert result.metadata["compliance_check"] == "passed"
    fleet = result.tables["fleet_compliance"].iloc[0]
    assert fleet["group_excess_g_km_vehicles"] == pytest.approx(1_000.0)
    assert fleet["premium_usd"] == pytest.approx(100_000.0)
    zev = result.tables["zev_compliance"].iloc[0]
    assert (zev["credits_required"], zev["credits_missing"]) == pytest.approx((70.0, 30.0))
    assert check_compliance(data, result.tables) == []


def test_a_kit_blind_fleet_row_fails(solved: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """What a model summing built-up flows only would report: no vehicles, no excess."""
    data, result = solved
    tables = _tables(result)
    fleet = tables["fleet_compliance"]
    for column in ("vehicles", "kit_vehicles", "bev_vehicles", "balance_g_km_vehicles",
                   "group_excess_g_km_vehicles", "premium_usd"):
        fleet[column] = 0.0
    fleet["co2_g_per_km_average"] = float("nan")
    problems = check_compliance(data, tables)
    assert ("fleet target M1 year 2025: sum (g/km - target) x vehicles = 1,000.000 exceeds "
            "excess + pooled = 0.000") in problems, problems
    assert any("fleet_compliance ('M1', 2025): vehicles reported 0, the shipments and inputs "
               "give 140" in line for line in problems), problems


def test_a_kit_blind_zev_row_fails(solved: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = solved
    tables = _tables(result)
    zev = tables["zev_compliance"]
    zev["credits_missing"] = 0.0
    zev["penalty_usd"] = 0.0
    problems = check_compliance(data, tables)
    assert "ZEV mandate M1 2025: credit balance is short by 30.000" in problems, problems


def test_the_kit_count_column_is_checked(solved: tuple[evplan.NetworkData, evplan.Result]
                                         ) -> None:
    data, result = solved
    tables = _tables(result)
    tables["zev_compliance"]["kit_vehicles"] = 0.0
    problems = check_compliance(data, tables)
    assert any("zev_compliance ('M1', 2025): kit_vehicles reported 0, the shipments and "
               "inputs give 140" in line for line in problems), problems


def test_kits_dropped_from_the_plan_fail(solved: tuple[evplan.NetworkData, evplan.Result]
                                         ) -> None:
    """The reported rows count 140 cars the shipments no longer hold."""
    data, result = solved
    tables = _tables(result)
    tables["kit_shipments"] = tables["kit_shipments"].iloc[:0]
    problems = check_compliance(data, tables)
    assert any("vehicles reported 140, the shipments and inputs give 0" in line
               for line in problems), problems


def test_a_kit_row_moved_to_another_market_is_named(
        solved: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """The certificate counts a kit row in its own market column; the kit check ties that
    column to the site's market."""
    data, result = solved
    tables = _tables(result)
    tables["kit_shipments"]["market"] = "M2"
    problems = check_plan(data, tables, result.objective_usd)
    assert any("the site is not in that market" in line for line in problems), problems
