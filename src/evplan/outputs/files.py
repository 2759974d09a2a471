"""Single files written safely: whole or not at all, with normal permissions, CSVs neutralised.

* :func:`atomic_write` writes a file under a hidden temporary name beside it and renames it
  into place. The temporary name carries the writer's process id and start time
  (``.<name>.<pid>-<start>-<hex>.part``), so a later writer removes what a killed one left
  behind, and only that. Files get the permissions of an ordinary file (``0o666`` less the
  umask), never the owner-only ``0o600`` of :func:`tempfile.mkstemp`.
* :func:`spreadsheet_safe` neutralises text that a spreadsheet would run as a formula: a
  value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  apostrophe (``'=HYPERLINK(...)``), which Excel and LibreOffice show as text. evplan's
  CSV files are meant to be opened in spreadsheets, so :func:`write_csv` applies it to text
  columns and headers; Parquet files keep the raw values.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from evplan.errors import OutputError

__all__ = [
    "FORMULA_PREFIXES",
    "MARKED_STARTS",
    "WRITE_STARTED_ENV",
    "OwnerToken",
    "announce_write",
    "atomic_write",
    "formula_like",
    "owner_alive",
    "process_start",
    "remove_stale_parts",
    "remove_tree",
    "spreadsheet_safe",
    "unmarked",
    "unmarked_text",
    "write_csv",
    "write_input_csv",
    "write_table",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: What an input file evplan writes marks with a leading ``'``: formula-like text, and text
#: that starts with ``'`` itself (the reader drops one ``'`` before any of these).
MARKED_STARTS = (*FORMULA_PREFIXES, "'")
"""First characters that make a spreadsheet read a text cell as a formula."""
LEADING_SPACE = " \t\r\n\u00a0"
"""Characters a spreadsheet may trim before it reads the rest of a cell: result CSV files
mark ``" =1+1"`` as they mark ``"=1+1"``."""

_PART = re.compile(r"^\.(?P<name>.+)\.(?P<token>\d+-\d+-[0-9a-f]{8})\.part$")
_TOKEN = re.compile(r"^(?P<pid>\d+)-(?P<start>\d+)-[0-9a-f]{8}$")


def process_start(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, Linux), or None if unknown.

    Together with the pid this names one process: a pid reused by a later process has
    another start time. Returns None where ``/proc`` is missing.
    """
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text.rsplit(")", 1)[-1].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _zombie(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    fields = text.rsplit(")", 1)[-1].split()
    return bool(fields) and fields[0] in ("Z", "X")


def owner_alive(pid: int, start: int | None = None) -> bool:
    """True while the process that wrote a token may still be running.

    A pid that no longer exists, a zombie, or a pid now used by a process with another
    start time are dead. When in doubt (no permission to signal it) the owner is alive,
    so nothing in use is ever removed.
    """
    if pid == os.getpid():
        return start in (None, 0) or start == process_start(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    if _zombie(pid):
        return False
    if start:
        now = process_start(pid)
        if now is not None and now != start:
            return False
    return True


class OwnerToken(str):
    """``<pid>-<start>-<8 hex>``: names the process that writes a temporary file or folder."""

    __slots__ = ()

    @classmethod
    def new(cls) -> OwnerToken:
        pid = os.getpid()
        return cls(f"{pid}-{process_start(pid) or 0}-{secrets.token_hex(4)}")

    @property
    def pid(self) -> int:
        return int(self.split("-")[0])

    @property
    def start(self) -> int:
        return int(self.split("-")[1])

    def alive(self) -> bool:
        """True while the owning process may still be running."""
        return owner_alive(self.pid, self.start)

    @staticmethod
    def parse(text: str) -> OwnerToken | None:
        return OwnerToken(text) if _TOKEN.match(text) else None


def host() -> str:
    """This machine's name (owners on other hosts are never judged dead)."""
    return socket.gethostname()


def remove_stale_parts(folder: Path, name: str | None = None) -> list[Path]:
    """Remove ``.<name>.<token>.part`` files in ``folder`` whose writer is dead.

    Only names of exactly that form are touched (``name`` limits it to one target).
    """
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _PART.match(entry.name)
        if not match or (name is not None and match["name"] != name):
            continue
        token = OwnerToken.parse(match["token"])
        if token is None or token.alive() or not entry.is_file() or entry.is_symlink():
            continue
        entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)``, then rename the file into ``path`` (whole or not at all).

    The temporary file is created empty with mode ``0o666`` less the umask before ``write``
    runs, so the final file has ordinary permissions; a file it replaces keeps its own.
    Stale temporary files of the same target left by killed writers are removed first.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write(target, lambda p: p.write_text("hello", encoding="utf-8")).read_text()
    'hello'
    """
    target = Path(path)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(folder, target.name)
    name = f".{target.name}.{OwnerToken.new()}.part"
    temporary = folder / name
    # The folder is opened once: the rename and the checks act on this folder even when its
    # path is swapped meanwhile. O_EXCL | O_NOFOLLOW: a link put at the temporary name
    # beforehand is refused, never written through.
    parent = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        descriptor = os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW,
                             0o666, dir_fd=parent)
        made = os.fstat(descriptor)
        os.close(descriptor)
        try:
            write(temporary)
            _check_same_file(parent, name, made, temporary)
            mode = _file_mode(target)
            if mode is not None:  # a file replaced keeps its permissions (a private report)
                _chmod_own(parent, name, made, mode, temporary)
            os.replace(name, target.name, src_dir_fd=parent, dst_dir_fd=parent)
        except BaseException:
            _unlink_own(parent, name, made)
            raise
    finally:
        os.close(parent)
    return target


def _check_same_file(parent: int, name: str, made: os.stat_result, shown: Path) -> None:
    """Raise OutputError unless ``name`` in the folder ``parent`` is still the regular file
    created as ``made`` (another program swapped it for a link or another file meanwhile:
    that entry is never renamed into place)."""
    try:
        now = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except OSError:
        now = None
    try:  # ``write`` wrote by path: the path must still lead to that file (a folder on
        # the path swapped for a link sent the bytes elsewhere and left this file empty)
        written = os.stat(shown)
    except OSError:
        written = None
    if now is None or not stat.S_ISREG(now.st_mode) or written is None or any(
            (info.st_dev, info.st_ino) != (made.st_dev, made.st_ino) for info in (now, written)):
        raise _replaced(shown)


def _chmod_own(parent: int, name: str, made: os.stat_result, mode: int, shown: Path) -> None:
    """Give the file ``name`` of the folder ``parent`` the permission bits ``mode`` through
    a descriptor opened without following links, once it is known to be the file created
    as ``made`` (a link swapped in is never followed to change its target's mode)."""
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=parent)
    except OSError:
        raise _replaced(shown) from None
    try:
        info = os.fstat(descriptor)
        if (info.st_dev, info.st_ino) != (made.st_dev, made.st_ino):
            raise _replaced(shown)
        os.fchmod(descriptor, mode)
    finally:
        os.close(descriptor)


def _replaced(shown: Path) -> OutputError:
    """The error for a file being written that another program replaced or removed."""
    from evplan.errors import OutputError

    return OutputError(f"evplan: {shown}, the file evplan was writing, was replaced or removed "
                       "by another program meanwhile (or a folder on its path was); nothing "
                       "was written. Run the command again.")


def _unlink_own(parent: int, name: str, made: os.stat_result) -> None:
    """Remove ``name`` from the folder ``parent`` when it is still the file created as
    ``made``; anything else put at that name is left as it is."""
    try:
        now = os.stat(name, dir_fd=parent, follow_symlinks=False)
        if (now.st_dev, now.st_ino) == (made.st_dev, made.st_ino):
            os.unlink(name, dir_fd=parent)
    except OSError:
        pass


def _file_mode(path: Path) -> int | None:
    """The permission bits of ``path`` when it is a regular file (not a link), else None."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


WRITE_STARTED_ENV = "EVPLAN_TEST_WRITE_STARTED"
"""Test hook: a file to create when a command starts writing its results (a folder or the
store), so the kill -9 tests can aim random kills at the write."""


def announce_write() -> None:
    """Create the file ``EVPLAN_TEST_WRITE_STARTED`` names, if set (a test hook)."""
    path = os.environ.get(WRITE_STARTED_ENV)
    if path:
        Path(path).touch()


def spreadsheet_safe(frame: pd.DataFrame, starts: tuple[str, ...] = FORMULA_PREFIXES
                     ) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and headers cannot run as spreadsheet formulas.

    Text (not numbers: ``-5`` in a numeric column stays a number) that starts with one of
    ``starts`` (:data:`FORMULA_PREFIXES`; for those, also after :data:`LEADING_SPACE`)
    gets a leading ``'`` (in result CSVs also after apostrophes: :func:`formula_like`).
    Returns ``frame`` itself when nothing needs changing. Input folders evplan writes pass
    :data:`MARKED_STARTS`, so that the reader's dropping of one ``'`` gives every value
    back.

    Examples
    --------
    >>> import pandas as pd
    >>> spreadsheet_safe(pd.DataFrame({"id": ["=1+1", "CN"], "x": [-1, 2]}))["id"].tolist()
    ["'=1+1", 'CN']
    >>> spreadsheet_safe(pd.DataFrame({"id": ["'x", "CN"]}), MARKED_STARTS)["id"].tolist()
    ["''x", 'CN']
    """
    import pandas as pd

    spaced = starts == FORMULA_PREFIXES  # results only: input folders keep their round trip

    def risky(value: object) -> bool:
        # a spreadsheet may trim leading spaces before it reads " =1+1" as a formula
        return isinstance(value, str) and (value.startswith(starts) or (
            spaced and formula_like(value)))

    def safe(value: object) -> object:
        return "'" + value if isinstance(value, str) and risky(value) else value

    columns = [column for column in frame.columns
               if not pd.api.types.is_numeric_dtype(frame[column])
               or pd.api.types.is_bool_dtype(frame[column])]
    changed: dict[object, pd.Series] = {}
    for column in columns:
        series = frame[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            continue
        if any(risky(cell) for cell in distinct_cells(series)):
            changed[column] = series.astype(object).map(safe)  # rare: same dtypes as before
    headers = {column: safe(column) for column in frame.columns if risky(column)}
    if not changed and not headers:
        return frame
    out = frame.copy()
    for name, values in changed.items():
        out[name] = values
    return out.rename(columns=headers)


def formula_like(text: str) -> bool:
    """Whether a result CSV marks ``text`` with a leading ``'``: it starts with one of
    :data:`FORMULA_PREFIXES` (a tab or CR too), also after any :data:`LEADING_SPACE`, or
    after apostrophes.

    The apostrophes count so that reading a result CSV back (dropping one ``'`` before a
    formula-like rest) gives every value as it was: ``"'=x"`` is written ``"''=x"``, not
    ``"'=x"``, which is how ``"=x"`` is written. A tab or CR is one of the prefixes before
    it is a space: ``"\\tx"`` is written ``"'\\tx"`` and must read back without the ``'``.

    Examples
    --------
    >>> [formula_like(text) for text in ("=1", " @x", "'=x", "'abc", "-5 km", "a=b")]
    [True, True, True, False, True, False]
    >>> [formula_like(text) for text in ("\\tx", "'\\rx", " x")]
    [True, True, False]
    """
    rest = text.lstrip("'")
    return rest.startswith(FORMULA_PREFIXES) or rest.lstrip(LEADING_SPACE).startswith(
        FORMULA_PREFIXES)


def unmarked_text(value: object) -> object:
    """``value`` with the ``'`` a result CSV put before formula-like text dropped again: the
    inverse of :func:`spreadsheet_safe` for cells and headers alike (other values as they
    are).

    Examples
    --------
    >>> [unmarked_text(v) for v in ("'=1+1", "''=x", "' @M3", "'abc", "=x", 5)]
    ['=1+1', "'=x", ' @M3', "'abc", '=x', 5]
    """
    if isinstance(value, str) and value.startswith("'") and formula_like(value[1:]):
        return value[1:]
    return value


def unmarked(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as read from a result CSV (:func:`write_csv`), with its headers and text
    cells unmarked (:func:`unmarked_text`), so it reads as the Parquet beside it: a sweep
    parameter named ``=x`` is the column ``=x`` again, not ``'=x``. Returns ``frame`` itself
    when nothing was marked.

    Examples
    --------
    >>> import io
    >>> import pandas as pd
    >>> text = io.StringIO()
    >>> spreadsheet_safe(pd.DataFrame({"=x": ["+1", "a"], "v": [1, 2]})).to_csv(text, index=False)
    >>> back = unmarked(pd.read_csv(io.StringIO(text.getvalue())))
    >>> list(back.columns), back["=x"].tolist()
    (['=x', 'v'], ['+1', 'a'])
    """
    import pandas as pd

    headers = {column: unmarked_text(column) for column in frame.columns
               if unmarked_text(column) != column}
    changed = {}
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            if any(unmarked_text(cell) is not cell for cell in distinct_cells(series)):
                changed[position] = series.map(unmarked_text)
    if not headers and not changed:
        return frame
    out = frame.copy()
    for position, values in changed.items():
        out.isetitem(position, values.array)
    return out.rename(columns=headers)


def distinct_cells(series: pd.Series) -> Iterable[object]:
    """The distinct cells of ``series`` (all its cells when they cannot be hashed).

    A table repeats a few ids over thousands of rows: hashing them in C and testing the
    distinct ones is about 20x faster than testing every cell in Python (the CSV writer's
    formula check here, the input reader's strip in :mod:`evplan.data.read`).
    """
    try:
        return series.unique()
    except TypeError:  # unhashable cells (lists): every cell
        return series.to_numpy(dtype=object)


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a spreadsheet-safe CSV (no index), whole or not at all; a float
    zero is written ``0.0``, never ``-0.0`` (a solver's ``-0.0`` read as a negative amount).

    Rows end as the system's lines do; a table with a carriage return in a text cell or
    header is written with ``\\r\\n``, the only way Python's CSV writer quotes such a
    cell (unquoted, the CR began a new row for pandas and spreadsheets: ``x\\ry`` read as
    two rows).
    """
    safe = spreadsheet_safe(_unsigned_zeros(frame))
    end = "\r\n" if _holds_cr(safe) else None  # None: pandas' default, os.linesep
    return atomic_write(path, lambda temporary: safe.to_csv(temporary, index=False,
                                                            lineterminator=end))


def write_input_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as an input table evplan reads back (``evplan template``,
    :func:`evplan.data.write_inputs`, calibrate's ``demand.csv``), whole or not at all.

    Text that starts with one of :data:`MARKED_STARTS` (a formula start or ``'``) gets one
    more ``'`` in front, which the input reader drops again; rows end with ``\\n``, or
    ``\\r\\n`` when a cell or header holds a carriage return, so that such a cell is quoted
    (``to_csv`` with ``\\n`` left ``x\\ry`` unquoted, and the reader split that row in two).
    The input reader reads every CR as a line end, so ``x\\ry`` reads back as ``x\\ny``:
    one cell, not two rows.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = write_input_csv(pd.DataFrame({"id": ["=1+1", "x\\ry"]}), path)
    >>> path.read_bytes()
    b'id\\r\\n\\'=1+1\\r\\n"x\\ry"\\r\\n'
    """
    safe = spreadsheet_safe(frame, MARKED_STARTS)
    end = "\r\n" if _holds_cr(safe) else "\n"
    return atomic_write(path, lambda temporary: safe.to_csv(temporary, index=False,
                                                            lineterminator=end))


def _holds_cr(frame: pd.DataFrame) -> bool:
    """Whether a header or a text cell of ``frame`` holds a carriage return."""
    import pandas as pd

    if any(isinstance(column, str) and "\r" in column for column in frame.columns):
        return True
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)) \
                and any(isinstance(cell, str) and "\r" in cell
                        for cell in distinct_cells(series)):
            return True
    return False


def _unsigned_zeros(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``, or a copy whose float columns hold ``0.0`` where they held ``-0.0``.

    Examples
    --------
    >>> import pandas as pd
    >>> _unsigned_zeros(pd.DataFrame({"x": [-0.0, -1.0]}))["x"].astype(str).tolist()
    ['0.0', '-1.0']
    """
    import numpy as np
    import pandas as pd

    signed = [at for at, dtype in enumerate(frame.dtypes) if pd.api.types.is_float_dtype(dtype)
              and np.signbit(values := frame.iloc[:, at].to_numpy(dtype=float,
                                                                  na_value=np.nan)).any()
              and (np.signbit(values) & (values == 0)).any()]
    if not signed:
        return frame
    frame = frame.copy()
    for at in signed:
        frame.isetitem(at, (frame.iloc[:, at] + 0.0).array)
    return frame


def write_table(frame: pd.DataFrame, folder: str | Path, stem: str,
                formats: tuple[str, ...] = ("parquet", "csv")) -> list[Path]:
    """Write one table as ``<stem>.parquet`` (raw values) and ``<stem>.csv`` (neutralised)."""
    root = Path(folder)
    written = []
    if "parquet" in formats:
        written.append(atomic_write(root / f"{stem}.parquet",
                                    lambda temporary: frame.to_parquet(temporary, index=False)))
    if "csv" in formats:
        written.append(write_csv(frame, root / f"{stem}.csv"))
    return written


def remove_tree(path: Path, keep_last: str | None = None) -> None:
    """Remove a folder; the entry named ``keep_last`` (a marker) goes last.

    A kill part-way leaves a folder that still holds its marker, so a later start knows
    it was evplan's and finishes the job.
    """
    if not path.is_dir() or path.is_symlink():
        return
    for entry in list(path.iterdir()):
        if entry.name == keep_last:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    if keep_last:
        (path / keep_last).unlink(missing_ok=True)
    try:
        path.rmdir()
    except OSError:
        shutil.rmtree(path, ignore_errors=True)

