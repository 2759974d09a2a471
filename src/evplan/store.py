"""The results store: every run recorded in one embedded DuckDB file.

One row per run in ``runs`` (id, time, scenario, resolved overrides, a hash of the inputs,
solver status, objective, metadata, the batch it belongs to and its parameters); its KPIs in
``kpis``; its result tables in ``result_<table>`` tables keyed by ``run_id``. A run is
written in one transaction (``BEGIN ... COMMIT``): it is recorded whole or not at all, and a
process killed part-way leaves nothing behind (DuckDB only makes a transaction durable at
``COMMIT``).

DuckDB lets one process at a time open a file for writing. The store therefore holds a
connection only while it reads or writes, and when another process holds the file it
retries with exponential backoff (up to ``lock_timeout_s``), so several processes can
record runs into one store at once. Writers also take an advisory lock on the store's
folder, exclusively, from before they open the file until after they have closed it, and
readers share it while they open one, so processes that start together on a new store never
open it half-written, and no evplan process opens a store while another is still writing or
closing it.

    >>> store = ResultsStore("evplan-output/evplan.duckdb")   # doctest: +SKIP
    >>> run_id = store.record(result, scenario="trade-war")    # doctest: +SKIP
    >>> store.runs()                                          # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from evplan.data import NetworkData
from evplan.errors import EvplanError
from evplan.outputs.files import announce_write
from evplan.outputs.marker import new_run_id
from evplan.results import Result
from evplan.store_checks import (
    foreign_content,
    header_problem,
    missing_columns,
    pending_log,
    quoted,
    recorded_tables,
    retype_untyped,
    table_columns,
    typed_rows,
    untyped_columns,
)
from evplan.store_hash import inputs_hash, table_hash_parts
from evplan.store_lock import FolderBusy, duckdb_locked, folder_lock
from evplan.store_rows import json_text, table_rows, to_arrow
from evplan.store_spill import connect_spilling, remove_dead_spills

__all__ = ["DEFAULT_STORE", "STUDY_TABLES", "ResultsStore", "RunRecord", "StoreError",
           "inputs_hash", "table_hash_parts"]

DEFAULT_STORE = Path("evplan-output") / "evplan.duckdb"
PAUSE_ENV = "EVPLAN_STORE_PAUSE_IN_TRANSACTION"
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# read as evplan writes them: a value changed outside evplan to another type reads as NULL
TIME_SELECT = "TRY_CAST(created_at AS TIMESTAMP) AS created_at"
OBJECTIVE_SELECT = "TRY_CAST(objective_usd AS DOUBLE) AS objective_usd"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP,
    scenario VARCHAR,
    base_scenario VARCHAR,
    overrides VARCHAR,
    inputs_hash VARCHAR,
    status VARCHAR,
    objective_usd DOUBLE,
    batch_id VARCHAR,
    case_label VARCHAR,
    parameters VARCHAR,
    metadata VARCHAR,
    tables VARCHAR
);
CREATE TABLE IF NOT EXISTS kpis (
    run_id VARCHAR, kpi VARCHAR, year INTEGER, key VARCHAR, value DOUBLE, unit VARCHAR
);
"""


class StoreError(EvplanError):
    """The store could not be opened or written (locked too long, unknown run id...)."""


@dataclass(frozen=True)
class RunRecord:
    """What the store keeps of one run.

    Build one with :meth:`from_result`; ``tables`` holds the result tables (and any extra
    table, such as ``breakeven``).
    """

    run_id: str
    scenario: str
    status: str
    objective_usd: float
    kpis: pd.DataFrame
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    base_scenario: str = ""
    overrides: Sequence[Mapping[str, Any]] = ()
    inputs_hash: str = ""
    batch_id: str = ""
    case_label: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def from_result(cls, result: Result, *, scenario: str | None = None,
                    overrides: Sequence[Mapping[str, Any]] | None = None,
                    data: NetworkData | None = None, batch_id: str = "", case_label: str = "",
                    parameters: Mapping[str, Any] | None = None,
                    extra_tables: Mapping[str, pd.DataFrame] | None = None,
                    with_tables: bool = True) -> RunRecord:
        """Make the record of a Result (scenario and overrides default to what it carries)."""
        recorded = dict(result.scenario)
        return cls(
            run_id=new_run_id(),
            scenario=scenario or str(recorded.get("scenario", recorded.get("name", ""))),
            base_scenario=str(recorded.get("name", "")),
            status=result.status,
            objective_usd=float(result.objective_usd),
            kpis=result.kpis,
            tables=({**dict(result.tables), **dict(extra_tables or {})} if with_tables
                    else dict(extra_tables or {})),
            overrides=list(overrides if overrides is not None
                           else recorded.get("overrides", ())),
            inputs_hash=inputs_hash(data) if data is not None else str(
                result.metadata.get("inputs_hash", "")),
            batch_id=batch_id, case_label=case_label, parameters=dict(parameters or {}),
            metadata=dict(result.metadata),
        )


#: The result tables a recorded two-stage study adds (``result_<name>``, keyed by run_id).
STUDY_TABLES = ("study_scenarios", "study_first_stage", "study_regret", "study_ranges",
                "study_frontier")
#: The study-level values recorded as KPI rows (key ``all``, no year).
STUDY_KPIS = {"study_objective": "objective_usd", "study_expected_margin":
              "expected_margin_usd", "study_cvar": "cvar_usd", "study_evpi": "evpi_usd",
              "study_vss": "vss_usd"}


def _interrupted(error: Exception) -> bool:
    """Whether DuckDB stopped a query for a Ctrl-C: it catches the KeyboardInterrupt and
    raises ``RuntimeError('Query interrupted')`` (or an ``InterruptException``)."""
    return isinstance(error, duckdb.InterruptException) or (
        isinstance(error, RuntimeError) and str(error).strip() == "Query interrupted")


class _NotAStore(StoreError):
    """The file is a DuckDB database without evplan's tables (another program's, or empty)."""


def _refuse_foreign(connection: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Raise StoreError when the database holds tables but is not an evplan store (no
    ``runs`` table with evplan's columns), or holds no table but objects someone made
    (sequences, macros, types): evplan adds nothing to a user's own database."""
    named = foreign_content(connection)  # tables of any schema; sequences, macros, types
    if named:
        raise _NotAStore(f"evplan: {path} is a DuckDB database that evplan did not make (it "
                         f"holds {named}); evplan leaves it as it is. Pass --store with "
                         "another file name.")


def _refuse_foreign_log(path: Path) -> None:
    """Refuse another program's database before a writer opens it: DuckDB would merge its
    pending log (``.wal``) into the file. Read only, both stay as they are; skipped when
    this process has the file open already (its log is replayed)."""
    if pending_log(path):
        with contextlib.suppress(duckdb.ConnectionException), duckdb.connect(
                str(path), read_only=True) as probe:
            _refuse_foreign(probe, path)


def _refuse_unreadable(connection: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Raise StoreError unless the database is an evplan store with every table and column
    the store reads (another program's database, an empty one, or damaged tables)."""
    _refuse_foreign(connection, path)
    columns = table_columns(connection)
    if "runs" not in columns:
        raise _NotAStore(f"evplan: {path} is an empty DuckDB database, not an evplan results "
                         "store (no run was recorded in it); evplan leaves it as it is. Pass "
                         "--store with the file `evplan run --store` recorded into.")
    missing = missing_columns(columns)
    if missing:
        raise StoreError(f"evplan: the results store {path} lacks {', '.join(missing)}: it "
                         "was changed outside evplan, so it cannot be read. Pass --store with "
                         "another store, or record the runs again into a new one.")


class ResultsStore:
    """An embedded DuckDB results store in one file.

    Parameters
    ----------
    path : str or Path
        The database file (created with its folder when absent).
    lock_timeout_s : float
        How long to keep retrying while another process holds the file.
    """

    def __init__(self, path: str | Path = DEFAULT_STORE, lock_timeout_s: float = 120.0) -> None:
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        for folder in (self.path.parent, *self.path.parent.parents):
            if folder.exists():  # checked when made: a study learns it before its solves
                if not folder.is_dir():
                    raise StoreError(f"evplan: {folder} is a file, not a folder, so the results "
                                     f"store {self.path} cannot be made there. Move or rename "
                                     "the file, or pass --store with another path (or "
                                     "--no-record).")
                break

    def refuse_early(self) -> None:
        """Raise StoreError now for a store path that cannot be opened: a folder, or a file
        that is not a DuckDB database (checked by its header, without opening DuckDB).

        A command calls this before it solves or writes, so such a store leaves nothing
        behind (no run folder, no shared report asset). A DuckDB database of another
        program is refused when the run is recorded (:func:`_refuse_foreign`).
        """
        self._refuse_header("Pass --store with another file name, or --no-record.")

    def _refuse_header(self, fix: str) -> None:
        problem = header_problem(self.path)
        if problem is not None:
            raise StoreError(f"evplan: {problem}. {fix}")

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the file, retrying with backoff while another process holds it.

        ``read_only`` opens only an existing evplan store and changes nothing: a folder, a
        file that is not a DuckDB database, another program's database and a failed query
        raise StoreError naming the file. A writer likewise refuses a folder, a file that is
        not a DuckDB database (judged by its header, before DuckDB sees it) and a link to
        nothing.
        """
        if read_only:
            if not self.path.exists():
                raise StoreError(f"evplan: no results store at {self.path}. Run a plan with "
                                 "--store, or pass the right --store path.")
            self._refuse_header("Pass --store with the file `evplan run --store` recorded "
                                "into.")
        else:
            # A writer opens only a DuckDB file or a new one: DuckDB itself would open a
            # SQLite file (downloading its extension to write evplan's tables into the
            # user's database) or read a CSV file as a table. A dangling link would make
            # the file it points to, which the user did not name.
            if self.path.is_symlink() and not self.path.exists():
                raise StoreError(f"evplan: the results store {self.path} is a link to "
                                 "something that does not exist; evplan does not make files "
                                 "through links. Pass --store with another file name, or "
                                 "--no-record.")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.02
        held = contextlib.ExitStack()  # the folder lock: a writer's until it has closed
        while True:
            try:
                creating = not read_only and not self.path.exists()
                held.enter_context(folder_lock(self.path.parent, exclusive=not read_only))
                problem = None if read_only else header_problem(self.path)
                if problem is not None:  # under the lock: no writer is half-way making it
                    raise StoreError(f"evplan: the results store could not be opened: "
                                     f"{problem.removeprefix('the results store ')}. Pass --store "
                                     "with another file name, or --no-record.")
                if not (read_only or creating):
                    _refuse_foreign_log(self.path)
                connection = connect_spilling(self.path, read_only)  # never <store>.tmp
                if read_only:
                    held.close()
                else:  # under the lock: what a killed writer's DuckDB left
                    remove_dead_spills(self.path)
                break
            except FolderBusy:
                held.close()
                if time.monotonic() > deadline:
                    raise StoreError(f"evplan: the results store {self.path} could not be "
                                     "opened: another evplan process kept writing into its "
                                     f"folder for {self.lock_timeout_s:g} s. Try again when "
                                     "it has finished.") from None
            except duckdb.Error as error:
                held.close()
                if not (read_only or isinstance(error, duckdb.IOException
                                                | duckdb.ConnectionException)):
                    raise
                if not duckdb_locked(error) or time.monotonic() > deadline:
                    raise StoreError(f"evplan: the results store {self.path} could not be "
                                     f"opened: {error}") from error
            except BaseException:
                held.close()
                raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.25)
        try:
            if read_only:
                _refuse_unreadable(connection, self.path)
            else:
                if not creating:
                    _refuse_foreign(connection, self.path)
                connection.execute(_SCHEMA)
            yield connection
        except (RuntimeError, duckdb.Error) as error:
            if _interrupted(error):  # Ctrl-C while DuckDB ran: an interrupt, not a failure
                raise KeyboardInterrupt from error
            if read_only and isinstance(error, duckdb.Error):
                raise StoreError(f"evplan: the results store {self.path} could not be read "
                                 f"({type(error).__name__}: {error}). It may have been changed "
                                 "outside evplan: pass --store with another store, or record "
                                 "the runs again into a new one.") from error
            raise
        finally:
            try:
                connection.close()
            finally:
                held.close()

    def record(self, record: RunRecord | Result, **details: Any) -> str:
        """Record one run whole (one transaction); return its run id.

        ``record`` may be a Result; ``details`` then go to :meth:`RunRecord.from_result`.
        """
        if isinstance(record, Result):
            record = RunRecord.from_result(record, **details)
        return self.record_many([record])[0]

    def record_many(self, records: Sequence[RunRecord]) -> list[str]:
        """Record several runs in one transaction: all of them whole, or none.

        Tables of the same name are concatenated and inserted once, so a batch of sweep
        cases costs little more than one run.
        """
        if records:
            announce_write()   # a test hook (EVPLAN_TEST_WRITE_STARTED); no-op otherwise
            with self.connect() as connection:
                try:
                    self._write(connection, records)
                except (duckdb.IOException, duckdb.TransactionException) as error:
                    # a full disk, a read-only file: rolled back, said as evplan says it
                    what = (f"run {records[0].run_id}" if len(records) == 1
                            else f"{len(records)} runs")
                    raise StoreError(f"evplan: the results store {self.path} could not "
                                     f"record {what} ({type(error).__name__}: {error}); "
                                     "nothing of it was recorded. Free space there, or pass "
                                     "--store with another file, or --no-record.") from error
        return [record.run_id for record in records]

    def _write(self, connection: duckdb.DuckDBPyConnection, records: Sequence[RunRecord]
               ) -> None:
        runs = pd.DataFrame({
            "run_id": [r.run_id for r in records],
            "created_at": [r.created_at.replace(tzinfo=None) for r in records],
            "scenario": [r.scenario for r in records],
            "base_scenario": [r.base_scenario for r in records],
            "overrides": [json_text(list(r.overrides)) for r in records],
            "inputs_hash": [r.inputs_hash for r in records],
            "status": [r.status for r in records],
            "objective_usd": [float(r.objective_usd) for r in records],
            "batch_id": [r.batch_id for r in records],
            "case_label": [r.case_label for r in records],
            "parameters": [json_text(dict(r.parameters)) for r in records],
            "metadata": [json_text(dict(r.metadata)) for r in records],
            "tables": [json_text(sorted(r.tables)) for r in records],
        })
        kpis = pd.concat([r.kpis[["kpi", "year", "key", "value", "unit"]].assign(
            run_id=r.run_id) for r in records], ignore_index=True)
        names = list(dict.fromkeys(name for r in records for name in r.tables))
        connection.execute("BEGIN TRANSACTION")
        try:
            self._insert(connection, "runs", runs)
            self._insert(connection, "kpis", kpis)
            existing = table_columns(connection)
            untyped = untyped_columns(connection)
            for name in names:
                if not _TABLE_NAME.match(name):
                    raise StoreError(f"evplan: '{name}' is not a valid result table name.")
                parts = [(r.run_id, r.tables[name]) for r in records if name in r.tables]
                self._write_table(connection, f"result_{name}", table_rows(parts), existing,
                                  untyped)
            pause = os.environ.get(PAUSE_ENV)
            if pause:  # test hook: announce, then wait inside the open transaction
                Path(pause).write_text(records[0].run_id, encoding="utf-8")
                time.sleep(120)
            connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                connection.execute("ROLLBACK")
            raise

    @classmethod
    def _insert(cls, connection: duckdb.DuckDBPyConnection, target: str,
                rows: pd.DataFrame | pa.Table) -> None:
        cls._from_rows(connection, f"INSERT INTO {target} BY NAME SELECT * FROM _evplan_rows",
                       rows)

    @staticmethod
    def _from_rows(connection: duckdb.DuckDBPyConnection, sql: str,
                   rows: pd.DataFrame | pa.Table) -> None:
        """Run ``sql`` with ``rows`` registered as the view ``_evplan_rows``."""
        connection.register("_evplan_rows", rows if isinstance(rows, pa.Table) else to_arrow(rows))
        try:
            connection.execute(sql)
        except BaseException:
            # a failed insert (a Ctrl-C) aborts the transaction; unregistering then raises
            # "Current transaction is aborted" and would hide what went wrong
            with contextlib.suppress(duckdb.Error):
                connection.unregister("_evplan_rows")
            raise
        connection.unregister("_evplan_rows")

    @classmethod
    def _write_table(cls, connection: duckdb.DuckDBPyConnection, target: str,
                     rows: pa.Table, existing: dict[str, set[str]],
                     untyped: set[tuple[str, str]] | None = None) -> None:
        """Insert ``rows`` (run_id first) into ``target``, made or widened as needed.

        A column with no value at all (an empty table's text column: Arrow type null) is
        stored as text, so a later run's values fit; a column an older evplan stored with
        DuckDB's NULL type takes the type of the first values that come.
        """
        rows = typed_rows(rows)
        if untyped:
            retype_untyped(connection, target, rows, untyped)
        if target not in existing:
            cls._from_rows(connection, f"CREATE TABLE {target} AS SELECT * FROM _evplan_rows",
                           rows)
            existing[target] = set(rows.column_names)
            return
        missing = [column for column in rows.column_names if column not in existing[target]]
        if missing:  # a newer evplan added a column: widen the table, old runs get NULL
            connection.register("_evplan_rows", rows.select(missing).slice(0, 0))
            types = dict(connection.execute("SELECT column_name, column_type FROM "
                                            "(DESCRIBE _evplan_rows)").fetchall())
            connection.unregister("_evplan_rows")
            for column in missing:
                connection.execute(f"ALTER TABLE {target} ADD COLUMN {quoted(column)} "
                                   f"{types[column]}")
            existing[target].update(missing)
        cls._insert(connection, target, rows)

    # ---- reading -------------------------------------------------------------------------

    def runs(self, batch_id: str | None = None) -> pd.DataFrame:
        """Every recorded run, newest first (one row per run, without the tables)."""
        query = (f"SELECT run_id, {TIME_SELECT}, scenario, status, {OBJECTIVE_SELECT}, "
                 "inputs_hash, batch_id, case_label, parameters, overrides FROM runs")
        arguments: list[Any] = []
        if batch_id:
            query += " WHERE batch_id = ?"
            arguments.append(batch_id)
        with self.connect(read_only=True) as connection:
            return connection.execute(
                query + " ORDER BY created_at DESC, run_id DESC", arguments).df()

    def studies(self) -> pd.DataFrame:
        """Every recorded two-stage study, newest first (:data:`evplan.store_study.STUDIES_QUERY`:
        run_id, created_at, study, status, scenarios, objective_usd, expected_margin_usd,
        cvar_usd, evpi_usd, vss_usd and the proven ranges of EVPI and VSS)."""
        from evplan.store_study import STUDIES_QUERY

        with self.connect(read_only=True) as connection:
            return connection.execute(STUDIES_QUERY).df()

    def has_runs(self, run_ids: Sequence[str]) -> bool:
        """True when every one of ``run_ids`` is recorded (False when the store is absent)."""
        if not self.path.exists():
            return False
        try:
            with self.connect(read_only=True) as connection:
                found = connection.execute("SELECT count(DISTINCT run_id) FROM runs WHERE "
                                           "list_contains(?, run_id)", [list(run_ids)]
                                           ).fetchone()
        except _NotAStore:  # no evplan runs table: the runs are not there
            return False
        return found is not None and int(found[0]) == len(set(run_ids))

    def resolve(self, run_ids: Sequence[str]) -> list[str]:
        """Expand unique prefixes to full run ids; fail on unknown or ambiguous ones."""
        with self.connect(read_only=True) as connection:
            known = [row[0] for row in connection.execute(
                "SELECT run_id FROM runs WHERE run_id IS NOT NULL").fetchall()]
        resolved = []
        for run_id in run_ids:
            if not run_id.strip():  # every id starts with '': not a prefix of one run
                raise StoreError(f"evplan: an empty run id was given for {self.path}. Give "
                                 "a run id (or its first characters) from `evplan runs`.")
            matches = [known_id for known_id in known if known_id.startswith(run_id)]
            if run_id in known:
                matches = [run_id]
            if len(matches) != 1:
                why = "matches no run" if not matches else f"matches {len(matches)} runs"
                raise StoreError(f"evplan: run id '{run_id}' {why} in {self.path}. "
                                 "List them with `evplan runs`.")
            resolved.append(matches[0])
        return resolved

    def run(self, run_id: str) -> dict[str, Any]:
        """One run's row, with overrides, parameters and metadata parsed."""
        (run_id,) = self.resolve([run_id])
        with self.connect(read_only=True) as connection:
            frame = connection.execute(
                f"SELECT * REPLACE ({TIME_SELECT}, {OBJECTIVE_SELECT}) FROM runs "
                "WHERE run_id = ?", [run_id]).df()
        row: dict[str, Any] = {str(k): v for k, v in frame.iloc[0].to_dict().items()}
        for key in ("overrides", "parameters", "metadata", "tables"):
            try:
                row[key] = json.loads(row[key]) if row[key] else None
            except (TypeError, ValueError):
                raise StoreError(f"evplan: the {key} of run {run_id} in the results store "
                                 f"{self.path} are not the JSON evplan writes: the store was "
                                 "changed outside evplan. Record the run again.") from None
        return row

    def kpis(self, run_ids: Sequence[str]) -> pd.DataFrame:
        """KPIs of the given runs: run_id, kpi, year, key, value, unit."""
        ids = self.resolve(run_ids)
        with self.connect(read_only=True) as connection:
            return connection.execute(
                "SELECT run_id, kpi, TRY_CAST(year AS INTEGER) AS year, key, TRY_CAST(value "
                "AS DOUBLE) AS value, unit FROM kpis WHERE list_contains(?, "
                "run_id) ORDER BY run_id, kpi, year, key", [ids]).df()

    def table(self, run_id: str, name: str) -> pd.DataFrame:
        """One result table of one run (``shipments``, ``utilisation``, ``breakeven``...;
        ``kpis``: the run's rows of :meth:`kpis`, as the run folder's ``kpis`` table).

        Raises
        ------
        StoreError
            When the run has no such table (a fleet run has no ``shipments``): never an
            empty table for a table the run did not record.
        """
        (run_id,) = self.resolve([run_id])
        if name == "kpis":
            return self.kpis([run_id]).drop(columns="run_id")
        if not _TABLE_NAME.match(name):
            raise StoreError(f"evplan: '{name}' is not a valid result table name.")
        with self.connect(read_only=True) as connection:
            listed = recorded_tables(connection, run_id)
            if listed is not None and name not in listed:
                raise StoreError(f"evplan: run {run_id} has no '{name}' table; its tables are "
                                 f"{', '.join([*listed, 'kpis'])}.")
            try:
                frame = connection.execute(f"SELECT * FROM result_{name} WHERE run_id = ?",
                                           [run_id]).df()
            except duckdb.CatalogException:
                raise StoreError(f"evplan: the store has no '{name}' tables.") from None
        return frame.drop(columns="run_id")

    def compare(self, run_ids: Sequence[str]) -> pd.DataFrame:
        """KPI values of several runs side by side, with deltas against the first.

        Returns a frame indexed by (kpi, year, key) with one value column per run id and a
        ``delta <id>`` column for every run after the first.
        """
        ids = self.resolve(run_ids)
        twice = sorted({run_id for run_id in ids if ids.count(run_id) > 1})
        if twice:
            raise StoreError(f"evplan: run {', '.join(twice)} is given more than once; "
                             "compare different runs.")
        kpis = self.kpis(ids).drop_duplicates(["run_id", "kpi", "year", "key"])
        rows = kpis.set_index(["kpi", "year", "key", "run_id"])
        wide = rows["value"].unstack("run_id").reindex(columns=ids).sort_index()
        # A row a run lacks is 0 in a year it planned, and has no value (NaN, shown "-") in
        # a year outside its horizon; a value stored as NaN (a CO2 or ZEV KPI outside the
        # rule's years) stays NaN.
        present = rows.assign(present=1.0)["present"].unstack("run_id").reindex(
            index=wide.index, columns=ids).notna()
        planned = {run_id: set(years.dropna()) for run_id, years in kpis.groupby("run_id")["year"]}
        years = wide.index.get_level_values("year")
        for run_id in ids:
            fill = ~present[run_id].to_numpy() & years.isin(list(planned.get(run_id, ())))
            wide.loc[fill, run_id] = 0.0
        for run_id in ids[1:]:
            wide[f"delta {run_id}"] = wide[run_id] - wide[ids[0]]
        wide.columns.name = None
        return wide
