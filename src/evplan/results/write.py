"""Write a Result to a run folder atomically: the folder appears whole or not at all."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from evplan.results.result import Result

__all__ = ["write_result"]


def write_result(result: Result, folder: str | Path, formats: tuple[str, ...] = ("parquet", "csv"),
                 extra: Callable[[Path], object] | None = None) -> Path:
    """Write every table (Parquet and CSV), the KPIs and ``run.json`` into ``folder``.

    Everything is written into a temporary sibling folder first, which is then renamed
    into place; an existing folder of the same name is replaced only after the new one
    is complete. A failure part-way leaves no ``folder`` change behind.

    Parameters
    ----------
    result : Result
        The plan.
    folder : str or Path
        The run folder to create or replace.
    formats : tuple of str
        Any of ``"parquet"`` and ``"csv"``.
    extra : callable, optional
        Called with the staging folder to write more files (a report, a workbook) that
        must appear together with the tables.

    Returns
    -------
    Path
        The run folder.
    """
    target = Path(folder).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        tables = dict(result.tables) | {"kpis": result.kpis}
        for name, table in tables.items():
            if "parquet" in formats:
                table.to_parquet(staging / f"{name}.parquet", index=False)
            if "csv" in formats:
                table.to_csv(staging / f"{name}.csv", index=False)
        manifest = {
            "status": result.status,
            "objective_usd": result.objective_usd,
            "scenario": dict(result.scenario),
            "metadata": dict(result.metadata),
            "tables": sorted(tables),
        }
        (staging / "run.json").write_text(json.dumps(manifest, indent=2, default=str),
                                          encoding="utf-8")
        if extra is not None:
            extra(staging)
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _swap_into_place(staging: Path, target: Path) -> None:
    if not target.exists():
        os.replace(staging, target)
        return
    retired = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.replace(target, retired)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)
