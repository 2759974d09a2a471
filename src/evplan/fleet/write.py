"""Write fleet (and charging) tables into a run folder, Parquet and CSV, one file each."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from evplan.errors import OutputError
from evplan.fleet.stock import FleetResult
from evplan.outputs.files import atomic_write, write_table

__all__ = ["write_fleet", "write_tables", "written_files"]

_FORMATS = ("parquet", "csv")


def _stem(name: str, prefix: str) -> str:
    return name if name.startswith(prefix) else f"{prefix}_{name}"


def _shown(folder: Path) -> Path:
    """The folder a user knows: a command writes into a hidden staging copy
    ``.<name>.<token>.tmp`` beside the run folder ``<name>`` (evplan.outputs.transaction).

    Examples
    --------
    >>> str(_shown(Path("runs/.base.123-4-ab.tmp"))), str(_shown(Path("runs/base")))
    ('runs/base', 'runs/base')
    """
    found = re.fullmatch(r"\.(.+)\.[^.]+\.tmp", folder.name)
    return folder.with_name(found.group(1)) if found else folder


def written_files(folder: str | Path, *prefixes: str) -> frozenset[str]:
    """File names the earlier ``<prefix>`` commands wrote into ``folder``, by their manifests.

    ``<prefix>.json`` lists its ``tables``; each is ``<stem>.parquet`` and ``<stem>.csv``
    beside the manifest itself. A file of the same prefix that no manifest lists (a user's
    ``charging_notes.csv``) is not among them. An unreadable manifest lists nothing.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "fleet.json").write_text('{"tables": ["fleet", "packs_retired"]}')
    >>> sorted(written_files(folder, "fleet"))  # doctest: +NORMALIZE_WHITESPACE
    ['fleet.csv', 'fleet.json', 'fleet.parquet', 'fleet_packs_retired.csv',
     'fleet_packs_retired.parquet']
    """
    names: set[str] = set()
    for prefix in prefixes:
        manifest = Path(folder) / f"{prefix}.json"
        try:
            tables = json.loads(manifest.read_text(encoding="utf-8")).get("tables")
        except (OSError, ValueError, AttributeError):
            continue
        names.add(manifest.name)
        if isinstance(tables, list):
            names |= {f"{_stem(str(name), prefix)}.{extension}" for name in tables
                      for extension in _FORMATS}
    return frozenset(names)


def write_tables(tables: Mapping[str, pd.DataFrame], folder: str | Path, prefix: str,
                 manifest: Mapping[str, Any],
                 formats: tuple[str, ...] = ("parquet", "csv")) -> list[Path]:
    """Write ``<prefix>_<name>`` (or ``name`` when it already starts with ``prefix``) files.

    A file of those names already in ``folder`` that ``<prefix>.json`` does not list (so
    evplan did not write it) is refused before anything is written (``OutputError``).
    Each file is written to a temporary name and renamed into place, so a reader never
    sees half a file; ``<prefix>.json`` records the options and assumptions. CSV files are
    spreadsheet-safe (:func:`evplan.outputs.write_csv`). The commands write into a staged
    copy of the run folder (:func:`evplan.outputs.write_folder`), so the files appear
    together.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    ours = written_files(root, prefix)
    targets = [root / f"{_stem(name, prefix)}.{extension}" for name in tables
               for extension in formats] + [root / f"{prefix}.json"]
    foreign = [path.name for path in targets
               if (path.exists() or path.is_symlink()) and path.name not in ours]
    if foreign:
        raise OutputError(f"evplan: {_shown(root)} holds {', '.join(foreign)}, which evplan "
                          "did not "
                          f"write (no {prefix}.json lists it); nothing was written. Move or "
                          "rename those files, or write the tables into another folder.")
    written = []
    for name, table in tables.items():
        written.extend(write_table(table, root, _stem(name, prefix), formats))
    text = json.dumps(dict(manifest), indent=2, default=str)
    atomic_write(root / f"{prefix}.json", lambda path: path.write_text(text, encoding="utf-8"))
    return written


def write_fleet(result: FleetResult, folder: str | Path) -> list[Path]:
    """Write the fleet tables (``fleet``, ``fleet_by_vintage``, ``fleet_packs_retired``, ...)
    and ``fleet.json`` into a run folder."""
    manifest = {"first_year": result.first_year, "last_year": result.last_year,
                "plan_first_year": result.plan_first_year,
                "plan_last_year": result.plan_last_year,
                "options": vars(result.options), "assumptions": list(result.assumptions),
                "export_markets": list(result.export_markets),
                "tables": sorted(result.tables)}
    return write_tables(result.tables, folder, "fleet", manifest)
