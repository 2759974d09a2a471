"""Where DuckDB may spill a store's work to disk: a hidden folder evplan names per process.

DuckDB writes intermediate results that do not fit in memory into a temporary folder, by
default ``<store>.tmp`` beside the database (``evplan.duckdb.tmp``). That name is an
ordinary one a user may hold: a file of that name made every spill fail ("Failed to create
directory ... File exists", told as a full disk), and into a user's folder of that name
DuckDB wrote its own files. The store therefore tells DuckDB to spill into
``.<store>.<pid>-<start>-<hex>.spill`` (:class:`~evplan.outputs.files.OwnerToken`), which no
one else makes: DuckDB creates it only when it spills and removes it when the connection
closes. One a killed process left is removed by the next writer (:func:`remove_dead_spills`)
when its owner is dead and it holds only DuckDB's temporary files.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from pathlib import Path

import duckdb

from evplan.outputs.files import OwnerToken

__all__ = ["connect_spilling", "remove_dead_spills", "spill_folder", "use_spill_folder"]

#: The files DuckDB writes into its temporary folder (``duckdb_temp_storage_S32K-0.tmp``,
#: ``duckdb_temp_block-...``, ``duckdb_temp_<pid>_0_owner``).
_DUCKDB_TEMP = re.compile(r"^duckdb_temp_[\w.-]+$")


class _ProcessTokens:
    """One :class:`OwnerToken` per process, made once under a lock.

    DuckDB refuses a second connection to a file open in the process with another
    ``temp_directory``, so every connection of a process must name the same spill folder:
    two threads that open their first store at the same time must not make two tokens (an
    unlocked cache let both make one, and each used its own). Keyed by pid, so a forked
    worker gets its own; the lock is made anew in a forked child (:func:`os.register_at_fork`),
    where a lock another thread of the parent held at the fork would never be released.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[int, OwnerToken] = {}

    def reset_lock(self) -> None:
        """A new, free lock (in a forked child)."""
        self._lock = threading.Lock()

    def token(self, pid: int) -> OwnerToken:
        """The token of process ``pid`` (this process), made on first use."""
        with self._lock:
            token = self._tokens.get(pid)
            if token is None:
                token = self._tokens[pid] = OwnerToken.new()
            return token


_TOKENS = _ProcessTokens()
os.register_at_fork(after_in_child=_TOKENS.reset_lock)


def _process_token(pid: int) -> OwnerToken:
    """One token per process: :meth:`_ProcessTokens.token`."""
    return _TOKENS.token(pid)


def spill_folder(store: Path) -> Path:
    """The temporary folder DuckDB may use for ``store`` in this process (not made here;
    the same for every connection of the process).

    Examples
    --------
    >>> folder = spill_folder(Path("out/evplan.duckdb"))
    >>> folder.parent.as_posix(), folder.name.startswith(".evplan.duckdb."), folder.suffix
    ('out', True, '.spill')
    >>> folder == spill_folder(Path("out/evplan.duckdb"))
    True
    """
    return store.with_name(f".{store.name}.{_process_token(os.getpid())}.spill")


def use_spill_folder(connection: duckdb.DuckDBPyConnection, store: Path) -> None:
    """Point the database's temporary folder at :func:`spill_folder` (a setting of the
    database, which the connections a process holds to the file share: it is set after
    opening, since DuckDB refuses a second connection opened with other settings than a
    notebook's plain ``duckdb.connect``). Once the database has spilled (into this folder,
    set by an earlier connection of the process), DuckDB refuses any change: left as is.

    Parameters
    ----------
    connection : duckdb.DuckDBPyConnection
        An open connection to ``store``.
    store : Path
        The DuckDB file.
    """
    folder = str(spill_folder(store)).replace("'", "''")
    with contextlib.suppress(duckdb.NotImplementedException):
        connection.execute(f"SET temp_directory = '{folder}'")


def connect_spilling(store: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open ``store`` and point its spill folder at :func:`spill_folder`.

    Parameters
    ----------
    store : Path
        The DuckDB file.
    read_only : bool
        Open it read-only.

    Returns
    -------
    duckdb.DuckDBPyConnection
        The open connection. When setting the folder fails, the connection is closed before
        the error propagates: a read-write handle is not left open once the caller gives its
        folder lock back.
    """
    connection = duckdb.connect(str(store), read_only=read_only)
    try:
        use_spill_folder(connection, store)
    except BaseException:
        connection.close()
        raise
    return connection


def remove_dead_spills(store: Path) -> list[Path]:
    """Remove the spill folders of ``store`` whose process is dead; return them.

    Only a real folder (not a link) named ``.<store>.<token>.spill`` whose owner no longer
    runs and that holds nothing but DuckDB's temporary files is removed: anything else in
    it (a user's file) leaves it as it is.

    Parameters
    ----------
    store : Path
        The DuckDB file whose folder is searched.

    Returns
    -------
    list of Path
        The spill folders removed.
    """
    pattern = re.compile(rf"^\.{re.escape(store.name)}\.(?P<token>\d+-\d+-[0-9a-f]{{8}})"
                         r"\.spill$")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(store.parent))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        token = OwnerToken.parse(match["token"]) if match else None
        if token is None or token.alive() or not entry.is_dir(follow_symlinks=False):
            continue
        with contextlib.suppress(OSError):
            inside = list(os.scandir(entry.path))
            if all(_DUCKDB_TEMP.match(item.name) and item.is_file(follow_symlinks=False)
                   for item in inside):
                for item in inside:
                    os.unlink(item.path)
                os.rmdir(entry.path)
                removed.append(Path(entry.path))
    return removed
