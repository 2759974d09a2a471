"""Audit 17 (feature combinations): certificate gaps found by altering single plan cells."""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.examples.compliance import two_powertrains
from evplan.verify.compliance import check_compliance


@pytest.fixture(scope="module")
def priced_in_2025_only() -> tuple[evplan.NetworkData, evplan.Result]:
    """A fleet target in both years and a carbon price in 2025 only: 2026 costs no carbon."""
    data = two_powertrains(
        years=(2025, 2026), co2_kg_per_vehicle=500.0,
        fleet_targets=[{"market": "M1", "year": year, "target_g_per_km": 100.0,
                        "premium_usd_per_g_km": 100.0} for year in (2025, 2026)],
        carbon_prices=[{"year": 2025, "carbon_price_usd_per_t": 40.0}])
    return data, evplan.optimize(data)


def _with_carbon_cost(result: evplan.Result, year: int, usd: float) -> dict[str, pd.DataFrame]:
    tables = dict(result.tables)
    frame = tables["co2_by_year"].copy()
    frame.loc[frame["year"] == year, "carbon_cost_usd"] = usd
    tables["co2_by_year"] = frame
    return tables


def test_a_carbon_cost_in_a_year_without_a_carbon_price_fails(priced_in_2025_only) -> None:
    # 5 USD is far inside the objective's tolerance (1e-7 x ~1e7 USD), so only a row check
    # can see it; before, co2_by_year rows of unpriced years were not compared at all.
    data, result = priced_in_2025_only
    assert result.metadata["compliance_check"] == "passed"
    frame = result.tables["co2_by_year"]
    assert frame.loc[frame["year"] == 2026, "carbon_cost_usd"].tolist() == [0.0]
    assert frame.loc[frame["year"] == 2025, "carbon_cost_usd"].iloc[0] > 0
    problems = check_compliance(data, _with_carbon_cost(result, 2026, 5.0))
    assert any("carbon 2026" in line and "does not price" in line for line in problems), problems
    assert check_compliance(data, _with_carbon_cost(result, 2026, 0.0)) == []


def test_a_carbon_cost_without_a_carbon_prices_table_fails() -> None:
    data = two_powertrains(
        years=(2025, 2026),
        fleet_targets=[{"market": "M1", "year": 2025, "target_g_per_km": 100.0,
                        "premium_usd_per_g_km": 100.0}])
    result = evplan.optimize(data)
    assert "co2_by_year" in result.tables
    problems = check_compliance(data, _with_carbon_cost(result, 2025, 1.0))
    assert any("carbon 2025" in line for line in problems), problems


@pytest.mark.parametrize("tables", [True, False])
def test_warm_cases_check_unpriced_carbon_years(priced_in_2025_only, tables: bool) -> None:
    # A warm model's plans carry the compliance tables' cost columns only (no year): the
    # check of the unpriced years reads the years of the template it was made with.
    from evplan.scenarios import WarmModel

    data, cold = priced_in_2025_only
    warm = WarmModel(data)
    warm.solve(data)
    again = warm.solve(data, tables=tables)
    assert again.metadata["solve_mode"] == "warm"
    assert again.metadata["compliance_check"] == "passed"
    assert again.objective_usd == pytest.approx(cold.objective_usd, rel=1e-9)
