"""Layer 1: reading input workbooks that Excel (or a broken save) wrote.

The workbooks are written by ``evplan template`` and then edited at the XML level to hold
what Excel writes but openpyxl does not: a stale ``<dimension>``, formulas with and without
a calculated value, merged cells.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.data import NetworkData
from evplan.errors import InputError
from evplan.examples import random_network
from evplan.report import write_template
from tests.fuzz import mutate


@pytest.fixture(scope="module")
def network() -> NetworkData:
    return random_network(3)


@pytest.fixture
def book(network: NetworkData, tmp_path: Path) -> Path:
    return write_template(tmp_path / "inputs.xlsx", network)


def same_tables(found: NetworkData, expected: NetworkData) -> None:
    for name, frame in expected.tables.items():
        pd.testing.assert_frame_equal(found.tables[name].reset_index(drop=True),
                                      frame.reset_index(drop=True), obj=name)


def error_text(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        evplan.load(path)
    return str(caught.value)


def test_a_stale_dimension_does_not_hide_rows(book: Path, network: NetworkData) -> None:
    rows = len(network["demand"])
    assert rows > 40
    mutate.edit_workbook(book, {"demand": lambda xml: mutate.set_dimension(xml, "A1:B3"),
                                "plants": lambda xml: mutate.set_dimension(
                                    xml, "A1:XFD1048576")})
    loaded = evplan.load(book)
    assert len(loaded["demand"]) == rows
    same_tables(loaded, network)


def test_a_formula_saved_without_its_value_is_an_error(book: Path) -> None:
    mutate.edit_workbook(book, {"plants": lambda xml: mutate.replace_cell(
        xml, "D2", mutate.formula_cell("D2", "B7*2"))})
    assert error_text(book) == (
        "evplan: 1 problem in inputs.xlsx, sheet plants\n"
        "  * row 2, capacity_vehicles_per_year (cell D2): the workbook was saved without "
        "calculated values, so this formula has none: open and save it in Excel, or type the "
        "value.")


def test_a_formula_with_its_value_reads_the_value(book: Path, network: NetworkData) -> None:
    def with_formula(xml: str) -> str:
        value = mutate.cell_value(xml, "D2")
        return mutate.replace_cell(xml, "D2", mutate.formula_cell("D2", f"{value}+0", value))

    mutate.edit_workbook(book, {"plants": with_formula})
    same_tables(evplan.load(book), network)


def test_merged_cells_are_named(book: Path) -> None:
    """With the tables' own problems (all at once: a bad cell on another sheet was hidden
    until the cells were unmerged); a table problem on the merged range's first row, where
    the reader already spoke, is left out."""
    mutate.edit_workbook(book, {"routes": lambda xml: mutate.add_merge(xml, "A2:A4"),
                                "plants": lambda xml: mutate.replace_cell(
                                    xml, "D3", mutate.number_cell("D3", "-5"))})
    assert error_text(book) == (
        "evplan: 3 problems in inputs.xlsx, sheet routes\n"
        "  * row 2: cells A2:A4 are merged, so all but the first read as blank. Unmerge them "
        "and type the value in every cell.\n"
        "  * row 3, route '>M3': plant is blank. Give the plant id.\n"
        "  * row 4, route '>M0': plant is blank. Give the plant id.\n"
        "evplan: 1 problem in inputs.xlsx, sheet plants\n"
        "  * row 3, plant 'P1': capacity_vehicles_per_year = -5 is below the minimum 0. Fix "
        "the sign or the value.")


def test_a_broken_file_and_a_missing_sheet(book: Path) -> None:
    mutate.drop_sheet(book, "routes")
    assert error_text(book).startswith(
        "evplan: 1 problem in inputs.xlsx, sheet routes\n  * inputs.xlsx has no sheet 'routes'.")
    book.write_bytes(book.read_bytes()[:500])
    assert error_text(book).startswith(
        "evplan: 1 problem in inputs.xlsx\n  * inputs.xlsx cannot be read as an Excel workbook "
        "(File is not a zip file). Open it in Excel and save it as .xlsx.")


def test_a_yaml_bomb_in_the_sources_cell_is_refused(book: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True))

    def sources_row(xml: str) -> str:
        xml = mutate.replace_cell(xml, "A9", mutate.text_cell("A9", "sources"))
        if '<c r="B9"' in xml:
            return mutate.replace_cell(xml, "B9", mutate.text_cell("B9", bomb))
        return xml.replace("</c></row></sheetData>", "</c>" + mutate.text_cell("B9", bomb)
                           + "</row></sheetData>", 1)

    mutate.edit_workbook(book, {"scenario": sources_row})
    assert "sources: inputs.xlsx, sheet scenario is refused: line 6: with its aliases expanded" \
        in error_text(book)


def test_sheets_evplan_does_not_read_may_hold_merges_and_formulas(book: Path,
                                                                   network: NetworkData) -> None:
    mutate.edit_workbook(book, {"README": lambda xml: mutate.add_merge(
        mutate.replace_cell(xml, "A1", mutate.formula_cell("A1", "1+1")), "A1:C1")})
    same_tables(evplan.load(book), network)


def test_a_column_named_twice_is_an_error_naming_it(book: Path, network: NetworkData) -> None:
    """A workbook keeps both headers of a repeated column (a CSV reader renames the second):
    evplan names the column and reads the first one, so the other problems are still listed
    and the second column's cells are never mixed into the values."""
    import openpyxl

    workbook = openpyxl.load_workbook(book)
    sheet = workbook["markets"]
    headers = [cell.value for cell in sheet[1]]
    extra = len(headers) + 1
    sheet.cell(row=1, column=extra, value="market")  # a second 'market' column
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=extra, value=f"OTHER{row}")
    workbook.save(book)
    text = error_text(book)
    assert "column 'market' appears 2 times in the header" in text
    assert "OTHER" not in text and "is not in" not in text  # the first column is the one read
    assert text.count("\n  * ") == 1, text


def error_cell(ref: str, code: str, formula: str | None = None) -> str:
    """A cell of type ``e`` as Excel writes it (a stored error, or a formula's cached one)."""
    inner = f"<f>{formula}</f>" if formula else ""
    return f'<c r="{ref}" t="e">{inner}<v>{code}</v></c>'


def test_excel_error_values_are_errors_not_text(book: Path) -> None:
    """Audit 5: a #N/A in countervailing_duties.origin read as the origin '#N/A' (matching
    nothing, so the 20.7 % duty silently went), #REF! in plants.country as a country, and a
    formula's cached #DIV/0! as text."""
    mutate.edit_workbook(book, {
        "plants": lambda xml: mutate.replace_cell(
            mutate.replace_cell(xml, "C2", error_cell("C2", "#REF!")), "D2",
            error_cell("D2", "#DIV/0!", "B7/0")),
        "demand": lambda xml: mutate.replace_cell(xml, "A2", error_cell("A2", "#N/A"))})
    text = error_text(book)
    assert "row 2, country (cell C2) holds the Excel error #REF!" in text
    assert "row 2, capacity_vehicles_per_year (cell D2) holds the Excel error #DIV/0!" in text
    assert "sheet demand" in text and "(cell A2) holds the Excel error #N/A" in text
    assert text.count("Fix it or type the value.") == 3


def test_a_text_cell_that_looks_like_an_error_is_text(book: Path, network: NetworkData) -> None:
    """Only cells Excel stores as errors are refused; typed text '#N/A' is validated as text
    (here an unknown market)."""
    mutate.edit_workbook(book, {"demand": lambda xml: mutate.replace_cell(
        xml, "A2", mutate.text_cell("A2", "#N/A"))})
    text = error_text(book)
    assert "Excel error" not in text and "'#N/A'" in text


def test_a_value_under_no_header_and_a_repeated_scenario_key_are_errors(
        book: Path, tmp_path: Path) -> None:
    """Audit 5: a value right of the last header was dropped (a CSV file's extra cell is
    refused); a scenario key given twice took the last value; a scenario value typed '#x'
    read as a YAML comment, i.e. the default. (Cells that cannot be read, like merged ones,
    are reported before the values are validated.)"""
    import shutil

    import openpyxl

    other = Path(shutil.copy(book, tmp_path / "other.xlsx"))
    workbook = openpyxl.load_workbook(book)
    workbook["plants"].cell(3, 30).value = 12345
    workbook.save(book)
    assert "row 3, column 30 (cell AD3) holds '12345' under no header" in error_text(book)
    workbook = openpyxl.load_workbook(other)
    scenario = workbook["scenario"]
    rows = {scenario.cell(r, 1).value: r for r in range(2, scenario.max_row + 1)}
    scenario.cell(rows["discount_rate"], 2).value = "#x"
    last = scenario.max_row + 1
    scenario.cell(last, 1).value = "first_year"
    scenario.cell(last, 2).value = 2020
    workbook.save(other)
    text = error_text(other)
    assert (f"row {last}: key 'first_year' is given twice (first in row "
            f"{rows['first_year']}). Keep one row.") in text
    assert "discount_rate" in text and "'#x'" in text  # text, so not a number



def rename_sheet(book: Path, old: str, new: str) -> None:
    """Rename a sheet in the workbook's sheet list (as Excel does when a tab is renamed)."""
    mutate.edit_workbook(book, {"xl/workbook.xml": lambda xml: xml.replace(
        f'name="{old}"', f'name="{new}"', 1)})


@pytest.mark.parametrize(("old", "new"), [("plants", "Plants"), ("plants", "plants "),
                                          ("plant_programs", "Plant Programs"),
                                          ("scenario", "Scenario")])
def test_a_sheet_named_differently_is_named_not_missing(book: Path, old: str,
                                                        new: str) -> None:
    """A tab renamed `Plants` was ignored: "no sheet 'plants'" and one problem for every id
    that refers to a plant (hundreds); the message now names the sheet to rename."""
    rename_sheet(book, old, new)
    assert error_text(book) == (
        f"evplan: 1 problem in inputs.xlsx, sheet {new}\n"
        f"  * the sheet '{new}' is not read: evplan reads a sheet named exactly '{old}' (case, "
        f"spaces and underscores count). Rename the sheet to {old}.")


def test_a_sheet_of_both_names_reads_the_exact_one(book: Path, network: NetworkData) -> None:
    """`Plants` beside `plants` is another sheet of the user's, ignored as any other."""
    from openpyxl import load_workbook

    workbook = load_workbook(book)
    workbook.create_sheet("Plants ")["A1"] = "my notes"
    workbook.save(book)
    same_tables(evplan.load(book), network)


def test_read_sheets_can_hand_its_problems_to_the_caller(book: Path) -> None:
    """With a ``problems`` list, the reader's problems (merged cells, formulas without a value)
    join the caller's list and the sheets are returned, so validation can list every problem of
    the workbook at once (the reader raised, hiding the tables' own problems)."""
    from evplan.data.excel import read_sheets

    mutate.edit_workbook(book, {"routes": lambda xml: mutate.add_merge(xml, "A2:A4"),
                                "plants": lambda xml: mutate.replace_cell(
                                    xml, "D2", mutate.formula_cell("D2", "B7*2"))})
    problems: list = []
    sheets = read_sheets(book, read={"plants", "routes"}, problems=problems)
    assert [(problem.file, problem.row) for problem in problems] == [
        ("inputs.xlsx, sheet routes", 2), ("inputs.xlsx, sheet plants", 2)]
    assert set(sheets) == {"plants", "routes"}
    assert sheets["plants"].loc[0, "capacity_vehicles_per_year"] == ""  # no value: blank
    assert sheets["routes"].loc[1, "plant"] == ""  # A3, merged into A2
    with pytest.raises(InputError):
        read_sheets(book, read={"plants", "routes"})


def test_hidden_rows_and_sheets_and_percent_formats_read_as_held(book: Path,
                                                                  network: NetworkData) -> None:
    """What docs/report.md says: a hidden row or sheet is read (a CSV saved from it holds
    it too), and a number shown as a percentage is the fraction Excel holds."""
    from openpyxl import load_workbook

    workbook = load_workbook(book)
    workbook["plants"].row_dimensions[3].hidden = True
    workbook["routes"].sheet_state = "hidden"
    for row in workbook["duties"].iter_rows(min_row=2, min_col=6, max_col=6):
        row[0].number_format = "0%"
    workbook.save(book)
    same_tables(evplan.load(book), network)


@pytest.mark.parametrize("text", ["true", "1e3", "0x10", ".5", "null", "~", "2030"])
def test_text_settings_read_back_as_typed(network: NetworkData, tmp_path: Path,
                                          text: str) -> None:
    """A scenario named 'true' came back 'True', '1e3' as '1000.0', 'null' as no name: the
    scenario sheet's cells were read as YAML whatever the setting; text settings are text."""
    from dataclasses import replace

    data = network.replace(scenario=replace(network.scenario, name=text, description=text))
    loaded = evplan.load(write_template(tmp_path / "named.xlsx", data))
    assert (loaded.scenario.name, loaded.scenario.description) == (text, text)
