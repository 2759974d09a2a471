"""One run as the report reads it: from a :class:`~evplan.results.Result` or a run folder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from evplan.errors import InputError, Problem
from evplan.results.result import Result
from evplan.results.run_files import check_volumes, read_manifest, read_table_file

__all__ = ["RunData", "load_run"]

REQUIRED = ("production", "shipments", "utilisation", "margin_by_market", "kpis")


@dataclass(frozen=True)
class RunData:
    """The tables of one run plus what produced it.

    Attributes
    ----------
    label : str
        How the report names the run (the scenario name, or the folder name when runs
        are compared).
    tables : Mapping[str, pandas.DataFrame]
        Result tables, including the report's own ``duty_schedule`` and ``network_sites``
        when the run wrote them.
    kpis : pandas.DataFrame
        ``kpi``, ``year``, ``key``, ``value``, ``unit``.
    manifest : Mapping[str, Any]
        ``status``, ``objective_usd``, ``scenario`` and ``metadata`` (as in ``run.json``).
    focus_country : str, optional
        The producing country the story is about (default: the largest exporter).
    """

    label: str
    tables: Mapping[str, pd.DataFrame]
    kpis: pd.DataFrame
    manifest: Mapping[str, Any] = field(default_factory=dict)
    focus_country: str | None = None

    @classmethod
    def from_result(cls, result: Result, label: str | None = None) -> RunData:
        """Wrap a Result (and any tables added to it) for the report."""
        manifest = {"status": result.status, "objective_usd": result.objective_usd,
                    "scenario": dict(result.scenario), "metadata": dict(result.metadata)}
        name = label or str(result.scenario.get("name", "run"))
        return cls(name, dict(result.tables), result.kpis, manifest)

    @property
    def scenario(self) -> Mapping[str, Any]:
        """The scenario settings recorded with the run."""
        return self.manifest.get("scenario", {}) or {}

    @cached_property
    def years(self) -> list[int]:
        """Planning years, from the KPIs."""
        return sorted(int(year) for year in self.kpis["year"].unique())

    def kpi(self, name: str, year: int, key: str = "all") -> float:
        """One KPI value (0.0 when there is no row)."""
        return self._kpi_values.get((name, int(year), key), 0.0)

    @cached_property
    def _kpi_values(self) -> dict[tuple[str, int, str], float]:
        """(kpi, year, key) -> value, the first row of each (looked up many times)."""
        values: dict[tuple[str, int, str], float] = {}
        for name, year, key, value in zip(self.kpis["kpi"], self.kpis["year"],
                                          self.kpis["key"], self.kpis["value"], strict=True):
            values.setdefault((str(name), int(year), str(key)), float(value))
        return values

    @cached_property
    def focus(self) -> str:
        """The producing country the story is about.

        The country whose exports grow most from the first to the last year; when none
        grows, the largest exporter; when nothing crosses a border, the largest producer.
        ``focus_country`` overrides all three.
        """
        if self.focus_country:
            return self.focus_country
        exports = self.kpis[self.kpis["kpi"] == "exports_by_origin"]
        if len(exports) and exports["value"].sum() > 0:
            by_year = exports.pivot_table(index="key", columns="year", values="value",
                                          aggfunc="sum").reindex(columns=self.years)
            by_year = by_year.fillna(0.0)
            growth = by_year[self.years[-1]] - by_year[self.years[0]]
            if growth.max() > 0.5:
                return str(growth.idxmax())
            return str(by_year.sum(axis=1).idxmax())
        production = self.tables["production"]
        if len(production):
            return str(production.groupby("country")["production_vehicles"].sum().idxmax())
        return ""

    @cached_property
    def market_country(self) -> dict[str, str]:
        """Market id -> country code (the id itself when the run has no ``network_sites``)."""
        sites = self.tables.get("network_sites")
        markets = sorted(set(self.tables["margin_by_market"]["market"]))
        mapping = {market: market for market in markets}
        if sites is not None:
            rows = sites[sites["kind"] == "market"]
            mapping |= dict(zip(rows["site"], rows["country"], strict=True))
        return mapping

    @cached_property
    def site_names(self) -> dict[str, str]:
        """Plant or market id -> its name (the id when unknown)."""
        sites = self.tables.get("network_sites")
        if sites is None:
            return {}
        return dict(zip(sites["site"], sites["name"].astype(str), strict=True))


def _evplan_files(path: Path, manifest: Mapping[str, Any]) -> set[str] | None:
    """Files of the run folder ``path`` that evplan wrote, or None when it cannot tell (no
    marker naming them): the plan's tables (``run.json``) and the marker's ``files``."""
    from evplan.outputs.marker import read_marker

    marker = read_marker(path)
    if marker is None or marker.files is None:
        return None
    named = manifest.get("tables")
    plan = {f"{name}.{kind}" for name in (named if isinstance(named, list) else [])
            for kind in ("parquet", "csv")}
    return {*marker.files, *plan, *(f"{name}.{kind}" for name in REQUIRED
                                    for kind in ("parquet", "csv"))}


def load_run(folder: str | Path, label: str | None = None) -> RunData:
    """Read a run folder written by ``evplan run`` (Parquet tables, ``kpis``, ``run.json``).

    Raises
    ------
    InputError
        When the folder is missing or lacks a table the report needs.
    """
    path = Path(folder)
    if not path.is_dir():
        raise InputError([Problem(str(path), f"{path} is not a run folder. Pass the folder "
                                  "that `evplan run` wrote (it holds run.json and the result "
                                  "tables).")])
    missing = [name for name in REQUIRED if not (path / f"{name}.parquet").exists()
               and not (path / f"{name}.csv").exists()]
    if missing:
        raise InputError([Problem(str(path), f"{path} has no {', '.join(missing)} table"
                                  f"{'s' if len(missing) > 1 else ''}. Pass a folder written "
                                  "by `evplan run`, or run it again.")])
    manifest: dict[str, Any] = {}
    if (path / "run.json").exists():
        manifest = read_manifest(path, scenario=False)
    ours = _evplan_files(path, manifest)
    tables: dict[str, pd.DataFrame] = {}
    for file in [*sorted(path.glob("*.parquet")), *sorted(path.glob("*.csv"))]:
        if file.stem in tables:
            continue
        try:
            tables[file.stem] = read_table_file(file)
        except InputError:
            if ours is None or file.name in ours:
                raise
            # a file the user put there (notes.csv): not a table of the run, left alone
    kpis = tables.pop("kpis")
    check_volumes(kpis, {"text": ("kpi",), "year": ("year",)}, str(path / "kpis"))
    kpis["year"] = kpis["year"].astype(int)
    settings = manifest.get("scenario")
    name = label or str((settings.get("name") if isinstance(settings, dict) else None)
                        or path.name)
    return RunData(name, tables, kpis, manifest)
