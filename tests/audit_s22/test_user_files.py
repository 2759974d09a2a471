"""Audit s22: CSV files as Excel, LibreOffice and people save them.

Each case writes the ``single_lane`` example as a folder, re-saves one file the way a
spreadsheet does, and checks that evplan either reads exactly the clean folder's tables or
refuses the file naming row, column and value. The expected rows and values are read off
the bytes written here, not from evplan's code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.data.read import read_raw_table
from evplan.data.write import write_inputs
from evplan.errors import InputError
from evplan.examples import single_lane

PLANTS_HEADER = ("plant,name,country,capacity_vehicles_per_year,fixed_cost_usd_per_year,"
                 "min_utilisation,first_year,last_year,source")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_inputs(single_lane(), tmp_path / "inputs")


def tables_equal(left: evplan.NetworkData, right: evplan.NetworkData) -> None:
    for name, frame in left.tables.items():
        pd.testing.assert_frame_equal(frame.drop(columns="row"),
                                      right.tables[name].drop(columns="row"))


def refused(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        evplan.load(folder)
    return [f"{problem.file}|{problem.row}|{problem.message}"
            for problem in caught.value.problems]


def test_mac_line_ends_read_like_lf(folder: Path) -> None:
    # Excel for Mac's "CSV (Macintosh)" ends lines with a lone CR: the csv module raised
    # "new-line character seen in unquoted field", a traceback instead of a plan.
    clean = evplan.load(folder)
    for name in ("plants.csv", "routes.csv"):
        path = folder / name
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    tables_equal(clean, evplan.load(folder))


def test_a_blank_line_does_not_shift_the_row_numbers(folder: Path) -> None:
    # Line 4 of the file is row 4 of the sheet Excel shows: the blank line 2 counts.
    (folder / "plants.csv").write_text(
        f"{PLANTS_HEADER}\n\nP1,,AA,1000,0,0,,,\nP2,,AA,abc,0,0,,,\n", encoding="utf-8")
    problems = refused(folder)
    line = next(problem for problem in problems if "'abc'" in problem)
    assert line.startswith("plants.csv|4|row 4, plant 'P2': capacity_vehicles_per_year = "
                           "'abc' is not a number")


def test_blank_lines_above_the_header_count_too(folder: Path) -> None:
    (folder / "plants.csv").write_text(
        f"\n\n{PLANTS_HEADER}\nP1,,AA,x1000,0,0,,,\n", encoding="utf-8")
    assert any(problem.startswith("plants.csv|4|row 4, plant 'P1': capacity_vehicles_per_year"
                                  " = 'x1000'") for problem in refused(folder))


def test_rows_and_columns_excel_left_empty_are_ignored(folder: Path) -> None:
    # Excel keeps cleared rows and columns in the used range: ',,,' rows and a header
    # ending in ',,'. Before, the rows were "plant is blank" and the columns 'Unnamed: 9'.
    clean = evplan.load(folder)
    lines = (folder / "plants.csv").read_text(encoding="utf-8").splitlines()
    text = "\n".join(line + ",," for line in lines) + "\n" + ",,,,,,,,,,\n" * 3
    (folder / "plants.csv").write_text(text, encoding="utf-8")
    tables_equal(clean, evplan.load(folder))


def test_a_column_without_header_but_with_values_is_named_by_its_letter(folder: Path) -> None:
    lines = (folder / "plants.csv").read_text(encoding="utf-8").splitlines()
    text = lines[0] + ",\n" + "\n".join(line + ",Asia" for line in lines[1:]) + "\n"
    (folder / "plants.csv").write_text(text, encoding="utf-8")
    assert any(problem.startswith("plants.csv|None|column '(no header, column J)' is not a "
                                  "column of plants.") for problem in refused(folder))


def test_dots_between_thousands_are_not_read_as_decimals(folder: Path) -> None:
    # A German-locale export: freight 1.000 (one thousand) beside a decimal comma. Before,
    # the freight read as 1.0 USD without a word and only the '0,5' cell was refused.
    (folder / "routes.csv").write_text(
        "plant,market,freight_usd_per_vehicle,transit_days,co2_kg_per_vehicle\n"
        'P1,M1,1.000,"0,5",0\n', encoding="utf-8")
    problems = refused(folder)
    assert ("routes.csv|2|row 2, route 'P1>M1': freight_usd_per_vehicle = '1.000' is "
            "ambiguous: these inputs write numbers the European way (routes.csv row 2, "
            "transit_days = '0,5'), so it may mean 1000 as well as 1. Write the number "
            "without thousands separators, with a decimal point.") in problems
    assert ("routes.csv|2|row 2, route 'P1>M1': transit_days = '0,5' is written with a "
            "decimal comma. Write 0.5 (a decimal point, no thousands separators).") in problems


def test_a_year_with_a_thousands_dot_shows_the_convention(folder: Path) -> None:
    (folder / "plants.csv").write_text(
        f"{PLANTS_HEADER}\nP1,,AA,1.000,0,0,2.023,,\n", encoding="utf-8")
    problems = refused(folder)
    assert ("plants.csv|2|row 2, plant 'P1': first_year = '2.023' is written with dots "
            "between thousands. Write 2023 (a decimal point, no thousands separators).") \
        in problems
    assert any(problem.startswith("plants.csv|2|row 2, plant 'P1': capacity_vehicles_per_year"
                                  " = '1.000' is ambiguous") for problem in problems)


def test_a_decimal_point_with_three_digits_alone_is_a_decimal(folder: Path) -> None:
    # Without a decimal comma anywhere, 1.500 is one and a half: no false alarm.
    (folder / "plants.csv").write_text(
        f"{PLANTS_HEADER}\nP1,,AA,1000.500,0,0,,,\n", encoding="utf-8")
    assert evplan.load(folder).tables["plants"]["capacity_vehicles_per_year"].tolist() == [
        1000.5]


def test_read_raw_table_numbers_rows_past_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text("a,b\n1,2\n\n,\n3,4\n", encoding="utf-8")
    frame = read_raw_table(path, "table.csv")
    assert frame["row"].tolist() == [2, 5]
    assert frame["a"].tolist() == ["1", "3"]


def test_the_wrong_folder_is_one_problem_that_names_the_likely_one(folder: Path) -> None:
    # Before: eleven problems, one per required file and four about scenario.yaml.
    project = folder.parent
    with pytest.raises(InputError) as caught:
        evplan.load(project)
    assert [problem.message for problem in caught.value.problems] == [
        f"{project} holds no input files: none of scenario.yaml, plants.csv, programs.csv, "
        "plant_programs.csv, markets.csv, demand.csv, routes.csv, duties.csv is there. Did "
        f"you mean {folder}? Pass the folder that holds them, a workbook, or an example's "
        "name (china-export); `evplan template DIR` writes a folder to start from."]


def test_an_unreadable_required_file_is_named_alone(folder: Path) -> None:
    # plants.csv saved as Excel's "Unicode text": before, the UTF-16 problem came with one
    # "plant 'P1' is not in plants.csv. Add it to plants.csv" per route and plant program,
    # a fix that does not apply (the plant is in the file, which could not be read).
    path = folder / "plants.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    assert refused(folder) == [
        "plants.csv|None|plants.csv is saved as UTF-16 (Excel's 'Unicode text'); evplan reads "
        "UTF-8. Save it as UTF-8 (in Excel: Save As > 'CSV UTF-8'; in an editor: encoding "
        "UTF-8)."]


def test_a_repeated_header_row_is_one_problem(folder: Path) -> None:
    # Before: one "is not a number" per numeric column of that row (five lines).
    (folder / "plants.csv").write_text(
        f"{PLANTS_HEADER}\nP1,,AA,1000,0,0,,,\n{PLANTS_HEADER}\n", encoding="utf-8")
    assert refused(folder) == ["plants.csv|3|row 3 repeats the header row (a second table "
                               "pasted below the first?). Delete the row."]


@pytest.mark.parametrize(("cell", "year"), [("2026-01-01", "2026"), ("01/01/2026", "2026"),
                                            ("1905-07-18T00:00:00", "2026")])
def test_a_date_in_a_year_column_names_the_year_to_write(folder: Path, cell: str,
                                                          year: str) -> None:
    # 1905-07-18 is what Excel shows for 2026 in a cell formatted as a date: day 2026
    # counted from 1899-12-30 (Excel's day 0, its 1900 leap-year error included).
    assert (pd.Timestamp("1899-12-30") + pd.Timedelta(days=2026)).date().isoformat() == \
        "1905-07-18"
    (folder / "plants.csv").write_text(
        f"{PLANTS_HEADER}\nP1,,AA,1000,0,0,{cell},,\n", encoding="utf-8")
    assert refused(folder) == [
        f"plants.csv|2|row 2, plant 'P1': first_year = '{cell}' is a date; the column takes a "
        f"year. Write {year} (in a spreadsheet, format the cell as a number or text first)."]


def test_a_workbook_column_without_header_reads_as_a_csv_one(tmp_path: Path) -> None:
    # An empty column inserted between two headed ones is left out, as in a CSV file;
    # before, it was "column 'column 3' is not a column of plants".
    openpyxl = pytest.importorskip("openpyxl")
    from evplan.report.excel import write_template

    book = tmp_path / "inputs.xlsx"
    write_template(book, single_lane())
    clean = evplan.load(book)
    workbook = openpyxl.load_workbook(book)
    workbook["plants"].insert_cols(3)
    workbook.save(book)
    tables_equal(clean, evplan.load(book))
    workbook["plants"].cell(row=2, column=3).value = "Asia"
    workbook.save(book)
    assert any(problem.endswith("column '(no header, column C)' is not a column of plants. "
                                "The columns are plant, name, country, "
                                "capacity_vehicles_per_year, fixed_cost_usd_per_year, "
                                "min_utilisation, first_year, last_year, source.")
               for problem in refused(book))
