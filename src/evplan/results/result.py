"""The Result of a plan: status, objective, tidy tables, KPIs and what produced them."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

__all__ = ["Result"]


@dataclass(frozen=True)
class Result:
    """Outcome of :func:`evplan.optimize`.

    Attributes
    ----------
    status : str
        ``optimal`` or ``time_limit`` (a feasible plan, possibly not optimal).
    objective_usd : float
        Discounted contribution margin after fixed cost over the horizon.
    tables : Mapping[str, pandas.DataFrame]
        ``production``, ``shipments``, ``sales``, ``duties``, ``utilisation``,
        ``margin_by_market``, ``margin_by_plant``, ``demand_shadow_prices``.
    kpis : pandas.DataFrame
        Columns ``kpi``, ``year``, ``key``, ``value``, ``unit`` (see
        :func:`evplan.results.compute_kpis`).
    scenario : Mapping[str, Any]
        The scenario settings the plan was made with.
    metadata : Mapping[str, Any]
        Sizes, build and solve seconds, MIP gap, evplan version.
    """

    status: str
    objective_usd: float
    tables: Any
    kpis: pd.DataFrame
    scenario: Any
    metadata: Any = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        object.__setattr__(self, "scenario", MappingProxyType(dict(self.scenario)))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    def kpi(self, name: str, year: int, key: str = "all") -> float:
        """Return one KPI value, e.g. ``result.kpi("sales_share_by_market", 2023, "CN")``.

        Returns 0.0 when the KPI has no row for that key and year (nothing sold, say).
        """
        rows = self.kpis[(self.kpis["kpi"] == name) & (self.kpis["year"] == year)
                         & (self.kpis["key"] == key)]
        if name not in set(self.kpis["kpi"]):
            raise KeyError(f"unknown KPI {name!r}; known: {sorted(set(self.kpis['kpi']))}")
        return float(rows["value"].iloc[0]) if len(rows) else 0.0
