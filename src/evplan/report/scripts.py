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
        staging = path.parent / f".{path.name}.{OwnerToken.new()}.part"
        # made under its final staging name at once (a new name only): a kill at any point
        # leaves at most this .part, which the next run's remove_stale_parts clears
        handle = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(plotlyjs_bytes())
            os.chmod(staging, 0o644)
            try:
                os.link(staging, path)  # a new name only: never replaces a file written since
            except FileExistsError:
                return shared_plotlyjs(root) if path.is_file() else None
        finally:
            staging.unlink(missing_ok=True)
    except BaseException:
        if made:  # a failed write (a full disk) leaves no empty _assets behind
            with contextlib.suppress(OSError):
                path.parent.rmdir()
        raise
    return path


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
