"""Tables that fit the terminal: values are never cut, headers wrap, columns wrap to a new table.

A table of *key* columns (a KPI name, a case and its run id) and *value* columns (years,
parameters, figures) is laid out with a fixed width per column: as wide as its longest value
and its header's longest word. When the columns do not fit the terminal, the value columns
are split over several tables, each repeating the key columns, so every value and every id is
whole and can be copied (issue 18). ``COLUMNS`` sets the width (rich reads it).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.table import Table

__all__ = ["Column", "fit_tables", "on_screen", "table_width"]

BORDER = 3  # rich's default box: one border and one space of padding each side per column


def on_screen(text: str) -> str:
    r"""``text`` for one terminal line: control characters (a newline, a tab) and format
    characters (a right-to-left override that would show the rest of the line reversed) are
    written as escapes, so a name from the inputs cannot break or reorder the line.

    Examples
    --------
    >>> on_screen("two\nlines \u202eevil")
    'two\\nlines \\u202eevil'
    >>> on_screen("Märkt, \"EU\" 北京")
    'Märkt, "EU" 北京'
    """
    if text.isprintable():
        return text
    return "".join(character if character.isprintable() or character == " " else (
        character.encode("unicode_escape").decode("ascii")
        if unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")
        else character) for character in text)


@dataclass(frozen=True)
class Column:
    """A column: its header, its cells (one per row) and how to align them. Header and
    cells are shown :func:`on_screen` (a name from the inputs cannot break a row)."""

    header: str
    cells: Sequence[str]
    justify: str = "right"

    def __post_init__(self) -> None:
        object.__setattr__(self, "header", on_screen(str(self.header)))
        object.__setattr__(self, "cells", [on_screen(str(cell)) for cell in self.cells])

    @property
    def width(self) -> int:
        """Terminal cells the column needs: its longest cell or header word, never less (a
        Chinese or Japanese character takes two cells)."""
        words = [cell_len(word) for word in self.header.split()] or [0]
        return max([cell_len(cell) for cell in self.cells] + words)


def table_width(columns: Sequence[Column]) -> int:
    """Characters a table of ``columns`` takes on screen."""
    return 1 + sum(column.width + BORDER for column in columns)


def _chunks(keys: Sequence[Column], values: Sequence[Column], width: int
            ) -> list[list[Column]]:
    """Value columns in consecutive groups that fit ``width`` beside the key columns (one
    column per group at least, even when that alone is wider), as even as they can be."""
    if not values:
        return [[]]
    greedy = _greedy(keys, values, width)
    count = len(greedy)
    size = -(-len(values) // count)  # ceil
    even = [list(values[start:start + size]) for start in range(0, len(values), size)]
    fits = all(table_width([*keys, *group]) <= width for group in even)
    return even if fits and len(even) == count else greedy


def _greedy(keys: Sequence[Column], values: Sequence[Column], width: int
            ) -> list[list[Column]]:
    base = table_width(keys)
    groups: list[list[Column]] = [[]]
    used = base
    for column in values:
        need = column.width + BORDER
        if groups[-1] and used + need > width:
            groups.append([])
            used = base
        groups[-1].append(column)
        used += need
    return groups


def fit_tables(title: str, keys: Sequence[Column], values: Sequence[Column], width: int,
               caption: str | None = None) -> list[Table]:
    """One table, or several when ``width`` is too narrow, each within ``width`` when the key
    columns and one value column fit.

    Examples
    --------
    >>> keys = [Column("KPI", ["Global sales (M vehicles)"], "left")]
    >>> years = [Column(str(year), ["3.37"]) for year in range(2023, 2031)]
    >>> [len(table.columns) for table in fit_tables("t", keys, years, 80)]
    [5, 5]
    """
    groups = _chunks(keys, values, width)
    tables = []
    for number, group in enumerate(groups):
        heading = on_screen(title if len(groups) == 1
                            else f"{title} ({number + 1}/{len(groups)})")
        table = Table(title=heading, title_justify="left")
        for column in [*keys, *group]:
            table.add_column(column.header, justify=column.justify,  # type: ignore[arg-type]
                             width=column.width, overflow="fold")
        rows = len(keys[0].cells) if keys else len(group[0].cells)
        for row in range(rows):
            table.add_row(*(column.cells[row] for column in [*keys, *group]))
        if caption and number == len(groups) - 1:
            table.caption = caption
        tables.append(table)
    return tables
