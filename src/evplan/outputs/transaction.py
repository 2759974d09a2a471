"""Write a result folder so that folder and results store agree after a kill at any instant.

:func:`write_folder` runs one protocol for every command that writes a folder (``run``,
``fleet``, ``charging``, ``recycling``)::

    1. stage     .<name>.<token>.tmp/ holds the marker, with ``pending`` = (writer, store,
                 run ids); for an update, links to the folder's other files; then
                 the new files
    2. swap      create: rename the staging folder to <name>
                 replace / update: rename <name> to .<name>.<token>.old, then the
                 staging folder to <name>
    3. commit    record the run(s) in the results store (one DuckDB transaction)
    4. finish    point ``latest`` at it (new runs in evplan-output), clear ``pending``
                 in the marker, remove .<name>.<token>.old

The store commit decides: a folder whose marker is still ``pending`` counts only if its
run ids are in the store. A process killed anywhere leaves one of these states, which the
next evplan start writing into the same parent folder repairs
(:func:`evplan.outputs.recover.reconcile`): a hidden staging or retired folder of a dead
writer is removed or put back; a visible pending folder is finished when its runs are in
the store, and otherwise rolled back (removed, and the folder it replaced put back). Hidden
folders are removed marker-last, so a kill during a removal leaves a folder the next start
still recognises as evplan's. The token ``<pid>-<start>-<hex>`` names the writing process,
so nothing a live writer is using is ever touched.

Readers never see a half folder: a visible run folder is always a complete one (its
``pending`` flag says whether its store record has committed yet).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from evplan.outputs.files import OwnerToken, announce_write, host, remove_tree
from evplan.outputs.marker import MARKER, Marker, Pending, write_marker
from evplan.outputs.targets import OutputError, Target, free_folder, known_files, write_latest
from evplan.progress import note_written

__all__ = ["KILL_AT_STEP_ENV", "WRITE_DELAY_ENV", "plan_tables", "write_folder"]

KILL_AT_STEP_ENV = "EVPLAN_TEST_KILL_AT_STEP"
"""Test hook: SIGKILL this process when the write reaches step N (1-based)."""
WRITE_DELAY_ENV = "EVPLAN_TEST_WRITE_DELAY_S"
"""Test hook: sleep this long at every step (so random kills land inside the write)."""

_TAKEN = {errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR}


class _Steps:
    """Counts the protocol's steps; the test hooks act on them."""

    def __init__(self) -> None:
        self.count = 0
        self.kill_at = int(os.environ.get(KILL_AT_STEP_ENV) or 0)
        self.delay = float(os.environ.get(WRITE_DELAY_ENV) or 0.0)
        announce_write()

    def __call__(self) -> None:
        self.count += 1
        if self.delay:
            time.sleep(self.delay)
        if self.count == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def plan_tables(folder: Path) -> frozenset[str]:
    """The tables ``evplan run`` wrote into the run ``folder`` (its run.json's ``tables``).

    A later command (fleet, charging, recycling) replaces its own tables and must keep these,
    whatever their names (the plan's ``fleet_compliance`` starts like fleet's tables). An
    unreadable run.json keeps nothing more: the command reading the folder reports it.
    """
    try:
        tables = json.loads((folder / "run.json").read_text(encoding="utf-8")).get("tables")
    except (OSError, ValueError, AttributeError):
        return frozenset()
    return frozenset(str(name) for name in tables) if isinstance(tables, list) else frozenset()


def _copy_kept(source: Path, staging: Path, drop: Callable[[str], bool]) -> None:
    """Hard-link (else copy) the files of ``source`` that the update keeps into ``staging``."""
    for entry in source.iterdir():
        if entry.name == MARKER or drop(entry.name) or (
                entry.name.startswith(".") and entry.name.endswith(".part")):
            continue
        destination = staging / entry.name
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, destination, symlinks=True)
            continue
        try:
            os.link(entry, destination, follow_symlinks=False)
        except OSError:
            shutil.copy2(entry, destination, follow_symlinks=False)


def _inodes(folder: Path) -> dict[str, int]:
    """Entry name -> inode of ``folder``'s entries but the marker."""
    return {entry.name: entry.inode() for entry in os.scandir(folder) if entry.name != MARKER}


def _entries(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Relative path -> (inode, modification time, size) of every entry under ``folder``
    (subfolders walked, links not followed; the marker left out): what an update copied,
    compared once the folder is moved aside, so that a file saved, edited in place or added
    anywhere in it (a folder of the user's in it included) meanwhile is not removed with it.
    A folder's size counts as 0 (its modification time says when an entry came or went)."""
    found: dict[str, tuple[int, int, int]] = {}
    pending = [(folder, "")]
    while pending:
        directory, prefix = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if not prefix and entry.name == MARKER:
                    continue
                stat = entry.stat(follow_symlinks=False)
                is_folder = entry.is_dir(follow_symlinks=False)
                found[prefix + entry.name] = (stat.st_ino, stat.st_mtime_ns,
                                              0 if is_folder else stat.st_size)
                if is_folder:
                    pending.append((Path(entry.path), f"{prefix}{entry.name}/"))
    return found


def _files_written(staging: Path, kept: dict[str, int], target: Target,
                   previous: Marker | None = None) -> tuple[str, ...] | None:
    """The entries of the folder evplan wrote, for its marker's ``files``.

    New or rewritten by this command (a new inode: files are written beside and renamed), and
    for an update the kept entries an earlier command wrote (``previous``: the folder's
    marker when the update copied its files; for a marker from before the list, those its
    manifests name: :func:`~evplan.outputs.targets.known_files`).
    """
    now = _inodes(staging)
    written = {name for name, inode in now.items() if kept.get(name) != inode}
    if target.mode != "update":
        return tuple(sorted(written))
    earlier = previous.files if previous is not None else None
    if earlier is None:  # a marker from before the list: what the manifests say
        earlier = tuple(known_files(target.path))
    return tuple(sorted(written | (set(kept) & set(earlier))))


def _changed_meanwhile(folder: Path) -> OutputError:
    """The error of a folder another evplan command changed while this one ran."""
    return OutputError(f"evplan: another evplan command changed {folder} while this one "
                       "ran; nothing was written. Run this command again.")


def _marker_now(target: Target) -> Marker:
    """The marker of the folder an update is about to copy: another command may have added
    its tables since ``target`` was checked. Raises OutputError when the folder is no longer
    a folder of the kind checked (replaced by another kind meanwhile)."""
    from evplan.outputs.marker import read_marker

    marker = read_marker(target.path)
    if marker is None or marker.pending is not None or (
            target.previous is not None and marker.kind != target.previous.kind):
        raise _changed_meanwhile(target.path)
    return marker


def _check_replaced(retired: Path, final: Path, previous: Marker | None) -> None:
    """Raise OutputError unless the folder moved aside for ``--force`` is the run folder
    checked before the run: the same marker (not replaced or updated by another evplan
    meanwhile) and no file or folder evplan did not write (one put there while the run
    solved). Checked once the folder is moved aside, so nothing is added after the check;
    the caller puts the folder back."""
    from evplan.outputs.marker import read_marker
    from evplan.outputs.targets import shown_entries, users_entries

    marker = read_marker(retired)
    if marker is None or marker != previous:
        raise _changed_meanwhile(final)
    found = users_entries(retired, marker)
    if found:
        raise OutputError(f"evplan: {final} now also holds {shown_entries(found)}, which "
                          "evplan did not write (put there while this command ran); --force "
                          "replaces the whole folder, so evplan will not, and nothing was "
                          "written. Move them out of the folder, or choose a new folder.")


def _empty_folder_mode(path: Path) -> int | None:
    """The permission bits of ``path`` when it is an empty folder (the user's: evplan's own
    folders hold a marker), else None."""
    try:
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode) or any(os.scandir(path)):
            return None
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode)


def restore_empty_folder(path: Path, mode: int) -> None:
    """Put back the user's empty folder ``path`` (with its permission bits ``mode``) that a
    rolled-back write had filled; nothing when the name is taken meanwhile."""
    with contextlib.suppress(OSError):
        os.mkdir(path)
        os.chmod(path, mode)


def _place_new(staging: Path, target: Target) -> Path:
    """Rename the staging folder to the target (or, for evplan's own names, the next free
    name when another process took it meanwhile)."""
    path = target.path
    while True:
        try:
            os.rename(staging, path)
            return path
        except OSError as error:
            if error.errno not in _TAKEN:
                raise
            if not target.auto_name:
                raise OutputError(f"evplan: {path} was created or filled by another program "
                                  "while evplan was writing; nothing was written to it. Run "
                                  "again with another folder.") from error
            path = free_folder(path.parent, target.path.name)


def _refresh_workbook(staging: Path) -> None:
    """Write ``results.xlsx`` again when an update (fleet, charging, recycling) changed the
    tables of a run folder whose workbook evplan wrote (``evplan run --excel``): it kept the
    plan's sheets alone, or an earlier fleet's, beside the new tables."""
    if (staging / "results.xlsx").is_file():  # openpyxl only for a folder that has one
        from evplan.report.excel import refresh_result_workbook

        refresh_result_workbook(staging)


def _same_entry(path: Path, made: os.stat_result) -> bool:
    """Whether ``path`` is still the real folder ``made`` describes (not a link, nor another
    folder put at its name)."""
    try:
        now = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(now.st_mode) and (now.st_dev, now.st_ino) == (made.st_dev, made.st_ino)


def _check_staging(staging: Path, made: os.stat_result) -> None:
    """Raise OutputError unless the staging folder is still the one this command made:
    another program that swapped it for a link or a folder of its own meanwhile would
    otherwise have that renamed into place as the result folder."""
    if not _same_entry(staging, made):
        raise OutputError(f"evplan: {staging}, the hidden folder evplan was writing, was "
                          "replaced or removed by another program meanwhile; nothing was "
                          "written. Run the command again.")


def write_folder(target: Target, fill: Callable[[Path], object], *, kind: str, run_id: str,
                 command: str = "run", store: str | Path | None = None,
                 run_ids: Sequence[str] = (), commit: Callable[[Path], object] | None = None,
                 drop: Callable[[str], bool] | None = None) -> Path:
    """Write a result folder by the protocol of this module; return the folder written.

    Parameters
    ----------
    target : Target
        From :func:`~evplan.outputs.targets.new_folder_target` or
        :func:`~evplan.outputs.targets.existing_folder_target`.
    fill : callable
        Called with the staging folder; writes the new files into it.
    kind : str
        Folder kind for a new marker (``run``, ``recycling``).
    run_id : str
        The run the folder holds (a new folder) or the run that adds to it (an update).
    command : str
        The command updating a folder (``fleet``, ``charging``, ``recycling``).
    store : str or Path, optional
        The results store ``commit`` records into (None: nothing recorded).
    run_ids : sequence of str
        The run ids ``commit`` records; the write counts once they are in ``store``.
    commit : callable, optional
        Called with the final folder after it is in place; records the run(s). If it
        raises, the write is rolled back.
    drop : callable, optional
        For an update: file names of the folder not carried over (the command's own
        earlier tables).

    Returns
    -------
    Path
        The folder (for a new run without ``-o``, possibly ``<name>-N``).
    """
    from evplan import __version__

    step = _Steps()
    token = OwnerToken.new()
    parent = target.path.parent
    parent.mkdir(parents=True, exist_ok=True)
    users_empty_mode = _empty_folder_mode(target.path) if target.mode == "create" else None
    pending = Pending(token=token, host=host(),
                      store=str(Path(store).resolve()) if store is not None and run_ids
                      else None, run_ids=tuple(run_ids), latest=target.latest,
                      empty_mode=users_empty_mode)
    if target.mode == "update" and target.previous is not None:
        marker = replace(target.previous.with_update(command, run_id), pending=pending)
    else:
        marker = Marker(kind=kind, run_id=run_id, evplan=__version__, pending=pending)
    staging = parent / f".{target.path.name}.{token}.tmp"
    os.mkdir(staging)  # mode 0o777 less the umask: shareable like any folder the user makes
    made = os.lstat(staging)  # checked before it is renamed into place or removed
    if users_empty_mode is not None:  # the user's empty folder: the run keeps its permissions
        os.chmod(staging, users_empty_mode)
    elif target.mode in ("update", "replace"):  # a folder made private stays private
        with contextlib.suppress(OSError):
            os.chmod(staging, stat.S_IMODE(os.lstat(target.path).st_mode) | stat.S_IRWXU)
    try:
        step()
        write_marker(staging, marker)
        step()
        snapshot = b""
        kept: dict[str, int] = {}
        current = target.previous
        if target.mode == "update":
            snapshot = (target.path / MARKER).read_bytes()
            # the folder as it is now, not as it was when the command started: a command
            # that added tables meanwhile keeps its record and its files (never "yours")
            current = _marker_now(target)
            marker = replace(current.with_update(command, run_id), pending=pending)
            copied = _entries(target.path)
            _copy_kept(target.path, staging, drop or (lambda name: False))
            kept = _inodes(staging)
            step()
        fill(staging)
        _check_staging(staging, made)  # before the marker is written into it
        if target.mode == "update":  # the folder's workbook shows the tables it holds now
            _refresh_workbook(staging)
        marker = replace(marker, files=_files_written(staging, kept, target, current))
        write_marker(staging, marker)
        step()
        retired: Path | None = None
        _check_staging(staging, made)
        if target.mode == "create":
            final = _place_new(staging, target)
        else:
            final = target.path
            if target.mode == "update" and (final / MARKER).read_bytes() != snapshot:
                raise _changed_meanwhile(final)
            retired = parent / f".{final.name}.{token}.old"
            os.rename(final, retired)
            try:  # from here the user's folder is away: any stop puts it back first
                if target.mode == "replace":
                    _check_replaced(retired, final, target.previous)
                elif _entries(retired) != copied:  # a file saved there while this one ran
                    raise OutputError(f"evplan: {final} changed while this command wrote into "
                                      "it (a file was saved, replaced or removed there); "
                                      "nothing was written, and the folder is as it was. "
                                      "Run this command again.")
                step()
                _check_staging(staging, made)
                os.rename(staging, final)
            except BaseException:
                if not final.exists():
                    os.rename(retired, final)
                raise
    except BaseException:
        if _same_entry(staging, made):  # never a folder or link put at its name meanwhile
            remove_tree(staging, keep_last=MARKER)
        raise
    try:  # the new folder is in place, not yet recorded: any stop takes it back
        step()
        if commit is not None:
            commit(final)
        step()
    except BaseException:
        trash = parent / f".{final.name}.{token}.del"
        os.rename(final, trash)
        if retired is not None:
            os.rename(retired, final)
        elif users_empty_mode is not None and final == target.path:
            restore_empty_folder(final, users_empty_mode)
        remove_tree(trash, keep_last=MARKER)
        raise
    note_written(final)  # in place (and recorded): a Ctrl-C from here on must not deny it
    if target.latest:
        write_latest(parent, final)
        step()
    write_marker(final, replace(marker, pending=None))
    step()
    if retired is not None:
        remove_tree(retired, keep_last=MARKER)
        step()
    return final
