"""The results store takes any column name a result table has (session 25 audit, helper-95).

A table a later run records with a new column widens the store's table with ``ALTER TABLE
... ADD COLUMN "<name>"``; the name was put between double quotes as it was, so a column
named ``size "L"`` (a result table of the user's own, through :meth:`ResultsStore.record`)
ended the identifier early: a DuckDB BinderException instead of a recorded run, and the SQL
after the quote ran inside the transaction.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evplan.store import ResultsStore, RunRecord

KPIS = pd.DataFrame({"kpi": ["margin"], "year": [2030], "key": ["all"], "value": [1.0],
                     "unit": ["USD"]})
ODD = 'size "L"; DROP TABLE kpis; --'


def _record(store: ResultsStore, run_id: str, table: pd.DataFrame) -> None:
    store.record(RunRecord(run_id=run_id, scenario="s", status="optimal", objective_usd=1.0,
                           kpis=KPIS, tables={"sizes": table}))


def test_a_new_column_with_a_double_quote_is_recorded(tmp_path: Path) -> None:
    store = ResultsStore(tmp_path / "evplan.duckdb")
    _record(store, "run-1", pd.DataFrame({"x": [1]}))
    _record(store, "run-2", pd.DataFrame({"x": [2], ODD: [3.5]}))
    assert store.table("run-2", "sizes").to_dict("list") == {"x": [2], ODD: [3.5]}
    first = store.table("run-1", "sizes")
    assert first["x"].tolist() == [1] and first[ODD].isna().all()
    assert len(store.kpis(["run-1", "run-2"])) == 2  # kpis is still there
