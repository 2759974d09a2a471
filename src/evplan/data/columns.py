"""Column-level validation: types, blanks, bounds, choices and unknown columns.

Each check is vectorised over a column and reports only the failing rows, so a table
of a million rows validates in seconds. At most :data:`MAX_ROWS_PER_KIND` rows are
named for one kind of problem in one column; the rest are counted.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from evplan.data.lookalike import difference, hidden, latin, shown
from evplan.data.suggest import did_you_mean, quoted_list
from evplan.errors import Problem
from evplan.schema import Column, Table

__all__ = ["MAX_ROWS_PER_KIND", "add_limited", "coerce_table", "empty_table", "hidden_cells",
           "report_rows", "row_label"]

MAX_ROWS_PER_KIND = 10
ALWAYS_ALLOWED = ("row", "notes", "note", "comment")
ROW_NOUNS = {"plant_programs": "plant program", "demand": "demand tier",
             "committed_sales": "commitment"}


def _text(value: Any) -> str:
    """A key cell as a message shows it: a blank cell as nothing (not ``<NA>`` or ``nan``)."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(
        value)


def row_label(table: Table, frame: pd.DataFrame, index: Any) -> str:
    """Return how a message names one row: ``row 14, route 'MX-AGS>US'``."""
    record = frame.loc[index]
    row = int(record["row"])
    if table.name == "routes":
        ident = f"route '{record.get('plant', '')}>{record.get('market', '')}'"
    elif table.name in ("duties", "countervailing_duties"):
        noun = "duty" if table.name == "duties" else "countervailing duty"
        maker_text = _text(record.get("maker")) if table.name != "duties" else ""
        maker = f" {maker_text}" if maker_text else ""
        since = record.get("first_year")
        since_text = f" from {since}" if since is not None and not pd.isna(since) and str(
            since) not in ("", "nan", "<NA>") else ""
        ident = (f"{noun} '{record.get('origin', '')}>{record.get('market', '')} "
                 f"{record.get('powertrain', '')}{maker}{since_text}'")
    elif len(table.key) == 1:
        ident = f"{table.key[0]} '{record.get(table.key[0], '')}'"
    else:
        parts = [_text(record.get(column, "")) for column in table.key]
        ident = f"{ROW_NOUNS.get(table.name, table.name)} '{'/'.join(parts)}'"
    if len(ident) > 2 * MAX_QUOTED_CHARACTERS:  # an id of 5,000 characters: its start
        ident = f"{ident[:60]}...' ({len(ident):,} characters)"
    return f"row {row}, {shown(ident)}"  # an invisible character as <U+200B>


def report_rows(
    problems: list[Problem],
    label: str,
    table: Table,
    frame: pd.DataFrame,
    failing: np.ndarray,
    message: object,
) -> None:
    """Append one problem per failing row (up to the limit), built by ``message(position)``.

    ``failing`` is a boolean mask over the frame's rows.
    """
    positions = np.flatnonzero(failing)
    for position in positions[:MAX_ROWS_PER_KIND]:
        index = frame.index[position]
        row = int(frame.loc[index, "row"])
        text = message(position)  # type: ignore[operator]
        problems.append(Problem(label, f"{row_label(table, frame, index)}: {text}", row))
    _and_more(problems, label, len(positions))


def add_limited(problems: list[Problem], label: str, found: list[Problem]) -> None:
    """Append the first ``MAX_ROWS_PER_KIND`` of ``found``, then one line standing for the
    rest ("... and N more rows with the same problem", counted as N)."""
    problems.extend(found[:MAX_ROWS_PER_KIND])
    _and_more(problems, label, len(found))


def _and_more(problems: list[Problem], label: str, total: int) -> None:
    if total > MAX_ROWS_PER_KIND:
        more = total - MAX_ROWS_PER_KIND
        problems.append(Problem(label, f"... and {more} more rows with the same problem.",
                                count=more))


def _as_text(series: pd.Series) -> np.ndarray:
    """Cells as stripped strings (an object array), missing values (None, NaN, pd.NA) as ``""``.

    Text read from a file (a string dtype) is trimmed by Arrow: 60 us for 200 rows, 75 ms
    for a million. Other cells (a workbook's numbers, a frame's objects) go through plain
    Python: 30 us for 200 rows, 0.2 s for a million. The pandas steps this replaces cost
    tens of microseconds each whatever the length.
    """
    if isinstance(series.dtype, pd.StringDtype):
        return series.str.strip().to_numpy(dtype=object, na_value="")
    cells = series.to_numpy(dtype=object, na_value="")
    stripped = np.empty(len(cells), dtype=object)
    stripped[:] = [cell.strip() if type(cell) is str else str(cell).strip() for cell in cells]
    return stripped


def _fraction_hint(column: Column, value: float) -> str:
    if column.is_fraction and 1 < value <= 100:
        return f" Rates are fractions ({value:g} % -> {value / 100:g})."
    return ""


def _not_a_number(column: Column, text: str, kind: str) -> str:
    """Why ``text`` is not a number of ``column``, and what to write instead."""
    found = f"{column.name} = {_quoted(shown(text))} is not {kind}"  # U+200B as <U+200B>
    lowered = text.lower().lstrip("+-")
    if lowered in ("nan", "inf", "infinity", "none", "null", "<na>", "na", "n/a", "#num!"):
        blank = (" or leave the cell blank" + (f" for the default {column.default:g}"
                                               if isinstance(column.default, float) else "")
                 if not column.required else "")
        return (f"{found}: evplan takes finite numbers only. Write {kind}"
                f"{_in_unit(column)}{blank}.")
    try:
        overflow = math.isinf(float(text))  # '1e400': a number too large for a double
    except ValueError:
        overflow = False
    if overflow:
        return (f"{found}: it is too large (evplan reads numbers up to about 1.8e308). "
                f"Check the value{_in_unit(column)} and its exponent.")
    if text.endswith("%") and column.is_fraction:
        try:
            share = float(text[:-1]) / 100
        except ValueError:
            pass
        else:
            return f"{found}. Rates are fractions ({text} -> {share:g})."
    if not text.isascii() and latin(text) != text:  # an invisible character, pasted
        return (f"{found}: {difference(text)}. Retype the cell as {kind}"
                f"{_in_unit(column)}.")
    spaced = any(character.isspace() for character in text.strip())  # '1 000'
    return (f"{found}. Write {kind}{_in_unit(column)}"
            + (", without thousands separators or spaces." if spaced else
               ", without thousands separators." if "," in text or "_" in text else "."))


#: Longest id, code, choice or group name (any text column but ``name`` and ``source``).
MAX_ID_CHARACTERS = 200
#: Longest cell a message quotes whole; a longer one is quoted by its start and its length.
MAX_QUOTED_CHARACTERS = 80


def clipped(cell: Any) -> Any:
    """A text cell over :data:`MAX_QUOTED_CHARACTERS` as its first 40 characters and its
    length, for messages and for the checks after the one that refused it; anything else
    as it is.

    >>> clipped("9" * 5000), clipped("CN"), clipped(3)
    ('9999999999999999999999999999999999999999... (5,000 characters)', 'CN', 3)
    """
    if isinstance(cell, str) and len(cell) > MAX_QUOTED_CHARACTERS:
        return f"{cell[:40]}... ({len(cell):,} characters)"
    return cell


def _quoted(text: str) -> str:
    """``'text'``, or, when it is longer than :data:`MAX_QUOTED_CHARACTERS`, its first 40
    characters and its length (a pasted cell of 5,000 digits made a message of 5,000
    characters).

    >>> _quoted("12"), _quoted("9" * 5000)
    ("'12'", "'9999999999999999999999999999999999999999...' (5,000 characters)")
    """
    if len(text) <= MAX_QUOTED_CHARACTERS:
        return f"'{text}'"
    return f"'{text[:40]}...' ({len(text):,} characters)"


def _in_unit(column: Column) -> str:
    """`` in km`` for a column with a unit; '' for a pure number (unit ``-``)."""
    return "" if column.unit in ("", "-") else f" in {column.unit}"


def check_numeric(
    problems: list[Problem], label: str, table: Table, frame: pd.DataFrame, column: Column
) -> pd.Series:
    text = _as_text(frame[column.name])
    blank = text == ""
    numbers = np.asarray(pd.to_numeric(text, errors="coerce"), dtype=float)
    finite = np.isfinite(numbers)
    not_number = ~finite & ~blank
    kind = "a whole number" if column.dtype == "int" else "a number"
    report_rows(problems, label, table, frame, not_number,
            lambda i: _not_a_number(column, str(text[i]), kind))
    numbers = np.where(finite, numbers, np.nan)
    if column.dtype == "int":
        fractional = finite & (numbers != np.round(numbers))
        report_rows(problems, label, table, frame, fractional,
                lambda i: f"{column.name} = {text[i]} is not a whole number. Write a year or "
                "count without decimals.")
    low, high = column.lower_bound, column.upper_bound
    declared = f"[{low:g}, {high:g}]" if column.maximum is not None else (
        f"below the minimum {low:g}")
    outside = finite & ((numbers < low) | (numbers > high))

    def describe(i: Any) -> str:
        value = float(numbers[i])
        if value > high and column.maximum is None:
            return (f"{column.name} = {value:g} is above {high:g} {column.unit}, the largest "
                    f"value evplan accepts for this unit. Check the value and its unit.")
        bounds = f"outside {declared}" if column.maximum is not None else declared
        hint = _fraction_hint(column, value)
        if not hint and value < low:  # a sign slip, or (year 1800) a value too small
            hint = " Fix the sign or the value." if value < 0 else " Check the value."
        elif not hint:
            hint = f" Check the value and its unit ({column.unit})."
        return f"{column.name} = {value:g} is {bounds}.{hint}"

    report_rows(problems, label, table, frame, outside, describe)
    if column.required:
        report_rows(problems, label, table, frame, blank,
                lambda i: f"{column.name} is blank. Give {kind}{_in_unit(column)}.")
    elif column.default is not None:
        numbers = np.where(blank, float(column.default), numbers)  # type: ignore[arg-type]
    if column.dtype == "int":
        # Reported above; out-of-range whole numbers would not fit the integer type.
        numbers = np.round(np.where(np.abs(numbers) < 2.0**53, numbers, np.nan))
        return pd.Series(pd.array(numbers, dtype="Int64"),  # type: ignore[call-overload]
                         index=frame.index)
    # + 0.0: a cell '-0' is 0, not -0.0 (which tables and reports would print as '-0')
    return pd.Series(numbers + 0.0, index=frame.index, dtype=float)


#: Text columns whose cells are free text (a label or a citation), where a word such as
#: "nan" is kept as written. In every other text column (ids, choices, group names) such a
#: word is refused: it is what pandas writes for an empty cell, not a value.
FREE_TEXT = frozenset({"name", "source"})
#: Words that stand for a missing value (compared in lower case).
MISSING_WORDS = frozenset({"nan", "<na>"})


def _mid_sentence(description: str) -> str:
    """``description`` inside a sentence: its first word lower-cased when it is an ordinary
    capitalised word ("Plant id" -> "plant id"), ids and acronyms kept ("LFP", "e.g. NMC811").
    """
    if len(description) > 1 and description[0].isupper() and description[1].islower():
        return description[0].lower() + description[1:]
    return description


def _missing_word(column: Column, text: str) -> str:
    """Why ``text`` ("nan") is refused in ``column``, and what to write instead."""
    found = (f"{column.name} = '{text}' is a missing value written as text (pandas writes "
             f"'{text}' for an empty cell)")
    if column.choices is not None:
        wanted = f"one of {quoted_list(column.choices)}"
    else:
        wanted = f"the {column.description[:1].lower()}{column.description[1:].rstrip('.')}"
    if column.required:
        return f"{found}. Write {wanted}."
    default = f" for the default '{column.default}'" if column.default else ""
    return f"{found}. Leave the cell blank{default}, or write {wanted}."


def check_text(
    problems: list[Problem], label: str, table: Table, frame: pd.DataFrame, column: Column
) -> pd.Series:
    text = _as_text(frame[column.name])
    blank = text == ""
    written = np.zeros(len(text), dtype=bool)
    if column.name not in FREE_TEXT:
        written = np.fromiter((cell.lower() in MISSING_WORDS for cell in text), dtype=bool,
                              count=len(text))
        report_rows(problems, label, table, frame, written,
                lambda i: _missing_word(column, str(text[i])))
    if column.required:
        report_rows(problems, label, table, frame, blank,
                lambda i: f"{column.name} is blank. Give the {_mid_sentence(column.description)}")
    elif column.default is not None:
        text[blank] = str(column.default)
    if column.name not in FREE_TEXT:  # an id, code or group: a pasted paragraph is not one
        long = np.fromiter((len(cell) > MAX_ID_CHARACTERS for cell in text), dtype=bool,
                           count=len(text))
        if long.any():
            report_rows(problems, label, table, frame, long,
                        lambda i: f"{column.name} = {_quoted(str(text[i]))} is longer than "
                        f"{MAX_ID_CHARACTERS} characters, the most an id, code or group name "
                        f"takes. Write the {_mid_sentence(column.description)}")
            # other checks quote the cell as clipped here, not 5,000 characters again
            text[long] = [clipped(str(cell)) for cell in text[long]]
            written |= long
    if column.choices is not None:
        choices = column.choices
        allowed = set(choices)
        bad = np.fromiter((cell not in allowed for cell in text), dtype=bool,
                          count=len(text)) & ~blank & ~written
        report_rows(problems, label, table, frame, bad,
                lambda i: f"{column.name} = '{text[i]}' is not one of {quoted_list(choices)}."
                + (did_you_mean(str(text[i]), choices) or f" Use one of {quoted_list(choices)}."))
    return pd.Series(text, index=frame.index, dtype=str)


def hidden_cells(table: Table, frame: pd.DataFrame, label: str
                 ) -> list[tuple[Problem, str]]:
    """Each cell of an id or code column of a typed table that holds a character a reader
    cannot see (a zero-width space, a byte-order mark, a no-break space:
    :func:`evplan.data.lookalike.hidden`), with its problem (on the cell's row) and value.

    Such an id matches nothing typed plainly, so every row that refers to it fails
    elsewhere ("plant 'P1' is not in plants.csv"), and the row that holds it said nothing.
    Free text (``name``, ``source``) is left alone, and so are columns with a list of
    choices (their check names the character already).

    Examples
    --------
    >>> from evplan.schema import TABLES
    >>> frame = pd.DataFrame({"row": [2, 3], "plant": ["P1\u200b", "P2"], "country": "CN"})
    >>> print(hidden_cells(TABLES["plants"], frame, "plants.csv")[0][0])  # doctest: +ELLIPSIS
    row 2, plant 'P1<U+200B>': plant 'P1<U+200B>' holds an invisible character (U+200B ZERO ...
    """
    found: list[tuple[Problem, str]] = []
    for column in table.columns:
        if (column.dtype != "str" or column.name in FREE_TEXT or column.choices is not None
                or column.name not in frame):
            continue
        cells = frame[column.name]
        odd = [cell for cell in pd.unique(cells.to_numpy(dtype=object))  # ids repeat
               if isinstance(cell, str) and not cell.isascii() and hidden(cell)]
        if not odd:
            continue  # the usual case
        rows = frame.index[cells.isin(odd).to_numpy()]
        for index in rows[:MAX_ROWS_PER_KIND]:  # the first few named, the rest counted
            value = str(cells[index])
            marks = sorted(set(hidden(value)), key=value.index)
            named = ", ".join(f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}"
                              for char in marks)
            spaces = [char for char in marks if not unicodedata.category(char) == "Cf"]
            what = (("a no-break space that looks like a plain one" if len(marks) == 1
                     else "no-break spaces that look like plain ones") if spaces == marks
                    else "an invisible character" if len(marks) == 1
                    else "invisible characters")
            plain = "".join(" " if char in spaces else "" if char in marks else char
                            for char in value)
            found.append((Problem(label, f"{row_label(table, frame, index)}: {column.name} "
                                  f"'{shown(value)}' holds {what} ({named}), so it matches no "
                                  f"{column.name} typed plainly in another row or file. Retype "
                                  f"it as '{plain}'.", int(frame.loc[index, "row"])), value))
        if len(rows) > MAX_ROWS_PER_KIND:
            more = len(rows) - MAX_ROWS_PER_KIND
            found.append((Problem(label, f"... and {more} more rows with the same problem.",
                                  count=more), str(cells[rows[MAX_ROWS_PER_KIND]])))
    return found


def empty_table(table: Table) -> pd.DataFrame:
    """The typed frame :func:`coerce_table` returns for a table with no rows, built directly.

    Used for optional tables that are absent (most strategic tables in most inputs), so
    loading does not pay for coercing empty columns. Each call returns its own copy of a
    frame made once per table (making one costs about ten times the copy).
    """
    return _empty_frame(table).copy()


@functools.lru_cache(maxsize=256)
def _empty_frame(table: Table) -> pd.DataFrame:
    dtypes = {"int": "Int64", "float": "float64"}  # arrays, not Series: a third of the CPU
    return pd.DataFrame({"row": np.array([], dtype="int64"), **{
        column.name: pd.array([], dtype=dtypes.get(column.dtype, str))  # type: ignore[arg-type]
        for column in table.columns}})


def coerce_table(
    table: Table, frame: pd.DataFrame, label: str, problems: list[Problem]
) -> pd.DataFrame:
    """Check one raw table's columns and return it typed, with defaults filled in.

    Parameters
    ----------
    table : Table
        The schema of the table.
    frame : pandas.DataFrame
        Raw strings with a ``row`` column.
    label : str
        How messages name the file.
    problems : list of Problem
        Problems found are appended here.

    Returns
    -------
    pandas.DataFrame
        Columns ``row`` plus the schema's columns in schema order.
    """
    known = set(table.column_names)
    repeated = frame.columns[frame.columns.duplicated()].unique()
    for name in repeated:
        count = int((frame.columns == name).sum())
        problems.append(Problem(label, f"column '{name}' appears {count} times in the header. "
                                f"Keep one column named {name}: delete or rename the others."))
    if len(repeated):  # the first of each name is read, so its cells are still checked
        frame = frame.loc[:, ~frame.columns.duplicated()]
    for name in frame.columns:
        if name not in known and name not in ALWAYS_ALLOWED:
            problems.append(Problem(label, f"column '{name}' is not a column of {table.name}."
                                    + (did_you_mean(name, table.column_names)
                                       or f" The columns are {', '.join(table.column_names)}.")))
    # The columns are gathered and framed once: a pandas insert per column costs about as
    # much as checking a short column.
    typed: dict[str, Any] = {"row": frame["row"].astype(int)}
    for column in table.columns:
        if column.name not in frame.columns:
            if column.required:
                problems.append(Problem(label, f"column '{column.name}' is missing. Add it: "
                                        f"{column.description} ({column.unit})."))
                typed[column.name] = pd.Series(
                    dtype=object if column.dtype == "str" else float, index=frame.index)
                continue
            if column.dtype == "str":
                typed[column.name] = pd.Series(
                    "" if column.default is None else str(column.default), index=frame.index,
                    dtype=str)
            elif column.dtype == "int":
                typed[column.name] = pd.Series(pd.array(
                    [column.default] * len(frame), dtype="Int64"),  # type: ignore[call-overload]
                    index=frame.index)
            else:
                typed[column.name] = pd.Series(np.nan if column.default is None else float(
                    column.default), index=frame.index, dtype=float)  # type: ignore[arg-type]
            continue
        if column.dtype in ("int", "float"):
            typed[column.name] = check_numeric(problems, label, table, frame, column)
        else:
            typed[column.name] = check_text(problems, label, table, frame, column)
    return pd.DataFrame(typed, index=frame.index)
