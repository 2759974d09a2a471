"""Audit 17 of bad input values: a missing key column, and look-alike letters in a code.

Each case was found by mutating one cell, column or header of the embedded china-export
inputs and loading them (scratch generator of the audit).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.examples import china_export_path


def _china_export_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(china_export_path(), tmp_path / "inputs"))


def _edit(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Set one cell; ``row`` is the spreadsheet row (2 = first data row)."""
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    frame.loc[row - 2, column] = value
    frame.to_csv(folder / f"{table}.csv", index=False)


def _drop_column(folder: Path, table: str, column: str) -> None:
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    frame.drop(columns=[column]).to_csv(folder / f"{table}.csv", index=False)


def _problems(folder: Path) -> list[str]:
    with pytest.raises(evplan.InputError) as caught:
        evplan.load(folder)
    return [problem.message for problem in caught.value.problems]


@pytest.mark.parametrize(("table", "column"), [
    ("duties", "origin"), ("countervailing_duties", "origin"), ("exchange_rates", "country"),
    ("grid_intensity", "country"), ("production_credits", "country"),
    ("countervailing_duties", "maker"), ("programs", "maker"),
])
def test_a_missing_country_or_maker_column_is_one_input_error(
        tmp_path: Path, table: str, column: str) -> None:
    """Without the column (or with its header in capitals) the country-code and maker checks
    called str.casefold on pandas' NaN: a traceback, not the missing column (audit 17)."""
    folder = _china_export_copy(tmp_path)
    _drop_column(folder, table, column)
    found = _problems(folder)
    assert found[0].startswith(f"column '{column}' is missing. Add it: ")
    assert not any("duplicate" in message or "'nan'" in message for message in found), found
    assert len(found) <= 2 and all(" come from the missing column(s) of " in message
                                   for message in found[1:]), found


@pytest.mark.parametrize(("table", "column"), [
    ("routes", "plant"), ("demand", "market"), ("plant_programs", "program"),
    ("duties", "market"),
])
def test_a_missing_key_column_names_no_duplicates_and_no_unknown_ids(
        tmp_path: Path, table: str, column: str) -> None:
    """A missing key column read as blank in every row: the rows then 'duplicated' each
    other ("Keep one row and delete the others": a fix that deletes good rows) and each
    named id 'nan' as unknown, hundreds of lines after the one true problem (audit 17)."""
    folder = _china_export_copy(tmp_path)
    _drop_column(folder, table, column)
    found = _problems(folder)
    assert found[0].startswith(f"column '{column}' is missing. "), found[:4]
    assert not any("duplicate" in message or "'nan'" in message for message in found), found


def test_two_rows_with_a_blank_key_are_blank_not_duplicates(tmp_path: Path) -> None:
    """Two routes rows whose plant is blank: two 'is blank' problems, no duplicate."""
    folder = _china_export_copy(tmp_path)
    _edit(folder, "routes", 2, "plant", "")
    _edit(folder, "routes", 22, "plant", "")  # CN-XYG>CN: the same market as row 2
    found = _problems(folder)
    assert len(found) == 2, found
    assert all("plant is blank" in message for message in found)


def test_a_genuine_duplicate_is_still_reported(tmp_path: Path) -> None:
    folder = _china_export_copy(tmp_path)
    frame = pd.read_csv(folder / "routes.csv", dtype=str, keep_default_na=False)
    pd.concat([frame, frame.iloc[[0]]]).to_csv(folder / "routes.csv", index=False)
    found = _problems(folder)
    assert found == [f"rows 2 and {len(frame) + 2}: duplicate route 'CN-HUA>CN'. Keep one row "
                     "and delete the others."]


def test_a_country_code_with_a_cyrillic_letter_is_an_error(tmp_path: Path) -> None:
    """'СN' with a Cyrillic 'С' (U+0421) in countervailing_duties.origin matched no plant,
    so the EU's CVD on Chinese BEVs silently never applied, while 'Cn' was refused
    (audit 17). Fullwidth letters are the same case."""
    folder = _china_export_copy(tmp_path)
    _edit(folder, "countervailing_duties", 2, "origin", "\u0421N")
    _edit(folder, "duties", 2, "origin", "\uff23\uff2e")
    _edit(folder, "countervailing_duties", 3, "origin", "KR")  # no plant or market: allowed
    found = _problems(folder)
    assert len(found) == 2, found
    assert any(message.startswith("row 2, duty ") and "origin 'ＣＮ' is not the country of any "
               "plant or market, but 'CN' is: 'ＣＮ' has letters from another alphabet that "
               "look like Latin ones (U+FF23 FULLWIDTH LATIN CAPITAL LETTER C, U+FF2E "
               "FULLWIDTH LATIN CAPITAL LETTER N), so this row would never apply. Write 'CN'."
               in message for message in found), found
    assert any(message.startswith("row 2, countervailing duty ") and "origin 'СN' is not the "
               "country of any plant or market, but 'CN' is: 'СN' has a letter from another "
               "alphabet that looks like a Latin one (U+0421 CYRILLIC CAPITAL LETTER ES), so "
               "this row would never apply. Write 'CN'." in message for message in found), found


def test_a_cvd_maker_with_a_greek_letter_is_an_error(tmp_path: Path) -> None:
    folder = _china_export_copy(tmp_path)
    _edit(folder, "countervailing_duties", 2, "maker", "\u039dissan")  # Greek capital Nu
    found = _problems(folder)
    assert len(found) == 1, found
    assert ("maker 'Νissan' is not the maker of any program, but 'Nissan' is: 'Νissan' has a "
            "letter from another alphabet that looks like a Latin one (U+039D GREEK CAPITAL "
            "LETTER NU), so this row would never apply. Write 'Nissan'.") in found[0], found


def test_a_program_maker_with_a_greek_letter_is_an_error(tmp_path: Path) -> None:
    """The other way round: a program whose maker is 'Νissan' (Greek Ν) silently escaped
    Nissan's countervailing duty (audit 17, not fixed then)."""
    folder = _china_export_copy(tmp_path)
    _edit(folder, "countervailing_duties", 2, "maker", "Nissan")  # a duty on Nissan
    _edit(folder, "programs", 2, "maker", "\u039dissan")  # Greek capital Nu
    found = _problems(folder)
    assert len(found) == 1, found
    assert ("maker 'Νissan' is not a maker countervailing_duties names, but 'Nissan' is: "
            "'Νissan' has a letter from another alphabet that looks like a Latin one (U+039D "
            "GREEK CAPITAL LETTER NU), so its countervailing duties would never apply. Write "
            "'Nissan'.") in found[0], found


@pytest.mark.parametrize("content", ["", None])
def test_kit_routes_without_assembly_sites_name_the_unknown_sites(
        tmp_path: Path, content: str | None) -> None:
    """china-strategic with assembly_sites.csv header-only or deleted: the kit-duty coverage
    check grouped an empty frame by 'plant' and raised KeyError, a traceback (audit 17)."""
    from evplan.data import write_inputs
    from evplan.examples import example_path

    folder = write_inputs(evplan.load(example_path("china-strategic")), tmp_path / "inputs")
    sites = folder / "assembly_sites.csv"
    if content is None:
        sites.unlink()
    else:
        sites.write_text(sites.read_text().splitlines()[0] + "\n")
    found = _problems(folder)
    assert found and all("is not in assembly_sites.csv" in message or "more rows" in message
                         for message in found), found


@pytest.mark.parametrize("table", ["routes", "plant_programs", "demand"])
def test_a_semicolon_file_with_commas_in_its_cells_is_named_as_such(
        tmp_path: Path, table: str) -> None:
    """A ';'-separated file (Excel in a decimal-comma locale) whose cells hold commas read
    as 'Error tokenizing data. C error: Expected 1 fields...' or as 'one cell more than
    the header (a comma at the end of each line?)', a fix that does not apply (audit 17)."""
    folder = _china_export_copy(tmp_path)
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    frame.iloc[0, -1] = "a, b"  # a source with a comma
    frame.iloc[1, 2] = frame.iloc[1, 2].replace(".", ",")  # a decimal comma
    frame.to_csv(folder / f"{table}.csv", index=False, sep=";")
    found = _problems(folder)
    assert len(found) == 1, found
    assert found[0].startswith(f"{table}.csv uses ';' to separate columns (header "), found
    assert found[0].endswith("evplan reads commas. Save it as CSV with a comma separator.")


@pytest.mark.parametrize(("table", "column", "follow_ons"), [
    ("duties", "origin", 300), ("plants", "country", 11), ("grid_intensity", "country", 22),
])
def test_problems_that_follow_from_a_missing_column_are_one_note(
        tmp_path: Path, table: str, column: str, follow_ons: int) -> None:
    """Without duties.origin every route read as uncovered: 300 lines of 'no duty row
    covers CN>JP ... Add a row to duties.csv' after the one true problem, a fix that does
    not apply (audit 17). They are one note now; a real problem elsewhere still shows."""
    folder = _china_export_copy(tmp_path)
    _drop_column(folder, table, column)
    _edit(folder, "markets", 3, "customs_basis", "FOBB")  # an unrelated problem
    with pytest.raises(evplan.InputError) as caught:
        evplan.load(folder)
    found = caught.value.problems
    messages = [problem.message for problem in found]
    assert any(message.startswith(f"column '{column}' is missing. Add it: ")
               for message in messages), messages
    assert any("customs_basis = 'FOBB'" in message for message in messages), messages
    notes = [problem for problem in found if " come from the missing column(s)" in problem.message]
    assert len(notes) == 1 and notes[0].count == 0, messages
    assert notes[0].message.startswith(f"{follow_ons} more problem(s) in other rows or tables "
                                       f"come from the missing column(s) of {table}.csv;")
    assert len(found) == 3, messages


def test_an_unquoted_decimal_comma_in_one_row_names_that_row(tmp_path: Path) -> None:
    """'1,5' unquoted in the first data row made pandas read the first column as an index;
    the message blamed 'a comma at the end of each line' though one row had it (audit 17)."""
    from evplan.data.files import read_csv_table

    path = tmp_path / "retired.csv"
    path.write_text("collection_point,year,chemistry,kwh\nEU,2030,LFP,1,5\nEU,2030,NMC811,10\n",
                    encoding="utf-8")
    with pytest.raises(evplan.InputError) as caught:
        read_csv_table(path, "retired.csv")
    [problem] = caught.value.problems
    assert problem.row == 2
    assert problem.message == (
        "retired.csv cannot be read as CSV: row 2 has more cells than the header row (4). "
        "Write a decimal point, not a comma (1.5, not 1,5), put text that holds commas in "
        "quotes (\"a, b\"), or remove the comma at the end of the line.")


def test_a_blank_plant_country_is_not_buried_under_duty_rows_of_origin_blank(
        tmp_path: Path) -> None:
    """A blank plants.csv country (or an #N/A cell) listed 'country is blank' and then about
    40 lines 'no duty row covers >CN ... Add a row to duties.csv (origin , ...)', a fix that
    does not apply (audit s24, helper-85)."""
    folder = _china_export_copy(tmp_path)
    _edit(folder, "plants", 2, "country", "")
    found = _problems(folder)
    assert any("country" in message and "blank" in message for message in found), found
    assert not any("no duty row covers >" in message for message in found), found
