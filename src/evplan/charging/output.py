"""Fleet and charging results in the results store: KPIs in the core's long form, and tables.

``evplan fleet`` records its fleet as run ``<folder>:fleet``; ``evplan charging`` records the
fleet and the charging plan together as run ``<folder>:charging``. Tables keep the names of
their run-folder files (``fleet``, ``fleet_packs_retired``, ``charging_summary``, ...).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from evplan.charging.api import ChargingResult, SitingExample
    from evplan.fleet.stock import FleetResult

__all__ = ["charging_kpis", "fleet_kpis", "record_charging", "record_fleet", "run_tables"]

COLUMNS = ["kpi", "year", "key", "value", "unit"]


def run_tables(tables: Mapping[str, pd.DataFrame], prefix: str) -> dict[str, pd.DataFrame]:
    """Tables by their run-folder name: ``<prefix>_<name>``, or ``name`` when it has the prefix."""
    return {name if name.startswith(prefix) else f"{prefix}_{name}": table
            for name, table in tables.items()}


def _long(kpi: str, frame: pd.DataFrame, key: pd.Series | str, value: str, unit: str,
          scale: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame({"kpi": kpi, "year": frame["year"], "key": key,
                         "value": frame[value] * scale, "unit": unit})


def _finish(parts: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    out["year"] = out["year"].astype(int)
    out["value"] = out["value"].astype(float)
    out["key"] = out["key"].astype(str)
    return out[COLUMNS]


def fleet_kpis(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Fleet KPIs: ``fleet_vehicles_in_use`` (key ``market:powertrain``),
    ``fleet_retired_vehicles`` (key ``market``), ``fleet_packs_retired_tonnes`` (key
    ``market``). ``tables`` are :attr:`FleetResult.tables` or the run-folder names."""
    fleet = tables["fleet"]
    parts = [_long("fleet_vehicles_in_use", fleet, fleet["market"] + ":" + fleet["powertrain"],
                   "vehicles_in_use", "vehicles")]
    retired = fleet.groupby(["market", "year"], as_index=False)[["retired_vehicles"]].sum()
    parts.append(_long("fleet_retired_vehicles", retired, retired["market"],
                       "retired_vehicles", "vehicles"))
    packs = tables.get("packs_retired", tables.get("fleet_packs_retired"))
    if packs is not None and len(packs):
        tonnes = packs.groupby(["market", "year"], as_index=False)[["tonnes"]].sum()
        parts.append(_long("fleet_packs_retired_tonnes", tonnes, tonnes["market"], "tonnes",
                           "t"))
    return _finish(parts)


def charging_kpis(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Charging KPIs in the core's long form.

    ``charging_public_energy_mwh_per_day`` (key ``market``), and per ``market:method`` (and
    ``all:method``, the sum over markets): ``charging_ports``, ``charging_public_power_mw``,
    ``charging_capex_usd`` (ports added that year) and ``charging_cumulative_capex_usd``.
    """
    energy = tables["charging_energy"]
    parts = [_long("charging_public_energy_mwh_per_day", energy, energy["market"],
                   "public_energy_kwh_per_day", "MWh/day", 1e-3)]
    summary = tables["charging_summary"]
    columns = {"ports": ("charging_ports", "ports", 1.0),
               "public_power_kw": ("charging_public_power_mw", "MW", 1e-3),
               "capex_usd": ("charging_capex_usd", "USD", 1.0),
               "cumulative_capex_usd": ("charging_cumulative_capex_usd", "USD", 1.0)}
    totals = summary.groupby(["year", "method"], as_index=False)[list(columns)].sum()
    for frame, market in ((summary, summary["market"]), (totals, "all")):
        key = market + ":" + frame["method"]
        for column, (kpi, unit, scale) in columns.items():
            parts.append(_long(kpi, frame, key, column, unit, scale))
    return _finish(parts)


def _origin(folder: Path | None) -> dict[str, Any]:
    """The core run's inputs hash and scenario name, from ``run.json`` when there is one."""
    if folder is None or not (folder / "run.json").exists():
        return {}
    manifest = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    return {"inputs_hash": str((manifest.get("metadata") or {}).get("inputs_hash", "")),
            "name": str((manifest.get("scenario") or {}).get("name", ""))}


def _record(store: str | Path, scenario: str, kpis: pd.DataFrame,
            tables: Mapping[str, pd.DataFrame], folder: str | Path | None,
            parameters: Mapping[str, Any] | None, metadata: Mapping[str, Any],
            run_id: str | None = None) -> str:
    from evplan.store import ResultsStore, RunRecord, new_run_id

    origin = _origin(Path(folder) if folder is not None else None)
    record = RunRecord(
        run_id=run_id or new_run_id(), scenario=scenario, status="computed", objective_usd=0.0,
        kpis=kpis, tables=dict(tables), base_scenario=scenario.split(":")[0],
        inputs_hash=origin.get("inputs_hash", ""), parameters=dict(parameters or {}),
        metadata=json.loads(json.dumps({**metadata, "run_folder": str(folder or ""),
                                        "plan_scenario": origin.get("name", ""),
                                        "objective": "none (not an optimisation)"},
                                       default=str)))
    return ResultsStore(store).record(record)


def _fleet_metadata(fleet: FleetResult) -> dict[str, Any]:
    return {"first_year": fleet.first_year, "last_year": fleet.last_year,
            "plan_first_year": fleet.plan_first_year, "plan_last_year": fleet.plan_last_year,
            "export_markets": list(fleet.export_markets), "options": vars(fleet.options),
            "assumptions": list(fleet.assumptions)}


def record_fleet(fleet: FleetResult, store: str | Path, scenario: str = "fleet",
                 folder: str | Path | None = None,
                 parameters: Mapping[str, Any] | None = None, run_id: str | None = None) -> str:
    """Record a fleet in the results store as one run (tables ``fleet``, ``fleet_*``).

    ``folder`` is the run folder the fleet came from (its ``run.json`` gives the inputs
    hash). Returns the run id.
    """
    return _record(store, scenario, fleet_kpis(fleet.tables), run_tables(fleet.tables, "fleet"),
                   folder, parameters, {"kind": "fleet", **_fleet_metadata(fleet)}, run_id)


def record_charging(fleet: FleetResult, charging: ChargingResult, store: str | Path,
                    example: SitingExample | None = None, scenario: str = "charging",
                    folder: str | Path | None = None,
                    parameters: Mapping[str, Any] | None = None,
                    run_id: str | None = None) -> str:
    """Record a fleet and its charging plan in the results store as one run.

    KPIs are :func:`fleet_kpis` and :func:`charging_kpis`; tables are the ``fleet*`` and
    ``charging_*`` tables (with the siting example's when given). Returns the run id.
    """
    charging_tables = dict(charging.tables) | (example.tables() if example is not None else {})
    kpis = pd.concat([fleet_kpis(fleet.tables), charging_kpis(charging.tables)],
                     ignore_index=True)
    tables = run_tables(fleet.tables, "fleet") | run_tables(charging_tables, "charging")
    metadata = {"kind": "charging", "fleet": _fleet_metadata(fleet),
                "markets": list(charging.markets), "years": list(charging.years),
                "options": asdict(charging.options),
                "siting": {"market": example.market, "year": example.year,
                           "charger_class": example.charger_class,
                           "notes": list(example.notes),
                           "solves": example.solves()} if example is not None else None}
    return _record(store, scenario, kpis, tables, folder, parameters, metadata, run_id)
