"""Column coercion against a cell-by-cell reference.

``coerce_table`` works on whole columns (object arrays and one ``pandas.to_numeric`` call per
column). Here every cell of random columns, drawn from numbers, padded numbers, blanks of
each kind (None, NaN, pd.NA, spaces), text that is not a number and non-string cells (an
Excel reader's floats and ints), is typed and judged one at a time by plain Python, and the
two must agree: the typed values, and which rows are reported for which column.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evplan.data.columns import coerce_table
from evplan.errors import Problem
from evplan.schema import Column, Table

COLUMNS = (
    Column("year", "int", "-", "A year.", minimum=2000, maximum=2100),
    Column("volume_vehicles", "float", "vehicles", "Vehicles.", required=False, default=5.0,
           minimum=0),
    Column("share", "float", "fraction", "A share.", required=False, minimum=0, maximum=1),
    Column("powertrain", "str", "-", "Powertrain.", choices=("ICE", "BEV", "PHEV")),
    Column("tier", "str", "-", "Tier.", required=False, default="base"),
)
TABLE = Table("cells", "One row per test cell.", COLUMNS, key=())

CELLS = st.one_of(
    st.sampled_from(["", "  ", None, np.nan, pd.NA, "nan", "NaN", "<NA>", "inf", "-inf",
                     "1e400", "1_000", "12%", "1,000", "abc", " 2030 ", "2030.0", "2030.5",
                     "1999", "2101", "0.5", " .25", "5.", "+3", "-1", "1e3", "ICE", " BEV ",
                     "bev", "PHEV", "Ice", "base", "x"]),
    st.integers(-10, 3000).map(str),
    st.floats(-1e4, 1e4, allow_nan=False).map(lambda x: f"{x:.6g}"),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(1990, 2110),
)


def _text(cell: object) -> str:
    if cell is None or cell is pd.NA or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    return str(cell).strip()


def _number(text: str) -> float:
    value = pd.to_numeric(pd.Series([text], dtype=object), errors="coerce").iloc[0]
    return float(value)


def _reference(column: Column, cells: list[object]) -> tuple[list[object], set[int]]:
    """Typed values and the positions reported, one cell at a time."""
    typed: list[object] = []
    bad: set[int] = set()
    for position, cell in enumerate(cells):
        text = _text(cell)
        if column.dtype == "str":
            blank = text == ""
            # "nan" written out: refused, except in free text (docs/inputs.md)
            written = column.name not in ("name", "source") and text.lower() in ("nan", "<na>")
            if written or (blank and column.required):
                bad.add(position)
            if blank and column.default is not None:
                text = str(column.default)
            if column.choices is not None and not (blank or written) and (
                    text not in column.choices):
                bad.add(position)
            typed.append(text)
            continue
        blank = text == ""
        value = _number(text) if not blank else math.nan
        if not blank and not math.isfinite(value):
            bad.add(position)
            value = math.nan
        if math.isfinite(value):
            if column.dtype == "int" and value != round(value):
                bad.add(position)
            if not column.lower_bound <= value <= column.upper_bound:
                bad.add(position)
        if blank and column.required:
            bad.add(position)
        if blank and column.default is not None:
            value = float(column.default)  # type: ignore[arg-type]
        if column.dtype == "int":
            # out-of-range whole numbers (reported) do not fit the integer type: blank
            fits = not math.isnan(value) and abs(value) < 2.0**53
            typed.append(round(value) if fits else pd.NA)
        else:
            typed.append(value)
    return typed, bad


def _as_read(cell: object) -> object:
    """The cell as a file reader gives it: text, or missing."""
    return None if _text(cell) == "" and not isinstance(cell, str) else str(cell)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(*[CELLS] * len(COLUMNS)), min_size=1, max_size=8), st.booleans())
def test_coerce_table_types_and_reports_each_cell_as_the_reference(rows: list[tuple],
                                                                   read: bool) -> None:
    """``read``: the columns are text as the CSV reader gives them (a string dtype, trimmed
    by Arrow); else objects of any kind (a workbook's or a frame's cells)."""
    frame = pd.DataFrame({column.name: pd.Series([_as_read(row[k]) for row in rows], dtype=str)
                          if read else pd.Series([row[k] for row in rows], dtype=object)
                          for k, column in enumerate(COLUMNS)})
    frame.insert(0, "row", np.arange(2, len(rows) + 2))
    problems: list[Problem] = []
    typed = coerce_table(TABLE, frame, "cells.csv", problems)
    for column in COLUMNS:
        expected, bad = _reference(column, list(frame[column.name]))
        got = typed[column.name].tolist()
        assert len(got) == len(expected)
        for value, want in zip(got, expected, strict=True):
            if want is pd.NA or (isinstance(want, float) and math.isnan(want)):
                assert pd.isna(value), (column.name, value, want)
            else:
                assert value == want, (column.name, value, want)
        reported = {problem.row - 2 for problem in problems
                    if problem.row is not None and f"{column.name} " in problem.message}
        assert reported == bad, (column.name, reported, bad)
