"""``results.xlsx`` follows the tables of its run folder (session 25 audit, helper-95).

``evplan run --excel`` writes the run's tables as ``results.xlsx``; ``evplan fleet``,
``charging`` and ``recycling`` then add their tables to the folder (an update through
:func:`evplan.outputs.write_folder`) but left the workbook as it was: no fleet sheets at all,
or, after a second ``evplan fleet`` with other options, the first fleet's numbers beside the
new CSV files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import evplan
from evplan.examples import single_lane
from evplan.fleet import FleetOptions, project_fleet, write_fleet
from evplan.outputs import existing_folder_target, write_folder
from evplan.outputs.marker import new_run_id
from evplan.report import with_report_tables, write_run_extras
from evplan.results import Result


@pytest.fixture(scope="module")
def lane_result() -> Result:
    data = single_lane(first_year=2025, last_year=2026)
    return with_report_tables(evplan.optimize(data), data)


def _run_with_workbook(result: Result, folder: Path) -> Path:
    return evplan.write_result(result, folder, extra=lambda staging: write_run_extras(
        result, staging, report=False, excel=True))


def _fleet(folder: Path, years_after_plan: int) -> str:
    """What ``evplan fleet FOLDER --years-after-plan N`` does to the folder; its run id."""
    result = project_fleet(folder, options=FleetOptions(years_after_plan, "flat"))
    run_id = new_run_id()
    write_folder(existing_folder_target(folder, command="evplan fleet"),
                 lambda staging: write_fleet(result, staging), kind="run", run_id=run_id,
                 command="fleet", drop=lambda name: name.startswith("fleet")
                 and name != "fleet_compliance.csv" and name != "fleet_compliance.parquet")
    return run_id


def _sheet(path: Path, name: str) -> pd.DataFrame:
    rows = list(load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_fleet_tables_reach_the_workbook_and_a_second_fleet_replaces_them(
        lane_result: Result, tmp_path: Path) -> None:
    folder = _run_with_workbook(lane_result, tmp_path / "run")
    book = folder / "results.xlsx"
    assert "fleet" not in load_workbook(book, read_only=True).sheetnames
    first = _fleet(folder, 10)
    sheet = _sheet(book, "fleet")
    assert sheet["year"].max() == 2026 + 10  # was: no fleet sheet at all
    second = _fleet(folder, 3)
    on_disk = pd.read_parquet(folder / "fleet.parquet")
    sheet = _sheet(book, "fleet")
    assert sheet["year"].max() == on_disk["year"].max() == 2026 + 3
    assert len(sheet) == len(on_disk)
    assert sheet["vehicles_in_use"].sum() == pytest.approx(on_disk["vehicles_in_use"].sum())
    run = dict(load_workbook(book, read_only=True)["run"].iter_rows(min_row=2,
                                                                    values_only=True))
    assert run["run_id"] == evplan.outputs.read_marker(folder).run_id
    assert run["fleet.run_id"] == second != first
    # the plan's sheets are still there, with the plan's numbers
    shipments = pd.read_parquet(folder / "shipments.parquet")
    assert _sheet(book, "shipments")["shipment_vehicles"].sum() == pytest.approx(
        shipments["shipment_vehicles"].sum())


def test_a_users_workbook_in_the_folder_is_not_rewritten(lane_result: Result,
                                                         tmp_path: Path) -> None:
    folder = evplan.write_result(lane_result, tmp_path / "run")
    mine = folder / "results.xlsx"
    mine.write_bytes(b"PK not evplan's")
    _fleet(folder, 2)
    assert mine.read_bytes() == b"PK not evplan's"


def test_a_workbook_the_user_saved_in_a_spreadsheet_is_not_rewritten(
        lane_result: Result, tmp_path: Path) -> None:
    """Excel keeps evplan as the creator of a results.xlsx the user edited and saved (a
    sheet of their own); its application property is then Excel's, not openpyxl's."""
    import zipfile

    folder = _run_with_workbook(lane_result, tmp_path / "run")
    book = folder / "results.xlsx"
    with zipfile.ZipFile(book) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["docProps/app.xml"] = (b'<Properties xmlns="http://schemas.openxmlformats.org/'
                                 b'officeDocument/2006/extended-properties"><Application>'
                                 b"Microsoft Excel</Application></Properties>")
    with zipfile.ZipFile(book, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    saved = book.read_bytes()
    _fleet(folder, 2)
    assert book.read_bytes() == saved
