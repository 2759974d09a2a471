"""`evplan template NAME`: a folder name as typed (its slash) says it is a folder."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from evplan.cli import app


def test_a_folder_name_with_a_dot_and_a_slash_is_a_folder(tmp_path: Path, monkeypatch) -> None:
    # Before: 'v1.2/' reached the command as Path('v1.2'), without its slash, and was refused
    # as "an Excel workbook (something.xlsx) or a folder (name it DIR/)".
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(app, ["template", "v1.2/"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "v1.2" / "plants.csv").is_file()
    refused = CliRunner().invoke(app, ["template", "v1.3"])  # no slash: a file with a suffix
    assert refused.exit_code == 1 and not (tmp_path / "v1.3").exists()


def test_the_current_folder_is_refused_by_name(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(app, ["template", "."])
    assert done.exit_code == 1
    assert "is the current folder or holds it" in done.output
    assert list(tmp_path.iterdir()) == []
