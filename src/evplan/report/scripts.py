"""Where a report's plotly.js comes from: inline, or one shared file per output folder.

plotly.js is 4.8 MB. Embedded in every ``report.html`` it makes each run folder 5 MB and is
a quarter of ``evplan run``'s time, so by default ``evplan run`` and ``evplan report``
write it once per output folder, as ``_assets/plotly-<version>.min.js`` beside the run
folders, and each report loads it with a relative ``<script src>``: still offline (no CDN,
no network), still the copy shipped in the installed plotly package. ``--self-contained``
embeds it instead, for a single file to send to someone.

The shared file is written atomically and only when it is missing, so concurrent runs end
with the right bytes; a file there that holds other bytes (an edited copy, a user's file) is
left alone and the page embeds plotly.js instead, as it does when ``_assets`` is a symbolic
link that does not already lead to the file (nothing is written through it). The version in
its name is the one in plotly.js's own header.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from evplan.outputs.files import OwnerToken, remove_stale_parts

__all__ = [
    "ASSETS_FOLDER",
    "plotlyjs_bytes",
    "plotlyjs_file_name",
    "relative_src",
    "shared_plotlyjs",
    "shared_src",
]

ASSETS_FOLDER = "_assets"


@cache
def plotlyjs_bytes() -> bytes:
    """The minified plotly.js of the installed plotly package (read once per process)."""
    spec = importlib.util.find_spec("plotly")  # where it is, without importing plotly
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover
        raise ModuleNotFoundError("plotly is not installed; pip install plotly")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return (folder / "package_data" / "plotly.min.js").read_bytes()


@cache
def _sha256() -> str:
    return hashlib.sha256(plotlyjs_bytes()).hexdigest()


def plotlyjs_file_name() -> str:
    """``plotly-<version>.min.js``, the version read from plotly.js's header."""
    match = re.search(rb"plotly\.js v([0-9A-Za-z.+-]+)", plotlyjs_bytes()[:400])
    version = match.group(1).decode("ascii") if match else _sha256()[:12]
    return f"plotly-{version}.min.js"


def shared_plotlyjs(root: str | Path) -> Path | None:
    """Make sure ``root/_assets/plotly-<version>.min.js`` holds the package's plotly.js.

    A file evplan did not write is never replaced, and nothing is written through a link:
    when that path already holds other bytes, or ``_assets`` is not a folder, or is a
    symbolic link and does not hold the file already, None is returned and the caller
    embeds plotly.js in the page instead.

    Parameters
    ----------
    root : str or Path
        The output folder that holds the run folders (e.g. ``evplan-output``).

    Returns
    -------
    Path or None
        The file, written now (as a new file) or found holding the package's bytes; None
        when the place is taken by something else.
    """
    path = Path(root) / ASSETS_FOLDER / plotlyjs_file_name()
    try:  # compared byte for byte: 3 ms, where hashing both copies took 14 ms a run
        return path if path.read_bytes() == plotlyjs_bytes() else None
    except FileNotFoundError:
        pass
    except OSError:  # a folder, or unreadable: not ours
        return None
    if path.parent.is_symlink() or path.is_symlink():
        return None  # leads somewhere evplan did not make: write nothing there
    made = not os.path.lexists(path.parent)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        return None
    try:
        # written under its writer's name (.<name>.<pid>-<start>-<hex>.part), so a later
        # run removes what a killed one left (4.8 MB each), and only that
        remove_stale_parts(path.parent, path.name)
        with _opened(path.parent) as at:
            if at is None:  # _assets became a link since it was checked: write nothing
                return None
            staging = at.name(f".{path.name}.{OwnerToken.new()}.part")
            # made under its final staging name at once (a new name only): a kill at any
            # point leaves at most this .part, which the next run's remove_stale_parts clears
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
            handle = (os.open(staging, flags, 0o644) if at.descriptor is None
                      else os.open(staging, flags, 0o644, dir_fd=at.descriptor))
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(plotlyjs_bytes())
                os.chmod(staging, 0o644, dir_fd=at.descriptor)
                try:  # a new name only: never replaces a file written since
                    os.link(staging, at.name(path.name), src_dir_fd=at.descriptor,
                            dst_dir_fd=at.descriptor)
                except FileExistsError:
                    return shared_plotlyjs(root) if path.is_file() else None
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(staging, dir_fd=at.descriptor)
    except BaseException:
        if made:  # a failed write (a full disk) leaves no empty _assets behind
            with contextlib.suppress(OSError):
                path.parent.rmdir()
        raise
    return path


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class _At:
    """Where the shared file's names are resolved: relative to ``descriptor``, the
    ``_assets`` folder opened without following a link (so a link swapped in for it after
    it was checked is never written through), or, where the system has no ``dir_fd``
    (Windows), as paths under ``folder``."""

    folder: Path
    descriptor: int | None = None

    def name(self, name: str) -> str:
        """``name`` as the calls take it with ``dir_fd=self.descriptor``."""
        return name if self.descriptor is not None else str(self.folder / name)


@contextlib.contextmanager
def _opened(folder: Path) -> Iterator[_At | None]:
    """:class:`_At` for ``folder``; None when it is a link (or not a folder) by now."""
    if not {os.open, os.chmod, os.link, os.unlink} <= os.supports_dir_fd:
        yield _At(folder)
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW)
    except OSError:
        yield None
        return
    try:
        yield _At(folder, descriptor)
    finally:
        os.close(descriptor)


def shared_src(root: str | Path, page_folder: Path) -> str | None:
    """The ``src`` of the shared plotly.js under ``root`` for a page in ``page_folder``.

    None (embed plotly.js) when :func:`shared_plotlyjs` cannot place it without touching a
    file evplan did not write.
    """
    script = shared_plotlyjs(root)
    return None if script is None else relative_src(script, page_folder)


def relative_src(script: Path, page_folder: Path) -> str:
    """The ``src`` of ``script`` as seen from a page in ``page_folder`` (URL form)."""
    from urllib.parse import quote

    relative = os.path.relpath(Path(script).resolve(), Path(page_folder).resolve())
    return quote(Path(relative).as_posix())
