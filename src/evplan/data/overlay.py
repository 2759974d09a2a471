"""Input folders that overlay a base folder (``base_inputs`` in ``scenario.yaml``).

A folder whose ``scenario.yaml`` names ``base_inputs: ../china_export`` holds only what
differs from the base: each table it has adds rows to the base's table, a row with the same
key as a base row replacing it; tables it lacks are the base's; its ``scenario.yaml`` keys
override the base's and its ``sources`` are added to the base's. The embedded
``china-strategic`` example is such a folder, so it follows every change to the default data.

Row numbers stay unique per table: base rows keep theirs, the overlay's rows are numbered
from :data:`OVERLAY_ROW_OFFSET` on (row 10002 is row 2 of the overlay's file), and the
label of a merged table says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evplan.data.files import read_scenario_file
from evplan.errors import InputError, Problem
from evplan.schema import TABLES

if TYPE_CHECKING:
    from evplan.data.read import RawInputs

__all__ = ["OVERLAY_ROW_OFFSET", "read_layered_folder"]

OVERLAY_ROW_OFFSET = 10_000
MAX_DEPTH = 5


def _one_column_each(frame: pd.DataFrame, label: str, problems: list[Problem]
                     ) -> pd.DataFrame:
    """``frame`` with the first of each repeated header name, each repeat a problem.

    Rows of the base and the overlay are matched by name, which a repeated name makes
    ambiguous, so the repeat is reported here (as :func:`~evplan.data.columns.coerce_table`
    does for a folder of its own) and the first column of that name is read.
    """
    repeated = frame.columns[frame.columns.duplicated()].unique()
    for name in repeated:
        count = int((frame.columns == name).sum())
        problems.append(Problem(label, f"column '{name}' appears {count} times in the header. "
                                f"Keep one column named {name}: delete or rename the others."))
    return frame.loc[:, ~frame.columns.duplicated()] if len(repeated) else frame


def _key_texts(table_name: str, frame: pd.DataFrame) -> pd.Series:
    """Each row's key as a tuple of texts, written one way whatever the file wrote.

    A key column the file leaves out is its default (blank for every key column that may
    be left out), as it reads once validated: an overlay ``duties.csv`` without
    ``first_year`` replaced every year's row of its origin, market and powertrain, while
    the same rows with a blank ``first_year`` column replaced none (they overlapped). A
    whole number is compared as one (``2023.0`` and ``+2023`` are ``2023``, as pandas writes
    a year column with a blank in it), so it replaces the base's ``2023`` row.
    """
    columns = {column.name: column for column in TABLES[table_name].columns}
    parts = []
    for name in TABLES[table_name].key:
        column = columns[name]
        if name not in frame:
            blank = "" if column.default is None else str(column.default)
            parts.append(pd.Series(blank, index=frame.index))
            continue
        texts = frame[name].astype(str).str.strip()
        parts.append(texts.map(_whole_number) if column.dtype == "int" else texts)
    return pd.concat(parts, axis=1).apply(tuple, axis=1)


def _whole_number(text: str) -> str:
    """``text`` as a whole number's digits when it is one (``2023.0`` -> ``2023``)."""
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def _merge_table(table_name: str, base: pd.DataFrame, overlay: pd.DataFrame
                 ) -> tuple[pd.DataFrame, int]:
    """Base rows not replaced, then the overlay's rows; and the overlay's row offset."""
    overlay = overlay.copy()
    offset = OVERLAY_ROW_OFFSET * (1 + int(base["row"].max() if len(base) else 0)
                                   // OVERLAY_ROW_OFFSET)
    overlay["row"] = overlay["row"].astype(int) + offset
    if len(base) and len(overlay):
        replaced = _key_texts(table_name, base).isin(set(_key_texts(table_name, overlay)))
        base = base[~replaced]
    return pd.concat([base, overlay], ignore_index=True).fillna(""), offset


def read_layered_folder(folder: Path, read_folder: Callable[..., RawInputs],
                        depth: int = 0) -> RawInputs:
    """Read ``folder``, laid over its ``base_inputs`` folder when it names one.

    Parameters
    ----------
    folder : Path
        The input folder.
    read_folder : callable
        ``read_folder(folder, complete=..., read_scenario=...)`` reads one folder (see
        :mod:`evplan.data.read`); ``read_scenario`` is the folder's parsed scenario.yaml.

    Raises
    ------
    InputError
        When the base folder does not exist or the bases loop.
    """
    scenario_file = read_scenario_file(folder)
    base_name = str(scenario_file[0].get("base_inputs") or "").strip()
    if not base_name:
        return read_folder(folder, read_scenario=scenario_file)
    base_path = (folder / base_name).resolve()
    label = f"{folder / 'scenario.yaml'}"
    if not base_path.is_dir():
        raise InputError([Problem(label, f"base_inputs '{base_name}' is not a folder (looked "
                                  f"for {base_path}). Give the path of the base input folder "
                                  "relative to this one.")])
    if depth >= MAX_DEPTH:
        raise InputError([Problem(label, f"base_inputs go more than {MAX_DEPTH} folders deep "
                                  "(a loop?). Point base_inputs at a complete folder.")])
    base = read_layered_folder(base_path, read_folder, depth + 1)
    top = read_folder(folder, complete=False, read_scenario=scenario_file)
    tables = dict(base.tables)
    labels = dict(base.labels)
    problems = [*base.problems, *top.problems]
    for name, frame in top.tables.items():
        if name not in tables:
            tables[name] = frame
            labels[name] = f"{folder.name}/{TABLES[name].file}"
            continue
        overlay = _one_column_each(frame, f"{folder.name}/{TABLES[name].file}", problems)
        tables[name], offset = _merge_table(
            name, _one_column_each(tables[name], labels[name], problems), overlay)
        labels[name] = (f"{TABLES[name].file} ({base_path.name} with {folder.name} laid over "
                        f"it: row {offset + 2} on = row 2 on of {folder.name}/"
                        f"{TABLES[name].file})")
    scenario: dict[str, Any] = {**base.scenario, **top.scenario}
    sources = {**(base.scenario.get("sources") or {}), **(top.scenario.get("sources") or {})}
    if sources:
        scenario["sources"] = sources
    return type(base)(tables, labels, scenario, top.scenario_label, top.origin, problems)
