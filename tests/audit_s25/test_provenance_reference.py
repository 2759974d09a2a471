"""Readers of the sourced facts in /work/shared/reference, for the provenance tests.

The provenance tests (``test_provenance_*.py``, audit s25, helper-92) compare the numbers evplan
ships as real (the china-export and china-strategic examples, the fleet, charging and recycling
defaults) with the values parsed here from the reference's markdown tables, never with
constants copied into the tests: a test fails when either the shipped table or the reference
drifts. Without the reference folder (a checkout elsewhere) the tests are skipped.

The tests in this file check the readers themselves on cells whose reading is unambiguous.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# The reference facts sit beside the repository (../shared/reference, as README says);
# EVPLAN_REFERENCE_DIR names another place.
REFERENCE_DIR = Path(os.environ.get("EVPLAN_REFERENCE_DIR")
                     or Path(__file__).resolve().parents[3] / "shared" / "reference")
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "src" / "evplan" / "examples"

_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


def reference_text(name: str) -> str:
    """Text of one reference file, or skip the calling test when the folder is absent.

    Parameters
    ----------
    name : str
        File name inside the reference folder, e.g. ``"facts-export.md"``.

    Returns
    -------
    str
        The file's text.
    """
    path = REFERENCE_DIR / name
    if not path.is_file():
        pytest.skip(f"reference file {path} not present")
    return path.read_text(encoding="utf-8")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def markdown_table(text: str, header_start: str, occurrence: int = 0) -> list[dict[str, str]]:
    """Rows of the markdown table whose header line starts with ``header_start``.

    Parameters
    ----------
    text : str
        Markdown text.
    header_start : str
        The start of the header line, e.g. ``"| Chemistry | Li | Ni |"``.
    occurrence : int
        Which table with that header (0 for the first).

    Returns
    -------
    list of dict
        One mapping of header cell to cell text per body row.
    """
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(header_start)]
    if len(starts) <= occurrence:
        raise AssertionError(f"no table with header {header_start!r} in the reference")
    start = starts[occurrence]
    header = _cells(lines[start])
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = _cells(line)
        rows.append(dict(zip(header, cells, strict=False)))
    return rows


def row(rows: list[dict[str, str]], first_cell_contains: str) -> dict[str, str]:
    """The one row whose first cell contains the given text (markdown bold removed)."""
    found = [r for r in rows
             if first_cell_contains in next(iter(r.values())).replace("**", "")]
    if len(found) != 1:
        raise AssertionError(f"{len(found)} reference rows match {first_cell_contains!r}")
    return found[0]


def find_row(text: str, header_start: str, first_cell_contains: str) -> dict[str, str]:
    """The one row, among every table with that header, whose first cell contains the text."""
    found = []
    occurrence = 0
    while True:
        try:
            rows = markdown_table(text, header_start, occurrence)
        except AssertionError:
            break
        found += [r for r in rows
                  if first_cell_contains in next(iter(r.values())).replace("**", "")]
        occurrence += 1
    if len(found) != 1:
        raise AssertionError(f"{len(found)} reference rows match {first_cell_contains!r}")
    return found[0]


def numbers(cell: str) -> list[float]:
    """Every number in a cell, thousands separators removed (``~1,600,000`` reads 1600000)."""
    return [float(n.replace(",", "")) for n in _NUMBER.findall(cell.replace("**", ""))]


def first_number(cell: str) -> float:
    """The first number in a cell."""
    values = numbers(cell)
    if not values:
        raise AssertionError(f"no number in reference cell {cell!r}")
    return values[0]


def test_markdown_table_reads_the_batpac_table() -> None:
    text = reference_text("facts-charging-recycling.md")
    rows = markdown_table(text, "| Chemistry | Li | Ni | Co | Mn |")
    assert [r["Chemistry"] for r in rows][:2] == ["NMC811", "NMC622"]
    assert len(rows) == 8
    assert first_number(row(rows, "LFP")["P"]) > 0.0


def test_numbers_reads_separators_bold_and_tildes() -> None:
    assert numbers("~1,600,000") == [1_600_000.0]
    assert numbers("**4.91M (2023)**") == [4.91, 2023.0]
    assert first_number("360,000 → 600,000") == 360_000.0
