"""The inputs hash the results store keeps with each run (see :mod:`evplan.store`).

Two runs with the same hash planned from the same input values and scenario settings,
whatever files or workbook they were read from, and whichever text dtype pandas used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from evplan.data import NetworkData

__all__ = ["inputs_hash", "table_hash_parts"]


def inputs_hash(data: NetworkData, known: Mapping[int, tuple[Any, bytes]] | None = None
                ) -> str:
    """A SHA-256 of every input table's values and the scenario settings (16 hex digits).

    ``known`` (from :func:`table_hash_parts` of a base, e.g. once per sweep) lets cases
    that share most tables with that base hash only the tables they changed; the hash is
    the same with or without it.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps(data.scenario.as_dict(), sort_keys=True, default=str).encode())
    for name in sorted(data.tables):
        table = data.tables[name]
        hit = known.get(id(table)) if known is not None else None
        digest.update(hit[1] if hit is not None and hit[0] is table
                      else _table_hash_part(name, table))
    return digest.hexdigest()[:16]


def table_hash_parts(data: NetworkData) -> dict[int, tuple[Any, bytes]]:
    """Each table's share of :func:`inputs_hash`, by table object (see ``known`` there)."""
    return {id(table): (table, _table_hash_part(name, table))
            for name, table in data.tables.items()}


def _table_hash_part(name: str, table: pd.DataFrame) -> bytes:
    frame = table.drop(columns=["row", "source"], errors="ignore")
    return (name.encode() + "|".join(frame.columns).encode()
            + pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
