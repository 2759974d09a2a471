"""A result CSV's marked header reads back as written (session 26, helper-102).

:func:`evplan.outputs.files.write_csv` writes a formula-like header (a sweep parameter
named ``=x`` or `` @M3``) as ``'=x``; reading dropped the ``'`` from cells only, so the
column came back as ``'=x``. :func:`evplan.outputs.files.unmarked` is the inverse for
headers and cells alike.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evplan.outputs.files import unmarked, write_csv

NAMES = ["=HYPERLINK(\"http://x\")", " @M3", "+1", "-x", "'=y", "'plain", "\tTAB", "plain"]


@pytest.mark.parametrize("name", NAMES)
def test_a_header_and_its_cells_read_back_as_written(tmp_path: Path, name: str) -> None:
    frame = pd.DataFrame({name: [name, "CN"], "value": [1.5, -2.0]})
    path = write_csv(frame, tmp_path / "t.csv")
    raw = pd.read_csv(path, dtype={name: str}, keep_default_na=False)
    back = unmarked(raw)
    assert list(back.columns) == [name, "value"]
    assert back[name].tolist() == [name, "CN"]
    assert back["value"].tolist() == [1.5, -2.0]


def test_nothing_marked_is_the_same_frame(tmp_path: Path) -> None:
    frame = pd.DataFrame({"plant": ["CN-HUA", "'abc"], "value": [1.0, 2.0]})
    raw = pd.read_csv(write_csv(frame, tmp_path / "t.csv"))
    assert unmarked(raw) is raw


def test_a_run_folders_csv_cell_starting_with_a_tab_reads_back(tmp_path: Path) -> None:
    """``"\\tx"`` was written ``"'\\tx"`` (a tab is a formula prefix) but read back with its
    ``'`` (the reader took the tab for a space); ``"'\\tx"`` was not marked and lost its
    ``'``; a CR inside a cell was written unquoted and split the row in two."""
    from evplan.results.run_files import read_table_file

    names = ["\tTAB", "'\tTAB", "\rCR", "x\ry", "=x", "'=x", "plain"]
    frame = pd.DataFrame({"plant": names, "value": range(len(names))})
    back = read_table_file(write_csv(frame, tmp_path / "production.csv"))
    assert back["plant"].tolist() == names
