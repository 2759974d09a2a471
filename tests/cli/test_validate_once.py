"""`evplan validate` of a workbook that cannot be opened lists its problem once (audit s24,
helper-85: the tables and the scenarios sheet each reported it)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from evplan.cli import app


def test_a_workbook_that_is_not_a_zip_is_one_problem(tmp_path: Path) -> None:
    book = tmp_path / "bad.xlsx"
    book.write_bytes(b"not a zip")
    done = CliRunner().invoke(app, ["validate", str(book)])
    assert done.exit_code == 1, done.output
    text = " ".join(done.output.split())
    assert "1 problem in bad.xlsx" in text, text
    assert text.count("cannot be read as an Excel workbook") == 1, text
