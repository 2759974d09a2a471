"""A plan row keyed to a year outside the horizon, or to a plant-program the inputs do not
offer, is a problem check_plan names, not a KeyError from inside the check (audit 17: 17
single-cell alterations of the china-strategic plan crashed it)."""

from __future__ import annotations

import pytest

import evplan
from evplan.examples import china_strategic
from evplan.strategic.check import check_plan


@pytest.fixture(scope="module")
def plan() -> tuple[evplan.NetworkData, evplan.Result]:
    data = china_strategic()
    return data, evplan.optimize(data)


@pytest.mark.parametrize(("table", "column"), [
    ("steering_variants_added", "year"), ("plant_decisions", "year"),
    ("steering_variants_added", "program"), ("program_allocations", "plant"),
    ("program_allocations", "program")])
def test_an_unknown_key_is_a_problem_not_a_crash(
        plan: tuple[evplan.NetworkData, evplan.Result], table: str, column: str) -> None:
    data, result = plan
    frame = result.tables[table].copy()
    last = frame.index[-1]
    if column == "year":
        frame.loc[last, column] = int(frame[column].iloc[-1]) + 1
    else:
        frame[column] = frame[column].astype(object)
        frame.loc[last, column] = "ZZ"
    tables = {**dict(result.tables), table: frame}
    problems = check_plan(data, tables, result.objective_usd)
    assert problems
    assert any(("ZZ" if column != "year" else str(int(frame[column].iloc[-1]))) in line
               for line in problems), problems
