"""Validate raw inputs into a NetworkData: collect every problem, then fail once."""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evplan.data.checks import check_tables
from evplan.data.columns import MAX_ROWS_PER_KIND, coerce_table, empty_table, hidden_cells
from evplan.data.lookalike import shown
from evplan.data.network import NetworkData, ScenarioSettings
from evplan.data.read import RawInputs, read_inputs
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.schema import SCENARIO_FIELDS, TABLES, ScenarioField

__all__ = ["load", "validate_inputs", "validate_tables"]


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | _dt.date)


def _scenario_value(field: ScenarioField, value: Any, label: str,
                    problems: list[Problem]) -> Any:
    if isinstance(value, np.generic):  # np.int64(2025) from a DataFrame: the number it holds
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, str) and not value.strip()):
        if field.required:
            problems.append(Problem(label, f"{field.name} is missing. Add '{field.name}: ...' "
                                    f"({field.description})"))
        return field.default
    if field.dtype == "mapping":
        if not isinstance(value, Mapping):
            problems.append(Problem(label, f"{field.name} must be a mapping of id: text, found "
                                    f"{_kind(value)}. Write one 'id: citation' line per source."))
            return field.default
        nested = [str(key) for key, text in value.items() if not _is_scalar(text)
                  and text is not None]
        for key in nested[:MAX_ROWS_PER_KIND]:
            problems.append(Problem(label, f"{field.name}: '{key}' must be text (a citation), "
                                    f"found {_kind(value[key])}. Quote the citation."))
        return {str(key): "" if text is None else str(text) for key, text in value.items()}
    if not _is_scalar(value):
        problems.append(Problem(label, f"{field.name} must be "
                                + ("text" if field.dtype == "str" else "a number")
                                + f", found {_kind(value)}. Write a single value."))
        return field.default
    if field.dtype == "str":
        return str(value)
    try:
        if isinstance(value, bool | _dt.date):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        problems.append(Problem(label, f"{field.name} = {value!r} is not a number. Give a "
                                f"number in {field.unit}."))
        return field.default
    if not math.isfinite(number):
        problems.append(Problem(label, f"{field.name} = {value!r} is not a finite number. Give "
                                f"a number in {field.unit}"
                                + ("." if field.required else " or leave the key out.")))
        return field.default
    if field.dtype == "int" and number != int(number):
        problems.append(Problem(label, f"{field.name} = {value!r} is not a whole number. "
                                f"Write a whole number ({field.unit})."))
        return field.default
    low, high = field.minimum, field.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        hint = (f" Rates are fractions ({number:g} % -> {number / 100:g})."
                if field.unit.startswith("fraction") and 1 < number <= 100 else "")
        lower = f"{low:g}" if low is not None else "-inf"
        upper = f"{high:g}" if high is not None else "inf"
        fix = hint or f" Write a value in that range ({field.unit})."
        problems.append(Problem(label, f"{field.name} = {number:g} is outside [{lower}, "
                                f"{upper}].{fix}"))
        return field.default
    return int(number) if field.dtype == "int" else number


def _kind(value: Any) -> str:
    """``a list``, ``a mapping``, ``true`` ... for messages about a value of the wrong type."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple | set):
        return "a list"
    if isinstance(value, bool):
        return str(value).lower()
    return f"{type(value).__name__} {value!r}"


def validate_scenario(raw: Mapping[str, Any], label: str,
                      problems: list[Problem]) -> ScenarioSettings | None:
    """Check ``scenario.yaml`` and return its settings (None when unusable)."""
    if not raw and any(problem.file == label for problem in problems):
        # the file could not be read (not YAML, UTF-16, a list, empty, missing): that one
        # problem is the fix; "name is missing", "first_year is missing" ... would not be
        return None
    names = [field.name for field in SCENARIO_FIELDS]
    for key in raw:
        if key not in names:
            problems.append(Problem(label, f"key '{key}' is not a scenario setting."
                                    + (did_you_mean(str(key), names)
                                       or f" The settings are {', '.join(names)}.")))
    values = {field.name: _scenario_value(field, raw.get(field.name), label, problems)
              for field in SCENARIO_FIELDS}
    if values["name"] is None or values["first_year"] is None or values["last_year"] is None:
        return None
    if values["last_year"] < values["first_year"]:
        problems.append(Problem(label, f"last_year {values['last_year']} is before first_year "
                                f"{values['first_year']}. Swap them."))
        return None
    values["sources"] = values["sources"] or {}
    return ScenarioSettings(**values)


def validate_tables(
    tables: Mapping[str, pd.DataFrame],
    scenario: ScenarioSettings | Mapping[str, Any],
    labels: Mapping[str, str] | None = None,
    origin: str = "<memory>",
) -> NetworkData:
    """Validate tables of raw values (strings or numbers) into a NetworkData.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Table name -> rows; a ``row`` column is added (2, 3, ...) when absent.
    scenario : ScenarioSettings or mapping
        The scenario settings, or a ``scenario.yaml``-like mapping.
    labels : mapping, optional
        Table name -> how messages name its source (default ``<name>.csv``).
    origin : str
        Where the inputs came from.

    Raises
    ------
    InputError
        With every problem found.
    """
    raw_tables = {}
    full_labels = {name: table.file for name, table in TABLES.items()} | dict(labels or {})
    problems: list[Problem] = []
    for name, frame in tables.items():
        label = full_labels.get(name, str(name))
        if not isinstance(frame, pd.DataFrame):
            problems.append(Problem(label, f"{name} must be a pandas DataFrame, found "
                                    f"{type(frame).__name__}. Pass pandas.DataFrame(rows)."))
            continue
        frame = frame.copy()
        if "row" not in frame or _bad_row_numbers(name, frame, label, problems):
            frame = frame.drop(columns="row", errors="ignore")
            frame.insert(0, "row", range(2, len(frame) + 2))
        for column in frame.columns:
            if column != "row":
                frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
        raw_tables[name] = frame.astype({column: str for column in frame.columns
                                         if column != "row"})
    if isinstance(scenario, ScenarioSettings):
        scenario = {**scenario.as_dict(), "sources": dict(scenario.sources)}
    elif not isinstance(scenario, Mapping):
        problems.append(Problem("scenario.yaml", f"the scenario must be a mapping of settings "
                                f"or a ScenarioSettings, found {type(scenario).__name__}. "
                                "Pass {'name': ..., 'first_year': ..., 'last_year': ...}."))
        scenario = {}
    raw = RawInputs(raw_tables, full_labels, dict(scenario), "scenario.yaml", origin, problems,
                    from_files=False)
    return validate_inputs(raw)


def _bad_row_numbers(name: str, frame: pd.DataFrame, label: str,
                     problems: list[Problem]) -> bool:
    """True (with a problem) when a given ``row`` column cannot number the rows.

    Messages and the plan's certificate find a record by its row number, so each must be a
    whole number from 1 up, one per row; only a duty table may repeat one (an override's
    from_year splits a row in two that keep its number). Before, a repeated number failed
    the certificate ("a bug in evplan") and a blank one raised a bare pandas error.
    """
    cells = frame["row"].to_numpy(dtype=object)
    numbers = pd.to_numeric(pd.Series(cells), errors="coerce").to_numpy(dtype=float,
                                                                          na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(numbers) | (numbers != np.round(numbers)) | (numbers < 1) | np.array(
            [isinstance(cell, bool | np.bool_) for cell in cells], dtype=bool)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        problems.append(Problem(label, f"column 'row' holds {cells[at]!r} at position {at + 1}"
                                + (f" and {int(bad.sum()) - 1} more" if bad.sum() > 1 else "")
                                + ": it gives each record's spreadsheet row number, a whole "
                                "number from 1 up. Fix it, or leave the column out (rows are "
                                "then numbered 2, 3, ...)."))
        return True
    table = TABLES.get(name)
    if table is not None and "first_year" not in table.key:
        repeated = sorted({int(number) for number in numbers[pd.Series(numbers).duplicated()]})
        if repeated:
            problems.append(Problem(label, f"column 'row' repeats row number"
                                    f"{'s' if len(repeated) > 1 else ''} "
                                    f"{', '.join(map(str, repeated[:5]))}"
                                    + (" ..." if len(repeated) > 5 else "") + ": each record "
                                    "needs its own. Number the rows once each, or leave the "
                                    "column out (rows are then numbered 2, 3, ...)."))
            return True
    return False


def _check_not_empty(raw: RawInputs, typed: Mapping[str, pd.DataFrame],
                     scenario: ScenarioSettings | None, problems: list[Problem]) -> None:
    """A required table that is there but has no rows (duties may, with default_duty_rate)."""
    for name, table in TABLES.items():
        if not table.required or name not in raw.tables or len(typed[name]):
            continue
        if name == "duties" and scenario is not None and scenario.default_duty_rate is not None:
            continue
        label = raw.labels.get(name, table.file)
        fix = (" Add the duty rows, or set default_duty_rate in scenario.yaml."
               if name == "duties" else f" Add at least one row ({', '.join(table.key)}, ...).")
        problems.append(Problem(label, f"{label} has no rows.{fix}"))


def validate_inputs(raw: RawInputs) -> NetworkData:
    """Validate what :func:`read_inputs` read; raise InputError listing every problem."""
    problems = list(raw.problems)
    unknown = [name for name in raw.tables if name not in TABLES]
    for name in unknown:
        problems.append(Problem(name, f"'{name}' is not an input table."
                                + (did_you_mean(name, TABLES) or f" The tables are "
                                   f"{', '.join(TABLES)}.")))
    scenario = validate_scenario(raw.scenario, raw.scenario_label, problems)
    typed: dict[str, pd.DataFrame] = {}
    for name, table in TABLES.items():
        frame = raw.tables.get(name)
        if frame is None:  # an absent optional table: its typed empty frame, directly
            typed[name] = empty_table(table)
            continue
        typed[name] = coerce_table(table, frame, raw.labels.get(name, table.file), problems)
    hidden = [found for name, table in TABLES.items() if name in raw.tables
              for found in hidden_cells(table, typed[name], raw.labels.get(name, table.file))]
    before_empty = len(problems)
    _check_not_empty(raw, typed, scenario, problems)
    # A required table without rows is listed alone, as a missing file is: every id that
    # refers to it (210 routes naming a plant "not in plants.csv") would say nothing more.
    if scenario is not None and len(problems) == before_empty:
        column_problems = len(problems)
        roots = 0
        try:
            roots = check_tables(typed, raw.labels, scenario, problems,
                                 closed_plants_fail=raw.from_files)
        except (KeyError, TypeError, ValueError):
            # Cross-table checks assume readable cells; with column problems already
            # reported, a check that trips over a blank cell adds nothing the user needs.
            if not column_problems:
                raise
        problems[column_problems:] = _without_missing_column_follow_ons(
            raw, _roots_first(hidden, problems[column_problems:], roots))
    else:
        problems += [problem for problem, _ in hidden]
    if any(problem.count for problem in problems):  # notes alone (count 0) fail nothing
        raise InputError(_without_follow_ons(problems, len(raw.problems)))
    assert scenario is not None
    return NetworkData(scenario=scenario, tables={name: frame.reset_index(drop=True)
                                                  for name, frame in typed.items()},
                       origin=raw.origin, notes=tuple(problems))  # notes only (count 0)


def _without_missing_column_follow_ons(raw: RawInputs, found: list[Problem]
                                       ) -> list[Problem]:
    """Cross-table ``found`` without those that follow from a missing required column.

    A table without a required column (already reported: "column 'origin' is missing")
    reads as blank in that column, so every cross-table check that uses it fails row by
    row: hundreds of "no duty row covers CN>JP ... Add a row to duties.csv" whose fix
    does not apply. A cross-table problem in such a table, or naming it, is dropped; one
    line says how many, and that they are checked once the column is there (a note:
    it counts as no problem of its own).
    """
    incomplete = [raw.labels.get(name, table.file) for name, table in TABLES.items()
                  if name in raw.tables and any(
                      column.required and column.name not in raw.tables[name].columns
                      for column in table.columns)]
    if not incomplete:
        return found
    # 'duties.csv' must not match inside 'kit_duties.csv'; 'nan' is the missing cell itself
    # (an id is never 'nan': the column checks refuse it)
    named = re.compile("|".join([rf"(?<![\w.]){re.escape(label)}" for label in incomplete]
                                + [r"\bnan\b"]))
    kept: list[Problem] = []
    dropped = 0
    follows = False  # the previous problem was dropped: its "... and N more" line goes too
    for problem in found:
        more = problem.row is None and problem.message.startswith("... and ")
        follows = (follows and more) or problem.file in incomplete or (
            not more and named.search(problem.message) is not None)
        if follows:
            dropped += problem.count
        else:
            kept.append(problem)
    if dropped:
        kept.append(Problem(incomplete[0], f"{dropped} more problem(s) in other rows or tables "
                            f"come from the missing column(s) of {', '.join(incomplete)}; "
                            "they are checked again once the column is there.", count=0))  # a note
    return kept


#: The value a spelling check's problem is about: "row 3, plant 'CN-XYG': country 'cn' is
#: not 'CN' ..." -> 'cn' (check_spellings writes every message so).
_SPELLED = re.compile(r"': [a-z_]+ '(.*?)'(?= is not|: )")
#: A character a message shows as <U+200B> (:func:`~evplan.data.lookalike.shown`).
_SHOWN_CHARACTER = re.compile(r"<U\+([0-9A-F]{4,6})>")


def _unshown(text: str) -> str:
    """The value a message quotes as ``shown(value)``: 'P1<U+200B>' -> 'P1' + U+200B."""
    return _SHOWN_CHARACTER.sub(lambda match: chr(int(match.group(1), 16)), text)


def _quotes(message: str, value: str) -> bool:
    """Whether ``message`` quotes ``value``, as typed or with its invisible characters
    shown as <U+XXXX>."""
    return f"'{value}'" in message or f"'{shown(value)}'" in message


def _roots_first(hidden: list[tuple[Problem, str]], found: list[Problem], roots: int
                 ) -> list[Problem]:
    """Cross-table ``found`` with root causes first and their follow-ons folded into a note.

    A root cause is a cell spelled another way: one holding an invisible character
    (``hidden``, from :func:`~evplan.data.columns.hidden_cells`), or one a spelling check
    named (the first ``roots`` of ``found``: a plant's country 'cn' beside markets in
    'CN'). Each is listed on its own row, before the other cross-table problems (an
    invisible character's own line is left out when another problem on its row quotes the
    value already: "plant 'P1<U+200B>' is not in plants.csv. Did you mean 'P1'?"). A
    problem on another row that quotes such a value ("plant 'P1' is not in plants.csv. Did
    you mean 'P1<U+200B>'?", "the plant's country 'cn' has no row in grid_intensity.csv") follows
    from it: it goes away with the fix, so it is counted in one note instead (as the
    follow-ons of a missing column are).
    """
    odd: dict[tuple[str, int | None], set[str]] = {}
    for problem, value in hidden:
        if problem.row is not None:  # not the "... and N more" line
            odd.setdefault((problem.file, problem.row), set()).add(value)
    for problem in found[:roots]:
        spelled = _SPELLED.search(problem.message)
        if spelled and problem.row is not None:
            odd.setdefault((problem.file, problem.row), set()).add(
                _unshown(spelled.group(1)))
    if not odd:
        return found
    values = sorted({value for group in odd.values() for value in group})
    first = [problem for problem, value in hidden if problem.row is None or not any(
        other.file == problem.file and other.row == problem.row and _quotes(other.message, value)
        for other in found)] + found[:roots]
    later: list[Problem] = []
    folded: list[tuple[Problem, list[str]]] = []  # each follow-on, with the values it quotes
    follows = False  # the previous problem was folded: its "... and N more" line goes too
    for problem in found[roots:]:
        more = problem.row is None and problem.message.startswith("... and ")
        on_root = (problem.file, problem.row) in odd
        quotes = [] if more or on_root or not problem.count else [
            value for value in values if _quotes(problem.message, value)]
        if quotes or (follows and more):
            folded.append((problem, quotes or folded[-1][1]))
            follows = True
            continue
        follows = False
        (first if on_root else later).append(problem)
    return _with_follow_ons(first, odd, folded) + later


def _with_follow_ons(first: list[Problem], odd: dict[tuple[str, int | None], set[str]],
                     folded: list[tuple[Problem, list[str]]]) -> list[Problem]:
    """``first`` (the root causes) with, on the first one that names each odd value, how
    many ``folded`` problems quote it and in which files: they go away with its fix."""
    owner: dict[str, int] = {}
    for at, problem in enumerate(first):
        for value in sorted(odd.get((problem.file, problem.row), ())):
            owner.setdefault(value, at)
    counts: dict[int, tuple[int, list[str], list[str]]] = {}
    for problem, quotes in folded:
        at = next((owner[value] for value in quotes if value in owner), 0)
        number, files, names = counts.get(at, (0, [], []))
        counts[at] = (number + problem.count,
                      [*files, problem.file] if problem.file not in files else files,
                      [*names, *(value for value in quotes if value not in names)])
    out = list(first)
    for at, (number, files, names) in counts.items():
        where = " and ".join([", ".join(files[:-1]), files[-1]] if len(files) > 1 else files)
        named = " and ".join(f"'{shown(value)}'" for value in names[:3])
        root = out[at]
        out[at] = Problem(root.file, f"{root.message} {number} more problem"
                          f"{'s' if number > 1 else ''} in {where} name{'' if number > 1 else 's'}"
                          f" {named} and go{'' if number > 1 else 'es'} away with this fix "
                          "(checked again then).", root.row, root.count)
    return out


def _without_follow_ons(problems: list[Problem], read: int) -> list[Problem]:
    """The first ``read`` problems (the reader's: a merged cell, a formula saved without its
    value) and the rest except those on a row the reader already named: a cell the reader
    could not read is blank, and "is blank" on that row says nothing more."""
    named = {(problem.file, problem.row) for problem in problems[:read]
             if problem.row is not None}
    return problems[:read] + [problem for problem in problems[read:]
                              if (problem.file, problem.row) not in named]


def load(path: str | Path) -> NetworkData:
    """Load and validate a scenario from a CSV folder or an Excel workbook.

    Parameters
    ----------
    path : str or Path
        A folder of ``<table>.csv`` files with ``scenario.yaml``, or an ``.xlsx`` workbook.

    Returns
    -------
    NetworkData
        The validated inputs.

    Raises
    ------
    InputError
        Listing every problem found, each naming file, row, id, column, value and a fix.

    Examples
    --------
    >>> import evplan
    >>> data = evplan.load(evplan.examples.china_export_path())
    >>> data.scenario.name
    'china-export'
    """
    return validate_inputs(read_inputs(path))
