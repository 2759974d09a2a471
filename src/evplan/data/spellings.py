"""Names written two ways in one column: 'C-SUV' beside 'c-suv', or 'Nissan' beside
'Nissan' with an invisible zero-width space.

Such a column holds two names where the user meant one, and every row keyed to the other
spelling silently misses it (a segment's demand would not pool the program, a maker's
countervailing duty would not apply to it). :func:`spelled_two_ways` reports each row whose
spelling differs, only in case, look-alike or invisible characters
(:func:`evplan.data.lookalike.folded`), from the spelling to write: the one in plain
letters on most rows (the first in row order of a tie).
"""

from __future__ import annotations

import pandas as pd

from evplan.data.columns import MAX_ROWS_PER_KIND, row_label
from evplan.data.lookalike import difference, folded, shown
from evplan.errors import Problem
from evplan.schema import Table

__all__ = ["spelled_two_ways"]


def spelled_two_ways(frame: pd.DataFrame, column: str, table: Table, label: str,
                     consequence: str, fix: str = "Write '{first}'.",
                     case_noun: str = "") -> list[Problem]:
    """A problem for each row of ``frame`` whose ``column`` is another spelling of a name
    the column already holds (the one to write: in plain letters, on most rows).

    Parameters
    ----------
    frame : pandas.DataFrame
        A typed table with its ``row`` column.
    column : str
        The text column, e.g. ``"segment"``.
    table : evplan.schema.Table
        Its declaration (for the row's label).
    label : str
        The file's name in messages.
    consequence : str
        What the other spelling would do, e.g. ``"a demand row for the segment would not
        pool this program"``.
    fix : str
        What to do, with ``{first}`` for the spelling to write (default: write it).
    case_noun : str, optional
        Names that differ only in case are said to be case-sensitive ``case_noun``
        (``"quota groups are case-sensitive"``) rather than to differ in case.

    Examples
    --------
    >>> from evplan.schema import TABLES
    >>> frame = pd.DataFrame({"row": [2, 3], "program": ["A", "B"],
    ...                       "segment": ["C-SUV", "c-suv"]})
    >>> found = spelled_two_ways(frame, "segment", TABLES["programs"], "programs.csv",
    ...                          "it is another segment")
    >>> str(found[0]).split(": ")[1]
    "segment 'c-suv' is not 'C-SUV' (row 2)"
    """
    if frame.empty or column not in frame:
        return []
    rows: dict[str, dict[str, list[int]]] = {}
    for value, row in zip(frame[column], frame["row"], strict=True):
        if isinstance(value, str) and value:
            rows.setdefault(folded(value), {}).setdefault(value, []).append(int(row))
    found: list[Problem] = []
    for variants in rows.values():
        if len(variants) < 2:
            continue
        # the spelling to write: in plain letters, on most rows, first in row order
        first = max(variants, key=lambda name: (name.isascii(), len(variants[name]),
                                                -variants[name][0]))
        first_rows = ", ".join(map(str, variants[first][:3]))
        for index in frame.index:
            value = frame.loc[index, column]
            if value not in variants or value == first:
                continue
            odd = first if value.isascii() and not first.isascii() else value
            why = difference(odd)
            if case_noun and why == "they differ in case":
                why = f"{case_noun} are case-sensitive"
            found.append(Problem(label, f"{row_label(table, frame, index)}: {column} "
                                 f"'{shown(value)}' is not '{shown(first)}' (row"
                                 f"{'s' if len(variants[first]) > 1 else ''} {first_rows}): "
                                 f"{why}, so {consequence}. {fix.format(first=shown(first))}",
                                 int(frame.loc[index, "row"])))
    if len(found) > MAX_ROWS_PER_KIND:
        more = len(found) - MAX_ROWS_PER_KIND
        found = [*found[:MAX_ROWS_PER_KIND], Problem(
            label, f"... and {more} more rows with the same problem.", count=more)]
    return found
