"""Safe inputs (audit s26, helper-101): invisible characters shown as <U+XXXX>, the countries'
spellings built once, notes kept on inputs that load, and a file or sheet named like a
table that evplan would not read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.data import spelling_checks, write_inputs
from evplan.data.lookalike import difference
from evplan.errors import InputError
from evplan.examples import single_lane

ZWSP = "\u200b"


def _inputs(tmp_path: Path) -> Path:
    return write_inputs(single_lane(), tmp_path / "inputs")


def _append(folder: Path, table: str, row: dict[str, str]) -> None:
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    frame = pd.concat([frame, pd.DataFrame([row])], ignore_index=True).fillna("")
    frame.to_csv(folder / f"{table}.csv", index=False)


def _problems(path: Path) -> list[InputError]:
    with pytest.raises(InputError) as caught:
        evplan.load(path)
    return caught.value.problems


def test_difference_shows_an_invisible_character_where_it_is() -> None:
    """It quoted the raw zero-width space: 'CN​' read as 'CN' in a terminal."""
    assert difference(f"CN{ZWSP}") == ("'CN<U+200B>' holds an invisible character "
                                       "(U+200B ZERO WIDTH SPACE)")
    assert difference("CN\u00a0HUA").startswith("'CN<U+00A0>HUA' holds a no-break space")


def test_a_plant_id_with_a_zero_width_space_is_one_problem_without_the_raw_character(
        tmp_path: Path) -> None:
    folder = _inputs(tmp_path)
    plants = pd.read_csv(folder / "plants.csv", dtype=str, keep_default_na=False)
    twin = plants.iloc[0].to_dict() | {"plant": plants.loc[0, "plant"] + ZWSP}
    _append(folder, "plants", twin)
    found = _problems(folder)
    plant = plants.loc[0, "plant"]
    assert [problem.message for problem in found] == [
        f"row 3, plant '{plant}<U+200B>': plant '{plant}<U+200B>' is not '{plant}' (row 2): "
        f"'{plant}<U+200B>' holds an invisible character (U+200B ZERO WIDTH SPACE), so it "
        "reads as the same plant: a row of another file written either way would reach only "
        f"one of them. Give it a name of its own, or remove the row if it repeats '{plant}'."]
    assert all(ZWSP not in problem.message for problem in found)


def test_a_number_with_a_zero_width_space_quotes_it_shown(tmp_path: Path) -> None:
    folder = _inputs(tmp_path)
    routes = pd.read_csv(folder / "routes.csv", dtype=str, keep_default_na=False)
    routes.loc[0, "freight_usd_per_vehicle"] = f"1200{ZWSP}"
    routes.to_csv(folder / "routes.csv", index=False)
    (message,) = [problem.message for problem in _problems(folder)]
    assert message.endswith("freight_usd_per_vehicle = '1200<U+200B>' is not a number: "
                            "'1200<U+200B>' holds an invisible character (U+200B ZERO WIDTH "
                            "SPACE). Retype the cell as a number in USD/vehicle.")


def test_the_countries_spellings_are_built_once_per_check(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """check_spellings built the folded countries twice (check_country_codes and
    _check_plant_and_market_countries each looped over plants and markets)."""
    calls: list[int] = []
    built = spelling_checks._spellings_by_fold

    def spy(tables: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
        calls.append(1)
        return built(tables)

    monkeypatch.setattr(spelling_checks, "_spellings_by_fold", spy)
    tables = {"plants": pd.DataFrame({"plant": ["P1", "P2"], "country": ["cn", "JP"],
                                      "row": [2, 3]}),
              "markets": pd.DataFrame({"country": ["CN", "JP"], "row": [2, 3]})}
    problems: list = []
    spelling_checks.check_country_codes(tables, {"plants": "plants.csv",
                                                 "markets": "markets.csv"}, problems)
    assert len(calls) == 1
    assert [problem.message for problem in problems] == [
        "row 2, plant 'P1': country 'cn' is not 'CN', the country of other plants or markets: "
        "country "
        "codes are case-sensitive, so they would be two countries (sales between them pay "
        "import duty, and duty rows for one do not apply to the other). Write 'CN'."]
    assert spelling_checks.canonical_countries(tables) == {"cn": "CN"}


def test_notes_are_kept_on_inputs_that_load(tmp_path: Path) -> None:
    """A lane that opens after the horizon is a note: it was dropped when nothing failed,
    so `evplan validate` could not show it on clean inputs."""
    from evplan.errors import render_problems

    folder = _inputs(tmp_path)
    assert evplan.load(folder).notes == ()
    routes = pd.read_csv(folder / "routes.csv", dtype=str, keep_default_na=False)
    last = int(evplan.load(folder).scenario.last_year)
    routes.loc[0, "first_year"] = str(last + 5)
    routes.to_csv(folder / "routes.csv", index=False)
    data = evplan.load(folder)
    assert [(note.file, note.row, note.count) for note in data.notes] == [("routes.csv", 2, 0)]
    text = render_problems(data.notes)
    assert text.splitlines()[0] == "evplan: 1 note on routes.csv (not problems)"
    assert f"(first_year {last + 5}) lies wholly outside the horizon" in text


@pytest.mark.parametrize(("file", "table"), [("committed_sale.csv", "committed_sales"),
                                             ("Committed Sales.csv", "committed_sales"),
                                             ("routes.CSV", "routes")])
def test_a_file_named_like_a_table_is_an_error_not_ignored(tmp_path: Path, file: str,
                                                         table: str) -> None:
    """committed_sale.csv was ignored without a word: its committed volumes had no rows."""
    folder = _inputs(tmp_path)
    source = folder / f"{table}.csv"
    if source.exists():
        source.rename(folder / file)
    else:
        (folder / file).write_text("market,year,product,min_vehicles\nM1,2025,V1,5\n",
                                   encoding="utf-8")
    found = _problems(folder)
    assert [(problem.file, problem.message) for problem in found] == [
        (file, f"{file} is not read: evplan reads a file named exactly {table}.csv (case, "
         f"spaces and underscores count), which {folder} lacks, so its rows would be left "
         f"out. Rename the file to {table}.csv.")]


def test_validate_exits_1_on_a_misnamed_sheet(tmp_path: Path) -> None:
    """A sheet 'Committed Sale' was ignored: its rows silently had no effect."""
    import openpyxl

    from evplan.report.excel import write_template

    workbook = tmp_path / "inputs.xlsx"
    write_template(workbook, single_lane())
    book = openpyxl.load_workbook(workbook)
    del book["committed_sales"]
    sheet = book.create_sheet("Committed Sale")
    sheet.append(["market", "year", "product", "min_vehicles"])
    sheet.append(["M1", 2025, "V1", 5])
    book.save(workbook)
    found = _problems(workbook)
    assert [problem.message for problem in found] == [
        "the sheet 'Committed Sale' is not read: evplan reads a sheet named exactly "
        "'committed_sales' (case, spaces and underscores count). Rename the sheet to "
        "committed_sales."]
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "validate", str(workbook)],
                          capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(Path(evplan.__file__).parents[1]),
                               "PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "300"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Rename the sheet to committed_sales." in done.stdout + done.stderr


def test_minus_zero_reads_as_zero(tmp_path: Path) -> None:
    """'-0.0' in a cost was kept as -0.0, which result tables print as '-0'."""
    import numpy as np

    folder = _inputs(tmp_path)
    plants = pd.read_csv(folder / "plants.csv", dtype=str, keep_default_na=False)
    plants.loc[0, "fixed_cost_usd_per_year"] = "-0.0"
    plants.to_csv(folder / "plants.csv", index=False)
    value = evplan.load(folder)["plants"].loc[0, "fixed_cost_usd_per_year"]
    assert value == 0 and not np.signbit(value)
