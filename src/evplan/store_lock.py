"""The locks of the results store (see :mod:`evplan.store`): an advisory lock on the store's
folder, held by writers from before they open the file until after they close it, and
DuckDB's own "file is in use" error."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["FolderBusy", "duckdb_locked", "folder_lock"]


class FolderBusy(Exception):
    """Another process holds the store folder's lock in a mode that excludes ours."""


@contextlib.contextmanager
def folder_lock(folder: Path, exclusive: bool) -> Iterator[None]:
    """Hold an advisory lock on the store's folder itself (``flock`` on the directory: no
    file is made): exclusive while a process creates or writes a store there, shared while
    one opens a store to read. Raises :class:`FolderBusy` at once when it is held in a
    mode that excludes this one (the caller retries with backoff up to its timeout).

    DuckDB creates a new database file and writes its header a moment later; a process that
    opened the path in between failed with "not a valid DuckDB database file" (seen with
    several sweep workers recording into a new store). And with eight processes recording
    into one new store at once, one committed run was once missing from the file (one store
    in about 240, under load; DuckDB's own file lock alone let it happen). So a writer holds
    the lock from before it opens the file until after it has closed it (DuckDB checkpoints
    on close): no other evplan process opens the file meanwhile. Where the system has no
    such locks (no ``fcntl``, a file system that refuses them), the store is opened as
    DuckDB alone would.
    """
    try:
        import fcntl
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except (ImportError, OSError):
        yield
        return
    try:
        try:
            fcntl.flock(descriptor, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
                        | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy from None
        except OSError:
            pass  # the file system refuses locks: as DuckDB alone
        yield
    finally:
        os.close(descriptor)  # releases the lock


def duckdb_locked(error: Exception) -> bool:
    """Whether DuckDB refused to open a file because another process holds it."""
    text = str(error).lower()
    return "lock" in text or "conflicting" in text or "resource temporarily unavailable" in text
