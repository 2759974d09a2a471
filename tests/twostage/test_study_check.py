"""The study's reported tables are re-derived from its checked plans (audit 18).

Before, ``twostage/verify.py`` checked each scenario's plan only: a study whose
``scenarios``, ``first_stage`` or ``regret`` table, or whose objective, EVPI or VSS, had
one altered cell passed every check (47 of 47 single-cell alterations of the hand-solved
tree went unnoticed). :func:`evplan.twostage.verify.study_problems` re-derives each from
the study and the scenarios' checked Results, and :func:`evplan.stochastic` raises
VerificationError when it finds anything.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.examples import strategic_lane
from evplan.scenarios.overrides import parse_catalog
from evplan.twostage.hedging import progressive_hedging
from evplan.twostage.risk import cvar
from evplan.twostage.verify import study_problems

CATALOG = parse_catalog({
    "overrides": {"high": {"demand": {"set": {"volume_vehicles": 1000}}},
                  "mid": {"demand": {"set": {"volume_vehicles": 600}}},
                  "low": {"demand": {"set": {"volume_vehicles": 300}}}},
    "studies": {
        "demand": {"risk": {"weight": 0.5, "alpha": 0.6},
                   "scenarios": {"high": {"probability": 0.3, "overrides": ["high"]},
                                 "mid": {"probability": 0.2, "overrides": ["mid"]},
                                 "low": {"probability": 0.5, "overrides": ["low"]}}},
        "plain": {"scenarios": {"high": {"probability": 0.3, "overrides": ["high"]},
                                "low": {"probability": 0.7, "overrides": ["low"]}}},
        "regret": {"risk": {"objective": "minimax-regret"},
                   "scenarios": {"high": {"probability": 0.1, "overrides": ["high"]},
                                 "low": {"probability": 0.9, "overrides": ["low"]}}}}})


@pytest.fixture(scope="module", params=["demand", "regret"])
def result(request: pytest.FixtureRequest) -> evplan.StochasticResult:
    return evplan.stochastic(strategic_lane(), request.param, catalog=CATALOG)


def _altered(value: object) -> object:
    if isinstance(value, bool | np.bool_):
        return not value
    if isinstance(value, int | np.integer):
        return int(value) + 1
    if isinstance(value, float | np.floating):
        return float(value) + 1.0  # one dollar (or one unit) on any number
    return f"{value}x"


def _cells(frame: pd.DataFrame) -> list[tuple[int, str]]:
    return [(row, column) for column in frame.columns
            for row in sorted({0, len(frame) // 2, len(frame) - 1})]


def test_a_solved_study_passes_its_own_check(result: evplan.StochasticResult) -> None:
    assert study_problems(result) == []
    margins = result.scenarios["margin_usd"].to_numpy()
    probabilities = result.scenarios["probability"].to_numpy()
    if result.study.objective == "expected":  # the objective is stated at the checked margins
        assert result.objective_usd == (probabilities @ margins + result.study.risk_weight
                                        * cvar(margins, probabilities, result.study.alpha))


@pytest.mark.parametrize("table", ["first_stage", "scenarios", "regret"])
def test_every_single_cell_alteration_of_a_reported_table_is_named(
        result: evplan.StochasticResult, table: str) -> None:
    frame = getattr(result, table)
    unnoticed = []
    for row, column in _cells(frame):
        altered = frame.copy()
        altered[column] = altered[column].astype(object)
        altered.iloc[row, altered.columns.get_loc(column)] = _altered(frame[column].iat[row])
        altered[column] = altered[column].infer_objects()
        if not study_problems(dataclasses.replace(result, **{table: altered})):
            unnoticed.append(f"{column}[{row}]")
    assert unnoticed == []


@pytest.mark.parametrize("field", ["objective_usd", "expected_margin_usd", "cvar_usd",
                                   "evpi_usd", "vss_usd"])
def test_a_reported_value_one_dollar_off_is_named(result: evplan.StochasticResult,
                                                  field: str) -> None:
    value = getattr(result, field)
    assert value is not None
    problems = study_problems(dataclasses.replace(result, **{field: value + 1.0}))
    assert any(field in line for line in problems), problems


def test_a_dropped_or_duplicated_first_stage_row_is_named(
        result: evplan.StochasticResult) -> None:
    first = result.first_stage
    dropped = dataclasses.replace(result, first_stage=first.iloc[1:])
    assert any("first_stage lacks" in line for line in study_problems(dropped))
    doubled = dataclasses.replace(result, first_stage=pd.concat([first, first.iloc[:1]]))
    assert any("names an element twice" in line for line in study_problems(doubled))


def test_a_regret_table_without_a_plan_is_named(result: evplan.StochasticResult) -> None:
    regret = result.regret
    short = dataclasses.replace(result, regret=regret[regret["plan"] != "stochastic"])
    assert any("the regret table's plans" in line for line in study_problems(short))


def test_progressive_hedging_reports_what_its_checked_plans_give() -> None:
    hedged = progressive_hedging(strategic_lane(), "plain", catalog=CATALOG)
    assert study_problems(hedged) == []
    frame = hedged.scenarios.copy()
    frame.loc[1, "margin_usd"] += 1.0
    altered = dataclasses.replace(hedged, scenarios=frame)
    assert any("margin_usd" in line for line in study_problems(altered))
