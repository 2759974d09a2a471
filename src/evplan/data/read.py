"""Read raw input tables, as text, from a folder of CSV files or an Excel workbook.

Every value is read as a string so that validation, not the reader, decides what is
wrong with a cell and says so in the planner's terms.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evplan.data.columns import MAX_ROWS_PER_KIND, report_rows
from evplan.data.excel import (
    SCENARIO_SHEET,
    SOURCES_SHEET,
    named_like,
    read_sheets,
    scenario_from_sheets,
)
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
    problems : list of Problem
        What the reader found already.
    from_files : bool
        Whether the tables are the user's files, written for the scenario's horizon (a
        plant closing before it is then an error, :mod:`evplan.data.horizon_checks`);
        False for frames given to :func:`evplan.data.validate_tables`, which evplan also
        uses to validate inputs again over a shorter window (a calibration's base year).
    """

    tables: dict[str, pd.DataFrame]
    labels: dict[str, str]
    scenario: dict[str, Any]
    scenario_label: str
    origin: str
    problems: list[Problem] = field(default_factory=list)
    from_files: bool = True


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
        _refuse_a_folder_without_inputs(source)
        return read_layered_folder(source, _read_folder)
    if source.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_workbook(source)
    raise InputError([Problem(str(source), f"{source} is neither a folder nor an .xlsx workbook. "
                              "Pass the folder that holds plants.csv, routes.csv, ... and "
                              "scenario.yaml.")])


def _refuse_a_folder_without_inputs(folder: Path) -> None:
    """Raise one problem for a folder that holds no input file at all (the wrong folder).

    Before, such a folder (``evplan run ~/Downloads``) gave one "is missing" problem per
    required table and four about scenario.yaml, none saying that the folder was wrong.
    A subfolder that holds ``scenario.yaml`` or ``plants.csv`` is named as the likely one.
    """
    files = [table.file for table in TABLES.values()] + [SCENARIO_FILE]
    try:
        if any((folder / name).exists() for name in files):
            return
        inside = sorted(child for child in folder.iterdir() if child.is_dir() and any(
            (child / name).exists() for name in (SCENARIO_FILE, "plants.csv")))
    except OSError:
        return  # an unreadable folder: the per-file messages say what cannot be read
    hint = (f" Did you mean {' or '.join(str(child) for child in inside[:3])}?" if inside
            else "")
    required = ", ".join(table.file for table in TABLES.values() if table.required)
    raise InputError([Problem(str(folder), f"{folder} holds no input files: none of "
                              f"{SCENARIO_FILE}, {required} is there.{hint} Pass the folder "
                              "that holds them, a workbook, or an example's name "
                              "(china-export); `evplan template DIR` writes a folder to "
                              "start from.")])


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


def _with_row_numbers(frame: pd.DataFrame, by_index: bool = False) -> pd.DataFrame:
    """``frame`` with stripped headers and text cells and a ``row`` column (2, 3, ...).

    Its callers pass text (CSV cells read as str): other cells and column dtypes stay as
    they are. ``by_index``: the frame's index is each record's position under the header
    (:func:`~evplan.data.files.read_csv_table` keeps it when it leaves out blank rows), so
    row = position + 2 as a spreadsheet numbers it.
    """
    rows = (np.asarray(frame.index, dtype=np.int64) + 2 if by_index
            else np.arange(2, len(frame) + 2))
    frame = frame.reset_index(drop=True)
    frame.columns = [str(column).strip() for column in frame.columns]
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            continue
        stripped = {value: plain for value in distinct_cells(series)
                    if isinstance(value, str) and value != (plain := _plain_text(value))}
        if stripped:
            frame.isetitem(position, series.map(partial(_stripped, stripped)).array)
    frame.insert(0, "row", rows)
    return frame


# How a European-locale spreadsheet writes numbers: a decimal comma ('0,5', '1,25', not
# '1,250' which may be an English thousands separator), dots between thousands with a
# decimal comma ('1.234,5') or with two groups or more ('1.234.567').
_EUROPEAN = re.compile(r"[+-]?(?:\d+,\d+|\d{1,3}(?:\.\d{3})+,\d+|[1-9]\d{0,2}(?:\.\d{3}){2,})")
_ENGLISH_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+")
# Numbers that read one way with a decimal point and another with a decimal comma:
# '600.000' (600 or 600,000?) and '1,250' (1.25 or 1,250?).
_DOTTED_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")
_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3}|,\d{3})")


def _may_hold(series: pd.Series, mark: str) -> bool:
    """Whether a column's text holds ``mark`` anywhere: a fast first look.

    Arrow text is searched by Arrow; object text is joined once (60 ms for a million
    cells), where a regular expression per cell would take seconds.
    """
    if isinstance(series.dtype, pd.StringDtype):
        return bool(series.str.contains(mark, regex=False).any())
    cells = series.to_numpy(dtype=object)
    try:
        joined = "".join(cells.tolist())
    except TypeError:  # a missing cell (None, NaN) among the text
        joined = "".join(cell for cell in cells if isinstance(cell, str))
    return mark in joined


def _may_be_european(series: pd.Series, whole: bool) -> bool:
    """Whether a column's text holds a comma (or, ``whole``, a dot)."""
    return _may_hold(series, ",") or (whole and _may_hold(series, "."))


def _repeated_header_rows(tables: dict[str, pd.DataFrame], labels: dict[str, str]
                         ) -> list[Problem]:
    """A problem for each row that repeats its table's header (two tables pasted one below
    the other): one line naming the row instead of one "is not a number" per column."""
    problems: list[Problem] = []
    for name, frame in tables.items():
        positions = [position for position, column in enumerate(frame.columns)
                     if column != "row"]
        if not positions or frame.empty:
            continue
        same = np.ones(len(frame), dtype=bool)
        for position in positions:  # by position: a header may name a column twice
            same &= frame.iloc[:, position].to_numpy(dtype=object, na_value="") == str(
                frame.columns[position])
        for row in frame["row"].to_numpy()[same][:MAX_ROWS_PER_KIND]:
            problems.append(Problem(labels.get(name, name), f"row {int(row)} repeats the "
                                    "header row (a second table pasted below the first?). "
                                    "Delete the row.", int(row)))
    return problems


# A date where a year is due: Excel turns a typed '2026-01-01' into a date, a workbook
# stores it as one ('2026-01-01T00:00:00'), and a CSV keeps what the cell shows.
_DATE = re.compile(r"(?P<iso>\d{4})-\d{1,2}-\d{1,2}(?:[T ][\d:.]+)?"
                   r"|\d{1,2}[/.]\d{1,2}[/.](?P<dmy>\d{4})")


def _year_of(cell: str, match: re.Match[str]) -> str:
    """The year a date cell stands for: its own year, or, for a date in 1905 or 1906, the
    Excel serial number it shows (a year such as 2026 in a cell formatted as a date reads
    '1905-07-18')."""
    year = match.group("iso") or match.group("dmy")
    if match.group("iso") in ("1905", "1906"):
        try:
            day = datetime.date.fromisoformat(cell[:10])
        except ValueError:
            return year
        return str((day - datetime.date(1899, 12, 30)).days)
    return year


def _dates_for_years(tables: dict[str, pd.DataFrame], labels: dict[str, str]
                     ) -> list[Problem]:
    """A problem naming the year to write for each date in a year column (else refused as
    "not a whole number", which does not say that the cell became a date)."""
    problems: list[Problem] = []
    for name, frame in tables.items():
        table = TABLES.get(name)
        if table is None:
            continue
        for column in table.columns:
            if column.unit != "year" or column.name not in frame.columns:
                continue
            series = frame.iloc[:, list(frame.columns).index(column.name)]
            if not (_may_hold(series, "-") or _may_hold(series, "/")):
                continue
            cells = series.to_numpy(dtype=object, na_value="")
            dates = [_DATE.fullmatch(cell) if isinstance(cell, str) else None
                     for cell in cells]
            report_rows(
                problems, labels.get(name, table.file), table, frame,
                np.array([match is not None for match in dates], dtype=bool),
                lambda position, column=column, cells=cells, dates=dates: (
                    f"{column.name} = '{cells[position]}' is a date; the column takes a "
                    f"year. Write {_year_of(str(cells[position]), dates[position])} (in a "
                    "spreadsheet, format the cell as a number or text first)."))
    return problems


def _european_numbers(tables: dict[str, pd.DataFrame], labels: dict[str, str]
                      ) -> list[Problem]:
    """Problems for numbers written the European way, and for numbers that then mislead.

    A number written with a decimal comma ('0,5') or dots between thousands ('1.234.567')
    is refused by validation anyway, but as "not a number ... without thousands
    separators", which sends a European user to the wrong fix. Worse, once one cell of the
    inputs is written that way, '600.000' in another cell (a Google Sheets or LibreOffice
    export in a German locale) most likely means 600,000, yet reads as 600 without a
    word; '1,250' may mean 1.25. Each such cell is named with the cell that shows the
    convention; the validator's own problem on its row is then left out.
    """
    found: list[tuple[str, str, pd.DataFrame, str, pd.Series | np.ndarray, np.ndarray]] = []
    example = ""
    for name, frame in tables.items():
        table = TABLES.get(name)
        if table is None:
            continue
        for column in table.columns:
            if column.dtype not in ("int", "float") or column.name not in frame.columns:
                continue
            # cells are stripped text already (_with_row_numbers, excel.read_sheets)
            series = frame.iloc[:, list(frame.columns).index(column.name)]  # the first
            whole = column.dtype == "int"  # '2.025' in a year column: 2025 with a dot
            if not _may_be_european(series, whole):  # the usual case
                found.append((name, labels.get(name, table.file), frame, column.name,
                              series, np.zeros(len(series), dtype=bool)))
                continue
            text = series.to_numpy(dtype=object, na_value="")
            numbers = np.asarray(pd.to_numeric(text, errors="coerce"), dtype=float)
            unread = np.isnan(numbers)
            if whole:
                with np.errstate(invalid="ignore"):
                    unread |= numbers != np.round(numbers)
            european = np.zeros(len(text), dtype=bool)
            for position in np.flatnonzero(unread & (text != "")):
                cell = str(text[position])
                european[position] = ((_EUROPEAN.fullmatch(cell) is not None
                                       and _ENGLISH_THOUSANDS.fullmatch(cell) is None)
                                      or (whole and _DOTTED_THOUSANDS.fullmatch(cell)
                                          is not None))
            if european.any() and not example:
                first = int(np.flatnonzero(european)[0])
                example = (f"{labels.get(name, table.file)} row "
                           f"{int(frame['row'].iloc[first])}, {column.name} = "
                           f"'{text[first]}'")
            found.append((name, labels.get(name, table.file), frame, column.name, text,
                          european))
    if not example:
        return []
    problems: list[Problem] = []
    for name, label, frame, column_name, cells, european in found:
        table = TABLES[name]
        text = np.asarray(cells.to_numpy(dtype=object, na_value="") if isinstance(
            cells, pd.Series) else cells, dtype=object)
        ambiguous = np.fromiter((_AMBIGUOUS.fullmatch(str(cell)) is not None for cell in text),
                                dtype=bool, count=len(text))

        def european_why(position: int, text: np.ndarray = text,
                         column_name: str = column_name) -> str:
            cell = str(text[position])
            plain = cell.replace(".", "").replace(",", ".")
            how = " and ".join(way for mark, way in (
                (".", "dots between thousands"), (",", "a decimal comma")) if mark in cell)
            return (f"{column_name} = '{cell}' is written with {how}. Write {plain} (a "
                    "decimal point, no thousands separators).")

        def ambiguous_why(position: int, text: np.ndarray = text,
                          column_name: str = column_name) -> str:
            cell = str(text[position])
            grouped = cell.replace(",", "").replace(".", "")
            decimal = f"{float(cell.replace(',', '.')):g}"
            return (f"{column_name} = '{cell}' is ambiguous: these inputs write numbers the "
                    f"European way ({example}), so it may mean {grouped} as well as "
                    f"{decimal}. Write the number without thousands separators, with a "
                    "decimal point.")

        report_rows(problems, label, table, frame, european, european_why)
        report_rows(problems, label, table, frame, ambiguous & ~european, ambiguous_why)
    return problems


def _given_rows(frame: pd.DataFrame) -> np.ndarray | None:
    """The ``row`` column of a table evplan read (whole numbers from 2), else None."""
    if "row" not in frame.columns or not pd.api.types.is_integer_dtype(frame["row"].dtype):
        return None
    rows = frame["row"].to_numpy(dtype=np.int64, na_value=-1)
    return rows if len(rows) and rows.min() >= 2 else None


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
        given_rows = _given_rows(source)
        if given_rows is not None:  # a table evplan read keeps its file's row numbers
            source = source.drop(columns="row")
        frame = source.copy().astype(object).where(source.notna(), "").astype(str)
        if given_rows is not None:
            frame = _with_row_numbers(frame)
            frame["row"] = given_rows
            return frame
    else:
        path = Path(source)
        if not path.exists():
            raise InputError([Problem(label, f"{path} does not exist. Give the path of a CSV "
                                      "file, or leave it out to use the default.")])
        read = read_csv_table(path, label)
        if read is None:
            raise InputError([Problem(label, _empty_file(label))])
        frame = read
    return _with_row_numbers(frame, by_index=not isinstance(source, pd.DataFrame))


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
    # A required table that is missing or cannot be read stops here, with the reader's
    # problems of every file (as a workbook's missing sheet does): validating on would name
    # every id that refers to it ("plant 'CN-HUA' is not in plants.csv. Add it to
    # plants.csv", hundreds of times, for a plants.csv saved as UTF-16), a fix that does
    # not apply.
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    stop = False
    misnamed = _misnamed_files(folder)
    for name, table in TABLES.items():
        file = folder / table.file
        labels[name] = table.file
        if not file.exists():
            if name in misnamed:  # 'committed_sale.csv': its rows would be left out, silently
                problems.append(misnamed[name])
                stop = stop or table.required
            elif table.required and complete:
                problems.append(Problem(table.file, f"{table.file} is missing from {folder}. "
                                        f"Add it with the columns {', '.join(table.column_names)} "
                                        "(see docs/inputs.md)."))
                stop = True
            continue
        try:
            frame = read_csv_table(file, table.file)
        except InputError as error:
            problems.extend(error.problems)
            stop = stop or table.required
            continue
        if frame is None:
            problems.append(Problem(table.file, _empty_file(table.file, table.column_names)))
            stop = stop or table.required
            continue
        tables[name] = _with_row_numbers(frame, by_index=True)
    problems.extend(_repeated_header_rows(tables, labels) + _european_numbers(tables, labels)
                    + _dates_for_years(tables, labels))
    scenario, scenario_problems = read_scenario if read_scenario is not None else (
        read_scenario_file(folder))
    problems.extend(scenario_problems)
    if stop:
        raise InputError(problems)
    return RawInputs(tables, labels, scenario, SCENARIO_FILE, str(folder), problems)


def _misnamed_files(folder: Path) -> dict[str, Problem]:
    """Table name -> a problem naming the CSV file of ``folder`` that writes its file name
    another way ('committed_sale.csv', 'Plants.csv', 'routes.CSV'): evplan would not read
    it, and an optional table would have no rows without a word."""
    try:
        files = [path.name for path in folder.iterdir()
                 if path.suffix.lower() == ".csv" and path.is_file()]
    except OSError:
        return {}  # an unreadable folder: the per-file messages say what cannot be read
    found: dict[str, Problem] = {}
    for file in sorted(files):
        stem = file[:-len(".csv")]
        name = named_like(stem, TABLES)  # None for a table's own name
        if stem in TABLES and file != TABLES[stem].file:
            name = stem  # 'routes.CSV'
        if name is not None and name not in found:
            found[name] = Problem(file, f"{file} is not read: evplan reads a file named exactly "
                                  f"{TABLES[name].file} (case, spaces and underscores "
                                  f"count), which {folder} lacks, so its rows "
                                  f"would be left out. Rename the file to {TABLES[name].file}.")
    return found


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
    problems.extend(_repeated_header_rows(tables, labels) + _european_numbers(tables, labels)
                    + _dates_for_years(tables, labels))
    if missing or SCENARIO_SHEET not in sheets:
        scenario_from_sheets(sheets, workbook.name, missing)  # names a missing scenario sheet
        raise InputError(problems or missing)
    scenario = scenario_from_sheets(sheets, workbook.name, problems)
    scenario_label = f"{workbook.name}, sheet {SCENARIO_SHEET}"
    base = str(scenario.get("base_inputs") or "").strip()
    if base:  # was ignored: a sheet deleted for the base's rows silently had none
        problems.append(Problem(scenario_label, f"base_inputs '{base}' is read from an input "
                                "folder's scenario.yaml only: a workbook holds every table "
                                "itself, and a sheet it lacks has no rows. Clear the cell; to "
                                "lay tables over a base, write them as CSV files in a folder "
                                "whose scenario.yaml names base_inputs."))
    return RawInputs(tables, labels, scenario, scenario_label, str(workbook), problems)
