"""Write fleet (and charging) tables into a run folder, Parquet and CSV, one file each."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from evplan.fleet.stock import FleetResult
from evplan.outputs.files import atomic_write, write_table

__all__ = ["write_fleet", "write_tables"]


def write_tables(tables: Mapping[str, pd.DataFrame], folder: str | Path, prefix: str,
                 manifest: Mapping[str, Any],
                 formats: tuple[str, ...] = ("parquet", "csv")) -> list[Path]:
    """Write ``<prefix>_<name>`` (or ``name`` when it already starts with ``prefix``) files.

    Each file is written to a temporary name and renamed into place, so a reader never
    sees half a file; ``<prefix>.json`` records the options and assumptions. CSV files are
    spreadsheet-safe (:func:`evplan.outputs.write_csv`). The commands write into a staged
    copy of the run folder (:func:`evplan.outputs.write_folder`), so the files appear
    together.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        stem = name if name.startswith(prefix) else f"{prefix}_{name}"
        written.extend(write_table(table, root, stem, formats))
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
