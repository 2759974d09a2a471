"""A store connection whose spill setting fails is closed, not left open (helper-106, s26 B8).

``ResultsStore.connect`` opened DuckDB, then set its spill folder; an error there reached
the retry's ``except duckdb.Error``, which gave the folder lock back but left the read-write
connection open (a writer's handle on the file without the lock).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import evplan.store
import evplan.store_spill
from evplan.store import ResultsStore


def test_a_failed_spill_setting_closes_the_connection(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[duckdb.DuckDBPyConnection] = []
    real_connect = duckdb.connect

    def connect(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        connection = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(connection)
        return connection

    def refuse(connection: duckdb.DuckDBPyConnection, store: Path) -> None:
        raise duckdb.InvalidInputException("temp_directory refused (test)")

    monkeypatch.setattr(duckdb, "connect", connect)
    monkeypatch.setattr(evplan.store_spill, "use_spill_folder", refuse)
    monkeypatch.setattr(evplan.store, "use_spill_folder", refuse, raising=False)  # older code
    store = ResultsStore(tmp_path / "runs.duckdb", lock_timeout_s=1.0)
    with pytest.raises(duckdb.InvalidInputException), store.connect():
        pass
    assert len(opened) == 1
    with pytest.raises(duckdb.ConnectionException):  # "Connection already closed"
        opened[0].execute("SELECT 1")
