"""What the checks of :mod:`evplan.verify.duals` share: tolerances, the lines they collect
and how a row is named in them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CAP", "CAPACITY", "CREDIT", "FLEET", "MAX_LINES", "RELATIVE", "SIZE", "TIER",
           "Label", "Lines", "binds", "floats", "key_values", "nonnegative", "show"]

MAX_LINES = 5
RELATIVE = 1e-6
SIZE = 1e-9

FLEET = "shadow_price_usd_per_g_km_vehicle"
CREDIT = "shadow_price_usd_per_credit"
CAP = "cap_shadow_price_usd_per_t"
CAPACITY = "capacity_shadow_price_usd_per_vehicle"
TIER = "shadow_price_usd_per_vehicle"


class Label:
    """The key of a row, as a message names it (``a/b/c``), made only for a violation."""

    def __init__(self, frame: pd.DataFrame, columns: list[str],
                 rows: np.ndarray | None = None) -> None:
        self.frame, self.columns, self.rows = frame, columns, rows

    def __call__(self, position: int) -> str:
        row = position if self.rows is None else int(self.rows[position])
        return "/".join(str(self.frame[column].iat[row]) for column in self.columns)


class Lines:
    """Collects violation lines, at most :data:`MAX_LINES` per check."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, table: str, keys: Label, column: str, values: np.ndarray,
            bad: np.ndarray, expected: Callable[[int], str]) -> None:
        """One line per position where ``bad`` (the first few): the row's key, the
        column's reported value and what a correct dual gives (``expected(position)``)."""
        for position in np.flatnonzero(bad)[:MAX_LINES]:
            label = keys(int(position))
            self.lines.append(f"{table}: {column} of {label} is {show(values[position])}; "
                              f"{expected(int(position))}.")


def show(value: float) -> str:
    return "NaN" if np.isnan(value) else f"{value:,.6g}"


def floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = frame[column]
    if values.dtype.kind in "fiub":
        return values.to_numpy(dtype=float)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def binds(level: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Whether ``level`` reaches ``bound`` within the certificate's feasibility tolerance."""
    return level >= bound - RELATIVE * np.maximum(1.0, np.abs(bound))


def nonnegative(lines: Lines, table: str, keys: Label, column: str,
                 values: np.ndarray, tolerance: float, absent: np.ndarray) -> None:
    """Sign: >= 0 where the row exists; NaN only where ``absent`` (no row)."""
    lines.add(table, keys, column, values, values < -tolerance,
              lambda _: "a shadow price of this row is >= 0 (one more unit never lowers "
                        "the optimal margin)")
    lines.add(table, keys, column, values, np.isnan(values) & ~absent,
              lambda _: "the row exists in the model, so it has a finite dual")


def key_values(values: Any, column: str) -> np.ndarray:
    """A few distinct key values: years as numbers, names as text (as
    :func:`evplan.verify.keys.frame_codes` compares them)."""
    values = np.asarray(values, dtype=object)
    if column == "year":
        return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    return np.array([str(value) for value in values], dtype=object)
