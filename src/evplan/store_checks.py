"""What the results store checks before it trusts a file (see :mod:`evplan.store`).

A path given as ``--store`` may be a folder, a file of another kind, a DuckDB database of
another program, or a store whose tables were changed outside evplan. These helpers say
which, without changing the file; :class:`evplan.store.ResultsStore` raises the StoreError.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa

#: Bytes 8-11 of every DuckDB database file.
DUCKDB_MAGIC = b"DUCK"
#: The first bytes of every DuckDB write-ahead log (``<store>.wal``): its version entry,
#: field 100 (``wal_type``, a little-endian uint16 id) = 98 (``WAL_VERSION``, a varint),
#: then the id of field 101 (``version``: 2, or 3 for an encrypted database). Written first
#: by ``WriteAheadLog::WriteVersion`` in every DuckDB from v1.0.0 to v2.0 (its source at
#: the tags v1.0.0 to v1.5.0); seen in logs DuckDB 1.0.0, 1.4.4 and 2.0.1 wrote.
WAL_START = b"\x64\x00\x62\x65\x00"
#: The ``runs`` columns that make a DuckDB database an evplan results store.
STORE_COLUMNS = frozenset({"run_id", "created_at", "inputs_hash", "status", "objective_usd"})
#: Every column the store's readers use, by table.
READ_COLUMNS = {"runs": frozenset({*STORE_COLUMNS, "scenario", "base_scenario", "overrides",
                                   "batch_id", "case_label", "parameters", "metadata",
                                   "tables"}),
                "kpis": frozenset({"run_id", "kpi", "year", "key", "value", "unit"})}


def table_columns(connection: duckdb.DuckDBPyConnection, main_only: bool = True
                  ) -> dict[str, set[str]]:
    """The column names of each table in the store's database (its ``main`` schema only
    when ``main_only``). Filtering on the database takes 1 ms, where also listing DuckDB's
    system catalog (``WHERE NOT internal``) took 10-12 ms on a new connection."""
    sql = ("SELECT table_name, column_name FROM duckdb_columns() "
           "WHERE database_name = current_database()")
    columns: dict[str, set[str]] = {}
    for table, column in connection.execute(
            sql + (" AND schema_name = 'main'" if main_only else "")).fetchall():
        columns.setdefault(table, set()).add(column)
    return columns


def untyped_columns(connection: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(table, column) of the ``main`` schema's columns of DuckDB type NULL: made by
    evplan before December 2026 from a table whose text column was empty in the first run
    recorded (its Arrow type was null), they refused any later value."""
    sql = ("SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = "
           "current_database() AND schema_name = 'main' AND data_type = '\"NULL\"'")
    return {(str(table), str(column)) for table, column in connection.execute(sql).fetchall()}


def typed_rows(rows: pa.Table) -> pa.Table:
    """``rows`` with each column of Arrow type null (no value in any row) as text, so the
    table DuckDB makes from them takes a later run's values."""
    for i, field in enumerate(rows.schema):
        if pa.types.is_null(field.type):
            rows = rows.set_column(i, field.name, pa.nulls(rows.num_rows, pa.string()))
    return rows


def retype_untyped(connection: duckdb.DuckDBPyConnection, target: str, rows: pa.Table,
                   untyped: set[tuple[str, str]]) -> None:
    """Give each NULL-typed column of ``target`` (:func:`untyped_columns`; removed from the
    set) the type of ``rows``' column, when that one has values."""
    for column in rows.column_names:
        if (target, column) in untyped and not pa.types.is_null(
                rows.schema.field(column).type):
            connection.register("_evplan_rows", rows.select([column]).slice(0, 0))
            kind = connection.execute("SELECT column_type FROM (DESCRIBE _evplan_rows)"
                                      ).fetchall()[0][0]
            connection.unregister("_evplan_rows")
            connection.execute(f"ALTER TABLE {target} ALTER {quoted(column)} TYPE {kind}")
            untyped.discard((target, column))


def quoted(name: str) -> str:
    """``name`` as a DuckDB identifier in double quotes (a ``"`` in it doubled), so a
    column named ``size "L"`` is one column, not the end of a statement.

    Examples
    --------
    >>> print(quoted('a"b'))
    "a""b"
    """
    return '"' + str(name).replace('"', '""') + '"'


def header_problem(path: Path) -> str | None:
    """Why ``path`` cannot be opened as a store (a folder, unreadable, not a DuckDB database),
    judged by its first bytes without opening DuckDB; None when it may be one or is absent."""
    if path.is_dir():
        return f"the results store {path} is a folder"
    log = path.with_name(path.name + ".wal")  # DuckDB's write-ahead log beside the file
    if log.is_symlink() or (log.exists() and not log.is_file()):
        return (f"the results store's log {log} is a link or a folder, not a file DuckDB "
                "wrote; evplan leaves it as it is")
    try:
        with path.open("rb") as file:
            header = file.read(12)
    except FileNotFoundError:
        if log.exists():  # DuckDB would replay it into the new store, then delete it
            return (f"{log} exists but {path} does not, so that file is not the log of an "
                    "evplan store; evplan leaves it as it is")
        return None
    except OSError as error:
        return f"the results store {path} cannot be read ({error.strerror})"
    if header[8:12] != DUCKDB_MAGIC:
        # DuckDB creates the file before it writes its header: one killed at that instant
        # (a sweep stopped as it made its store) leaves an empty file DuckDB refuses too
        empty = (" (it is empty: an evplan command killed while it made a new store leaves "
                 "such a file, and one making it this instant shows one too; when no other "
                 "evplan command is running, delete it if nothing else of yours uses that "
                 "name)" if not header else "")
        return (f"{path} is not a DuckDB database{empty}, so it is not a results store; "
                "evplan leaves it as it is")
    if not _duckdb_log(log):  # DuckDB would read it as the store's log, then delete it
        return (f"{log} is not a log DuckDB wrote, so evplan leaves it (and the results "
                f"store {path} beside it) as it is. Move or rename that file")
    return None


def pending_log(path: Path) -> bool:
    """Whether the store ``path`` has a log (``.wal``) with entries not yet in the file."""
    log = path.with_name(path.name + ".wal")
    return log.is_file() and log.stat().st_size > 0


def _duckdb_log(log: Path) -> bool:
    """Whether ``log`` is absent, empty, or starts as DuckDB's write-ahead logs start (their
    first entry, the log's version: field 100 = 98, field 101 = the version)."""
    try:
        with log.open("rb") as file:
            start = file.read(len(WAL_START))
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return start in (b"", WAL_START)


def _made_by_evplan(columns: dict[str, set[str]]) -> bool:
    """Whether the tables are an evplan store's, perhaps damaged: a ``runs`` table with
    evplan's columns, or ``runs`` and ``kpis`` tables that between them hold most of the
    columns evplan's readers use (a store that lost a column, even ``run_id``, is still
    evplan's: it gets :func:`missing_columns`' message, not "another program's")."""
    runs = columns.get("runs", set())
    if STORE_COLUMNS <= runs:
        return True
    if "kpis" not in columns:
        return False
    wanted = sum(len(names) for names in READ_COLUMNS.values())
    held = sum(len(names & columns.get(table, set())) for table, names in READ_COLUMNS.items())
    return held >= wanted - 2


def foreign_tables(columns: dict[str, set[str]]) -> str | None:
    """The tables (first five) of a database that holds tables but is not an evplan store
    (see :func:`_made_by_evplan`); None for a store, a damaged one, or an empty database."""
    if columns and not _made_by_evplan(columns):
        return ", ".join(sorted(columns)[:5]) + (", ..." if len(columns) > 5 else "")
    return None


def foreign_content(connection: duckdb.DuckDBPyConnection) -> str | None:
    """What makes a DuckDB database another program's, named for the message: its tables
    (any schema) when they are not an evplan store's (:func:`foreign_tables`); in a
    database without tables, its sequences, macros, types and schemas (evplan makes none).
    None for an evplan store, a damaged one, or a new, empty database."""
    columns = table_columns(connection, main_only=False)
    return foreign_tables(columns) if columns else _foreign_objects(connection)


def _foreign_objects(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The sequences, macros, types and schemas (first five) of the database, or None."""
    where = "database_name = current_database()"
    found = connection.execute(
        f"SELECT 'sequence ' || sequence_name FROM duckdb_sequences() WHERE {where} "
        f"UNION ALL SELECT 'macro ' || function_name FROM duckdb_functions() WHERE {where} "
        f"AND NOT internal UNION ALL SELECT 'type ' || type_name FROM duckdb_types() WHERE "
        f"{where} AND NOT internal UNION ALL SELECT 'schema ' || schema_name FROM "
        f"duckdb_schemas() WHERE {where} AND NOT internal").fetchall()
    names = sorted(str(row[0]) for row in found)
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "") if names else None


def missing_columns(columns: dict[str, set[str]]) -> list[str]:
    """``table.column`` of every column the readers use that the store lacks."""
    return [f"{table}.{column}" for table, wanted in READ_COLUMNS.items()
            for column in sorted(wanted - columns.get(table, set()))]


def recorded_tables(connection: duckdb.DuckDBPyConnection, run_id: str) -> list[str] | None:
    """The result tables the ``runs`` row of ``run_id`` lists (its ``tables`` JSON); None
    when the row lists none that can be read (a store changed outside evplan)."""
    row = connection.execute("SELECT tables FROM runs WHERE run_id = ?", [run_id]).fetchone()
    try:
        listed = json.loads(row[0]) if row is not None and row[0] else None
    except (TypeError, ValueError):
        return None
    return [str(name) for name in listed] if isinstance(listed, list) else None
