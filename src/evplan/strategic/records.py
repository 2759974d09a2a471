"""Rows of a table as plain records with attribute access (for the per-row logic)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd

__all__ = ["by_key", "records"]


def records(frame: pd.DataFrame) -> list[Any]:
    """The rows as records with attribute access (plain Python values)."""
    return [SimpleNamespace(**{str(name): value for name, value in record.items()})
            for record in frame.to_dict("records")]


def by_key(frame: pd.DataFrame, *key: str) -> dict[Any, Any]:
    """Rows by their key (a value, or a tuple for several key columns)."""
    return {(getattr(row, key[0]) if len(key) == 1 else tuple(getattr(row, name)
                                                             for name in key)): row
            for row in records(frame)}
