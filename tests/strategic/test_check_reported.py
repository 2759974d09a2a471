"""The plan check re-derives the strategic tables' reported columns (check_reported.py).

Before it, a single altered cell of these columns passed every check of a plan called
optimal (audit 17's single-cell alteration harness on china-strategic).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.examples import random_strategic_network
from evplan.strategic.check import check_plan
from evplan.strategic.check_reported import reported_problems
from tests.strategic.kit_oracle import random_kit_network

Plan = tuple[evplan.NetworkData, evplan.Result]


@pytest.fixture(scope="module")
def plan() -> Plan:
    data = random_strategic_network(1, years=3, plants=3)
    return data, evplan.optimize(data)


def _problems(plan: Plan, table: str, change: dict[str, object], row: int = 0) -> list[str]:
    data, result = plan
    frame = result.tables[table].copy()
    for column, value in change.items():
        frame[column] = frame[column].astype(object)
        frame.iloc[row, frame.columns.get_loc(column)] = value
    tables = {**result.tables, table: frame}
    return check_plan(data, tables, result.objective_usd,
                      result.metadata.get("objective_basis", "consolidated"))


def test_the_solved_plan_has_every_reported_table_and_passes(plan: Plan) -> None:
    data, result = plan
    for table in ("network_comparison", "network_decisions", "equity_margin",
                  "steering_variants_added", "kit_shipments"):
        assert len(result.tables[table]), table
    assert reported_problems(data, result.tables) == []


def _altered(value: object) -> object:
    if isinstance(value, (bool, np.bool_)):
        return not value
    if isinstance(value, (int, np.integer)):
        return int(value) + 1
    if isinstance(value, (float, np.floating)):
        return float(value) * 1.1 + 7 if np.isfinite(value) else 1.0
    return f"{value}X"


COLUMNS = {
    "equity_margin": ["equity_share", "fixed_cost_usd", "jv_profit_usd", "jv_sales_usd",
                      "one_off_cost_usd", "partner", "partner_share_usd", "plant", "year"],
    "network_costs": ["cost_usd", "in_plant_margin", "kind", "year"],
    "network_comparison": ["year", "plan_consolidated_usd", "plan_attributable_usd",
                           "discount_factor", "gain_consolidated_usd",
                           "gain_attributable_usd", "margin_usd", "network_costs_usd",
                           "partner_share_usd", "today_consolidated_usd",
                           "today_attributable_usd"],
    "network_decisions": ["count", "kind", "one_off_cost_usd", "program", "sentence",
                          "subject", "year"],
    "plant_decisions": ["country", "initial_capacity_vehicles_per_year", "module_name",
                        "modules_initial", "utilisation"],
    "program_allocations": ["existing", "production_vehicles"],
    "assembly": ["capacity_vehicles_per_year", "market", "utilisation"],
    "steering_variants_added": ["built", "other_side", "year"],
    "kit_shipments": ["kit", "market", "plant", "program", "year"],
}


@pytest.mark.parametrize(("table", "column"), [(table, column) for table, columns in
                                               COLUMNS.items() for column in columns])
def test_an_altered_reported_cell_is_caught(plan: Plan, table: str, column: str) -> None:
    data, result = plan
    frame = result.tables[table]
    for row in sorted({0, len(frame) - 1}):
        value = _altered(frame[column].iloc[row])
        if column == "year":  # another planning year (one outside them crashes _objective)
            value = min(data.years) if frame[column].iloc[row] != min(data.years) else (
                min(data.years) + 1)
        problems = _problems(plan, table, {column: value}, row)
        assert any(problem.startswith(f"{table} ") and (
            f" {column} " in problem or "row" in problem) for problem in problems), (
            row, problems)


def test_equity_margin_numbers_by_hand(plan: Plan) -> None:
    """P1 is the joint venture: sales = its variable cost x (1 + markup), profit = cost x
    markup - fixed - one-off, the partner's share (1 - equity) of it."""
    data, result = plan
    rule = data["plant_equity"].iloc[0]
    markup = data.scenario.transfer_price_markup if pd.isna(rule["jv_margin_on_cost"]) else (
        float(rule["jv_margin_on_cost"]))
    row = result.tables["equity_margin"].iloc[0]
    shipments = result.tables["shipments"]
    kits = result.tables["kit_shipments"]
    cost = float(shipments.loc[(shipments["plant"] == row["plant"])
                               & (shipments["year"] == row["year"]), "variable_cost_usd"].sum()
                 + kits.loc[(kits["plant"] == row["plant"]) & (kits["year"] == row["year"]),
                            "kit_value_usd"].sum())
    assert row["jv_sales_usd"] == pytest.approx(cost * (1 + markup))
    profit = cost * markup - row["fixed_cost_usd"] - row["one_off_cost_usd"]
    assert row["partner_share_usd"] == pytest.approx((1 - rule["equity_share"]) * profit)
    problems = _problems(plan, "equity_margin", {"partner_share_usd": profit})
    assert any("partner_share_usd is" in problem for problem in problems), problems


def test_a_dropped_or_invented_decision_is_caught(plan: Plan) -> None:
    data, result = plan
    decisions = result.tables["network_decisions"]
    tables = {**result.tables, "network_decisions": decisions.iloc[1:]}
    problems = check_plan(data, tables, result.objective_usd)
    first = decisions.iloc[0]
    assert any(problem.startswith(f"network_decisions {first['year']} {first['kind']} ")
               and "no row" in problem for problem in problems), problems
    tables["network_decisions"] = pd.concat([decisions, decisions.iloc[[0]]])
    problems = check_plan(data, tables, result.objective_usd)
    assert any("2 rows; one is expected" in problem for problem in problems), problems
    tables["network_decisions"] = decisions.iloc[::-1]
    problems = check_plan(data, tables, result.objective_usd)
    assert problems == ["network_decisions: rows are not in year, kind, subject and program "
                        "order."]


def test_a_gain_that_is_not_plan_less_today_is_caught(plan: Plan) -> None:
    frame = plan[1].tables["network_comparison"]
    problems = _problems(plan, "network_comparison",
                         {"today_consolidated_usd": frame["today_consolidated_usd"].iloc[0]
                          + 1e6})
    assert any(problem.startswith(f"network_comparison {frame['year'].iloc[0]}: "
                                  "gain_consolidated_usd is") for problem in problems), problems
    # US$ 7 off a gain of plans worth billions (china-strategic's first year passed with a
    # tolerance on the year's gross flows; the identity is exact up to rounding).
    row = frame.iloc[-1]
    problems = _problems(plan, "network_comparison", {"gain_attributable_usd": float(
        row["plan_attributable_usd"] - row["today_attributable_usd"] + 7.0)}, len(frame) - 1)
    assert any(problem.startswith(f"network_comparison {int(row['year'])}: gain_attributable_usd")
               for problem in problems), problems


def test_rvc_met_is_one_value_per_site_program_and_year() -> None:
    data = random_kit_network(0)
    result = evplan.optimize(data)
    kits = result.tables["kit_shipments"].copy()
    assert reported_problems(data, result.tables) == []
    groups = kits.groupby(["site", "program", "year"])["rvc_met"].transform("size")
    chosen = np.flatnonzero((groups > 1).to_numpy())
    if not len(chosen):
        pytest.skip("no site-program-year with two kit rows")
    kits.iloc[chosen[0], kits.columns.get_loc("rvc_met")] = not bool(
        kits["rvc_met"].iloc[chosen[0]])
    problems = check_plan(data, {**result.tables, "kit_shipments": kits},
                          result.objective_usd)
    assert any("rvc_met is" in problem for problem in problems), problems


@pytest.mark.parametrize("seed", [0, 3])
def test_random_plans_pass(seed: int) -> None:
    for data in (random_strategic_network(seed, years=3, plants=3), random_kit_network(seed)):
        result = evplan.optimize(data)  # check_plan runs inside; a problem raises
        assert reported_problems(data, result.tables) == []
