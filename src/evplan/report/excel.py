"""Excel in and out: the input template (``evplan template``) and the result workbook.

The template holds one sheet per input table of :data:`evplan.schema.TABLES`, headers in
row 1 and data from row 2 (the layout :mod:`evplan.data.excel` reads, so a message's "row
14" is the sheet's row 14). Each header carries its unit and description as a cell comment;
cells get data validation from the schema where it helps a planner typing values: lists
for columns with choices (powertrains, customs basis), decimal bounds for rates and other
bounded numbers, whole numbers for years and counts, and lists of the ids of the table a
column refers to (a route's plant must be a plant on the ``plants`` sheet). A ``scenario``
sheet holds the settings as key/value rows, a ``sources`` sheet the source ids, and a
``README`` sheet says how to use the workbook.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from evplan.data.excel import SCENARIO_SHEET, SOURCES_SHEET
from evplan.data.network import NetworkData
from evplan.outputs.files import atomic_write
from evplan.schema import SCENARIO_FIELDS, TABLES, Column, Table

__all__ = ["refresh_result_workbook", "write_result_workbook", "write_template"]

HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
OPTIONAL_FILL = PatternFill("solid", fgColor="4F6D8F")
HEADER_FONT = Font(bold=True, color="FFFFFF")
#: Excel's limits: rows in a sheet (the header included) and characters in a cell.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_CELL_CHARACTERS = 32_767
VALIDATION_ROWS = 20_000
"""Rows below the header that data validation covers (Excel keeps it cheap: one range)."""


def _cell_value(value: Any) -> Any:
    """A Python/pandas value as openpyxl should store it (None for blanks)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        # characters XML cannot hold (control characters) are written as \xNN
        value = ILLEGAL_CHARACTERS_RE.sub(lambda match: f"\\x{ord(match.group()):02x}", value)
    return value


def _header(sheet: Worksheet, names: list[str], comments: list[str | None],
            optional: list[bool]) -> None:
    for index, (name, comment, is_optional) in enumerate(
            zip(names, comments, optional, strict=True), start=1):
        cell = sheet.cell(row=1, column=index, value=name)
        cell.font = HEADER_FONT
        cell.fill = OPTIONAL_FILL if is_optional else HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        if comment:
            cell.comment = Comment(comment, "evplan", width=320, height=140)
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(name) + 4))
    sheet.freeze_panes = "A2"


def _as_text(book: Workbook) -> None:
    """Store every text cell as text: a value like ``=HYPERLINK(...)``, ``+1``, ``-x`` or
    ``@SUM(...)`` read from inputs must never become a live formula."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"


def _write_rows(sheet: Worksheet, frame: pd.DataFrame, columns: list[str],
                text_columns: set[str], cut: bool = False) -> None:
    """Append rows (text cells become text, never formulas, when the book is saved). With
    ``cut``, text longer than an Excel cell holds is cut, saying so (result workbooks: the
    run folder's CSV holds it whole)."""
    values = frame[columns].astype(object).to_numpy()
    for record in values:
        row = []
        for column, value in zip(columns, record, strict=True):
            cell = _cell_value(value)
            if column in text_columns and cell is not None:
                cell = str(cell)
            if cut and isinstance(cell, str) and len(cell) > EXCEL_MAX_CELL_CHARACTERS:
                cell = cell[:EXCEL_MAX_CELL_CHARACTERS - 40] + f" ... (cut: {len(cell):,} chars)"
            row.append(cell)
        sheet.append(row)


def _column_comment(column: Column) -> str:
    parts = [column.description, f"Unit: {column.unit}."]
    if column.choices:
        parts.append(f"One of: {', '.join(column.choices)}.")
    if column.minimum is not None or column.maximum is not None:
        low = "-inf" if column.minimum is None else f"{column.minimum:g}"
        high = "inf" if column.maximum is None else f"{column.maximum:g}"
        parts.append(f"Between {low} and {high}.")
    if column.is_fraction:
        parts.append("A fraction: 17 % is 0.17.")
    if column.references:
        parts.append(f"Must match {column.references.replace('.', ' ')} "
                     f"(sheet {column.references.split('.')[0]}).")
    parts.append("Required." if column.required else (
        f"Optional; blank means {column.default}." if column.default not in (None, "")
        else "Optional; may be blank."))
    return " ".join(parts)


def _validation(column: Column, letter: str) -> DataValidation | None:
    target = f"{letter}2:{letter}{VALIDATION_ROWS + 1}"
    validation: DataValidation | None = None
    if column.choices:
        validation = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"',
                                    allow_blank=not column.required)
        validation.error = f"{column.name} must be one of {', '.join(column.choices)}."
    elif column.references:
        table, key = column.references.split(".")
        key_letter = get_column_letter(TABLES[table].column_names.index(key) + 1)
        validation = DataValidation(
            type="list", formula1=f"{table}!${key_letter}$2:${key_letter}${VALIDATION_ROWS + 1}",
            allow_blank=not column.required)
        validation.error = f"{column.name} must be a {key} on the {table} sheet."
    elif column.dtype in ("int", "float") and (column.minimum is not None
                                               or column.maximum is not None
                                               or column.dtype == "int"):
        kind = "whole" if column.dtype == "int" else "decimal"
        low, high = column.minimum, column.maximum
        if low is not None and high is not None:
            operator, first, second = "between", f"{low:g}", f"{high:g}"
            bounds = f" between {low:g} and {high:g}"
        elif low is not None:
            operator, first, second = "greaterThanOrEqual", f"{low:g}", None
            bounds = f" of at least {low:g}"
        elif high is not None:
            operator, first, second = "lessThanOrEqual", f"{high:g}", None
            bounds = f" of at most {high:g}"
        else:
            operator, first, second = "between", "-2147483648", "2147483647"
            bounds = ""
        validation = DataValidation(type=kind, operator=operator, formula1=first,
                                    formula2=second, allow_blank=not column.required)
        what = "a whole number" if kind == "whole" else "a number"
        validation.error = (f"{column.name} must be {what}{bounds}"
                            + (" (a fraction: 17 % is 0.17)." if column.is_fraction else "."))
    if validation is None:
        return None
    validation.errorTitle = f"{column.name} ({column.unit})"
    validation.showErrorMessage = True
    validation.add(target)
    return validation


def _table_sheet(book: Workbook, table: Table, frame: pd.DataFrame | None) -> None:
    sheet = book.create_sheet(table.name)
    columns = list(table.column_names)
    _header(sheet, columns, [_column_comment(column) for column in table.columns],
            [not column.required for column in table.columns])
    if frame is not None and len(frame):
        text = {column.name for column in table.columns if column.dtype == "str"}
        _write_rows(sheet, frame, columns, text)
    for index, column in enumerate(table.columns, start=1):
        validation = _validation(column, get_column_letter(index))
        if validation is not None:
            sheet.add_data_validation(validation)


def _scenario_sheet(book: Workbook, data: NetworkData | None) -> None:
    sheet = book.create_sheet(SCENARIO_SHEET)
    _header(sheet, ["key", "value", "unit", "description"],
            ["Scenario setting (do not rename).", "Its value (blank: the default).",
             None, None], [False, False, True, True])
    settings = data.scenario.as_dict() if data is not None else {}
    for field in SCENARIO_FIELDS:
        if field.dtype == "mapping":
            continue  # sources live on their own sheet
        value = settings.get(field.name, field.default if data is None else None)
        cell_value = _cell_value(value)
        sheet.append([field.name, cell_value, field.unit,
                      field.description + (" Required." if field.required else "")])
    sheet.column_dimensions["B"].width = 60
    sheet.column_dimensions["D"].width = 90


def _sources_sheet(book: Workbook, data: NetworkData | None) -> None:
    sheet = book.create_sheet(SOURCES_SHEET)
    _header(sheet, ["id", "citation"], ["Source id quoted in the tables' source columns, "
                                        "e.g. S12.", "Free-text citation."], [False, False])
    sources = dict(data.scenario.sources) if data is not None else {}
    for source_id, citation in sources.items():
        sheet.append([_cell_value(str(source_id)), _cell_value(str(citation))])
    sheet.column_dimensions["B"].width = 120


def _scenarios_sheet(book: Workbook, data: NetworkData | None) -> None:
    """The source's ``scenarios.yaml`` as rows (:mod:`evplan.scenarios.workbook`)."""
    from evplan.scenarios.workbook import (
        SCENARIOS_SHEET,
        SHEET_COLUMNS,
        catalog_rows,
        raw_catalog_of_origin,
    )

    raw = raw_catalog_of_origin(data.origin) if data is not None else None
    if raw is None:
        return
    sheet = book.create_sheet(SCENARIOS_SHEET)
    _header(sheet, list(SHEET_COLUMNS), [
        "A section of scenarios.yaml: overrides, scenarios, parameters, sweeps, montecarlo, "
        "studies (or descriptions for a description alone).", "The entry's name.",
        "What the section holds under the name, as one line of YAML (docs/scenarios.md).",
        "One line of text (evplan scenarios shows it)."], [False, False, False, True])
    for row in catalog_rows(raw):
        sheet.append([_cell_value(value) or None for value in row])
    for letter, width in (("A", 14), ("B", 28), ("C", 110), ("D", 90)):
        sheet.column_dimensions[letter].width = width


def _readme_sheet(book: Workbook, data: NetworkData | None) -> None:
    sheet = book.create_sheet("README", 0)
    name = data.scenario.name if data is not None else "(empty)"
    lines = [
        ("evplan input workbook", True),
        (_cell_value(f"Scenario: {name}. Edit the sheets, save, then run:  evplan run "
                     "THIS_FILE.xlsx"), False),
        ("", False),
        ("One sheet per input table. Row 1 holds the column names (do not rename them); data "
         "starts in row 2. Hover over a header for its unit and meaning.", False),
        ("Dark headers are required columns, lighter ones optional (blank: the default).",
         False),
        ("Rates are fractions: 17 % is 0.17. Blank year columns mean the horizon's ends.",
         False),
        ("Messages name the sheet and the row as the spreadsheet numbers it, e.g. "
         "'workbook.xlsx, sheet routes: row 14, ...'.", False),
        ("The scenario sheet holds the settings as key/value rows; the sources sheet the "
         "source ids the tables quote; the scenarios sheet (when the inputs have one) the "
         "named overrides, scenarios, sweeps and studies, one per row (evplan run book.xlsx "
         "--scenario NAME). Other sheets (like this one) are ignored.", False),
        ("", False),
        ("sheet", True),
    ]
    for text, bold in lines:
        sheet.append([text])
        if bold:
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
    for table in TABLES.values():
        optional = "" if table.required else " (optional)"
        sheet.append([f"{table.name}{optional}: {table.description}"])
    sheet.column_dimensions["A"].width = 140


def _save_atomically(book: Workbook, path: Path) -> Path:
    _as_text(book)
    book.properties.creator = "evplan"
    return atomic_write(path.resolve(), lambda file: _save(book, file))


def _save(book: Workbook, file: Path) -> None:
    """Save ``book`` to ``file`` through memory: openpyxl leaves its zip archive open when a
    write to disk fails (a full disk), and Python then printed "Exception ignored in
    ZipFile.__del__" with a second traceback after evplan's own message."""
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    file.write_bytes(buffer.getvalue())


def write_template(path: str | Path, data: NetworkData | None = None, *,
                   force: bool = False) -> Path:
    """Write an input workbook for ``data`` (the default scenario when None).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file to write: a new file, or with ``force`` a workbook evplan wrote
        (it may hold your edits). A file evplan did not write, a folder or a link raises
        OutputError, also with ``force``.
    data : NetworkData, optional
        The inputs to fill in; default: the embedded ``china-export`` scenario. Pass
        ``empty=True``-like data by giving a NetworkData with empty tables.

    Returns
    -------
    Path
        The workbook written.

    Examples
    --------
    >>> import tempfile, evplan
    >>> from evplan.examples import single_lane
    >>> book = write_template(f"{tempfile.mkdtemp()}/inputs.xlsx", single_lane())
    >>> evplan.load(book).summary() == single_lane().summary()
    True
    """
    from evplan.outputs.targets import check_file_target, evplan_workbook

    target = check_file_target(Path(path), force=force, what="the template",
                               name="inputs.xlsx", ours=evplan_workbook)
    if data is None:
        from evplan.examples import china_export

        data = china_export()
    book = Workbook()
    book.remove(book.active)
    _readme_sheet(book, data)
    for name, table in TABLES.items():
        _table_sheet(book, table, data.tables.get(name))
    _scenario_sheet(book, data)
    _sources_sheet(book, data)
    _scenarios_sheet(book, data)
    return _save_atomically(book, target)


def write_result_workbook(tables: Mapping[str, pd.DataFrame], path: str | Path,
                          info: Mapping[str, Any] | None = None) -> Path:
    """Write result tables as a workbook: one sheet per table, plus a ``run`` sheet.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Sheet name -> table (names longer than 31 characters are cut, as Excel requires).
    path : str or Path
        The ``.xlsx`` file to write: a new file, or a result workbook evplan wrote (replaced).
        A file evplan did not write, an input template (it may hold your edits), a folder or
        a link raises OutputError.
    info : mapping, optional
        Key/value rows for the ``run`` sheet (scenario, status, objective ...).
    """
    from evplan.outputs.targets import (
        check_file_target,
        evplan_result_workbook,
        evplan_workbook,
    )

    target = check_file_target(Path(path), force=False, what="the result workbook",
                               name="results.xlsx", replaceable=evplan_result_workbook,
                               ours=evplan_workbook)
    book = Workbook()
    run_sheet = book.active
    run_sheet.title = "run"
    _header(run_sheet, ["key", "value"], [None, None], [False, False])
    for key, value in (info or {}).items():
        run_sheet.append([_cell_value(str(key)), value if isinstance(value, int | float)
                          else _cell_value(str(value))])
    run_sheet.column_dimensions["B"].width = 80
    for name, frame in tables.items():
        sheet = book.create_sheet(name[:31])
        if len(frame) >= EXCEL_MAX_ROWS:  # a sheet holds 1,048,576 rows, the header one
            sheet.append([_cell_value(f"{name}: {len(frame):,} rows, more than an Excel sheet "
                                      f"holds ({EXCEL_MAX_ROWS - 1:,} below a header); the "
                                      "run folder's CSV and Parquet files hold them all.")])
            continue
        columns = [str(column) for column in frame.columns]
        _header(sheet, columns, [None] * len(columns), [False] * len(columns))
        text = {column for column in columns if not pd.api.types.is_numeric_dtype(frame[column])
                and not pd.api.types.is_bool_dtype(frame[column])}
        _write_rows(sheet, frame, columns, text, cut=True)
        sheet.auto_filter.ref = sheet.dimensions
    return _save_atomically(book, target)


def refresh_result_workbook(folder: str | Path) -> Path | None:
    """Write the run folder's ``results.xlsx`` again from the tables the folder holds now.

    ``evplan fleet``, ``charging`` and ``recycling`` add tables to a run folder (and drop
    their own earlier ones); a workbook ``evplan run --excel`` wrote there would otherwise
    keep the plan's sheets alone, or stale fleet sheets beside a new fleet. The sheets are
    the run's tables (``run.json``) in their order, then the tables the ``fleet.json``,
    ``charging.json`` and ``recycling.json`` manifests list; the ``run`` sheet names the run
    as ``evplan run --excel`` did, and each command that added tables (``fleet.run_id``...).

    Returns the workbook, or None when the folder holds no result workbook evplan wrote (a
    user's ``results.xlsx`` or a link is left as it is, as ``write_run_extras`` leaves it),
    or one saved since by a spreadsheet (it keeps evplan as its creator, but may hold the
    user's own sheets and edits: it is left as it is too).

    Raises
    ------
    InputError
        When ``run.json`` or a table file cannot be read (changed after evplan wrote it).
    """
    from evplan.outputs.marker import read_marker
    from evplan.outputs.targets import evplan_result_workbook, known_files
    from evplan.results.run_files import read_manifest, read_table_file

    root = Path(folder)
    path = root / "results.xlsx"
    if path.is_symlink() or not path.is_file() or not evplan_result_workbook(path) \
            or not _as_evplan_saved_it(path):
        return None
    manifest = read_manifest(root, scenario=False)
    listed = manifest.get("tables")
    run_tables = [str(name) for name in listed] if isinstance(listed, list) else []
    stems = {Path(name).stem for name in known_files(root)
             if Path(name).suffix in (".parquet", ".csv")}
    tables: dict[str, pd.DataFrame] = {}
    for stem in [*(name for name in run_tables if name in stems),
                 *sorted(stems - set(run_tables))]:
        for suffix in (".parquet", ".csv"):
            file = root / f"{stem}{suffix}"
            if file.is_file() and not file.is_symlink():
                tables[stem] = read_table_file(file)
                break
    settings = manifest.get("scenario")
    scenario = settings if isinstance(settings, dict) else {}
    run_id = manifest.get("run_id")
    info: dict[str, Any] = {
        **({"run_id": run_id} if isinstance(run_id, str) and run_id else {}),
        "scenario": scenario.get("name", ""), "status": manifest.get("status", ""),
        "objective_usd": manifest.get("objective_usd"),
        **{f"scenario.{key}": value for key, value in scenario.items()
           if key != "name" and value is not None}}
    marker = read_marker(root)
    for update in marker.updates if marker is not None else ():
        info[f"{update.get('command')}.run_id"] = update.get("run_id")
    return write_result_workbook(tables, path, info)


def _as_evplan_saved_it(path: Path) -> bool:
    """Whether the workbook is still as evplan saved it: its application property is
    openpyxl's (Excel and LibreOffice write their own name when a user saves the file)."""
    from evplan.outputs.targets import workbook_part

    return b"Openpyxl" in (workbook_part(path, "docProps/app.xml") or b"")
