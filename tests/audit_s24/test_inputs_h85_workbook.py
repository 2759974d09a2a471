"""Session 24 input audit (helper-85): rows above a workbook sheet's header.

A blank row inserted above a sheet's header (a planner making room for a note) listed every
column name and every value as "a value under no header" (150 problems for plants) and
then every column as missing; a CSV file's blank lines above its header were already
skipped. A title typed in that row gave 130 such problems. Now blank rows are skipped, with
the sheet's own row numbers kept, and a title is one problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

import evplan
from evplan.errors import InputError
from evplan.examples.small import single_lane
from evplan.report.excel import write_template


def _workbook(tmp_path: Path) -> tuple[Path, int]:
    path = tmp_path / "inputs.xlsx"
    write_template(path, single_lane(capacity=1000.0))
    book = load_workbook(path)
    sheet = book["plants"]
    header = [cell.value for cell in sheet[1]]
    book.close()
    return path, header.index("capacity_vehicles_per_year") + 1


def test_blank_rows_above_a_header_are_skipped_and_rows_keep_their_numbers(
        tmp_path: Path) -> None:
    path, column = _workbook(tmp_path)
    book = load_workbook(path)
    sheet = book["plants"]
    sheet.insert_rows(1, 2)  # the header is now row 3, the first plant row 4
    assert sheet.cell(row=4, column=column).value == 1000
    sheet.cell(row=4, column=column).value = 750
    book.save(path)
    data = evplan.load(path)
    assert data.tables["plants"]["capacity_vehicles_per_year"].tolist() == [750.0]
    sheet.cell(row=4, column=column).value = -4
    book.save(path)
    with pytest.raises(InputError) as caught:
        evplan.load(path)
    found = [(problem.row, problem.message) for problem in caught.value.problems]
    assert len(found) == 1, found
    assert found[0][0] == 4, found
    assert found[0][1].startswith("row 4, plant "), found
    assert "capacity_vehicles_per_year = -4 is below the minimum 0" in found[0][1], found


def test_a_title_above_the_header_is_one_problem(tmp_path: Path) -> None:
    path, _ = _workbook(tmp_path)
    book = load_workbook(path)
    sheet = book["plants"]
    sheet.insert_rows(1)
    sheet["A1"] = "Plants of the network"
    book.save(path)
    with pytest.raises(InputError) as caught:
        evplan.load(path)
    messages = [problem.message for problem in caught.value.problems]
    assert messages[0] == ("row 1 holds only 'Plants of the network', a title, not the column "
                           "names: evplan reads the column names from the first row with a "
                           "value. Delete the title row."), messages
    assert not any("under no header" in message for message in messages), messages


def test_base_inputs_in_a_workbook_is_refused(tmp_path: Path) -> None:
    """A workbook's base_inputs was ignored without a word: a sheet the user deleted for
    the base's rows (countervailing duties, say) silently had none."""
    path, _ = _workbook(tmp_path)
    book = load_workbook(path)
    sheet = book["scenario"]
    rows = [row for row in range(1, sheet.max_row + 1)
            if sheet.cell(row=row, column=1).value == "base_inputs"]
    assert len(rows) == 1
    sheet.cell(row=rows[0], column=2).value = "../base"
    book.save(path)
    with pytest.raises(InputError) as caught:
        evplan.load(path)
    assert [problem.message for problem in caught.value.problems] == [
        "base_inputs '../base' is read from an input folder's scenario.yaml only: a workbook "
        "holds every table itself, and a sheet it lacks has no rows. Clear the cell; to lay "
        "tables over a base, write them as CSV files in a folder whose scenario.yaml names "
        "base_inputs."]


def test_a_lone_column_name_above_values_is_not_called_a_title(tmp_path: Path) -> None:
    """Only text that cannot be a column name is taken for a title; a header left with
    its first name only still names every value under no header."""
    path, _ = _workbook(tmp_path)
    book = load_workbook(path)
    sheet = book["plants"]
    for cell in sheet[1][1:]:
        cell.value = None
    book.save(path)
    with pytest.raises(InputError) as caught:
        evplan.load(path)
    messages = [problem.message for problem in caught.value.problems]
    assert not any("a title" in message for message in messages), messages
    assert any(message.startswith("row 2, column 3 (cell C2) holds ") and "under no header"
               in message for message in messages), messages  # C2: the plant's country
