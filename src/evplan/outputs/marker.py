"""The ``.evplan-run`` marker: how evplan knows a folder is one it wrote.

Every folder evplan creates for results (a run folder, a recycling folder) holds a small
JSON file ``.evplan-run``::

    {"evplan_run": 1, "evplan": "0.1.0", "kind": "run", "run_id": "20250101-...",
     "created_at": "2025-01-01T12:00:00+00:00",
     "updates": [{"command": "fleet", "run_id": "...", "at": "..."}],
     "pending": null, "files": ["production.csv", "production.parquet", ...]}

evplan replaces or adds to a folder only when it holds this marker; any other non-empty
folder is the user's and is never touched. ``pending`` is set while a write is under
way (who writes, which store records must commit); a folder whose writer died with
``pending`` set is finished or rolled back by the next evplan start (see
:mod:`evplan.outputs.transaction`). ``files`` names the entries evplan wrote into the folder
(a file the user put there is not among them, and ``--force`` will not delete it); markers
written before it existed have none (``None``: not known).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evplan.outputs.files import atomic_write

__all__ = ["MARKER", "Marker", "Pending", "new_run_id", "read_marker", "write_marker"]

MARKER = ".evplan-run"


def new_run_id() -> str:
    """A time-ordered, unique run id: ``20250101-120000-1a2b3c4d``."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Pending:
    """A write under way: the writer's token, and what must commit before it counts.

    Attributes
    ----------
    token : str
        ``<pid>-<start>-<hex>`` of the writing process (see :class:`OwnerToken`).
    host : str
        The writer's machine.
    store : str or None
        The results store the write records into (None: not recorded).
    run_ids : tuple of str
        Runs that must be in ``store`` for the write to count.
    latest : bool
        Point ``latest`` at the folder once finished.
    empty_mode : int or None
        The permission bits of the user's empty folder the write fills (``-o`` naming an
        empty folder): a rollback leaves an empty folder with them. None: a new folder.
    """

    token: str
    host: str
    store: str | None = None
    run_ids: tuple[str, ...] = ()
    latest: bool = False
    empty_mode: int | None = None


@dataclass(frozen=True)
class Marker:
    """What ``.evplan-run`` holds."""

    kind: str
    run_id: str
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    evplan: str = ""
    updates: tuple[dict[str, Any], ...] = ()
    pending: Pending | None = None
    files: tuple[str, ...] | None = None

    def with_update(self, command: str, run_id: str) -> Marker:
        """The marker after ``command`` (fleet, charging, recycling) added its tables."""
        entry = {"command": command, "run_id": run_id, "at": datetime.now(UTC).isoformat()}
        return replace(self, updates=(*self.updates, entry))

    def describe(self) -> str:
        """``run 2025... of 2025-01-01 12:00, with fleet, recycling tables``."""
        text = (f"{self.kind} {self.run_id or '(unknown id)'} of "
                f"{self.created_at[:16].replace('T', ' ')} UTC")
        commands = list(dict.fromkeys(str(u.get("command")) for u in self.updates))
        return text + (f", with {', '.join(commands)} tables" if commands else "")

    def to_json(self) -> str:
        data = asdict(self)
        data["updates"] = list(self.updates)
        data["files"] = None if self.files is None else list(self.files)
        if self.pending is not None:
            data["pending"]["run_ids"] = list(self.pending.run_ids)
        return json.dumps({"evplan_run": 1, **data}, indent=2)


def read_marker(folder: Path) -> Marker | None:
    """The marker of ``folder``, or None when it has none.

    A marker file that cannot be parsed still marks the folder (kind ``unknown``): it can
    only have been put there by evplan or on purpose.
    """
    path = folder / MARKER
    try:
        if path.is_symlink() or not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Marker(kind="unknown", run_id="") if path.is_file() else None
    if not isinstance(data, dict):
        return Marker(kind="unknown", run_id="")
    pending = data.get("pending")
    try:
        return Marker(
            kind=str(data.get("kind", "unknown")), run_id=str(data.get("run_id") or ""),
            created_at=str(data.get("created_at") or ""), evplan=str(data.get("evplan") or ""),
            updates=tuple(u for u in data.get("updates") or () if isinstance(u, dict)),
            pending=Pending(token=str(pending["token"]), host=str(pending.get("host", "")),
                            store=pending.get("store"),
                            run_ids=tuple(str(r) for r in pending.get("run_ids") or ()),
                            latest=bool(pending.get("latest")),
                            empty_mode=_mode(pending.get("empty_mode")))
            if isinstance(pending, dict) and "token" in pending else None,
            files=_names(data.get("files")))
    except (TypeError, KeyError, AttributeError):
        return Marker(kind="unknown", run_id="")


def _names(value: object) -> tuple[str, ...] | None:
    """The ``files`` list of a marker (None when absent or not a list of names)."""
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return tuple(value)
    return None


def _mode(value: object) -> int | None:
    """Permission bits read from a marker (None unless a whole number of 0 to 0o7777)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0o7777:
        return value
    return None


def write_marker(folder: Path, marker: Marker) -> Path:
    """Write (or replace, whole) the marker of ``folder``."""
    text = marker.to_json()
    return atomic_write(folder / MARKER, lambda path: path.write_text(text, encoding="utf-8"))
