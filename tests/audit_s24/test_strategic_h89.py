"""Audit s24 (helper-89): what a strategic run reports about its decisions and explains.

An infeasible strategic model must name the requirement, how much is short, the rule that
blocks it and what to change; the network's fallback "lane capacities or other commitments
bind" blamed lanes that do not bind when a strategic rule was the cause.
"""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.errors import InfeasibleError
from evplan.examples.strategic_small import random_strategic_network, strategic_lane, with_tables

FALLBACK = "lane capacities or other commitments bind"


def _tables(data: evplan.NetworkData) -> dict[str, pd.DataFrame]:
    return {name: frame.drop(columns=["row"]) for name, frame in data.tables.items()
            if len(frame)}


def _explanation(data: evplan.NetworkData) -> str:
    with pytest.raises(InfeasibleError) as caught:
        evplan.optimize(data)
    [line] = caught.value.explanations
    return str(line)


def _committed(year: int, vehicles: float) -> pd.DataFrame:
    return pd.DataFrame({"market": ["M1"], "year": [year], "product": ["V1"],
                         "min_vehicles": [vehicles]})


def test_a_commitment_the_lead_time_blocks_names_the_lead_time_not_the_lanes() -> None:
    # P1: 2 lines of 500, up to 4, but more than 2 only from 2025 + 3 = 2028. 1,500 committed
    # in 2026 against 2 x 500 = 1,000: short by 500, because of the lead time.
    base = strategic_lane(years=3)
    tables = _tables(base)
    data = with_tables(base, {
        "plant_strategy": tables["plant_strategy"].assign(modules_max=4, add_lead_time_years=3),
        "committed_sales": _committed(2026, 1_500.0),
        "demand": tables["demand"].assign(volume_vehicles=2_000.0)})
    line = _explanation(data)
    assert "short by 500;" in line
    assert FALLBACK not in line
    assert ("P1 runs, full, all the 2 lines it may have in 2026 (1,000 vehicles a year; more "
            "only from 2028: plant_strategy.csv add_lead_time_years 3; shorten the lead time)"
            in line)
    # The same commitment in 2028, when the lead time is over, is met: it was the only block.
    later = strategic_lane(years=4)
    later_tables = _tables(later)
    met = evplan.optimize(with_tables(later, {
        "plant_strategy": later_tables["plant_strategy"].assign(modules_max=4,
                                                                add_lead_time_years=3),
        "committed_sales": _committed(2028, 1_500.0),
        "demand": later_tables["demand"].assign(volume_vehicles=2_000.0)}))
    assert met.status == "optimal"


@pytest.mark.parametrize(("table", "frame", "rule"), [
    ("market_entry", pd.DataFrame({"market": ["M1"], "present": ["no"], "first_year": [2026]}),
     "the automaker cannot be present in M1 before 2026 (market_entry.csv row 2): move its "
     "first_year to 2025 or earlier"),
    ("homologations", pd.DataFrame({"program": ["V1"], "market": ["M1"],
                                    "homologated": ["no"], "first_year": [2026]}),
     "V1 cannot be homologated in M1 by 2025 (homologations.csv: set first_year to 2025 or "
     "earlier)"),
    ("program_lifecycle", pd.DataFrame({"program": ["V1"], "first_year": [2026]}),
     "V1 is not built in 2025 (program_lifecycle.csv: its first_year to last_year must "
     "include 2025)"),
    ("plant_program_options", pd.DataFrame({"plant": ["P1"], "program": ["V1"],
                                            "existing": ["no"], "first_year": [2026]}),
     "plant_program_options.csv keeps V1 off P1 in 2025 (set its first_year to 2025 or "
     "earlier)"),
])
def test_a_strategic_rule_that_blocks_a_commitment_is_the_only_culprit_named(
        table: str, frame: pd.DataFrame, rule: str) -> None:
    # 300 committed in 2025; P1 has 1,000 capacity and 600 demand, so no lane or plant binds:
    # only the strategic row does (short by all 300).
    data = with_tables(strategic_lane(years=3), {table: frame,
                                                 "committed_sales": _committed(2025, 300.0)})
    line = _explanation(data)
    assert "short by 300;" in line
    assert FALLBACK not in line
    assert rule in line
    assert "lower the commitment, or set unmet_committed_penalty_usd_per_vehicle" in line


def _with_credits(basis: str) -> evplan.NetworkData:
    # P0 (AA) builds V1, an ICE program: AA's production credits cost US$ 1,000 for each
    # credit short of 1 a conventional vehicle (no credit earned or sold).
    data = random_strategic_network(1, years=3, plants=2)
    credits = pd.DataFrame({"country": "AA", "year": list(data.years), "requirement_share": 1.0,
                            "bev_credits_per_vehicle": 0.0, "phev_credits_per_vehicle": 0.0,
                            "credit_price_usd": 1_000.0})
    return with_tables(data, {"production_credits": credits}, objective_basis=basis)


@pytest.mark.parametrize("basis", ["consolidated", "attributable"])
def test_the_value_against_today_counts_the_compliance_cost_as_the_objective_does(
        basis: str) -> None:
    # The objective subtracts the compliance cost; the reported value by basis, the yearly
    # network_value and the comparison with today's network left it out (china-strategic:
    # objective 93,059 M, objective_consolidated_usd 93,495 M; "US$ 4.4 bn more than today"
    # on screen, "US$ 4.10 bn more" in report.html).
    result = evplan.optimize(_with_credits(basis))
    meta = result.metadata
    trades = result.tables["production_credit_compliance"]
    rate = 0.05
    compliance = float((trades["credit_trade_usd"] * (1 + rate) ** -(trades["year"] - 2030)
                        ).sum())
    assert compliance > 1e4  # the rule costs something, so leaving it out shows
    assert meta[f"objective_{basis}_usd"] == pytest.approx(result.objective_usd, abs=1.0)
    comparison = result.tables["network_comparison"]
    gain = float((comparison[f"gain_{basis}_usd"] * comparison["discount_factor"]).sum())
    assert gain == pytest.approx(meta["plan_gain_over_today_usd"], abs=1.0)
    today = float((comparison[f"today_{basis}_usd"] * comparison["discount_factor"]).sum())
    assert today == pytest.approx(meta["today_network_objective_usd"], abs=1.0)
    if basis == "consolidated":
        kpis = result.kpis[result.kpis["kpi"] == "network_value"]
        value = float((kpis["value"] * (1 + rate) ** -(kpis["year"] - 2030)).sum())
        assert value == pytest.approx(result.objective_usd, abs=1.0)


def test_the_value_by_basis_counts_the_penalty_of_unmet_commitments() -> None:
    # 800 committed in 2026 where demand holds 600: 200 short at US$ 5,000 = 1.0 M, which the
    # objective subtracts: 2 x (600 x 9,000 - 2 M) - 1 M = 5.8 M (no discounting). The value
    # by basis (objective_consolidated_usd, network_value) said 6.8 M.
    data = with_tables(strategic_lane(years=2), {"committed_sales": _committed(2026, 800.0)},
                       unmet_committed_penalty_usd_per_vehicle=5_000.0)
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(5_800_000.0, abs=1.0)
    assert result.metadata["objective_consolidated_usd"] == pytest.approx(5_800_000.0, abs=1.0)
    costs = result.tables["network_costs"]
    penalty = costs[costs["kind"] == "unmet commitments penalty"].set_index("year")["cost_usd"]
    assert penalty.to_dict() == pytest.approx({2026: 1_000_000.0})
    kpis = result.kpis[result.kpis["kpi"] == "network_value"]
    assert float(kpis["value"].sum()) == pytest.approx(5_800_000.0, abs=1.0)


def test_a_plan_stopped_without_a_bound_says_so_on_screen() -> None:
    # `evplan run china-strategic --time-limit 0.3` kept today's network and printed
    # "MIP gap inf% (bound US$ inf bn)" and nothing about the plan being unproven.
    from types import SimpleNamespace

    from evplan.strategic.decisions import decision_lines

    decisions = pd.DataFrame({"year": pd.Series(dtype=int), "kind": pd.Series(dtype=object),
                              "subject": pd.Series(dtype=object),
                              "program": pd.Series(dtype=object),
                              "count": pd.Series(dtype=int),
                              "one_off_cost_usd": pd.Series(dtype=float),
                              "sentence": pd.Series(dtype=object)})
    meta = {"mip_gap": float("inf"), "mip_bound_usd": float("inf"),
            "objective_basis": "consolidated", "today_network_status": "optimal",
            "today_network_objective_usd": 88.7e9, "plan_gain_over_today_usd": 0.0}
    result = SimpleNamespace(tables={"network_decisions": decisions}, metadata=meta,
                             objective_usd=88.7e9, status="time_limit")
    lines = decision_lines(result)
    assert not any("inf" in line for line in lines), lines
    assert "MIP gap unknown: no bound was proven before the solver stopped." in lines
    assert lines[-1].startswith("Status time_limit: the best plan found when the solver "
                                "stopped, not proven optimal")
    # A proven 4 % gap is printed with its bound, and the status line follows it.
    result.metadata = {**meta, "mip_gap": 0.04, "mip_bound_usd": 93.2e9}
    lines = decision_lines(result)
    assert "MIP gap 4.000% (bound US$ 93.2 bn)." in lines
    assert lines[-1].startswith("Status time_limit:")


def test_a_commitment_short_for_want_of_demand_does_not_ask_for_more_modules() -> None:
    # Demand holds 1,000, P1's 2 lines build exactly 1,000: 1,500 committed is 500 short for
    # want of demand alone; raising modules_max would not help, so it is not suggested.
    base = strategic_lane(years=3)
    tables = _tables(base)
    data = with_tables(base, {"committed_sales": _committed(2026, 1_500.0),
                              "demand": tables["demand"].assign(volume_vehicles=1_000.0)})
    line = _explanation(data)
    assert "short by 500;" in line
    assert "its demand tiers hold only 1,000 vehicles" in line
    assert "modules_max" not in line


def test_today_s_network_stopped_by_the_limit_is_not_called_unable_to_run() -> None:
    # A limit that stops today's network's solve without a plan said "Today's network cannot
    # run this scenario (time_limit): the decisions are needed", a claim nothing proved.
    from types import SimpleNamespace

    from evplan.strategic.decisions import decision_lines

    decisions = pd.DataFrame({"year": [2026], "kind": ["close"], "subject": ["P1"],
                              "program": [""], "count": [2], "one_off_cost_usd": [0.0],
                              "sentence": ["close P1 for good in 2026 (its 2 lines stop)"]})
    meta = {"mip_gap": 0.0, "mip_bound_usd": 1e6, "objective_basis": "consolidated",
            "today_network_objective_usd": float("nan"),
            "plan_gain_over_today_usd": float("nan")}
    result = SimpleNamespace(tables={"network_decisions": decisions}, objective_usd=1e6,
                             status="optimal",
                             metadata={**meta, "today_network_status": "time_limit"})
    lines = decision_lines(result)
    assert not any("cannot run" in line for line in lines), lines
    assert ("Today's network was not solved before the solver stopped (time_limit): no "
            "comparison with it.") in lines
    result.metadata = {**meta, "today_network_status": "infeasible"}
    assert ("Today's network cannot run this scenario (infeasible): the decisions are "
            "needed.") in decision_lines(result)
