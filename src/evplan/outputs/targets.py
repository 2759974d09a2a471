"""Where a command may write: new folders, evplan's own folders, never the user's files.

The rules, the same for every command that writes a folder:

* **No ``-o``**: a new folder ``evplan-output/<name>`` where ``<name>`` is the scenario name
  made safe (:func:`~evplan.outputs.names.safe_component`); when that folder exists, the
  first free of ``<name>-2``, ``<name>-3``, ... A re-run never replaces an earlier run.
  ``evplan-output/latest`` then names the newest run folder; ``fleet``, ``charging``,
  ``recycling`` and ``report`` use it when no folder is given.
* **``-o DIR``**: ``DIR`` must be new, an empty folder, or a folder evplan wrote (it holds
  the ``.evplan-run`` marker). A marked run folder is replaced only with ``--force``, and
  the terminal says what was replaced. A file, a non-empty folder without the marker, the
  current folder, the home folder, the filesystem root and any folder holding the current
  one are refused with a message saying what to do.
* **Adding tables to a run folder** (fleet, charging, recycling): the folder must be
  marked; the command's own earlier tables are replaced, everything else is kept.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from evplan.errors import OutputError
from evplan.outputs.files import atomic_write
from evplan.outputs.marker import MARKER, Marker, read_marker
from evplan.outputs.names import safe_component

__all__ = [
    "DEFAULT_ROOT",
    "LATEST",
    "OutputError",
    "Target",
    "check_file_target",
    "evplan_html",
    "existing_folder_target",
    "free_folder",
    "latest_run_folder",
    "new_folder_target",
    "write_latest",
]

DEFAULT_ROOT = Path("evplan-output")
LATEST = "latest"


@dataclass(frozen=True)
class Target:
    """A folder a command may write, and how.

    Attributes
    ----------
    path : Path
        The folder (absolute).
    mode : {"create", "replace", "update"}
        ``create``: a new folder (or one replacing an empty folder); ``replace``: a marked
        folder replaced whole (``--force``); ``update``: a marked folder whose other files
        are kept while a command replaces its own tables.
    auto_name : bool
        evplan chose the name: if another process takes it first, the next free name is
        used.
    previous : Marker or None
        The marker of the folder replaced or updated.
    latest : bool
        Point ``<parent>/latest`` at the folder when written.
    """

    path: Path
    mode: Literal["create", "replace", "update"]
    auto_name: bool = False
    previous: Marker | None = None
    latest: bool = False


def free_folder(parent: Path, name: str) -> Path:
    """``parent/name``, or the first of ``name-2``, ``name-3``... that does not exist."""
    number = 1
    while True:
        candidate = parent / (name if number == 1 else f"{name}-{number}")
        if not os.path.lexists(candidate):
            return candidate
        number += 1


def _suggest(path: Path) -> str:
    """A new folder name to offer: inside ``path`` for a folder, beside it for a file."""
    suggestion = path / "evplan-run" if path.is_dir() else path.with_name(
        f"{path.stem or 'evplan'}-run")
    try:
        return str(suggestion.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(suggestion)


def _refuse_special(given: Path, path: Path) -> None:
    """The filesystem root, the home folder, the current folder or one holding it."""
    cwd = Path.cwd().resolve()
    if path == Path(path.anchor):
        what = "the filesystem root"
    elif path == Path.home().resolve():
        what = "your home folder"
    elif path == cwd:
        what = "the current folder"
    elif cwd.is_relative_to(path):
        what = "a folder that holds the current folder"
    else:
        return
    raise OutputError(f"evplan: {given} is {what}; evplan writes results into a folder of "
                      f"their own and never into {what}. Choose a new folder, e.g. "
                      f"-o {_suggest(path)}.")


#: Bytes (UTF-8) a folder or file name given with ``-o`` may take: evplan writes it under a
#: hidden name beside it (``.<name>.<pid>-<start>-<hex>.tmp``, up to 45 bytes more), and
#: file systems hold names of at most 255 bytes.
MAX_GIVEN_NAME_BYTES = 210


def _refuse_long_name(given: Path, what: str) -> None:
    size = len(os.fsencode(given.name))
    if size > MAX_GIVEN_NAME_BYTES:
        raise OutputError(f"evplan: the {what} name {given.name[:40]}... is {size} bytes long; "
                          "evplan writes it under a hidden temporary name beside it, which "
                          "needs about 45 bytes more, and a name may take 255. Choose a name "
                          f"of at most {MAX_GIVEN_NAME_BYTES} bytes.")


def _resolve(given: Path) -> Path:
    given = given.expanduser()  # a quoted "~/runs" means the home folder, not a "~" folder
    _refuse_long_name(given, "folder")
    if given.is_symlink() and not given.exists():
        raise OutputError(f"evplan: {given} is a link to something that does not exist. "
                          "Choose a new folder name.")
    path = given.resolve()
    _refuse_special(given, path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"evplan: {given} is a file, not a folder; evplan leaves it alone. "
                          f"Choose a new folder name, e.g. -o {_suggest(path)}.")
    in_the_way = next((folder for folder in path.parents if folder.exists()), None)
    if in_the_way is not None and not in_the_way.is_dir():  # -o notes.txt/run
        raise OutputError(f"evplan: {in_the_way} is a file, not a folder, so {given} cannot "
                          "be made inside it; evplan leaves the file alone. Choose a folder "
                          f"elsewhere, e.g. -o {_suggest(in_the_way)}.")
    return path


def _busy(given: Path, marker: Marker) -> None:
    from evplan.outputs.files import OwnerToken

    token = OwnerToken.parse(marker.pending.token) if marker.pending else None
    if token is not None and token.alive():
        raise OutputError(f"evplan: another evplan (process {token.pid}) is writing {given}. "
                          "Wait for it to finish, or choose another folder.")


#: Folder kinds whose runs the results store records (a replaced folder's record stays).
RECORDED_KINDS = ("run", "recycling", "stochastic")


def new_folder_target(output: Path | None, name: str, *, force: bool = False,
                      kind: str = "run", root: Path = DEFAULT_ROOT,
                      update_kinds: tuple[str, ...] = ()) -> Target:
    """Where a command that makes a new result folder writes it.

    Parameters
    ----------
    output : Path or None
        ``-o DIR``; None for the default ``root/<safe name>`` (next free name).
    name : str
        The name to use without ``-o`` (made safe here), e.g. the scenario name.
    force : bool
        Allow replacing a marked folder of this ``kind``.
    kind : str
        What the folder holds (``run``, ``recycling``).
    root : Path
        The default output folder.
    update_kinds : tuple of str
        Marked folders of these kinds are updated (their other files kept) rather than
        refused; used by ``recycling -o RUN_FOLDER``.

    Raises
    ------
    OutputError
        When the target is a file, a user's folder, a special folder, or a marked folder
        without ``force``.
    """
    from evplan.outputs.recover import reconcile

    if output is None:
        parent = root.resolve()
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"evplan: {root} is a file, not a folder; evplan keeps its "
                              f"results in a folder of that name. Move or rename the file, "
                              "or choose where to write with -o DIR.")
        reconcile(parent)
        return Target(free_folder(parent, safe_component(name)), "create", auto_name=True,
                      latest=kind == "run")
    path = _resolve(output)
    reconcile(path.parent)
    if not path.exists():
        return Target(path, "create", latest=kind == "run" and _is_root(path.parent, root))
    marker = read_marker(path)
    if marker is None:
        if next(path.iterdir(), None) is None:
            return Target(path, "create", latest=kind == "run" and _is_root(path.parent, root))
        raise OutputError(f"evplan: {output} is not empty and is not a folder evplan wrote "
                          f"(it has no {MARKER} file), so evplan will not write into it or "
                          "delete anything in it. Choose a new or empty folder, e.g. "
                          f"-o {_suggest(path)} (--force replaces only a folder evplan "
                          "wrote).")
    _busy(output, marker)
    if marker.kind in update_kinds:
        return Target(path, "update", previous=marker)
    if marker.kind != kind:  # --force replaces a folder of this command's own kind only
        raise OutputError(f"evplan: {output} holds an evplan {marker.describe()}, not a "
                          f"{kind} folder; --force replaces only a {kind} folder. Choose a "
                          "new folder.")
    if not force:
        kept = ("; the results store keeps its record" if kind in RECORDED_KINDS else "")
        raise OutputError(f"evplan: {output} already holds an evplan {marker.describe()}. "
                          f"Pass --force to replace it (its files go{kept}; in Python: "
                          "force=True), or choose a new folder.")
    _refuse_users_entries(output, path, marker)
    return Target(path, "replace", previous=marker,
                  latest=kind == "run" and _is_root(path.parent, root))


#: Pages and workbooks evplan writes into a folder it made, outside the folder protocol
#: (``evplan report RUN``, ``write_run_extras``): evplan's when their content says so.
_IN_PLACE = {"report.html": lambda path: evplan_html(path),
             "results.xlsx": lambda path: evplan_result_workbook(path)}


def known_files(path: Path) -> frozenset[str]:
    """The files evplan wrote into the marked folder ``path``, read from its manifests, for
    a marker from before it listed its ``files``: ``run.json`` and the tables it names (CSV
    and Parquet), and ``fleet.json``, ``charging.json``, ``recycling.json`` with theirs. A
    manifest that cannot be read names nothing (its files then count as the user's)."""
    from evplan.fleet.write import written_files

    names = {MARKER} | set(written_files(path, "fleet", "charging", "recycling"))
    try:
        tables = json.loads((path / "run.json").read_text(encoding="utf-8")).get("tables")
    except (OSError, ValueError, AttributeError):
        return frozenset(names)
    names.add("run.json")
    if isinstance(tables, list):
        names |= {f"{table}.{extension}" for table in map(str, tables)
                  for extension in ("csv", "parquet")}
    return frozenset(names)


def users_entries(path: Path, marker: Marker) -> list[str]:
    """Entries of the marked folder ``path`` that evplan did not write (a user's notes, a
    folder of theirs): not in the marker's ``files`` (for a marker from before that list:
    not in :func:`known_files`), not a hidden temporary file of a write. ``report.html``
    and ``results.xlsx`` are judged by their content, listed or not (a user may have put
    their own page there since)."""
    ours = (set(marker.files) if marker.files is not None else set(known_files(path))
            ) | {MARKER}
    found = []
    for entry in sorted(os.scandir(path), key=lambda entry: entry.name):
        name = entry.name
        check = _IN_PLACE.get(name)
        if check is not None:
            if not entry.is_symlink() and check(Path(entry.path)):
                continue
        elif name in ours or _PART_FILE.match(name):
            continue
        found.append(name + ("/" if entry.is_dir(follow_symlinks=False) else ""))
    return found


_PART_FILE = re.compile(r"^\..+\.\d+-\d+-[0-9a-f]{8}\.part$")


def shown_entries(found: list[str]) -> str:
    """The first five of ``found`` and how many more, for a message."""
    return ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")


def _refuse_users_entries(output: Path, path: Path, marker: Marker) -> None:
    """--force replaces a folder whole: not when it holds files evplan did not write."""
    found = users_entries(path, marker)
    if found:
        raise OutputError(f"evplan: {output} holds an evplan {marker.describe()}, and also "
                          f"{shown_entries(found)}, which evplan did not write; --force "
                          "replaces the whole folder, so evplan will not. Move them out of the "
                          "folder, or choose a new folder.")


def existing_folder_target(folder: Path, kinds: tuple[str, ...] = ("run",),
                           command: str = "evplan") -> Target:
    """A marked folder a command adds its tables to (fleet, charging, recycling).

    Raises
    ------
    OutputError
        When ``folder`` is missing, not a folder, or not a folder evplan wrote.
    """
    from evplan.outputs.recover import reconcile

    path = folder.resolve()
    if not path.is_dir():
        raise OutputError(f"evplan: {folder} is not a folder. Pass the run folder `evplan run` "
                          "wrote (it prints it), or leave it out for the latest run.")
    reconcile(path.parent)
    marker = read_marker(path)
    if marker is None or marker.kind not in kinds:
        what = "has no .evplan-run marker" if marker is None else f"holds a {marker.kind}"
        raise OutputError(f"evplan: {folder} is not a run folder evplan wrote (it {what}), so "
                          f"{command} will not write into it. Plan one with `evplan run -o "
                          "NEW_FOLDER` and pass that folder (a folder an earlier evplan wrote "
                          "without the marker needs a new run).")
    _busy(folder, marker)
    return Target(path, "update", previous=marker)


def evplan_html(path: Path) -> bool:
    """True when ``path`` is an HTML page evplan wrote (its generator tag says so)."""
    try:
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError:
        return False
    return b'<meta name="generator" content="evplan' in head


def evplan_result_workbook(path: Path) -> bool:
    """True when ``path`` is a result workbook evplan wrote (:func:`evplan_workbook`, with
    the ``run`` sheet of ``write_result_workbook`` and no ``scenario`` sheet): not an input
    template, which holds the same creator and may hold the user's edits."""
    import zipfile

    if not evplan_workbook(path):
        return False
    try:
        with zipfile.ZipFile(path) as book:
            sheets = book.read("xl/workbook.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return b'name="run"' in sheets and b'name="scenario"' not in sheets


def workbook_part(path: Path, member: str) -> bytes | None:
    """The bytes of one part of an .xlsx workbook (``docProps/core.xml`` ...), or None when
    ``path`` is not a readable workbook or has no such part."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as book:
            return book.read(member)
    except (OSError, KeyError, zipfile.BadZipFile):
        return None


def evplan_workbook(path: Path) -> bool:
    """True when ``path`` is an .xlsx workbook evplan wrote (its creator property is evplan;
    Excel keeps the creator when a user saves the file)."""
    return b"<dc:creator>evplan</dc:creator>" in (workbook_part(path, "docProps/core.xml")
                                                  or b"")


def evplan_kpi_csv(path: Path) -> bool:
    """True when ``path`` is a sweep or Monte Carlo KPI table evplan wrote (its header)."""
    try:
        with path.open("rb") as file:
            header = file.readline(4096).rstrip(b"\r\n")
    except OSError:
        return False
    return header.startswith(b"case,label,") and header.endswith(
        b",run_id,status,objective_usd,solve_mode,kpi,year,key,value,unit")


def check_file_target(path: Path, *, force: bool, what: str, option: str = "",
                      replaceable: Callable[[Path], bool] | None = None,
                      ours: Callable[[Path], bool] | None = None,
                      name: str | None = None) -> Path:
    """Check a file a command is about to write; return it.

    A new file is fine. An existing one is replaced when ``replaceable`` says so (a report
    page evplan wrote), or with ``force`` when ``ours`` says evplan wrote it (a template or a
    KPI table, which may hold the user's edits: hence --force). A file evplan did not write
    is never replaced, also with ``force``; nor is a folder or a symbolic link (writing it
    would write the file it points to, which the command did not name).

    ``name`` is the file name to suggest inside a folder given instead of a file.

    Raises
    ------
    OutputError
        Saying what to do (another name, or ``--force``).
    """
    _refuse_long_name(path, "file")
    if path.is_symlink():
        raise OutputError(f"evplan: {path} is a symbolic link; evplan does not write through "
                          "links (it would replace the file the link points to). Name the "
                          f"file itself, or choose another file name{option}.")
    if path.is_dir():
        raise OutputError(f"evplan: {path} is a folder; {what} is a file. Choose a file "
                          f"name{option}, e.g. {path / (name or path.name)}.")
    if not path.exists() or (replaceable is not None and replaceable(path)):
        return path
    if not (ours is not None and ours(path)):
        raise OutputError(f"evplan: {path} exists and evplan did not write it; {what} would "
                          f"replace it, and evplan never replaces a file it did not write, "
                          f"also with --force. Choose another file name{option}, or move "
                          "the file away yourself.")
    if not force:
        raise OutputError(f"evplan: {path} exists (evplan wrote it, but it may hold your "
                          f"edits); {what} would replace it. Choose another file "
                          f"name{option}, or pass --force to replace it.")
    return path


def _is_root(parent: Path, root: Path) -> bool:
    return parent.resolve() == root.resolve()


def write_latest(root: Path, folder: Path) -> Path | None:
    """Point ``root/latest`` at ``folder`` (a one-line file holding its name).

    Only evplan's own pointer is replaced: a ``latest`` that is a folder, a link, or a file
    not naming one of evplan's folders in ``root`` is the user's and stays as it is (None is
    returned; :func:`latest_run_folder` then finds the newest run by its marker). A pointer
    that cannot be written does not fail the run it points at.
    """
    pointer = root / LATEST
    if os.path.lexists(pointer) and not _evplan_pointer(root, pointer):
        return None
    text = folder.name + "\n"
    try:
        return atomic_write(pointer, lambda path: path.write_text(text, encoding="utf-8"))
    except OSError:
        return None


def _evplan_pointer(root: Path, pointer: Path) -> bool:
    """Is ``pointer`` a ``latest`` file evplan wrote: one line naming a folder of ``root``
    that holds evplan's marker?"""
    try:
        if pointer.is_symlink() or not pointer.is_file() or pointer.stat().st_size > 1024:
            return False
        text = pointer.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    name = text.strip()
    return (text == name + "\n" and bool(name) and name == safe_component(name)
            and (root / name).is_dir() and read_marker(root / name) is not None)


def latest_run_folder(root: Path = DEFAULT_ROOT) -> Path | None:
    """The newest finished run folder in ``root``: the one ``root/latest`` names, else the
    marked run folder created last; None when there is none."""
    from evplan.outputs.recover import reconcile

    if not root.is_dir():
        return None
    reconcile(root.resolve())
    pointer = root / LATEST
    if pointer.is_file() and not pointer.is_symlink():
        name = pointer.read_text(encoding="utf-8", errors="replace").strip()
        if name and name == safe_component(name) and _finished_run(root / name):
            return root / name
    found = [(marker.created_at, entry.name) for entry in root.iterdir()
             if not entry.name.startswith(".") and entry.is_dir()
             and (marker := read_marker(entry)) is not None and marker.kind == "run"
             and marker.pending is None]
    return root / max(found)[1] if found else None


def _finished_run(folder: Path) -> bool:
    marker = read_marker(folder) if folder.is_dir() and not folder.is_symlink() else None
    return marker is not None and marker.kind == "run" and marker.pending is None
