"""How the results store turns result tables into the Arrow rows it inserts (see
:mod:`evplan.store`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["json_text", "table_rows", "to_arrow"]


def json_text(value: Any) -> str:
    """``value`` as the JSON text the ``runs`` table keeps (keys sorted; NumPy scalars and
    arrays as numbers and lists, anything else as its text).

    Parameters
    ----------
    value : Any
        Overrides, parameters, metadata or table names of a run.

    Returns
    -------
    str
    """
    def default(item: Any) -> Any:
        if isinstance(item, np.generic):
            return item.item()
        if isinstance(item, np.ndarray):
            return item.tolist()
        return str(item)
    return json.dumps(value, default=default, sort_keys=True)


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table, without its index, converted on this thread (a pool
    costs more than it saves on result tables of a few thousand rows)."""
    return pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)


def table_rows(parts: Sequence[tuple[str, pd.DataFrame]]) -> pa.Table:
    """The rows of one result table of several runs, given as ``(run_id, table)``, with
    ``run_id`` first.

    A ``run_id`` column of the table itself is replaced by the run's. One run's table is
    converted as it is and gets the column in Arrow (no pandas copy); several are
    concatenated by pandas, which unifies their dtypes.
    """
    if len(parts) == 1:
        run_id, table = parts[0]
        rows = to_arrow(table.drop(columns="run_id") if "run_id" in table.columns else table)
        return rows.add_column(0, "run_id", pa.array([run_id] * rows.num_rows, pa.string()))
    frame = pd.concat([table.reset_index(drop=True).assign(run_id=run_id)
                       for run_id, table in parts], ignore_index=True)
    return to_arrow(frame[["run_id", *[c for c in frame.columns if c != "run_id"]]])
