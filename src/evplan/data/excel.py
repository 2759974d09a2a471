"""Read an input workbook: one sheet per table, a ``scenario`` sheet and an optional ``sources``.

Layout (what ``evplan template`` writes and what this reader expects):

* one sheet per input table, named as the table; the column headers are in row 1 and the
  data starts in row 2 (blank rows above the header are skipped; a title there is one
  problem), and a message's "row 14" is row 14 of the sheet as a spreadsheet shows it
  (units and descriptions are cell comments on the headers, not a second row);
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
import re
import warnings
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from evplan.data.files import column_letter, load_yaml
from evplan.errors import InputError, Problem
from evplan.schema.scenario import SCENARIO_FIELDS

__all__ = ["SCENARIO_SHEET", "SOURCES_SHEET", "cell_text", "named_like", "read_sheets",
           "scenario_from_sheets"]

SCENARIO_SHEET = "scenario"
SOURCES_SHEET = "sources"
#: Scenario settings that are text (name, description, ...): read as typed, never as YAML.
_TEXT_SETTINGS = frozenset(field.name for field in SCENARIO_FIELDS if field.dtype == "str")
#: Cell texts YAML reads as "no value" on purpose (a blank cell is one too).
_NULLS = frozenset({"~", "null", "Null", "NULL"})


def cell_text(value: Any) -> str:
    """Return a cell's value as the text a CSV file would hold.

    Examples
    --------
    >>> [cell_text(v) for v in (None, 600000.0, 0.1, 2023, " BEV ", True, float("nan"))]
    ['', '600000', '0.1', '2023', 'BEV', 'TRUE', 'NaN']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN: not blank, so validation reports it
            return "NaN"
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    return str(value).strip()


def read_sheets(workbook: Path, read: Collection[str] | None = None,
                problems: list[Problem] | None = None) -> dict[str, pd.DataFrame]:
    """Read the sheets of ``workbook`` as text, with a ``row`` column of sheet row numbers.

    Every stored cell is read, whatever the sheet's ``<dimension>`` tag says (a stale tag
    makes a read-only reader stop early). A formula cell gives its calculated value as the
    workbook stored it.

    Parameters
    ----------
    workbook : Path
        The ``.xlsx`` file.
    read : collection of str, optional
        Names of the sheets to read (default: all); other sheets (a README, notes) are
        ignored, merged cells and formulas included. A sheet whose name differs from one of
        them only in case, spaces, hyphens or underscores (``Plants``, ``plant programs``)
        while that name is missing is a problem naming both: it would be ignored.
    problems : list of Problem, optional
        When given, the problems found (below) are appended to it and the sheets are
        returned as read (a merged range's other cells blank, a formula without a value
        blank), so a caller can list them with the tables' own problems, all at once.

    Raises
    ------
    InputError
        When the file cannot be opened as a workbook; without ``problems``, also when a
        formula was saved without its calculated value, when cells are merged, when a cell
        holds an Excel error or a value under no header (naming sheet, cell and row), or a
        sheet's name is one of ``read`` written differently.
    """
    book = _open(workbook, data_only=False)
    raising = problems is None
    problems = [] if problems is None else problems
    if read is not None:
        _misnamed(workbook.name, [sheet.title for sheet in book.worksheets], read, problems)
    formulas: dict[str, list[tuple[int, int]]] = {}
    grids: dict[str, list[list[Any]]] = {}
    for sheet in book.worksheets:
        if read is not None and sheet.title not in read:
            continue
        grid = [list(row) for row in sheet.iter_rows(values_only=True)]
        grids[sheet.title] = grid
        found = [(r, c) for r, row in enumerate(grid) for c, value in enumerate(row)
                 if _is_formula(sheet, r, c, value)]
        if found:
            formulas[sheet.title] = found
        _merged(sheet, f"{workbook.name}, sheet {sheet.title}", problems)
    cached = _open(workbook, data_only=True) if formulas else None
    if cached is not None:
        for title, cells in formulas.items():
            sheet = cached[title]
            label = f"{workbook.name}, sheet {title}"
            header = _header(grids[title])
            missing = []
            for r, c in cells:
                value = sheet.cell(row=r + 1, column=c + 1).value
                if value is None:
                    missing.append((r, c))
                grids[title][r][c] = value
            for r, c in missing[:MAX_CELLS_NAMED]:
                column = header[c] if c < len(header) and header[c] else f"column {c + 1}"
                problems.append(Problem(label, f"row {r + 1}, {column} (cell "
                                        f"{_cell_name(r, c)}): the workbook was saved without "
                                        "calculated values, so this formula has none: open and "
                                        "save it in Excel, or type the value.", r + 1))
            if len(missing) > MAX_CELLS_NAMED:
                more = len(missing) - MAX_CELLS_NAMED
                problems.append(Problem(label, f"... and {more} more formula cells without a "
                                        "calculated value.", count=more))
    for sheet in book.worksheets:
        if sheet.title in grids:
            source = cached[sheet.title] if cached is not None and sheet.title in formulas \
                else sheet
            _cell_problems(source, grids[sheet.title], f"{workbook.name}, sheet {sheet.title}",
                           problems)
    if problems and raising:
        raise InputError(problems)
    return {title: _frame(grid) for title, grid in grids.items()}


def _sheet_key(title: str) -> str:
    return "_".join(title.replace("-", " ").replace("_", " ").split()).casefold()


def _singular(key: str) -> str:
    return key[:-3] + "y" if key.endswith("ies") else key.removesuffix("s")


#: Sheets and files of an input that are not tables and name none ('scenarios' is the
#: catalog beside 'scenario', not a misspelling of it).
_NOT_TABLES = frozenset({"scenarios", "readme"})


def named_like(title: str, names: Collection[str]) -> str | None:
    """The one of ``names`` that ``title`` writes another way (case, spaces, hyphens,
    underscores, a plural's or a singular's s), else None; a name of ``names`` itself, and
    ``scenarios`` or ``README``, write none.

    Parameters
    ----------
    title : str
        A file stem or sheet title as the user wrote it.
    names : Collection of str
        The table names evplan reads.

    Returns
    -------
    str or None

    Examples
    --------
    >>> named_like("committed_sale", ["committed_sales", "duties"]), named_like("Duty", ["duties"])
    ('committed_sales', 'duties')
    >>> named_like("scenarios", ["scenario"]), named_like("plant_tiers", ["plants"])
    (None, None)
    """
    key = _sheet_key(title)
    if title in names or key in _NOT_TABLES:
        return None
    exact = {_sheet_key(name): name for name in names}
    if key in exact:
        return exact[key]
    loose = {_singular(_sheet_key(name)): name for name in names}
    return loose.get(_singular(key))


def _misnamed(workbook_name: str, titles: list[str], read: Collection[str],
              problems: list[Problem]) -> None:
    """A sheet named like a sheet evplan reads, but not exactly, while that one is missing.

    ``Plants`` or ``plants `` (a trailing space Excel keeps), ``committed_sale`` would be
    ignored and the table reported missing, with every id that refers to it, or, for an
    optional table, silently have no rows; the message names the sheet to rename.
    """
    present = set(titles)
    for title in titles:
        if title in (SCENARIO_SHEET, SOURCES_SHEET):  # sheets of their own, never misnamed
            continue  # ('scenario' is not a misspelt 'scenarios' catalog sheet)
        name = named_like(title, read)
        if name is not None and name not in present:
            problems.append(Problem(f"{workbook_name}, sheet {title}", f"the sheet {title!r} is "
                                    f"not read: evplan reads a sheet named exactly {name!r} "
                                    "(case, spaces and underscores count). Rename the sheet "
                                    f"to {name}."))


def _cell_problems(sheet: Any, grid: list[list[Any]], label: str,
                   problems: list[Problem]) -> None:
    """Excel error values (``#N/A``, ``#REF!`` ...) and values under no header, by cell.

    An error cell would read as the text ``#N/A`` (an id that matches nothing, so a duty
    or a plant silently drops out); a value right of the last header would be ignored,
    where a CSV file's extra cell is refused.
    """
    header = _header(grid)
    width = len(header)
    above = _header_index(grid)
    found: list[tuple[int, int, str]] = []
    below = next((row for row in grid[above + 1:] if any(cell_text(value) for value in row)),
                 [])
    titled = sum(1 for name in header if name) == 1 and any(
        cell_text(value) for value in below[width:]) and not re.fullmatch(
        r"[a-z][a-z0-9_]*", header[-1])  # a column name ('plant') is no title
    if titled:  # a title above the column names: one problem, not one per cell under it
        problems.append(Problem(label, f"row {above + 1} holds only {header[-1][:60]!r}, a "
                                "title, not the column names: evplan reads the column names "
                                "from the first row with a value. Delete the title row.",
                                above + 1))
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if isinstance(value, str) and value in _ERROR_CODES and sheet.cell(
                    row=r + 1, column=c + 1).data_type == "e":
                found.append((r, c, f"holds the Excel error {value} (a formula that failed, "
                                    "or a lookup that found nothing). Fix it or type the "
                                    "value"))
            elif not titled and r > above and c >= width and cell_text(value):
                found.append((r, c, f"holds {cell_text(value)[:40]!r} under no header: it "
                                    f"would be ignored. Name its column in row {above + 1}, or "
                                    "clear the cell"))
    for r, c, what in found[:MAX_CELLS_NAMED]:
        column = header[c] if c < width and header[c] else f"column {c + 1}"
        problems.append(Problem(label, f"row {r + 1}, {column} (cell {_cell_name(r, c)}) "
                                f"{what}.", r + 1))
    if len(found) > MAX_CELLS_NAMED:
        more = len(found) - MAX_CELLS_NAMED
        problems.append(Problem(label, f"... and {more} more such cells.", count=more))


MAX_CELLS_NAMED = 10
#: Excel's error values (``openpyxl.cell.cell.ERROR_CODES``), as a cell of type ``e`` holds.
_ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!",
                          "#CONNECT!", "#UNKNOWN!", "#BUSY!", "#EXTERNAL!", "#PYTHON!"})


def _open(workbook: Path, data_only: bool) -> Any:
    """Open the whole workbook (not read-only: that mode trusts the stored dimension)."""
    from openpyxl import load_workbook

    try:
        # evplan's own handle, closed also when openpyxl fails half-way (openpyxl closes its
        # archive only after a whole read: a broken workbook left the file open).
        with warnings.catch_warnings(), workbook.open("rb") as stream:
            warnings.simplefilter("ignore")  # unsupported extensions, odd styles
            return load_workbook(stream, read_only=False, data_only=data_only)
    except Exception as error:  # openpyxl raises many types for a broken file
        detail = str(error).strip() or type(error).__name__
        raise InputError([Problem(workbook.name, f"{workbook.name} cannot be read as an Excel "
                                  f"workbook ({detail}). Open it in Excel and save it as "
                                  ".xlsx.")]) from None


def _is_formula(sheet: Any, r: int, c: int, value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("=") and sheet.cell(row=r + 1, column=c + 1).data_type == "f"
    return value is not None and not isinstance(value, int | float | bool | _dt.date
                                                | _dt.time | _dt.timedelta)


def _cell_name(r: int, c: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(c + 1)}{r + 1}"


def _merged(sheet: Any, label: str, problems: list[Problem]) -> None:
    """Merged cells leave all but their first cell blank: name them instead of reading blanks."""
    ranges = sorted(sheet.merged_cells.ranges, key=lambda merged: (merged.min_row,
                                                                   merged.min_col))
    for merged in ranges[:MAX_CELLS_NAMED]:
        problems.append(Problem(label, f"row {merged.min_row}: cells {merged.coord} are merged, "
                                "so all but the first read as blank. Unmerge them and type the "
                                "value in every cell.", merged.min_row))
    if len(ranges) > MAX_CELLS_NAMED:
        more = len(ranges) - MAX_CELLS_NAMED
        problems.append(Problem(label, f"... and {more} more merged ranges.", count=more))


def _header_index(grid: list[list[Any]]) -> int:
    """The 0-based row of a sheet's header: its first row with a value.

    Blank rows above the header are skipped, as blank lines above a CSV file's header are
    (a row inserted above it listed every column name as "a value under no header").
    """
    return next((index for index, row in enumerate(grid)
                 if any(cell_text(value) for value in row)), 0)


def _header(grid: list[list[Any]]) -> list[str]:
    """The header row of a sheet as text, without its blank cells at the right."""
    header = [cell_text(value) for value in (grid[_header_index(grid)] if grid else [])]
    while header and not header[-1]:
        header.pop()
    return header


def _frame(grid: list[list[Any]]) -> pd.DataFrame:
    """A sheet's cells as a frame of text: header in its first row with a value, fully
    blank rows and blank columns without a header skipped."""
    header = _header(grid)
    width = len(header)
    records: list[list[str]] = []
    numbers: list[int] = []
    above = _header_index(grid)
    for number, cells in enumerate(grid[above + 1:], start=above + 2):
        texts = [cell_text(value) for value in cells[:width]]
        if not any(texts):
            continue
        texts += [""] * (width - len(texts))
        records.append(texts)
        numbers.append(number)
    # A column without a header: left out when every cell is blank too (a cleared
    # column, as a CSV's), else named by its letter, as a CSV's is, so that the message
    # says which column to name or delete.
    keep = [index for index, name in enumerate(header)
            if name or any(record[index] for record in records)]
    columns = [header[index] or f"(no header, column {column_letter(index)})"
               for index in keep]
    records = [[record[index] for index in keep] for record in records]
    frame = pd.DataFrame(records, columns=columns, dtype=object)
    frame = frame.astype(str) if len(frame) else pd.DataFrame(
        {column: pd.Series(dtype=str) for column in columns})
    frame.insert(0, "row", numbers)
    return frame


def _scenario_value(key: str, text: str, label: str, problems: list[Problem]) -> Any:
    """A scenario cell's value: numbers and booleans parsed, other text kept as written.

    Text is not parsed as YAML (a description such as ``"2023-2030: 19 plants"`` would
    become a mapping); only ``sources`` may hold a YAML mapping, read with evplan's limited
    loader (an alias bomb there is refused, not expanded).
    """
    if not text:
        return None
    try:
        parsed = load_yaml(text, label)
    except InputError as error:
        if key == "sources":
            problems.extend(Problem(label, f"sources: {problem.message}")
                            for problem in error.problems)
            return None
        return text
    if parsed is None and text not in _NULLS:
        return text  # '#...' is a YAML comment; in a cell it is what was typed
    if key == "sources" or isinstance(parsed, int | float | bool) or parsed is None:
        return parsed
    return text


def _once(sheet: pd.DataFrame, key: str, value: str, label: str, noun: str,
          problems: list[Problem]) -> Iterator[tuple[str, str]]:
    """``(key, value)`` of each row with a key (stripped), the first row of a key only; a
    key given again is a problem naming both rows (a mapping would keep the last)."""
    first: dict[str, int] = {}
    for row, name, text in zip(sheet["row"], sheet[key], sheet[value], strict=True):
        name = name.strip()
        if not name:
            continue
        if name in first:
            problems.append(Problem(label, f"row {row}: {noun} '{name}' is given twice "
                                    f"(first in row {first[name]}). Keep one row.", int(row)))
            continue
        first[name] = int(row)
        yield name, text


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
    for key, value in _once(sheet, "key", "value", label, "key", problems):
        text = value.strip()
        # a text setting is the cell as typed: a name 'true', '1e3' or 'null' stays that text
        scenario[key] = (text or None) if key in _TEXT_SETTINGS else _scenario_value(
            key, text, label, problems)
    if SOURCES_SHEET in sheets:
        sources = sheets[SOURCES_SHEET]
        sources_label = f"{workbook_name}, sheet {SOURCES_SHEET}"
        if not {"id", "citation"} <= set(sources.columns):
            problems.append(Problem(sources_label, "the sources sheet needs the columns 'id' "
                                    "and 'citation'."))
        else:
            merged = dict(scenario.get("sources") or {})
            for source_id, citation in _once(sources, "id", "citation", sources_label,
                                             "source id", problems):
                merged[source_id] = citation
            scenario["sources"] = merged
    return scenario
