"""Render ``docs/inputs.md`` from the schema, so the reference cannot drift from the code.

Run ``python -m evplan.schema.docs > docs/inputs.md``; a test checks the file is current.
"""

from __future__ import annotations

from evplan.data import files
from evplan.schema import SCENARIO_FIELDS, TABLES, Column

__all__ = ["render_inputs_markdown"]


def _default(column: Column) -> str:
    if column.required:
        return "required"
    if column.default is None:
        return "blank"
    return "empty" if column.default == "" else f"`{column.default}`"


def _allowed(column: Column) -> str:
    parts = []
    if column.choices:
        parts.append(", ".join(f"`{choice}`" for choice in column.choices))
    if column.dtype in ("int", "float"):
        parts.append(f"[{column.lower_bound:g}, {column.upper_bound:g}]")
    if column.references:
        parts.append(f"an id in `{column.references}`")
    return "; ".join(parts)


ACCEPTED_TEXT = (
    "Files are read as UTF-8, with or without a byte-order mark, with LF, CRLF or CR line "
    "ends (Excel for Mac's); CSV files use commas. UTF-16, Latin-1 and binary files, other "
    "separators, an empty file and a required table without rows are refused, with the file "
    "and the fix named; a required file that is missing or cannot be read, or a required "
    "table without rows, is listed alone with the other files' reading and cell problems "
    "(not with every row that would name its ids), "
    "and a folder holding no input file is one error, which names a subfolder that holds "
    "inputs. Blank lines, rows whose cells are all empty and columns with neither a header "
    "nor a value (what Excel keeps after cells are cleared) are left out; messages give the "
    "row numbers the spreadsheet shows. A column with values but no header, and a row that "
    "repeats the header, are errors naming the row or column. Numbers are written with a "
    "decimal point and no thousands separators: a decimal comma (`0,5`) or European "
    "thousands (`1.234.567`, `1.234,5`) is refused with the fix, and once any cell of the "
    "inputs is written that way, every cell that reads two ways (`600.000`, `1,250`) is "
    "refused as ambiguous, naming both readings (a folder with no such cell reads "
    "`600.000` as 600). A date in a year column (`2026-01-01`, a date-formatted cell) is "
    "refused naming the year to write. An "
    "optional table (a table marked (optional) below; in a workbook, its sheet) that is "
    "missing or has a header and no rows has no rows; a file or sheet that writes a "
    "table's name another way (`Plants.csv`, `committed_sale.csv`, `routes.CSV`, a sheet "
    "`Committed Sales`) while the table's own is absent is an error naming the name to "
    "write, since it would not be read. In a workbook every row is read, "
    "whatever the sheet's stored dimension says; blank rows above the header are skipped "
    "(row numbers stay the sheet's) and a title above it is one error; a formula cell is "
    "read as its calculated value, and one saved without a calculated value, a merged "
    "cell, an Excel error value "
    "(`#N/A`, `#REF!`, ... stored or calculated; text typed as `#N/A` stays text), a value "
    "right of the last header, or a sheet that cannot be read is an error naming sheet, row "
    "and cell. A scenario sheet cell is one value (`#` starts no comment there), and a key "
    "or source id given twice is an error. A header that names a column twice (in a sheet "
    "or a CSV file) is an error naming the column and how often it appears; the first one is "
    "read, so the rest of the table is still checked. A missing required column is one "
    "error; the cross-table problems that follow from it (every route 'uncovered' without "
    "duties.csv's origin) are one note with their number, checked once the column is there. "
    "A CSV "
    "row with fewer cells than the header (Excel leaves out a row's trailing empty cells) "
    "reads the missing cells as blank; a row with more cells than the header is refused. "
    "Text cells are stripped; one leading `'` before `=`, `+`, `-`, `@`, a tab, a CR or "
    "another `'` is dropped (Excel's mark for text: `evplan template` and `evplan calibrate` "
    "write formula-like text that way, so a spreadsheet never runs it).",
    "",
    "The words `nan` and `<NA>` (in any case) in a text column other than `name` and "
    "`source` are refused: they are what pandas writes for an empty cell, not a value; leave "
    "the cell blank for the default. A country code that differs from a country of "
    "plants.csv or markets.csv only in case (`Cn` for `CN`) or in look-alike letters of "
    "another alphabet (a Cyrillic `С`, fullwidth `ＣＮ`) or in an invisible character (a "
    "zero-width space, a byte-order mark, a soft hyphen) is refused, since such a row would "
    "never apply; a code that matches no plant or market country at all is accepted (a "
    "tariff schedule may list origins where the maker has no plant) and never applies. "
    "The same holds inside plants.csv and markets.csv (a plant in `cn` beside a market in "
    "`CN` would pay import duty at home; a country holding an invisible character is "
    "refused) and for duties.csv's quota_group (`ca-cn-ev` beside `CA-CN-EV` would be a "
    "second quota). Two plants, markets or programs whose ids differ only in case or "
    "look-alike letters (`cn-hua` beside `CN-HUA`) are refused: a row of another file "
    "written either way would reach only one of them.",
    "",
    "Every number must be finite: NaN, infinity and values outside a column's allowed range "
    "(below) are refused. Tables given to `evplan.data.validate_tables` as pandas "
    "DataFrames follow the same rules, with one reading of pandas' own: a missing value "
    "(NaN, None, `pd.NA`) is a blank cell, since that is how pandas reads an empty CSV "
    "cell, so an optional column's default applies (a NaN `min_utilisation` is 0, as an "
    "empty cell is) and a required one is reported as blank; a value written in the frame "
    "that is not a finite number (infinity, the text `'nan'`) is refused with the message "
    "the CSV cell gets. The same holds for the calibration frames given to "
    "`evplan.calibration.calibrate` and `backtest` (a NaN elasticity is \"blank\"); the "
    "calibration files' messages name the row's key (`row 4, market 'JP', year 2025, "
    "product 'JP-COMPACT': volume_vehicles = 'NaN' is not a number`). An exact duplicate "
    "of a dated row (duties, countervailing duties: every key column, first_year "
    "included, the same) is one problem, the duplicate; it is not also listed as an "
    "overlap of its years. An id, code, choice or group name (any text cell but `name` and "
    "`source` in the model's tables, but `source` and `notes` in the calibration files) takes at "
    "most 200 characters, and a message quotes a cell of more than 80 by its first 40 and "
    "its length (`'99999...' (5,000 characters)`), not whole (the row's key naming the "
    "row, past 160 characters, by its first 60). A column without a declared "
    "maximum takes the ceiling of its unit "
    "(for example 1e9 vehicles/year, 1e7 USD/vehicle), about ten times the largest real "
    "value. YAML (scenario.yaml, scenarios.yaml, a workbook's sources cell) is read with "
    "YAML 1.2's booleans (`true` and `false` only: `no`, `yes`, `on` and `off` are text, so "
    "Norway's code `NO` stays `NO`) and numbers (`1e5` is a number, as `1.0e+5` is), with "
    "each key given once per mapping (a merge `<<: *base` "
    "may be overridden), with a value on the line of its key or list item (`from_year: "
    "#2026`, `- #N/A`, or a comment where a value is due inside `[ ]` or `{ }`, where `#` "
    "starts a comment, is refused naming the line; write the value, quoted if it starts "
    "with `#`, or `null`), and as plain "
    f"data only: tags that build Python objects, more than {files.MAX_ALIASES:,} aliases, more "
    f"than {files.MAX_NODES:,} values or {files.MAX_CHARS:,} characters once aliases are "
    f"expanded, nesting deeper than {files.MAX_DEPTH} levels, and documents over "
    f"{files.MAX_YAML_BYTES:,} bytes are refused (see `evplan.data.files`).",
)


def render_inputs_markdown() -> str:
    """Return the inputs reference as Markdown."""
    lines = [
        "# Inputs reference",
        "",
        "Generated from `src/evplan/schema/` by `python -m evplan.schema.docs`; do not edit by "
        "hand.",
        "",
        "An input is a folder of CSV files (one per table, named `<table>.csv`) plus a "
        "`scenario.yaml`, or an Excel workbook with one sheet per table and a `scenario` sheet "
        "of `key`/`value` rows. Rates and shares are fractions (17 % is `0.17`). Money is US "
        "dollars. Rows are numbered as a spreadsheet shows them: the header is row 1.",
        "",
        *ACCEPTED_TEXT,
        "",
        "## scenario.yaml",
        "",
        "| key | type | unit | default | allowed | description |",
        "|---|---|---|---|---|---|",
    ]
    for field in SCENARIO_FIELDS:
        default = "required" if field.required else (
            "blank" if field.default is None else "empty" if field.default == "" else
            f"`{field.default}`")
        allowed = (f"[{field.minimum:g}, {field.maximum:g}]" if field.minimum is not None
                   and field.maximum is not None else "")
        lines.append(f"| `{field.name}` | {field.dtype} | {field.unit} | {default} | "
                     f"{allowed} | {field.description} |")
    for table in TABLES.values():
        lines += [
            "",
            f"## {table.file}{'' if table.required else ' (optional)'}",
            "",
            f"{table.description} Key: {', '.join(f'`{key}`' for key in table.key)}.",
            "",
            "| column | type | unit | default | allowed | description |",
            "|---|---|---|---|---|---|",
        ]
        for column in table.columns:
            lines.append(f"| `{column.name}` | {column.dtype} | {column.unit} | "
                         f"{_default(column)} | {_allowed(column)} | {column.description} |")
        if table.notes:
            lines.append("")
            lines += [f"- {note}" for note in table.notes]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_inputs_markdown(), end="")
