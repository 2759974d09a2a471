"""Read an input workbook: one sheet per table, a ``scenario`` sheet and an optional ``sources``.

Layout (what ``evplan template`` writes and what this reader expects):

* one sheet per input table, named as the table; the column headers are in row 1 and the
  data starts in row 2, so a message's "row 14" is row 14 of the sheet as a spreadsheet
  shows it (units and descriptions are cell comments on the headers, not a second row);
* a ``scenario`` sheet with ``key`` and ``value`` columns (any other column, such as
  ``unit`` or ``description``, is ignored); values are read as YAML scalars;
* an optional ``sources`` sheet with ``id`` and ``citation`` columns, merged into the
  scenario's ``sources`` mapping;
* any other sheet (``README``, say) is ignored.

Every cell is read as text so that validation decides what is wrong with it. Numbers are
written the way Python prints them (``0.1``, ``600000``), so a workbook and a CSV folder
holding the same values validate to the same NetworkData. Fully blank rows are skipped
without renumbering the rows that follow.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from evplan.errors import InputError, Problem

__all__ = ["SCENARIO_SHEET", "SOURCES_SHEET", "cell_text", "read_sheets", "scenario_from_sheets"]

SCENARIO_SHEET = "scenario"
SOURCES_SHEET = "sources"


def cell_text(value: Any) -> str:
    """Return a cell's value as the text a CSV file would hold.

    Examples
    --------
    >>> [cell_text(v) for v in (None, 600000.0, 0.1, 2023, " BEV ", True)]
    ['', '600000', '0.1', '2023', 'BEV', 'TRUE']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    return str(value).strip()


def read_sheets(workbook: Path) -> dict[str, pd.DataFrame]:
    """Read every sheet of ``workbook`` as text, with a ``row`` column of sheet row numbers.

    Raises
    ------
    InputError
        When the file cannot be opened as a workbook.
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(workbook, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a broken file
        raise InputError([Problem(workbook.name, f"{workbook.name} cannot be read as an Excel "
                                  f"workbook: {error}. Save it as .xlsx.")]) from error
    sheets: dict[str, pd.DataFrame] = {}
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header_cells = next(rows, None) or ()
            header = [cell_text(value) for value in header_cells]
            while header and not header[-1]:
                header.pop()
            width = len(header)
            records: list[list[str]] = []
            numbers: list[int] = []
            for number, cells in enumerate(rows, start=2):
                texts = [cell_text(value) for value in cells[:width]]
                if not any(texts):
                    continue
                texts += [""] * (width - len(texts))
                records.append(texts)
                numbers.append(number)
            columns = [name or f"column {index + 1}" for index, name in enumerate(header)]
            frame = pd.DataFrame(records, columns=columns, dtype=object)
            frame = frame.astype(str) if len(frame) else pd.DataFrame(
                {column: pd.Series(dtype=str) for column in columns})
            frame.insert(0, "row", numbers)
            sheets[sheet.title] = frame
    finally:
        book.close()
    return sheets


def _scenario_value(key: str, text: str) -> Any:
    """A scenario cell's value: numbers and booleans parsed, other text kept as written.

    Text is not parsed as YAML (a description such as ``"2023-2030: 19 plants"`` would
    become a mapping); only ``sources`` may hold a YAML mapping.
    """
    if not text:
        return None
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if key == "sources" or isinstance(parsed, int | float | bool) or parsed is None:
        return parsed
    return text


def scenario_from_sheets(sheets: dict[str, pd.DataFrame], workbook_name: str,
                         problems: list[Problem]) -> dict[str, Any]:
    """Return the scenario mapping held by the ``scenario`` (and ``sources``) sheets."""
    label = f"{workbook_name}, sheet {SCENARIO_SHEET}"
    scenario: dict[str, Any] = {}
    if SCENARIO_SHEET not in sheets:
        problems.append(Problem(label, f"{workbook_name} has no sheet '{SCENARIO_SHEET}'. Add "
                                "one with columns key and value (name, first_year, last_year"
                                ", ...)."))
        return scenario
    sheet = sheets[SCENARIO_SHEET]
    if not {"key", "value"} <= set(sheet.columns):
        problems.append(Problem(label, "the scenario sheet needs the columns 'key' and "
                                "'value'."))
        return scenario
    for key, value in zip(sheet["key"], sheet["value"], strict=True):
        if key.strip():
            scenario[key.strip()] = _scenario_value(key.strip(), value.strip())
    if SOURCES_SHEET in sheets:
        sources = sheets[SOURCES_SHEET]
        sources_label = f"{workbook_name}, sheet {SOURCES_SHEET}"
        if not {"id", "citation"} <= set(sources.columns):
            problems.append(Problem(sources_label, "the sources sheet needs the columns 'id' "
                                    "and 'citation'."))
        else:
            merged = dict(scenario.get("sources") or {})
            for source_id, citation in zip(sources["id"], sources["citation"], strict=True):
                if source_id.strip():
                    merged[source_id.strip()] = citation
            scenario["sources"] = merged
    return scenario
