"""A user's DuckDB database without tables is not a new results store (session 23 audit).

docs/outputs.md: a store path that holds a DuckDB database evplan did not make is refused
and left byte for byte as it was. A database holding tables was refused; one holding only
a sequence, a macro, a type or a schema of its own was taken for a new store, and evplan
wrote its ``runs``, ``kpis`` and ``result_*`` tables into it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

import evplan
from evplan.examples import single_lane
from evplan.results import Result
from evplan.store import ResultsStore, StoreError


@pytest.fixture(scope="module")
def lane_result() -> Result:
    return evplan.optimize(single_lane())


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("sql", "named"), [
    ("CREATE SEQUENCE invoice_numbers", "sequence invoice_numbers"),
    ("CREATE MACRO add_tax(a) AS a * 1.2", "macro add_tax"),
    ("CREATE TYPE mood AS ENUM ('ok', 'sad')", "type mood"),
    ("CREATE SCHEMA finance", "schema finance"),
])
def test_a_database_of_objects_is_left_as_it_was(sql: str, named: str, tmp_path: Path,
                                                  lane_result: Result) -> None:
    path = tmp_path / "mine.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute(sql)
    before = _digest(path)
    with pytest.raises(StoreError) as caught:
        ResultsStore(path, lock_timeout_s=5).record(lane_result)
    assert str(caught.value) == (
        f"evplan: {path} is a DuckDB database that evplan did not make (it holds {named}); "
        "evplan leaves it as it is. Pass --store with another file name.")
    assert _digest(path) == before
    with duckdb.connect(str(path), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (0,)


def test_an_empty_database_is_still_a_new_store(tmp_path: Path, lane_result: Result) -> None:
    """What a store evplan began and was killed before writing its tables looks like."""
    path = tmp_path / "new.duckdb"
    duckdb.connect(str(path)).close()
    store = ResultsStore(path, lock_timeout_s=5)
    run_id = store.record(lane_result)
    assert store.runs()["run_id"].tolist() == [run_id]


def test_a_table_the_run_did_not_record_is_an_error_not_an_empty_table(
        tmp_path: Path, lane_result: Result) -> None:
    """A fleet run's "shipments" came back as an empty table (as if nothing shipped),
    because another run of the store had recorded one."""
    import pandas as pd

    from evplan.store import RunRecord

    store = ResultsStore(tmp_path / "store.duckdb", lock_timeout_s=5)
    plan = store.record(lane_result)
    other = RunRecord(run_id="20260101-000000-0000beef", scenario="base:fleet",
                      status="computed", objective_usd=0.0,
                      kpis=lane_result.kpis.iloc[:0],
                      tables={"fleet": pd.DataFrame({"year": [2025], "vehicles": [600.0]})})
    store.record(other)
    assert len(store.table(plan, "shipments")) == len(lane_result["shipments"]) > 0
    with pytest.raises(StoreError) as caught:
        store.table(other.run_id, "shipments")
    assert str(caught.value) == ("evplan: run 20260101-000000-0000beef has no 'shipments' "
                                 "table; its tables are fleet, kpis.")
    assert store.table(other.run_id, "fleet")["vehicles"].tolist() == [600.0]


def test_kpis_read_as_a_table_are_the_run_folders_kpis(tmp_path: Path,
                                                       lane_result: Result) -> None:
    """run.json lists ``kpis`` among the tables, and the folder has kpis.csv; the store
    said it had "no 'kpis' tables"."""
    import pandas as pd

    store = ResultsStore(tmp_path / "store.duckdb", lock_timeout_s=5)
    run_id = store.record(lane_result)
    folder = evplan.write_result(lane_result, tmp_path / "run")
    written = pd.read_parquet(folder / "kpis.parquet")
    stored = store.table(run_id, "kpis")
    assert list(stored.columns) == list(written.columns)
    keys = ["kpi", "year", "key"]
    both = written.merge(stored, on=keys, suffixes=("_folder", "_store"), validate="1:1")
    assert len(both) == len(written) == len(stored)
    pd.testing.assert_series_equal(both["value_folder"], both["value_store"],
                                   check_names=False)
    assert (both["unit_folder"] == both["unit_store"]).all()
