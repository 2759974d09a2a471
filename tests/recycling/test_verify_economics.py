"""The recycling certificate on an ``economics`` table with a repeated or foreign year: a
VerificationError naming it, not a pandas traceback (audit of session 18)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from tests.recycling.conftest import EXACT, retired, tiny_tables

from evplan.errors import VerificationError
from evplan.recycling import RecyclingOptions, load_inputs, plan_recycling
from evplan.verify.recycling import check_recycling


@pytest.fixture(scope="module")
def planned():
    inputs = load_inputs(retired(1500.0), **tiny_tables())
    options = RecyclingOptions(discount_rate=0.0, max_storage_years=0, explain_targets=False,
                               build_every_years=1, solver=EXACT)
    return plan_recycling(inputs, options), inputs


def _with_economics(result, economics: pd.DataFrame):
    return replace(result, tables={**result.tables, "economics": economics})


def test_a_returned_plan_passes(planned) -> None:
    result, inputs = planned
    check_recycling(result, inputs)


def test_a_repeated_year_is_named(planned) -> None:
    result, inputs = planned
    economics = result["economics"]
    doubled = pd.concat([economics, economics.iloc[[0]]], ignore_index=True)
    with pytest.raises(VerificationError, match="economics has more than one row for "
                       f"{int(economics['year'].iloc[0])}"):
        check_recycling(_with_economics(result, doubled), inputs)


def test_a_year_outside_the_plan_is_named(planned) -> None:
    result, inputs = planned
    economics = result["economics"]
    foreign = economics.iloc[[0]].assign(year=1990)
    with pytest.raises(VerificationError, match="rows for 1990, outside the plan's years"):
        check_recycling(_with_economics(result, pd.concat([economics, foreign],
                                                          ignore_index=True)), inputs)
