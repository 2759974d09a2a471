"""Write fleet (and charging) tables into a run folder, Parquet and CSV, one file each."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from evplan.fleet.stock import FleetResult

__all__ = ["write_fleet", "write_tables"]


def write_tables(tables: Mapping[str, pd.DataFrame], folder: str | Path, prefix: str,
                 manifest: Mapping[str, Any],
                 formats: tuple[str, ...] = ("parquet", "csv")) -> list[Path]:
    """Write ``<prefix>_<name>`` (or ``name`` when it already starts with ``prefix``) files.

    Each file is written to a temporary name and renamed into place, so a reader never
    sees half a file; ``<prefix>.json`` records the options and assumptions.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        stem = name if name.startswith(prefix) else f"{prefix}_{name}"
        for extension in formats:
            target = root / f"{stem}.{extension}"
            handle, temporary = tempfile.mkstemp(prefix=f".{stem}.", dir=root)
            os.close(handle)
            try:
                if extension == "parquet":
                    table.to_parquet(temporary, index=False)
                else:
                    table.to_csv(temporary, index=False)
                os.replace(temporary, target)
            finally:
                if os.path.exists(temporary):
                    os.remove(temporary)
            written.append(target)
    (root / f"{prefix}.json").write_text(json.dumps(dict(manifest), indent=2, default=str),
                                         encoding="utf-8")
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
