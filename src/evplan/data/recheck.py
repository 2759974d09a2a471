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
:func:`evplan.data.validate_tables`; run that to change a table. About 3.5 ms for the
default scenario (76 numeric columns; most of it pandas' column lookup): small beside a cold
solve, about a fifth of a warm case.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evplan.errors import InputError, Problem
from evplan.schema import TABLES

__all__ = ["check_values"]

#: Most cells named one by one per column; the rest are counted.
_NAMED = 5

_FIX = ("The tables were changed after validation; make changed inputs with "
        "evplan.data.validate_tables (or scenarios.apply_patches), which check them.")


def _numbers(series: pd.Series) -> np.ndarray | None:
    """The column as floats (blank: NaN), or None when it does not hold numbers."""
    values = series.to_numpy()
    if values.dtype.kind in "fiu":
        return values
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype) and (
            series.dtype.kind in "fiu"):  # Int64, Float64, Arrow numbers
        return series.to_numpy(dtype=float, na_value=np.nan)
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
    tables: Mapping[str, pd.DataFrame] = getattr(data, "tables", {})
    problems: list[Problem] = []
    for name, table in TABLES.items():
        frame = tables.get(name)
        if frame is None or not len(frame):
            continue
        rows = (frame["row"].to_numpy() if "row" in frame
                else np.arange(2, len(frame) + 2))
        for column in table.columns:
            if column.dtype not in ("int", "float"):
                continue
            if column.name not in frame:
                problems.append(Problem(table.file, f"column '{column.name}' is missing from "
                                        f"data['{name}']. {_FIX}"))
                continue
            values = _numbers(frame[column.name])
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
