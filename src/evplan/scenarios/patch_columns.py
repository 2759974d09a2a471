"""Which columns an override may set or scale, checked when ``scenarios.yaml`` is read.

An override changes the values of the rows it selects; it does not move a row to another
plant, market, product or year. So:

* a key column that names what a row is about (``duties.market``, ``demand.year``,
  ``demand.tier``, ``plants.plant``, ...) can be neither set nor scaled: select rows with
  ``where`` instead. A row's year range (``first_year``/``last_year``) may be set (close a
  plant with ``set: {last_year: 2025}``), never scaled;
* a whole-number column (years, tiers, module counts) is set to a whole number;
* a numeric column is set to a number written as one (``0.3``, not the text ``"0.3"``).

Before these checks, ``scale: {year: 2}`` on demand ran and failed with 6,000 rows of "year
4046 is outside the horizon", ``set: {market: US}`` on duties with "no duty row covers CN>EU"
on routes, and ``set: {first_year: 2027.5}`` with a coverage gap instead of the number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evplan.errors import Problem
from evplan.scenarios.values import LABEL, finite_number
from evplan.schema import TABLES

__all__ = ["check_patch_columns"]

#: Columns that hold a row's year range: they may be set, never scaled.
RANGE = ("first_year", "last_year")


def _dtype(table: str, column: str) -> str | None:
    found = [c.dtype for c in TABLES[table].columns if c.name == column]
    return found[0] if found else None


def check_patch_columns(table: str, sets: Mapping[str, Any], scales: Mapping[str, Any],
                        where: str, problems: list[Problem]) -> None:
    """Add a problem for every set or scale no override may make (see the module docstring).

    Columns not in ``table`` are left to the caller's unknown-column check; ``sets`` values
    of ``None`` (clear an optional cell) pass.

    Examples
    --------
    >>> problems = []
    >>> check_patch_columns("demand", {}, {"year": 2}, "override 'x'", problems)
    >>> print(problems[0].message[:63])
    override 'x': demand.year is a key column (the key market, year
    """
    key = TABLES[table].key
    for mode, columns in (("set", sets), ("scale", scales)):
        for column in columns:
            dtype = _dtype(table, column)
            if dtype is None:
                continue
            if column in key and column not in RANGE:
                problems.append(Problem(LABEL, f"{where}: {table}.{column} is a key column (the "
                                        f"key {', '.join(key)} says which row is which), so "
                                        f"an override cannot {mode} it. Select the rows with "
                                        f"where: {{{column}: ...}} and {mode} a value column."))
            elif mode == "scale" and (column in RANGE or column == "year"):
                problems.append(Problem(LABEL, f"{where}: {table}.{column} is a year; scaling "
                                        "it makes no year. Set it (set: {" f"{column}: 2027" "})"
                                        " or use from_year."))
    for column, value in sets.items():
        dtype = _dtype(table, column)
        if value is None or dtype not in ("int", "float") or (
                column in key and column not in RANGE):
            continue
        number = finite_number(value)
        if isinstance(value, str) and number is not None:
            problems.append(Problem(LABEL, f"{where}: set {column} = {value!r} is text; write "
                                    f"the number without quotes ({column}: {value.strip()})."))
        elif number is None:
            problems.append(Problem(LABEL, f"{where}: set {column} = {value!r} is not a finite "
                                    "number. Write a number, or null to clear an optional "
                                    "cell."))
        elif dtype == "int" and number != int(number):
            problems.append(Problem(LABEL, f"{where}: set {column} = {value!r} is not a whole "
                                    f"number, and {table}.{column} holds whole numbers (years,"
                                    " counts). Write one such as "
                                    f"{round(number)}."))
