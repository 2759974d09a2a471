"""Repair what a killed writer left in a parent folder (see :mod:`evplan.outputs.transaction`).

:func:`reconcile` runs at the start of every command that writes a result folder, on the
folder that will hold it. It touches only what evplan wrote and whose writer is dead:

* a visible folder whose marker is still ``pending``: finished when its runs are in the
  store (``pending`` cleared, ``latest`` set, the folder it replaced removed), else rolled
  back (moved aside and removed, the folder it replaced put back);
* ``.<name>.<token>.tmp`` (staging) and ``.<name>.<token>.del`` (being removed): removed;
  if ``<name>`` is missing and ``.<name>.<token>.old`` exists, the old folder is put back;
* ``.<name>.<token>.old`` (replaced): removed once ``<name>`` is in place, put back if not;
* ``.<file>.<token>.part`` files inside run folders: removed.

A writer counts as dead when its process id no longer runs, or now belongs to a process
that started at another time. Folders written on another machine (a shared drive) are left
alone for a week.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from evplan.outputs.files import OwnerToken, host, remove_stale_parts, remove_tree
from evplan.outputs.marker import MARKER, Marker, read_marker, write_marker
from evplan.outputs.targets import write_latest
from evplan.outputs.transaction import restore_empty_folder

__all__ = ["HIDDEN", "reconcile"]

HIDDEN = re.compile(r"^\.(?P<name>.+)\.(?P<token>\d+-\d+-[0-9a-f]{8})\.(?P<what>tmp|old|del)$")
FOREIGN_HOST_GRACE = timedelta(days=7)
LOCK_FILE = ".evplan-lock"


def _dead(marker: Marker) -> bool:
    """True when the writer of a pending marker is gone."""
    assert marker.pending is not None
    token = OwnerToken.parse(marker.pending.token)
    if token is None:
        return True
    if marker.pending.host and marker.pending.host != host():
        try:
            created = datetime.fromisoformat(marker.created_at)
        except ValueError:
            return False
        return datetime.now(UTC) - created > FOREIGN_HOST_GRACE
    return not token.alive()


def _committed(marker: Marker) -> bool | None:
    """Are the pending runs in their store? None when the store cannot be read now."""
    pending = marker.pending
    assert pending is not None
    if pending.store is None or not pending.run_ids:
        return True
    store = Path(pending.store)
    if not store.exists():
        return False
    from evplan.store import ResultsStore, StoreError

    try:
        return ResultsStore(store, lock_timeout_s=30.0).has_runs(pending.run_ids)
    except StoreError:
        return None


def _settle_pending(folder: Path, marker: Marker, notes: list[str]) -> None:
    assert marker.pending is not None
    token = marker.pending.token
    committed = _committed(marker)
    if committed is None:
        return
    retired = folder.with_name(f".{folder.name}.{token}.old")
    if committed:
        if marker.pending.latest:
            write_latest(folder.parent, folder)
        write_marker(folder, replace(marker, pending=None))
        remove_tree(retired, keep_last=MARKER)
        notes.append(f"finished {folder.name}, left unfinished by an evplan that was stopped "
                     "after its run was recorded")
        return
    trash = folder.with_name(f".{folder.name}.{token}.del")
    os.rename(folder, trash)
    restored = retired.is_dir()
    if restored:
        os.rename(retired, folder)
    elif marker.pending.empty_mode is not None:
        restore_empty_folder(folder, marker.pending.empty_mode)
    remove_tree(trash, keep_last=MARKER)
    notes.append(f"rolled back {folder.name}, left by an evplan stopped before its run was "
                 "recorded" + (" (the folder it was replacing is back)" if restored else
                               " (the empty folder it was filling is back)"
                               if marker.pending.empty_mode is not None else ""))


def _settle_hidden(entry: Path, notes: list[str]) -> None:
    match = HIDDEN.match(entry.name)
    if not match or not entry.is_dir() or entry.is_symlink():
        return
    token = OwnerToken.parse(match["token"])
    if token is None or token.alive():
        return
    marker = read_marker(entry)
    if marker is None and any(not name.startswith(f".{MARKER}.") for name in os.listdir(entry)):
        return  # not recognisably evplan's (neither its marker nor the marker being written)
    if marker is not None and marker.pending is not None and marker.pending.host not in (
            "", host()):
        return
    name, what = match["name"], match["what"]
    visible = entry.with_name(name)
    retired = entry.with_name(f".{name}.{token}.old")
    if what == "old":
        visible_marker = read_marker(visible) if visible.is_dir() else None
        if os.path.lexists(visible):
            if visible_marker is not None and visible_marker.pending is not None \
                    and visible_marker.pending.token == token:
                return  # settled with the visible folder (its store may be busy now)
            remove_tree(entry, keep_last=MARKER)
            notes.append(f"removed {entry.name}, a folder already replaced")
        else:
            os.rename(entry, visible)
            notes.append(f"put back {name}, which a stopped evplan was replacing")
        return
    if what == "tmp" and not os.path.lexists(visible) and retired.is_dir():
        os.rename(retired, visible)
        notes.append(f"put back {name}, which a stopped evplan was replacing")
    remove_tree(entry, keep_last=MARKER)
    notes.append(f"removed {entry.name}, left by a stopped evplan")


@contextlib.contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    """Hold ``root/.evplan-lock`` (an advisory lock the system drops when the holder dies),
    so two evplan processes never settle the same folder at once."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; the renames still fail safely
        yield
        return
    # never through a link: a dangling .evplan-lock would make the file it names
    descriptor = os.open(root / LOCK_FILE, os.O_CREAT | os.O_RDWR
                         | getattr(os, "O_NOFOLLOW", 0), 0o666)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _needs_work(root: Path, entries: list[Path]) -> bool:
    for entry in entries:
        if HIDDEN.match(entry.name):
            return True
        if not entry.name.startswith(".") and entry.is_dir() and not entry.is_symlink():
            marker = read_marker(entry)
            if marker is not None and (marker.pending is not None or any(
                    name.endswith(".part") for name in os.listdir(entry))):
                return True
    return False


def reconcile(parent: str | Path) -> list[str]:
    """Repair what killed evplan writers left in ``parent``; return what was done.

    Safe to call at any time and from several processes at once: it acts only on entries
    whose writer is dead, under an advisory lock, and every action is a rename or a removal
    of evplan's own files. A folder with nothing to repair is only read.
    """
    root = Path(parent)
    notes: list[str] = []
    try:
        if not root.is_dir() or not _needs_work(root, list(root.iterdir())):
            return notes
        with _exclusive(root):
            _reconcile(root, notes)
    except OSError:
        pass
    return notes


def _reconcile(root: Path, notes: list[str]) -> None:
    entries = sorted(root.iterdir())
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir() or entry.is_symlink():
            continue
        marker = read_marker(entry)
        if marker is None:
            continue
        try:
            if marker.pending is not None and _dead(marker):
                _settle_pending(entry, marker, notes)
            if entry.is_dir():
                remove_stale_parts(entry)
        except OSError:
            continue  # another process settled it first
    order = {"del": 0, "tmp": 1, "old": 2}
    hidden = sorted((entry for entry in root.iterdir() if HIDDEN.match(entry.name)),
                    key=lambda e: order[HIDDEN.match(e.name)["what"]])  # type: ignore[index]
    for entry in hidden:
        try:
            _settle_hidden(entry, notes)
        except OSError:
            continue
