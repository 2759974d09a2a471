"""Read raw input tables, as text, from a folder of CSV files or an Excel workbook.

Every value is read as a string so that validation, not the reader, decides what is
wrong with a cell and says so in the planner's terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from evplan.data.excel import SCENARIO_SHEET, SOURCES_SHEET, read_sheets, scenario_from_sheets
from evplan.data.files import SCENARIO_FILE, read_csv_table, read_scenario_file
from evplan.data.overlay import read_layered_folder
from evplan.errors import InputError, Problem
from evplan.outputs.files import MARKED_STARTS, distinct_cells
from evplan.schema import TABLES

__all__ = ["RawInputs", "read_inputs", "read_raw_table"]


@dataclass
class RawInputs:
    """Tables as read, before validation.

    Attributes
    ----------
    tables : dict
        Table name -> DataFrame of strings, with a ``row`` column (spreadsheet row number).
    labels : dict
        Table name -> how to name its source in messages (``"routes.csv"`` or
        ``"workbook.xlsx, sheet routes"``).
    scenario : dict
        The parsed ``scenario.yaml`` (or the workbook's scenario sheet).
    scenario_label : str
        How to name the scenario source in messages.
    origin : str
        The folder or workbook path.
    """

    tables: dict[str, pd.DataFrame]
    labels: dict[str, str]
    scenario: dict[str, Any]
    scenario_label: str
    origin: str
    problems: list[Problem] = field(default_factory=list)


def read_inputs(path: str | Path) -> RawInputs:
    """Read a CSV folder (with ``scenario.yaml``) or an ``.xlsx`` workbook.

    Parameters
    ----------
    path : str or Path
        A folder holding ``<table>.csv`` files and ``scenario.yaml``, or a workbook with
        one sheet per table and a ``scenario`` sheet of ``key``/``value`` rows.

    Raises
    ------
    InputError
        When the path does not exist or a file cannot be parsed at all.
    """
    source = Path(path)
    if not source.exists():
        raise InputError([Problem(str(source), f"{source} does not exist. Pass a folder of CSV "
                                  "files with a scenario.yaml, or an .xlsx workbook.")])
    if source.is_dir():
        return read_layered_folder(source, _read_folder)
    if source.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_workbook(source)
    raise InputError([Problem(str(source), f"{source} is neither a folder nor an .xlsx workbook. "
                              "Pass the folder that holds plants.csv, routes.csv, ... and "
                              "scenario.yaml.")])


def _plain_text(value: str) -> str:
    """A cell's text, stripped, without the ``'`` that marks text as text.

    :func:`evplan.data.write.write_inputs` writes text that starts like a formula (``=``,
    ``+``, ``-``, ``@``, tab, CR) or with ``'`` with one more ``'`` in front, as Excel shows
    text typed that way, so that a spreadsheet never runs it; reading drops that one ``'``,
    so a folder evplan writes reads back unchanged.

    Examples
    --------
    >>> [_plain_text(v) for v in (" CN ", "'=1+1", "'-x", "'abc", "''=1")]
    ['CN', '=1+1', '-x', "'abc", "'=1"]
    """
    text = value.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in MARKED_STARTS:
        return text[1:]
    return text


def _stripped(table: dict[str, str], value: object) -> object:
    return table.get(value, value) if isinstance(value, str) else value


def _with_row_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with stripped headers and text cells and a ``row`` column (2, 3, ...).

    Its callers pass text (CSV cells read as str): other cells and column dtypes stay as
    they are.
    """
    frame = frame.copy()
    frame.columns = [str(column).strip() for column in frame.columns]
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            continue
        stripped = {value: plain for value in distinct_cells(series)
                    if isinstance(value, str) and value != (plain := _plain_text(value))}
        if stripped:
            frame.isetitem(position, series.map(partial(_stripped, stripped)).array)
    frame.insert(0, "row", range(2, len(frame) + 2))
    return frame


def read_raw_table(source: str | Path | pd.DataFrame, label: str) -> pd.DataFrame:
    """Read one table as text with spreadsheet row numbers, from a CSV path or a DataFrame.

    The building block of every table reader outside the network inputs (fleet,
    charging, recycling parameters): cells become stripped strings (blank for missing),
    and a ``row`` column numbers the rows as a spreadsheet shows them (header = row 1).

    Raises
    ------
    InputError
        When the path does not exist, is empty, or is not readable UTF-8 CSV.
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy().astype(object).where(source.notna(), "").astype(str)
    else:
        path = Path(source)
        if not path.exists():
            raise InputError([Problem(label, f"{path} does not exist. Give the path of a CSV "
                                      "file, or leave it out to use the default.")])
        read = read_csv_table(path, label)
        if read is None:
            raise InputError([Problem(label, _empty_file(label))])
        frame = read
    return _with_row_numbers(frame).reset_index(drop=True)


def _empty_file(label: str, columns: tuple[str, ...] = ()) -> str:
    header = f" ({', '.join(columns)})" if columns else ""
    return (f"{label} is empty, without even a header row. Write the header{header} in row 1 "
            "and the data below it; delete the file if the table has no rows and is optional.")


def _read_folder(folder: Path, complete: bool = True,
                 read_scenario: tuple[dict[str, Any], list[Problem]] | None = None
                 ) -> RawInputs:
    """Read a folder; ``complete=False``: a missing required table is no problem (an overlay).

    ``read_scenario`` is the folder's :func:`~evplan.data.files.read_scenario_file`, when the
    caller has read it already.
    """
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    for name, table in TABLES.items():
        file = folder / table.file
        labels[name] = table.file
        if not file.exists():
            if table.required and complete:
                problems.append(Problem(table.file, f"{table.file} is missing from {folder}. "
                                        f"Add it with the columns {', '.join(table.column_names)} "
                                        "(see docs/inputs.md)."))
            continue
        try:
            frame = read_csv_table(file, table.file)
        except InputError as error:
            problems.extend(error.problems)
            continue
        if frame is None:
            problems.append(Problem(table.file, _empty_file(table.file, table.column_names)))
            continue
        tables[name] = _with_row_numbers(frame)
    scenario, scenario_problems = read_scenario if read_scenario is not None else (
        read_scenario_file(folder))
    problems.extend(scenario_problems)
    return RawInputs(tables, labels, scenario, SCENARIO_FILE, str(folder), problems)


def _read_workbook(workbook: Path) -> RawInputs:
    """Read a workbook laid out as :mod:`evplan.data.excel` describes (header in row 1)."""
    # The reader's problems (merged cells, formulas without a value, Excel errors) are
    # listed with the tables' own (validate_inputs leaves out a table problem on a row the
    # reader already named). A missing required sheet stops here: with it gone, every id
    # that refers to it would be a problem too, so the reader's problems (a sheet named
    # 'Plants', which names the sheet to rename) or else the missing sheets are listed alone.
    problems: list[Problem] = []
    sheets = read_sheets(workbook, read={*TABLES, SCENARIO_SHEET, SOURCES_SHEET},
                         problems=problems)
    missing: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    for name, table in TABLES.items():
        labels[name] = f"{workbook.name}, sheet {name}"
        if name not in sheets:
            if table.required:
                columns = ", ".join(table.column_names)
                missing.append(Problem(labels[name], f"{workbook.name} has no sheet '{name}'. "
                                       f"Add it with the columns {columns}."))
            continue
        tables[name] = sheets[name]
    if missing or SCENARIO_SHEET not in sheets:
        scenario_from_sheets(sheets, workbook.name, missing)  # names a missing scenario sheet
        raise InputError(problems or missing)
    scenario = scenario_from_sheets(sheets, workbook.name, problems)
    scenario_label = f"{workbook.name}, sheet {SCENARIO_SHEET}"
    return RawInputs(tables, labels, scenario, scenario_label, str(workbook), problems)
