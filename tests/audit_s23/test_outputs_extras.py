"""``write_run_extras`` never replaces a ``results.xlsx`` it did not write (session 23 audit).

``report.html`` was checked (replaced only when its generator tag is evplan's), but
``excel=True`` wrote ``results.xlsx`` over whatever was there: a user's own workbook, or the
file a link of that name points to.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import evplan
from evplan.errors import OutputError
from evplan.examples import single_lane
from evplan.outputs.targets import evplan_workbook
from evplan.report import with_report_tables, write_run_extras
from evplan.results import Result


@pytest.fixture(scope="module")
def lane_result() -> Result:
    data = single_lane(first_year=2025, last_year=2026)
    return with_report_tables(evplan.optimize(data), data)


def test_a_users_workbook_is_left_as_it_was(lane_result: Result, tmp_path: Path) -> None:
    folder = evplan.write_result(lane_result, tmp_path / "run")
    mine = folder / "results.xlsx"
    mine.write_bytes(b"my own workbook, not evplan's")
    with pytest.raises(OutputError, match=r"results\.xlsx exists and evplan did not write it"):
        write_run_extras(lane_result, folder, excel=True)
    assert mine.read_bytes() == b"my own workbook, not evplan's"
    # checked before anything is written: no report.html either
    assert not (folder / "report.html").exists()


def test_a_link_named_results_xlsx_is_not_written_through(lane_result: Result,
                                                          tmp_path: Path) -> None:
    folder = evplan.write_result(lane_result, tmp_path / "run")
    elsewhere = tmp_path / "budget.xlsx"
    elsewhere.write_bytes(b"the budget")
    (folder / "results.xlsx").symlink_to(elsewhere)
    with pytest.raises(OutputError, match="symbolic link"):
        write_run_extras(lane_result, folder, report=False, excel=True)
    assert elsewhere.read_bytes() == b"the budget"
    assert (folder / "results.xlsx").is_symlink()


def test_evplans_own_workbook_is_replaced(lane_result: Result, tmp_path: Path) -> None:
    folder = evplan.write_result(lane_result, tmp_path / "run")
    first = write_run_extras(lane_result, folder, report=False, excel=True)
    assert first == [(folder / "results.xlsx").resolve()]
    before = (folder / "results.xlsx").stat().st_mtime_ns
    write_run_extras(lane_result, folder, report=False, excel=True)
    assert evplan_workbook(folder / "results.xlsx")
    assert (folder / "results.xlsx").stat().st_mtime_ns >= before
