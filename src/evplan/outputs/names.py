"""Names read from inputs become one safe path component, and nothing else.

A scenario name, a ``--scenario`` key or any other text that ends up in a folder or file
name goes through :func:`safe_component` first. The result never contains a separator, is
never ``.``, ``..``, hidden, absolute, a reserved device name or a name evplan itself uses
beside run folders, and its length is capped, so ``../../x``, ``/etc`` or ``C:\\x`` can only
ever name a folder *inside* the output folder.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_NAME_BYTES", "RESERVED_NAMES", "safe_component"]

MAX_NAME_BYTES = 96
"""Bytes (UTF-8) a sanitised name may take; room is left for ``-2`` suffixes and for the
hidden staging names ``.<name>.<pid>-<start>-<hex>.tmp`` under the usual 255-byte limit."""

RESERVED_NAMES = frozenset({
    "latest", "evplan.duckdb", "evplan.duckdb.wal", "comparison.html", "report.html",
    "con", "prn", "aux", "nul",
    *(f"com{digit}" for digit in range(10)), *(f"lpt{digit}" for digit in range(10)),
})
"""Names a folder must not take: evplan's own files beside run folders, and the device
names Windows refuses (also with an extension, ``nul.txt``). Compared case-insensitively."""

_UNSAFE = re.compile(r"[^\w.\-]+")
_DOTS = re.compile(r"\.{2,}")
_DASHES = re.compile(r"-{2,}")


def safe_component(text: object, fallback: str = "run") -> str:
    """Turn ``text`` into one safe path component.

    Unicode is normalised (NFKC); every run of characters other than letters, digits,
    ``_``, ``-`` and ``.`` (separators, spaces, control characters, ``:``...) becomes one
    ``-``; runs of dots become one dot; leading and trailing dots, dashes and underscores
    are dropped (no hidden names, no ``..``); reserved names get a ``run-`` prefix; the
    result is cut to :data:`MAX_NAME_BYTES` bytes of UTF-8. An empty result is ``fallback``.

    Parameters
    ----------
    text : object
        The name as read (converted with ``str``).
    fallback : str
        Used when nothing safe is left (``fallback`` itself must be safe).

    Returns
    -------
    str

    Examples
    --------
    >>> safe_component("../../etc/passwd")
    'etc-passwd'
    >>> safe_component("/abs/path"), safe_component("..."), safe_component("NUL")
    ('abs-path', 'run', 'run-NUL')
    >>> safe_component("China export 2030: EU CVD 30 %")
    'China-export-2030-EU-CVD-30'
    """
    name = unicodedata.normalize("NFKC", str(text))
    name = _UNSAFE.sub("-", name)
    name = _DOTS.sub(".", name)
    name = _DASHES.sub("-", name)
    name = name.strip(".-_ ")
    if name.split(".")[0].lower() in RESERVED_NAMES or name.lower() in RESERVED_NAMES:
        name = f"run-{name}"
    encoded = name.encode("utf-8")[:MAX_NAME_BYTES]
    name = encoded.decode("utf-8", errors="ignore").rstrip(".-_ ")
    return name or fallback
