"""Recycling results out: run-folder files, KPIs in the core's long form, the results store.

Files are ``recycling_<table>.parquet`` and ``.csv`` (spreadsheet-safe) beside the plan's own
tables, plus ``recycling.json`` (options, assumptions, what binds, the proven gap). The command
writes them into a staged copy of the folder (:func:`evplan.outputs.write_folder`), so they
appear together with their manifest, and the store record commits with them.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from evplan.recycling.plan import RecyclingResult

__all__ = ["PREFIX", "read_recycling", "record_recycling", "recycling_kpis", "write_recycling"]

PREFIX = "recycling"


def _manifest(result: RecyclingResult) -> dict[str, Any]:
    options = dataclasses.asdict(result.options)
    return {"status": result.status, "objective_usd": result.objective_usd,
            "mip_gap": result.mip_gap, "solver_seconds": result.seconds,
            "binding": dict(result.binding), "assumptions": list(result.assumptions),
            "options": options, "sizes": dict(result.sizes),
            "tables": sorted(result.tables)}


def write_recycling(result: RecyclingResult, folder: str | Path,
                    formats: tuple[str, ...] = ("parquet", "csv")) -> list[Path]:
    """Write every result table and ``recycling.json`` into ``folder``; return the paths.

    A ``recycling_<table>`` file (or ``recycling.json``) already in ``folder`` that no
    earlier ``recycling.json`` lists was not written by evplan: it is refused before
    anything is written (``OutputError``), as :func:`evplan.fleet.write.write_tables` does.
    """
    from evplan.fleet.write import write_tables

    written = write_tables(result.tables, folder, PREFIX, _manifest(result), formats)
    return [*written, Path(folder) / f"{PREFIX}.json"]


def read_recycling(folder: str | Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The recycling tables and manifest of a run folder (empty when it has none)."""
    root = Path(folder)
    manifest_path = root / f"{PREFIX}.json"
    if not manifest_path.exists():
        return {}, {}
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tables = {name: pd.read_parquet(root / f"{PREFIX}_{name}.parquet")
              for name in manifest.get("tables", [])
              if re.fullmatch(r"[a-z0-9_]+", str(name))
              and (root / f"{PREFIX}_{name}.parquet").exists()}
    return tables, manifest


def recycling_kpis(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """KPIs in the core's long form: ``kpi``, ``year``, ``key``, ``value``, ``unit``."""
    parts = []
    recovered = tables["recovered_by_year"]
    parts.append(pd.DataFrame({"kpi": "recycling_recovered_tonnes", "year": recovered["year"],
                               "key": recovered["material"],
                               "value": recovered["recovered_tonnes"], "unit": "t"}))
    economics = tables["economics"]
    for column, unit in (("tonnes_processed", "t"), ("revenue_usd", "USD"),
                         ("net_value_usd", "USD"), ("net_value_usd_per_tonne", "USD/t")):
        parts.append(pd.DataFrame({"kpi": f"recycling_{column}", "year": economics["year"],
                                   "key": "all", "value": economics[column], "unit": unit}))
    compliance = tables["compliance"]
    eu = compliance[compliance["scope"] == "EU"] if len(compliance) else compliance
    if len(eu):
        parts.append(pd.DataFrame({"kpi": "recycling_eu_target_shortfall_tonnes",
                                   "year": eu["year"], "key": eu["target"] + ":" + eu["material"],
                                   "value": eu["shortfall_tonnes"], "unit": "t"}))
    plants = compliance[compliance["scope"] != "EU"] if len(compliance) else compliance
    if len(plants):  # the targets bind each plant: one can miss while the EU meets them
        parts.append(pd.DataFrame({
            "kpi": "recycling_plant_target_shortfall_tonnes", "year": plants["year"],
            "key": plants["scope"] + ":" + plants["target"] + ":" + plants["material"],
            "value": plants["shortfall_tonnes"], "unit": "t"}))
    content = tables["recycled_content"]
    if len(content):
        parts.append(pd.DataFrame({"kpi": "recycling_content_shortfall_tonnes",
                                   "year": content["year"], "key": content["material"],
                                   "value": content["shortfall_tonnes"], "unit": "t"}))
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype(int)
    out["value"] = out["value"].astype(float)
    return out


def record_recycling(result: RecyclingResult, store: str | Path, scenario: str = "recycling",
                     parameters: Mapping[str, Any] | None = None,
                     run_id: str | None = None) -> str:
    """Record the plan in the results store as one run (tables ``recycling_<name>``).

    Returns the run id.
    """
    from evplan.store import ResultsStore, RunRecord, new_run_id

    record = RunRecord(
        run_id=run_id or new_run_id(), scenario=scenario, status=result.status,
        objective_usd=float(result.objective_usd), kpis=recycling_kpis(result.tables),
        tables={f"{PREFIX}_{name}": table for name, table in result.tables.items()},
        base_scenario=scenario.split(":")[0], parameters=dict(parameters or {}),
        metadata={"kind": "recycling", "mip_gap": result.mip_gap,
                  "binding": json.loads(json.dumps(dict(result.binding), default=str))})
    return ResultsStore(store).record(record)
