"""Render ``docs/inputs.md`` from the schema, so the reference cannot drift from the code.

Run ``python -m evplan.schema.docs > docs/inputs.md``; a test checks the file is current.
"""

from __future__ import annotations

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
    if column.minimum is not None or column.maximum is not None:
        low = "" if column.minimum is None else f"{column.minimum:g}"
        high = "" if column.maximum is None else f"{column.maximum:g}"
        parts.append(f"[{low}, {high}]" if low and high else (f">= {low}" if low else
                                                                f"<= {high}"))
    if column.references:
        parts.append(f"an id in `{column.references}`")
    return "; ".join(parts)


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
        "## scenario.yaml",
        "",
        "| key | type | unit | default | description |",
        "|---|---|---|---|---|",
    ]
    for field in SCENARIO_FIELDS:
        default = "required" if field.required else (
            "blank" if field.default is None else "empty" if field.default == "" else
            f"`{field.default}`")
        lines.append(f"| `{field.name}` | {field.dtype} | {field.unit} | {default} | "
                     f"{field.description} |")
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
