"""Check a NetworkData's numbers again before a solve: tables changed after validation.

:class:`~evplan.data.NetworkData` holds validated tables, but pandas frames are mutable:
``data["demand"].loc[0, "price_usd_per_vehicle"] = float("nan")`` or
``data.replace(tables=...)`` (which does not revalidate) reach the model unchecked. Found by
the session-20 audit: a negative price, a negative duty rate or a volume of 1e30 so made
gave a plan reported optimal; NaN failed the plan's certificate ("a bug in evplan"),
infinity stopped the solver ("raise --time-limit") and prices as text raised a bare
TypeError or, on a warm model, were read as numbers.

:func:`check_values` is the cheap part of validation that a value can fail on its own: every
numeric column of the schema is numeric, finite, inside the column's range and not blank
where required. Cross-table rules (tiers' prices falling, quota rates, ids) are left to
:func:`evplan.data.validate_tables`; run that to change a table. About 0.7 ms CPU for the
default scenario (76 numeric columns, read from the frames' blocks), about 5 % of a warm
case. :func:`check_ids` adds the text a row is about: ids that name a plant, program or
market the tables have, choices (powertrain, yes/no ...) and
demand and commitment years inside the horizon (found by the same audit: a route to a market
changed to 'ZZ', a powertrain 'XXX' or a demand year moved to 2030 gave plans reported
optimal). A :class:`~evplan.scenarios.WarmModel` checks its base's values and ids when it
is built, a case's values before each solve (not a sweep's cases: ``apply_patches`` checked
what it changed) and a case's ids when its index is rebuilt (a warm case keeps the base's
ids and choices, ``same_shape_tables``); its cold cases go through :func:`evplan.optimize`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from evplan.errors import InputError, Problem
from evplan.schema import TABLES

__all__ = ["check_ids", "check_values"]

#: Most cells named one by one per column; the rest are counted.
_NAMED = 5

_FIX = ("The tables were changed after validation; make changed inputs with "
        "evplan.data.validate_tables (or scenarios.apply_patches), which check them.")


def _column(frame: pd.DataFrame, name: str) -> object:
    """The values of column ``name``: read from the frame's blocks where pandas offers it
    (``BlockManager.iget_values``: about 1 µs, where ``frame[name]`` costs about 9 µs; this
    check runs before every warm case), else through ``frame[name]``."""
    position = frame.columns.get_loc(name)
    read = getattr(getattr(frame, "_mgr", None), "iget_values", None)
    if isinstance(position, int) and read is not None:
        return read(position)
    return frame[name].array


def _numbers(values: object) -> np.ndarray | None:
    """A column's values as numbers (blank: NaN), or None when they are not numbers."""
    if isinstance(values, np.ndarray):
        return values if values.dtype.kind in "fiu" else None
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "fiu":
        # Int64, Float64, Arrow numbers
        return np.asarray(values.to_numpy(dtype=float, na_value=np.nan))  # type: ignore[attr-defined]
    return None


def check_values(data: object) -> None:
    """Raise InputError when a number in ``data``'s tables is one validation refuses.

    Parameters
    ----------
    data : NetworkData
        Inputs, possibly changed in place since they were validated.

    Raises
    ------
    InputError
        Naming table, row, column, value and the fix, for every such cell (the first
        few per column, then a count).

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> data = single_lane()
    >>> check_values(data)
    >>> data["demand"].loc[0, "price_usd_per_vehicle"] = float("nan")
    >>> check_values(data)
    Traceback (most recent call last):
    ...
    evplan.errors.InputError: evplan: 1 problem in demand.csv
      * row 2 of data['demand']: price_usd_per_vehicle is blank (NaN), and it is required. ...
    """
    problems: list[Problem] = []
    for name, table, frame, rows in _filled(getattr(data, "tables", {})):
        for column in table.columns:
            if column.dtype not in ("int", "float"):
                continue
            if column.name not in frame:
                problems.append(Problem(table.file, f"column '{column.name}' is missing from "
                                        f"data['{name}']. {_FIX}"))
                continue
            values = _numbers(_column(frame, column.name))
            if values is None:
                problems.append(Problem(table.file, f"column '{column.name}' of data['{name}']"
                                        f" holds {frame[column.name].dtype} values, not "
                                        f"numbers. {_FIX}"))
                continue
            # One pass for the common case: NaN compares False, so it fails both bounds.
            wrong = ~(values >= column.lower_bound) | ~(values <= column.upper_bound)
            if not wrong.any():
                continue
            if not column.required:
                wrong &= ~np.isnan(values)
            for at in np.flatnonzero(wrong)[:_NAMED]:
                value = values[at]
                what = ("is blank (NaN), and it is required" if np.isnan(value) else
                        f"= {value:g} is not a finite number" if not np.isfinite(value) else
                        f"= {value:g} is outside [{column.lower_bound:g}, "
                        f"{column.upper_bound:g}] {column.unit}")
                problems.append(Problem(table.file, f"row {rows[at]} of data['{name}']: "
                                        f"{column.name} {what}. {_FIX}", int(rows[at])))
            if int(wrong.sum()) > _NAMED:
                problems.append(Problem(table.file, f"... and {int(wrong.sum()) - _NAMED} more "
                                        f"such values in {column.name}.",
                                        count=int(wrong.sum()) - _NAMED))
    if problems:
        raise InputError(problems)


#: Tables whose ``year`` must lie inside the horizon (docs/inputs.md says so for these).
_HORIZON_TABLES = ("demand", "committed_sales")


def check_ids(data: object) -> None:
    """Raise InputError when an id, a choice or a year in ``data``'s tables is one validation
    refuses (see the module docstring); every such cell, the first few per column.

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> data = single_lane()
    >>> data["routes"].loc[0, "market"] = "ZZ"
    >>> check_ids(data)
    Traceback (most recent call last):
    ...
    evplan.errors.InputError: evplan: 1 problem in routes.csv
      * row 2 of data['routes']: market 'ZZ' is not in markets.market. ...
    """
    tables: Mapping[str, pd.DataFrame] = getattr(data, "tables", {})
    scenario = getattr(data, "scenario", None)
    problems: list[Problem] = []
    for name, table, frame, rows in _filled(tables):
        for column in table.columns:
            if column.name not in frame or not (column.references or column.choices):
                continue
            if column.references:
                other, key = column.references.split(".")
                allowed = tables[other][key] if other in tables and key in tables[other] else (
                    pd.Series([], dtype=object))
                what = f"is not in {column.references}"
            else:
                allowed = pd.Series(column.choices, dtype=object)
                what = f"is not one of {', '.join(column.choices or ())}"
            values = frame[column.name]
            wrong = ~values.isin(allowed).to_numpy()
            if not column.required:
                wrong &= values.notna().to_numpy() & (values.astype(str) != "").to_numpy()
            _name(problems, table.file, name, column.name, values.to_numpy(dtype=object),
                  rows, wrong, what)
        if name in _HORIZON_TABLES and scenario is not None and "year" in frame:
            years = frame["year"].to_numpy(dtype=float, na_value=np.nan)
            wrong = ~((years >= scenario.first_year) & (years <= scenario.last_year))
            _name(problems, table.file, name, "year", years, rows, wrong,
                  f"is outside the horizon {scenario.first_year}-{scenario.last_year}")
    if problems:
        raise InputError(problems)


def _filled(tables: Mapping[str, pd.DataFrame]) -> Iterator[tuple[str, Any, pd.DataFrame,
                                                                  np.ndarray]]:
    """(name, schema, frame, spreadsheet rows) of each table that has rows."""
    for name, table in TABLES.items():
        frame = tables.get(name)
        if frame is None or not len(frame):
            continue
        yield name, table, frame, (frame["row"].to_numpy() if "row" in frame
                                   else np.arange(2, len(frame) + 2))


def _name(problems: list[Problem], file: str, name: str, column: str, values: np.ndarray,
          rows: np.ndarray, wrong: np.ndarray, what: str) -> None:
    """A problem for each of the first few ``wrong`` cells, then a count."""
    for at in np.flatnonzero(wrong)[:_NAMED]:
        value = values[at]
        shown = f"{value:g}" if isinstance(value, float) else repr(value)
        problems.append(Problem(file, f"row {rows[at]} of data['{name}']: {column} {shown} "
                                f"{what}. {_FIX}", int(rows[at])))
    if int(wrong.sum()) > _NAMED:
        problems.append(Problem(file, f"... and {int(wrong.sum()) - _NAMED} more such values "
                                f"in {column}.", count=int(wrong.sum()) - _NAMED))
