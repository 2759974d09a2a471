"""Write charging tables (and the siting example) into a run folder."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from evplan.charging.api import ChargingResult, SitingExample
from evplan.fleet.write import write_tables

__all__ = ["write_charging"]


def write_charging(result: ChargingResult, folder: str | Path,
                   example: SitingExample | None = None) -> list[Path]:
    """Write ``charging_*`` tables (Parquet and CSV) and ``charging.json`` into ``folder``."""
    tables = dict(result.tables)
    if example is not None:
        tables |= example.tables()
    manifest = {"markets": list(result.markets), "years": list(result.years),
                "options": asdict(result.options), "afir": asdict(result.options.afir()),
                "siting_notes": list(example.notes) if example is not None else [],
                "tables": sorted(tables)}
    return write_tables(tables, folder, "charging", manifest)
