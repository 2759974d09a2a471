"""Result CSVs read back as written, apostrophes included (session 25 audit, helper-95).

A result CSV marks formula-like text with a leading ``'`` and the reader drops it again.
A name that itself began with ``'`` and then looked like a formula (``'=x``: in an input
folder it is typed ``''=x``) was written unmarked, exactly as ``=x`` is written, so it read
back as ``=x``: two plants, ``'=x`` and ``=x``, became one name in a CSV-only run folder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evplan.outputs.files import write_csv
from evplan.results.run_files import read_table_file

NAMES = ["'=x", "=x", "'abc", "''=y", " =z", "' @a", "'", "''", "-5 km", "a=b", "plain"]


def test_every_name_reads_back_as_written(tmp_path: Path) -> None:
    frame = pd.DataFrame({"plant": NAMES, "label": NAMES[::-1],
                          "value_usd": range(len(NAMES))})
    back = read_table_file(write_csv(frame, tmp_path / "t.csv"))
    assert back["plant"].tolist() == NAMES
    assert back["label"].tolist() == NAMES[::-1]
    assert back["value_usd"].tolist() == list(range(len(NAMES)))


@pytest.mark.parametrize("name", ["'=x", "' @a", "''=y"])
def test_an_apostrophe_name_is_still_text_in_a_spreadsheet(name: str, tmp_path: Path) -> None:
    """Marked once more: the cell a spreadsheet shows begins with the apostrophe's text,
    never with a formula character."""
    text = (write_csv(pd.DataFrame({"plant": [name]}), tmp_path / "t.csv")
            .read_text(encoding="utf-8").splitlines()[1])
    assert text == "'" + name
