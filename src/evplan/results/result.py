"""The Result of a plan: status, objective, tidy tables, KPIs and what produced them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from evplan.results.display import fit, summary_html, summary_text, table_sizes, years_text

__all__ = ["RULE_YEAR_KPIS", "Result", "ResultKeyError"]

#: KPIs that exist only in the years a rule covers (a CO2 target, a ZEV mandate): a year
#: without a row has no value (NaN, shown as ``-``), not 0.
RULE_YEAR_KPIS = frozenset({"fleet_co2_g_per_km", "zev_share"})


class ResultKeyError(KeyError):
    """A table, KPI, year or key the result does not have (a KeyError, shown plainly)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True, repr=False)
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
        try:
            return self.tables[table]
        except KeyError:
            from evplan.data.suggest import did_you_mean

            hint = did_you_mean(table, self.tables)
            raise ResultKeyError(f"no table {table!r} in this result.{hint} Tables: "
                                 f"{', '.join(self.tables)}.") from None

    def __contains__(self, table: object) -> bool:
        """``"sales" in result``: whether the result has that table."""
        return table in self.tables

    def __iter__(self) -> Iterator[str]:
        """The table names (``list(result)``)."""
        return iter(self.tables)

    def kpi(self, name: str, year: int, key: str = "all") -> float:
        """Return one KPI value, e.g. ``result.kpi("sales_share_by_market", 2023, "CN")``.

        Returns 0.0 for a known key in a planning year with no row (a market with no sales,
        a country that exports nothing that year), except for :data:`RULE_YEAR_KPIS`
        (``fleet_co2_g_per_km``, ``zev_share``): in a year the market's target or mandate
        does not cover there is no value, and it returns NaN.

        Raises
        ------
        KeyError
            When ``name`` is not a KPI of the result, ``year`` is not a planning year, or
            ``key`` is not one of the KPI's keys (its markets or countries, or ``all``),
            with the known values and the closest one.
        """
        from evplan.data.suggest import did_you_mean, quoted_list

        known = sorted(set(self.kpis["kpi"]))
        if name not in known:
            raise ResultKeyError(f"unknown KPI {name!r}.{did_you_mean(name, known)} Known KPIs: "
                           f"{quoted_list(known, limit=20)}.")
        rows = self.kpis[self.kpis["kpi"] == name]
        years = sorted(int(value) for value in set(self.kpis["year"]))
        if int(year) not in years:
            raise ResultKeyError(f"{year!r} is not a planning year of this result; years: "
                           f"{years[0]}–{years[-1]}.")
        keys = self._kpi_keys(name, rows)
        if str(key) not in keys:
            raise ResultKeyError(f"KPI {name!r} has no key {key!r}.{did_you_mean(str(key), keys)} "
                           f"Keys: {quoted_list(sorted(keys), limit=24)}.")
        match = rows[(rows["year"] == int(year)) & (rows["key"] == key)]
        if len(match):
            return float(match["value"].iloc[0])
        return float("nan") if name in RULE_YEAR_KPIS else 0.0

    def _kpi_keys(self, name: str, rows: pd.DataFrame) -> set[str]:
        """The keys a KPI can take: its own, plus every market or producing country of
        the plan for a KPI keyed by market or country (never ``all`` for those)."""
        keys = {str(key) for key in rows["key"]}
        if keys <= {"all"}:
            return {"all"}
        places: dict[str, set[str]] = {column: set() for column in ("market", "country")}
        for table, column in (("sales", "market"), ("margin_by_market", "market"),
                              ("utilisation", "country"), ("production", "country")):
            frame = self.tables.get(table)
            if frame is not None and column in frame:
                places[column] |= {str(value) for value in frame[column]}
        extra = places["market"] if name.endswith("_by_market") else (
            places["market"] | places["country"])
        return (keys | extra) - {"all"}

    def __repr__(self) -> str:
        return summary_text(*self._summary())

    def _repr_html_(self) -> str:
        return summary_html(*self._summary())

    def _summary(self) -> tuple[str, list[tuple[str, str]]]:
        from evplan.units import usd

        years = sorted(int(value) for value in set(self.kpis["year"])) if len(self.kpis) else []
        kpi_names = sorted(set(self.kpis["kpi"]))
        name = self.scenario.get("name", "")
        rows = [("status", str(self.status)),
                ("objective", f"{usd(self.objective_usd)} (discounted margin over the "
                              "horizon)"),
                ("years", years_text(years)),
                ("tables", f"{len(self.tables)}: {table_sizes(self.tables)}"),
                ("kpis", f"{len(self.kpis):,} rows, {len(kpi_names)} KPIs: "
                         + fit(kpi_names, 52, ", ")),
                ("use", 'result["shipments"], result.kpi("global_sales", '
                        f'{years[0] if years else 2023}), evplan.write_result(result, DIR)')]
        seconds = self.metadata.get("solve_seconds")
        if seconds is not None:
            rows.insert(2, ("solve", f"{float(seconds):.2f} s"))
        return f"evplan.Result {name!r}", rows
