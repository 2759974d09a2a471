"""Names beside the results store that DuckDB uses: evplan leaves a user's files there alone.

* ``<store>.tmp`` is DuckDB's default folder for spilling work to disk. A user's file of
  that name made every spill fail ("Failed to create directory ... File exists"), and into
  a user's folder of that name DuckDB wrote its own files. The store now spills into a
  hidden folder named for its process (:mod:`evplan.store_spill`).
* ``<store>.wal`` is DuckDB's log. A user's file of that name beside an existing store was
  read as the log and deleted by the next ``evplan run --store``; it is now refused, and
  the file and the store are left as they were (session 26, helper-102).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import evplan
from evplan.examples import single_lane
from evplan.store import ResultsStore, StoreError
from evplan.store_checks import WAL_START, header_problem
from evplan.store_spill import remove_dead_spills, spill_folder

SRC = str(Path(__file__).resolve().parents[2] / "src")
#: An aggregate of 1.5 M groups under a 30 MB limit: DuckDB must spill it (0.3 s).
SPILL = "SELECT count(*) FROM (SELECT range AS g, count(*) FROM range(1500000) GROUP BY g)"


def _spill(connection: duckdb.DuckDBPyConnection) -> int:
    connection.execute("SET memory_limit = '30MB'")
    connection.execute("SET threads = 1")
    row = connection.execute(SPILL).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="module")
def result() -> evplan.Result:
    return evplan.optimize(single_lane())


def test_a_users_file_named_like_duckdbs_temporary_folder_is_left_alone(
        tmp_path: Path, result: evplan.Result) -> None:
    users = tmp_path / "runs.duckdb.tmp"
    users.write_text("my notes", encoding="utf-8")
    store = ResultsStore(tmp_path / "runs.duckdb")
    store.record(result, scenario="base")
    with store.connect() as connection:
        assert _spill(connection) == 1_500_000   # failed: "Failed to create directory"
    assert users.read_text(encoding="utf-8") == "my notes"
    assert len(store.runs()) == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["runs.duckdb", "runs.duckdb.tmp"]


def test_duckdb_writes_nothing_into_a_users_folder_of_that_name(tmp_path: Path) -> None:
    users = tmp_path / "runs.duckdb.tmp"
    users.mkdir()
    (users / "notes.txt").write_text("mine", encoding="utf-8")
    store = ResultsStore(tmp_path / "runs.duckdb")
    with store.connect() as connection:
        _spill(connection)
        seen = sorted(os.listdir(users))           # DuckDB's owner file was written here
        spilled = spill_folder(store.path)
        assert spilled.is_dir() and spilled.name.startswith(".runs.duckdb.")
    assert seen == ["notes.txt"]
    assert not spilled.exists()                    # DuckDB removes the folder it made


def test_a_notebooks_connection_still_shares_the_file(tmp_path: Path,
                                                       result: evplan.Result) -> None:
    """The spill folder is set after opening: a plain duckdb.connect held by the user is
    not refused ("different configuration"), also after the database has spilled."""
    store = ResultsStore(tmp_path / "runs.duckdb")
    store.record(result, scenario="base")
    held = duckdb.connect(str(store.path))
    try:
        _spill(held)
        store.record(result, scenario="again")
        assert held.execute("SELECT count(*) FROM runs").fetchone() == (2,)
    finally:
        held.close()


def test_a_dead_writers_spill_folder_is_removed_and_no_other(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    dead = tmp_path / ".runs.duckdb.999999999-1-0123abcd.spill"   # no such process
    dead.mkdir()
    (dead / "duckdb_temp_storage_S32K-0.tmp").write_bytes(b"x" * 10)
    (dead / "duckdb_temp_1234_0_owner").write_bytes(b"")
    kept = tmp_path / ".runs.duckdb.999999998-1-0123abcd.spill"
    kept.mkdir()
    (kept / "mine.txt").write_text("mine", encoding="utf-8")
    linked = tmp_path / ".runs.duckdb.999999997-1-0123abcd.spill"
    linked.symlink_to(kept)
    alive = spill_folder(store)
    alive.mkdir()
    (alive / "duckdb_temp_storage_S32K-0.tmp").write_bytes(b"x")
    assert remove_dead_spills(store) == [dead]
    assert not dead.exists() and (kept / "mine.txt").exists() and linked.is_symlink()
    assert alive.is_dir()


def test_a_users_file_named_like_the_stores_log_is_refused_and_kept(
        tmp_path: Path, result: evplan.Result) -> None:
    store = ResultsStore(tmp_path / "runs.duckdb")
    store.record(result, scenario="base")
    log = tmp_path / "runs.duckdb.wal"
    log.write_text("my notes", encoding="utf-8")
    before = store.path.read_bytes()
    with pytest.raises(StoreError) as refused:
        store.record(result, scenario="again")
    assert str(refused.value) == (
        f"evplan: the results store could not be opened: {log} is not a log DuckDB wrote, "
        f"so evplan leaves it (and the results store {store.path} beside it) as it is. Move "
        "or rename that file. Pass --store with another file name, or --no-record.")
    assert log.read_text(encoding="utf-8") == "my notes"        # was deleted
    assert store.path.read_bytes() == before


def test_a_log_duckdb_left_is_still_replayed(tmp_path: Path) -> None:
    """A writer killed before its checkpoint leaves DuckDB's own log: the store opens and
    reads what it holds (the check above must not refuse it)."""
    path = tmp_path / "runs.duckdb"
    code = ("import duckdb, os\n"
            f"c = duckdb.connect({str(path)!r})\n"
            "c.execute('PRAGMA disable_checkpoint_on_shutdown')\n"
            "c.execute('CREATE TABLE t (i INTEGER)')\n"
            "c.execute('INSERT INTO t VALUES (7)')\n"
            "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ,
                                                                  "PYTHONPATH": SRC})
    assert path.with_name("runs.duckdb.wal").read_bytes()[:5] == WAL_START
    assert header_problem(path) is None
    with duckdb.connect(str(path)) as connection:
        assert connection.execute("SELECT i FROM t").fetchall() == [(7,)]


def _left_with_a_log(path: Path, statements: list[str]) -> None:
    """Run ``statements`` on ``path`` in a process killed before its checkpoint: the
    last one stays in DuckDB's log (``.wal``) beside the file."""
    code = ("import duckdb, os, sys\n"
            "c = duckdb.connect(sys.argv[1])\n"
            "c.execute('PRAGMA disable_checkpoint_on_shutdown')\n"
            "for statement in sys.argv[2:]:\n"
            "    c.execute(statement)\n"
            "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", code, str(path), *statements], check=True)
    assert path.with_name(path.name + ".wal").stat().st_size > 0


def test_another_programs_database_with_a_pending_log_is_left_byte_for_byte(
        tmp_path: Path, result: evplan.Result) -> None:
    """Opened to write, DuckDB merged the other program's log into its file (274 KB ->
    536 KB, the .wal gone) before evplan saw the tables and said it left it as it was."""
    path = tmp_path / "theirs.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE TABLE mydata (i INTEGER); INSERT INTO mydata VALUES (1)")
    _left_with_a_log(path, ["INSERT INTO mydata VALUES (2)"])
    log = path.with_name("theirs.duckdb.wal")
    before = (path.read_bytes(), log.read_bytes())
    with pytest.raises(StoreError, match=r"evplan did not make \(it holds mydata\)"):
        ResultsStore(path).record(result, scenario="base")
    assert (path.read_bytes(), log.read_bytes()) == before


def test_an_evplan_store_with_a_pending_log_still_records(
        tmp_path: Path, result: evplan.Result) -> None:
    store = ResultsStore(tmp_path / "runs.duckdb")
    first = store.record(result, scenario="base")
    _left_with_a_log(store.path, [f"UPDATE runs SET scenario = 'edited' WHERE run_id = "
                                  f"'{first}'"])
    second = store.record(result, scenario="again")
    runs = store.runs().set_index("run_id")["scenario"].to_dict()
    assert runs == {first: "edited", second: "again"}
