"""helper-110: the ``.wal`` check accepts the logs of every DuckDB version evplan allows.

A user's ``<store>.wal`` is refused unless it starts as DuckDB's logs start
(:data:`evplan.store_checks.WAL_START`). That was seen on DuckDB 2.0.1 only, while
pyproject.toml allowed ``duckdb>=1.0``. DuckDB's source writes the same version entry first
from v1.0.0 on (``WriteAheadLog::WriteVersion``); the first 12 bytes below are those of real
logs that DuckDB 1.0.0 and 1.4.4 wrote (``CREATE TABLE runs(run_id VARCHAR)``, one insert,
the process ended without a checkpoint), and the installed DuckDB writes one here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from evplan.store_checks import header_problem

#: First bytes of logs written by DuckDB 1.0.0 and 1.4.4 (see the module docstring).
OLDER_LOGS = {"1.0.0": b"d\x00be\x00\x02\xff\xffF\x00\x00\x00",
              "1.4.4": b"d\x00be\x00\x02\xff\xffF\x00\x00\x00"}


def _database(path: Path) -> Path:
    duckdb.connect(str(path)).close()
    return path


@pytest.mark.parametrize("version", sorted(OLDER_LOGS))
def test_a_log_older_duckdb_wrote_is_accepted(tmp_path: Path, version: str) -> None:
    store = _database(tmp_path / "runs.duckdb")
    (tmp_path / "runs.duckdb.wal").write_bytes(OLDER_LOGS[version] + b"\x00" * 200)
    assert header_problem(store) is None


def test_an_encrypted_databases_log_is_accepted(tmp_path: Path) -> None:
    """Version 3 (an encrypted database, DuckDB 1.4 on) starts with the same bytes."""
    store = _database(tmp_path / "runs.duckdb")
    (tmp_path / "runs.duckdb.wal").write_bytes(b"d\x00be\x00\x03" + b"\x00" * 40)
    assert header_problem(store) is None


def test_the_installed_duckdbs_log_is_accepted_and_a_users_file_is_not(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    script = ("import duckdb, os, sys\nc = duckdb.connect(sys.argv[1])\n"
              "c.execute(\"SET checkpoint_threshold='10GB'\")\n"
              "c.execute('CREATE TABLE runs(run_id VARCHAR)')\n"
              "c.execute(\"INSERT INTO runs VALUES ('a')\")\nos._exit(0)\n")
    subprocess.run([sys.executable, "-c", script, str(store)], check=True, timeout=60)
    log = tmp_path / "runs.duckdb.wal"
    assert log.stat().st_size > 0
    assert header_problem(store) is None
    before = os.stat(store)
    log.write_bytes(b"my notes\n")
    problem = header_problem(store)
    assert problem is not None and "not a log DuckDB wrote" in problem
    assert log.read_bytes() == b"my notes\n" and os.stat(store).st_mtime_ns == before.st_mtime_ns


def test_an_empty_store_file_is_refused_with_what_made_it(tmp_path: Path) -> None:
    """DuckDB creates the file before writing its header: a sweep killed at that instant
    (seen once in tests/outputs/test_kill.py) left a 0-byte store that every later command
    refused as "not a DuckDB database" without saying why; the message now says, and the
    file is still left as it is."""
    store = tmp_path / "sweep.duckdb"
    store.write_bytes(b"")
    problem = header_problem(store)
    assert problem is not None and "is not a DuckDB database" in problem
    assert "it is empty" in problem and "delete it" in problem
    assert store.read_bytes() == b""
    (tmp_path / "notes.duckdb").write_bytes(b"my notes, not empty\n")
    other = header_problem(tmp_path / "notes.duckdb")
    assert other is not None and "it is empty" not in other
