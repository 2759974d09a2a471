"""Read and validate the parameter tables of :mod:`evplan.fleet` and :mod:`evplan.charging`.

Each table is declared once as an :class:`evplan.schema.Table` (columns with dtype, unit,
bounds and description) and checked with the core's column checks, so a wrong cell gets
the same message as in the network inputs, e.g. ``row 3, market 'XX': annual_km = -5 is
below the minimum 0. Fix the sign or the value.`` Every problem is collected before one
:class:`~evplan.errors.InputError` is raised.

A table can be given as a path to a CSV file, as a DataFrame, or left out (``None``): the
sourced default shipped inside the package is then used.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import pandas as pd

from evplan.data.columns import MAX_ROWS_PER_KIND, coerce_table, row_label
from evplan.data.lookalike import folded, latin
from evplan.data.read import read_raw_table
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.schema import Table

__all__ = ["TableSource", "default_table_path", "latin_look_alike", "look_alike_ids",
           "read_parameter_table", "unknown_ids"]

TableSource = str | Path | pd.DataFrame | None


# Cyrillic and Greek letters drawn like Latin ones (capital and small), to their Latin twin
def latin_look_alike(value: str) -> str:
    """``value`` with its look-alike letters made Latin (:func:`evplan.data.lookalike.latin`):
    ``'ЕU'`` (Cyrillic Е) gives ``'EU'``; a plain Latin id is returned unchanged.

    Examples
    --------
    >>> latin_look_alike("\u0421N")  # Cyrillic Es
    'CN'
    """
    return latin(str(value))


def _odd_letters(value: str) -> str:
    """The non-ASCII letters of ``value`` with their Unicode names."""
    return ", ".join(f"'{character}' ({unicodedata.name(character, f'U+{ord(character):04X}')})"
                     for character in dict.fromkeys(value) if not character.isascii())


def look_alike_ids(table: Table, frame: pd.DataFrame, column: str, ids: Iterable[str],
                   label: str, meaning: str) -> list[Problem]:
    """Problems for rows whose ``column`` is not one of ``ids`` but reads as one of them
    once its look-alike letters are made Latin, invisible characters dropped and case
    folded (``'cn'`` for ``'CN'``; a silent miss otherwise: the row would apply to no id,
    and the id would fall back to another row).

    ``meaning`` says what the row was to do, e.g. ``"market CN would use the '*' curve"``
    (``{id}`` is replaced by the id it looks like).
    """
    known = {str(value) for value in ids}
    by_look = {folded(value): value for value in known}
    found = []
    for index in frame.index:
        value = str(frame.loc[index, column])
        twin = by_look.get(folded(value))
        if value in known or twin is None:
            continue
        how, fix = ((f"but is typed with {_odd_letters(value)}", "in Latin letters")
                    if not value.isascii() else ("but differs in case", "as it is written"))
        found.append(Problem(label, f"{row_label(table, frame, index)}: {column} '{value}' "
                             f"looks like '{twin}' {how}, so it is another id and "
                             f"{meaning.format(id=twin)}. Type '{twin}' {fix}.",
                             int(frame.loc[index, "row"])))
    return found


def default_table_path(package: str, file: str) -> Path:
    """Return the path of a default table shipped in ``evplan.<package>/data``."""
    return Path(str(resources.files(f"evplan.{package}") / "data" / file))


def read_parameter_table(
    table: Table, source: TableSource, default: Path, problems: list[Problem] | None = None,
    *, unique_key: bool = True, unparsed_rows: set[int] | None = None,
) -> pd.DataFrame:
    """Return ``table`` read from ``source`` (or ``default``), typed and checked.

    Parameters
    ----------
    table : evplan.schema.Table
        The declaration: columns, units, bounds, key.
    source : str, Path, DataFrame or None
        A CSV path, a DataFrame of the same columns, or None for ``default``.
    default : Path
        The sourced default CSV shipped in the package.
    problems : list of Problem, optional
        When given, problems are appended here and nothing is raised (the caller raises
        once for all its tables); otherwise an InputError is raised.
    unique_key : bool
        Report rows that repeat another row's key (False: repeats are allowed, e.g. sales
        rows that add up).
    unparsed_rows : set of int, optional
        Filled with the rows that hold a cell that could not be read, which later checks of
        a row's values skip (a blank left by a bad cell is not a second problem).

    Returns
    -------
    pandas.DataFrame
        A ``row`` column (spreadsheet row) and the declared columns, typed.
    """
    label = Path(source).name if isinstance(source, str | Path) else table.file
    own: list[Problem] = []
    raw = read_raw_table(default if source is None else source, label)
    typed = coerce_table(table, raw, label, own)
    if unparsed_rows is not None:  # a repeated key (below) is not such a row
        unparsed_rows.update(problem.row for problem in own if problem.row is not None)
    key = [column for column in table.key if column in typed]
    if unique_key and key and len(typed):
        repeated = typed[key].astype(str).duplicated(keep=False)
        for _, group in typed[repeated].groupby(key, sort=False, dropna=False):
            rows = " and ".join(str(row) for row in group["row"])
            ident = row_label(table, typed, group.index[0]).split(", ", 1)[1]
            own.append(Problem(label, f"rows {rows}: duplicate {ident}. Keep one row and "
                               "delete the others.", int(group["row"].iloc[0])))
    if problems is not None:
        problems.extend(own)
    elif own:
        raise InputError(own)
    typed.attrs["file"] = label  # later checks name the file the user gave
    return typed


def unknown_ids(
    table: Table, frame: pd.DataFrame, column: str, known: set[str], label: str, where: str,
    fix: str,
) -> list[Problem]:
    """Problems for rows whose ``column`` is not in ``known`` (``'*'`` always allowed).

    The message follows the core's reference check: ``row 3, market 'FRA': market 'FRA'
    is not a market of the run. Did you mean 'FR'?``
    """
    values = frame[column].astype(str)
    unknown = frame.index[~values.isin(known) & values.ne("*") & values.ne("")]
    found = [
        Problem(label, f"{row_label(table, frame, i)}: {column} '{values[i]}' is not {where}."
                + (_twin(values[i], known) or did_you_mean(values[i], known) or f" {fix}"),
                int(frame.loc[i, "row"]))
        for i in unknown[:MAX_ROWS_PER_KIND]]
    if len(unknown) > MAX_ROWS_PER_KIND:
        found.append(Problem(label, f"... and {len(unknown) - MAX_ROWS_PER_KIND} more rows "
                             "with the same problem.", count=len(unknown) - MAX_ROWS_PER_KIND))
    return found


def _twin(value: str, known: Iterable[str]) -> str:
    """`` Did you mean 'EU'? ...`` when ``value`` is a known id typed with look-alike
    letters."""
    by_look = {latin_look_alike(str(name)): str(name) for name in known}
    twin = by_look.get(latin_look_alike(value))
    if twin is None or value.isascii():
        return ""
    return f" Did you mean '{twin}'? It is typed with {_odd_letters(value)}."
