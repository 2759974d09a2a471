"""Session 25 input audit (helper-97): root causes first, invisible characters in ids, rows
wholly outside the horizon.

* A plant's country 'cn' beside markets in 'CN' gave 20 "no duty row covers cn>..." lines
  and a grid-intensity line before the one line that named the case (the fix of all 21).
  Now that line comes first, the routes read through the spelling (none uncovered once it
  is fixed) and the rest is one note counting them.
* A plant id 'CN-XYG' + U+200B (pasted from a web page) was named only by the 23 rows
  that refer to 'CN-XYG' ("not in plants.csv"), never on its own row. Now its row says
  so, showing the character as <U+200B>, and the 23 are one note.
* A plant closing before the horizon, a lane opening after it and a duty row for 2019 in a
  2023-2030 plan were accepted without a word. The plant is now an error; the lane and the
  duty row are notes (listed with problems, never failing a load on their own).
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.errors import InputError
from evplan.examples import china_export_path


def _edit(path: Path, change: Callable[[list[list[str]]], None]) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    change(rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(china_export_path(), folder)
    return folder


def _problems(folder: Path) -> list[evplan.errors.Problem]:
    with pytest.raises(InputError) as caught:
        evplan.load(folder)
    return caught.value.problems


def _row_of(folder: Path, table: str, column: str, value: str) -> int:
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    return int(frame.index[frame[column] == value][0]) + 2


# -- 1. the root cause first ---------------------------------------------------------------

def test_a_plant_country_in_another_case_is_listed_first_with_its_follow_ons_counted(
        inputs: Path) -> None:
    row = _row_of(inputs, "plants", "plant", "CN-XYG")
    _edit(inputs / "plants.csv", lambda rows: rows[row - 1].__setitem__(2, "cn"))
    routes = pd.read_csv(inputs / "routes.csv", dtype=str, keep_default_na=False)
    assert (routes["plant"] == "CN-XYG").sum() == 20  # each was "no duty row covers cn>..."
    found = _problems(inputs)
    assert found[0].file == "plants.csv" and found[0].row == row
    assert found[0].message.startswith(f"row {row}, plant 'CN-XYG': country 'cn' is not 'CN'")
    # plant_emissions.csv: "the plant's country 'cn' has no row in grid_intensity.csv"
    assert found[0].message.endswith("Write 'CN'. 1 more problem in plant_emissions.csv names "
                                     "'cn' and goes away with this fix (checked again then).")
    assert len(found) == 1  # no "no duty row covers cn>..."
    assert str(InputError(found)).startswith("evplan: 1 problem in plants.csv\n")


def test_a_route_still_uncovered_once_the_spelling_is_fixed_is_still_named(
        inputs: Path) -> None:
    """The follow-ons are the problems the fix removes, not every problem of the plant."""
    row = _row_of(inputs, "plants", "plant", "CN-XYG")
    _edit(inputs / "plants.csv", lambda rows: rows[row - 1].__setitem__(2, "cn"))
    _edit(inputs / "duties.csv", lambda rows: rows.__setitem__(slice(1, None), [
        cells for cells in rows[1:] if not (cells[0] == "CN" and cells[1] == "KR")]))
    found = [problem.message for problem in _problems(inputs)]
    assert found[0].startswith(f"row {row}, plant 'CN-XYG': country 'cn' is not 'CN'")
    uncovered = [message for message in found if "no duty row covers" in message]
    # every CN plant with a KR lane, CN-XYG among them, named with the code to write
    assert any("route 'CN-XYG>KR': no duty row covers CN>KR" in text for text in uncovered)
    assert all(">KR" in text and "cn>" not in text for text in uncovered)


# -- 2. an invisible character in an id, named on its own row ------------------------------

@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\ufeff", "\u00a0"])
def test_a_plant_id_with_an_invisible_character_is_named_on_its_own_row(
        inputs: Path, char: str) -> None:
    row = _row_of(inputs, "plants", "plant", "CN-XYG")
    # a no-break space mid-value (one at either end is stripped as a space)
    odd = "CN" + char + "XYG" if char == "\u00a0" else "CN-XYG" + char
    _edit(inputs / "plants.csv", lambda rows: rows[row - 1].__setitem__(0, odd))
    found = _problems(inputs)
    code = f"U+{ord(char):04X}"
    shown_odd = odd.replace(char, f"<{code}>")
    assert found[0].file == "plants.csv" and found[0].row == row
    assert found[0].message.startswith(f"row {row}, plant '{shown_odd}': plant '{shown_odd}' "
                                       f"holds ")
    assert f"({code} " in found[0].message
    plain = "CN XYG" if char == "\u00a0" else "CN-XYG"
    assert f"Retype it as '{plain}'." in found[0].message
    if char != "\u00a0":  # the 23 rows naming 'CN-XYG' are counted on it
        assert len(found) == 1
        assert found[0].message.endswith(
            f"Retype it as '{plain}'. 23 more problems in plant_programs.csv, routes.csv and "
            f"plant_emissions.csv name '{shown_odd}' and go away with this fix (checked again "
            "then).")


def test_a_market_country_with_an_invisible_character_is_not_the_spelling_to_write(
        inputs: Path) -> None:
    """markets.csv 'E' + U+200B + 'U': the nine exchange-rate and grid rows written 'EU'
    were told to "Write 'E\u200bU'" (the invisible spelling) after the market's own line."""
    _edit(inputs / "markets.csv", lambda rows: [
        row.__setitem__(2, "E\u200bU") for row in rows[1:] if row[2] == "EU"])
    found = _problems(inputs)
    assert len(found) == 1 and found[0].file == "markets.csv"
    assert "Write 'EU'." in found[0].message and "Write 'E\u200bU'" not in found[0].message


def test_an_id_with_an_invisible_character_named_by_another_check_is_named_once(
        inputs: Path) -> None:
    """routes.csv 'CN-XYG\u200b' beside plants.csv 'CN-XYG': the reference check names it
    on its row (with what it was meant to be); the invisible-character line adds nothing."""
    routes = pd.read_csv(inputs / "routes.csv", dtype=str, keep_default_na=False)
    row = int(routes.index[routes["plant"] == "CN-XYG"][0]) + 2
    _edit(inputs / "routes.csv", lambda rows: rows[row - 1].__setitem__(0, "CN-XYG\u200b"))
    found = _problems(inputs)
    assert [(problem.file, problem.row) for problem in found] == [("routes.csv", row)]
    assert "plant 'CN-XYG\u200b' is not in plants.csv. Did you mean 'CN-XYG'?" in (
        found[0].message)
    assert "<U+200B>" in found[0].message.split(":")[0]  # the row label shows it


def test_an_id_that_holds_a_persian_joiner_between_letters_is_not_refused() -> None:
    from evplan.data.lookalike import hidden

    assert hidden("\u0645\u06cc\u200c\u0634\u0648\u062f") == []
    assert hidden("P1\u200c") == ["\u200c"]  # after a Latin letter: no script to shape


def test_a_no_break_space_is_not_called_a_letter_of_another_alphabet() -> None:
    from evplan.data.lookalike import difference, shown

    text = difference("CN\u00a0XYG")
    assert "another alphabet" not in text
    assert text.startswith("'CN<U+00A0>XYG' holds a no-break space")
    assert shown("P1\ufeff") == "P1<U+FEFF>"


# -- 3. rows wholly outside the horizon ----------------------------------------------------

def test_a_plant_closing_before_the_horizon_is_an_error(inputs: Path) -> None:
    row = _row_of(inputs, "plants", "plant", "CN-ZZ")
    _edit(inputs / "plants.csv", lambda rows: rows[row - 1].__setitem__(7, "2020"))
    found = _problems(inputs)
    assert [str(problem) for problem in found] == [
        f"row {row}, plant 'CN-ZZ': last_year 2020 is before the horizon 2023-2030, so the "
        "plant builds nothing in the plan, nor do its routes and plant_programs rows. Correct "
        "last_year (the plant's last year of production), or, if it closed before the plan, "
        "delete its row with its routes and plant_programs rows."]


def test_a_plant_closed_before_a_shorter_window_evplan_validates_is_a_note(
        inputs: Path) -> None:
    """A backtest validates the inputs again over its own years (validate_tables): CN-CZ,
    which closes in 2023 in china-export, lies before a 2024-2025 window. That is expected
    there, not the user's slip, so only the user's files make it an error."""
    from evplan.calibration.calibrate import restrict_years, with_demand

    data = evplan.load(inputs)
    closed = data["plants"][data["plants"]["last_year"] == 2023]["plant"].tolist()
    assert closed  # CN-CZ (and the test's premise)
    narrowed = restrict_years(data, 2024, 2025)
    window = with_demand(narrowed, narrowed["demand"])  # validate_tables over 2024-2025
    assert window.scenario.first_year == 2024 and len(window["plants"]) == len(data["plants"])


def test_lanes_and_duty_rows_outside_the_horizon_are_notes(inputs: Path) -> None:
    _edit(inputs / "routes.csv", lambda rows: rows[2].__setitem__(6, "2035"))
    _edit(inputs / "duties.csv", lambda rows: rows.append(
        ["CN", "US", "*", "2019", "2020", "0.275", "", "", "", "", "", "history"]))
    data = evplan.load(inputs)  # notes alone fail nothing
    assert len(data["duties"]) == 127
    route = f"route '{data['routes'].loc[1, 'plant']}>{data['routes'].loc[1, 'market']}'"
    # ... and are listed when something else is wrong
    _edit(inputs / "plants.csv", lambda rows: rows[1].__setitem__(3, "-1"))
    found = _problems(inputs)
    notes = {problem.file: problem.message for problem in found if problem.count == 0}
    assert notes == {
        "routes.csv": f"note: row 3, {route} (first_year 2035) lies wholly outside the horizon "
                      "2023-2030, so the lane carries nothing in the plan. Nothing to change "
                      "if that is meant (a schedule's history, a later plan); otherwise "
                      "correct first_year/last_year, or widen the horizon in scenario.yaml.",
        "duties.csv": "note: row 128, duty 'CN>US * from 2019' (last_year 2020) lies wholly "
                      "outside the horizon 2023-2030, so the duty row never applies. Nothing "
                      "to change if that is meant (a schedule's history, a later plan); "
                      "otherwise correct first_year/last_year, or widen the horizon in "
                      "scenario.yaml."}
    assert sum(problem.count for problem in found) == 1  # the capacity


def test_a_plant_opening_after_the_horizon_is_a_note_and_loads(inputs: Path) -> None:
    row = _row_of(inputs, "plants", "plant", "CN-ZZ")
    _edit(inputs / "plants.csv", lambda rows: rows[row - 1].__setitem__(6, "2031"))
    assert evplan.load(inputs)["plants"]["first_year"].max() == 2031


# -- 4. through the command line: exit 1, the root first, nothing written ------------------

def test_evplan_run_lists_the_root_cause_first_and_writes_nothing(inputs: Path) -> None:
    import os
    import subprocess
    import sys

    row = _row_of(inputs, "plants", "plant", "CN-XYG")
    _edit(inputs / "plants.csv", lambda rows: rows[row - 1].__setitem__(2, "cn"))
    _edit(inputs / "duties.csv", lambda rows: rows.append(
        ["CN", "US", "*", "2019", "2020", "0.275", "", "", "", "", "", "history"]))
    before = sorted(path.name for path in inputs.parent.rglob("*"))
    source = Path(evplan.__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "evplan.cli", "run", "in", "-o", "out", "--store", "s.duckdb",
         "--no-report"], cwd=inputs.parent, capture_output=True, text=True, timeout=300,
        check=False, env=dict(os.environ, COLUMNS="300", PYTHONPATH=os.pathsep.join(
            [str(source), os.environ.get("PYTHONPATH", "")])))
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert lines[:2] == ["evplan: 1 problem in plants.csv",
                         f"  * row {row}, plant 'CN-XYG': country 'cn' is not 'CN', the country "
                         "of other plants or markets: country codes are case-sensitive, so they "
                         "would be two countries (sales between them pay import duty, and duty "
                         "rows for one do not apply to the other). Write 'CN'. 1 more problem "
                         "in plant_emissions.csv names 'cn' and goes away with this fix "
                         "(checked again then)."]
    assert lines[2:] == ["evplan: 1 note on duties.csv (not problems)",
                         "  * note: row 128, duty 'CN>US * from 2019' (last_year 2020) lies "
                         "wholly outside the horizon 2023-2030, so the duty row never applies. "
                         "Nothing to change if that is meant (a schedule's history, a later "
                         "plan); otherwise correct first_year/last_year, or widen the horizon "
                         "in scenario.yaml."]
    assert sorted(path.name for path in inputs.parent.rglob("*")) == before
