"""``evplan.write_result(formats=...)`` as a notebook user types it (session 23 audit).

``formats=("xlsx",)`` (or ``()``) wrote a run folder whose run.json names 10 tables and
no table file, and returned it as a success. A single format given as a str keeps working.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import evplan
from evplan.examples import single_lane
from evplan.results import Result


@pytest.fixture(scope="module")
def lane_result() -> Result:
    return evplan.optimize(single_lane())


@pytest.mark.parametrize(("formats", "named"), [
    (("xlsx",), "formats ('xlsx',) name 'xlsx', which evplan does not write"),
    (("parquet", "json"), "formats ('parquet', 'json') name 'json', which evplan does not "
                          "write"),
    ((), "formats () name no format"),
])
def test_a_format_evplan_does_not_write_is_refused(formats: tuple[str, ...], named: str,
                                                   tmp_path: Path, lane_result: Result) -> None:
    with pytest.raises(ValueError) as caught:
        evplan.write_result(lane_result, tmp_path / "run", formats=formats)
    assert str(caught.value) == (
        f"write_result: {named}; use 'parquet' and/or 'csv' (results.xlsx: "
        "evplan.report.write_run_extras(result, folder, excel=True)).")
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_one_format_as_a_str(tmp_path: Path, lane_result: Result) -> None:
    folder = evplan.write_result(lane_result, tmp_path / "run", formats="csv")
    tables = sorted(path.stem for path in folder.glob("*.csv"))
    assert tables == sorted([*lane_result.tables, "kpis"])
    assert not list(folder.glob("*.parquet"))
