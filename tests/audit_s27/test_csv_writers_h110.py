"""helper-110: every CSV evplan writes goes through the shared writer (outputs/files.py).

``write_inputs`` (the template, any input folder) and calibrate's ``demand.csv`` wrote with
pandas' ``to_csv`` and ``\\n`` line ends: Python's CSV writer then leaves a cell holding a
carriage return unquoted (``P1,n\\rm,AA``), and the input reader, which reads a CR as a line
end, split that row in two (a plant with no country, capacity read from the wrong cell).
They now use :func:`evplan.outputs.files.write_input_csv` (formula-like text marked with a
``'`` the reader drops again, CR cells quoted, each file whole or not at all).

Each file is read back twice: with Python's csv module (what a spreadsheet gets: the marks,
no extra rows) and with evplan's own reader (the values written, one row per row).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.data.read import read_inputs
from evplan.data.write import write_inputs
from evplan.examples import single_lane
from evplan.outputs.files import write_csv, write_input_csv
from evplan.results.run_files import read_table_file

CELLS = ["=1+1", "@x", "+x", "-x", "\t=x", "a\rb", "a\nb", "'=x", "'abc", "plain"]
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def _check_spreadsheet_view(rows: list[list[str]], width: int) -> None:
    """No row split or merged; no cell a spreadsheet would run as a formula."""
    assert all(len(row) == width for row in rows), rows
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA), repr(cell)


def test_write_inputs_quotes_a_carriage_return_and_reads_back(tmp_path: Path) -> None:
    data = single_lane()
    data["plants"]["name"] = "n\rm"
    data["plants"]["source"] = "=HYPERLINK(1)"
    data["programs"]["name"] = "a\nb"
    data["programs"]["source"] = "@x"
    data["markets"]["name"] = "+x"
    data["markets"]["source"] = "-x"
    folder = write_inputs(data, tmp_path / "inputs")
    plants = _csv_rows(folder / "plants.csv")
    assert len(plants) == 2  # header and the one plant: the CR did not start a row
    _check_spreadsheet_view(plants, len(plants[0]))
    assert plants[1][plants[0].index("name")] == "n\rm"
    back = evplan.load(folder)  # validated: the plant is whole, not two broken rows
    assert back["plants"]["name"].tolist() == ["n\nm"]  # the reader reads any CR as LF
    assert back["plants"]["source"].tolist() == ["=HYPERLINK(1)"]
    assert back["programs"]["name"].tolist() == ["a\nb"]
    assert back["programs"]["source"].tolist() == ["@x"]
    assert back["markets"]["name"].tolist() == ["+x"]
    assert back["markets"]["source"].tolist() == ["-x"]


def test_write_inputs_every_kind_of_cell_round_trips_through_the_raw_reader(
        tmp_path: Path) -> None:
    """One plant per cell kind: the raw reader (before validation strips surrounding
    blanks) gives every value back, a CR as LF."""
    data = single_lane()
    base = data["plants"].iloc[[0] * len(CELLS)].reset_index(drop=True)
    base["plant"] = [f"P{i}" for i in range(len(CELLS))]
    base["name"] = CELLS
    folder = write_inputs(data.replace(tables={**data.tables, "plants": base}),
                          tmp_path / "inputs")
    rows = _csv_rows(folder / "plants.csv")
    assert len(rows) == len(CELLS) + 1
    _check_spreadsheet_view(rows, len(rows[0]))
    raw = read_inputs(folder).tables["plants"]
    assert raw["name"].tolist() == [cell.replace("\r", "\n") for cell in CELLS]


@pytest.mark.parametrize("writer", ["input", "result"])
def test_headers_and_cells_are_marked_and_quoted(tmp_path: Path, writer: str) -> None:
    headers = ["=h", "@h", "+h", "-h", "\th", "h\rx", "h\ny", "id"]
    frame = pd.DataFrame({header: [CELLS[i % len(CELLS)], CELLS[(i + 3) % len(CELLS)]]
                          for i, header in enumerate(headers)})
    frame["n"] = [-1.5, 2.0]  # a number stays a number
    path = tmp_path / "t.csv"
    (write_input_csv if writer == "input" else write_csv)(frame, path)
    rows = _csv_rows(path)
    assert len(rows) == 3
    _check_spreadsheet_view([row[:-1] for row in rows], len(headers))
    assert rows[1][-1] == "-1.5"
    if writer == "result":  # evplan's result reader gives back headers and cells
        back = read_table_file(path)
        assert list(back.columns) == [*headers, "n"]
        pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    else:  # headers of input tables are schema names: cells via the reader's unmarking
        from evplan.data.read import _plain_text
        for at, header in enumerate(headers):
            for row, cell in zip(rows[1:], frame[header], strict=True):
                assert _plain_text(row[at]) == cell, (header, cell)
    assert not [p.name for p in tmp_path.iterdir() if p.name != "t.csv"]  # no temporary left


def test_calibrate_command_writes_demand_through_the_shared_writer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The calibrate command's demand.csv comes from write_input_csv (not to_csv)."""
    from typer.testing import CliRunner

    import evplan.outputs.files as files
    from evplan.cli import app

    seen: list[str] = []
    original = files.write_input_csv

    def spy(frame: pd.DataFrame, path: str | Path) -> Path:
        seen.append(Path(path).name)
        return original(frame, path)

    monkeypatch.setattr(files, "write_input_csv", spy)
    done = CliRunner().invoke(app, ["calibrate", "-o", str(tmp_path / "cal")])
    assert done.exit_code == 0, done.output
    assert "demand.csv" in seen
    assert (tmp_path / "cal" / "demand.csv").read_bytes().startswith(b"market,")
