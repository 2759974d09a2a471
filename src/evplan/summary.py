"""The compact KPI summary the CLI prints after a run, in the words of docs/glossary.md.

Each row is one KPI of the table by name with its unit in the label (``sold in CN (%)`` is
``sales_share_by_market``, ``built in CN (%)`` is ``sales_share_by_origin``); the cells are
numbers scaled by :func:`evplan.units.row_scale`, the same scales the report's cards use. The
table fits the terminal: when the years do not fit beside the labels, they wrap to a second
table (:mod:`evplan.screen`); values are never cut.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from rich.table import Table

from evplan.results import Result
from evplan.results.result import RULE_YEAR_KPIS
from evplan.screen import Column, fit_tables, on_screen
from evplan.units import row_scale, scaled, usd

__all__ = ["kpi_summary_rows", "kpi_summary_table", "kpi_summary_tables", "on_screen",
           "run_title", "summary_title"]

UNITS = {"fraction": "%", "USD": "USD", "vehicles": "vehicles"}


def run_title(scenario: Mapping[str, Any]) -> str:
    """A run's name for every surface: ``china-export``, or ``china-export · trade-war`` when
    a named scenario of ``scenarios.yaml`` was applied (its name is ``scenario['scenario']``).

    Examples
    --------
    >>> run_title({"name": "china-export", "scenario": "trade-war"})
    'china-export · trade-war'
    >>> run_title({"name": "china-export"})
    'china-export'
    """
    applied = str(scenario.get("scenario") or "")
    return " · ".join(part for part in (str(scenario.get("name") or ""),
                                        "" if applied in ("", "base") else applied) if part)


def summary_title(result: Result) -> str:
    """``evplan · china-export · optimal · objective USD 92.9 bn (discounted margin)``.

    A scenario run names its scenario: ``evplan · china-export · trade-war · optimal ...``.
    Names are shown :func:`on_screen`.
    """
    return (f"evplan · {on_screen(run_title(result.scenario))} · {result.status} · "
            f"objective {usd(result.objective_usd)} (discounted margin)")


def kpi_summary_rows(result: Result) -> list[tuple[str, str, str, list[str]]]:
    """Rows of the summary: (label, KPI name, key, one cell per year).

    Rows: global sales; the share of global sales sold in each of the six largest markets
    and built in each producing country; exports by origin; plant utilisation by country;
    margin a year (undiscounted) and duties paid; with committed sales, the vehicles
    committed but unmet and the penalty paid for them; with CO2 rules, their KPIs.

    A year with no row is 0 (nothing sold, exported or paid), except for the KPIs of
    :data:`RULE_YEAR_KPIS`, which exist only in the years a rule covers: ``-`` there.
    """
    kpis = result.kpis
    years = sorted(int(year) for year in kpis["year"].unique())
    units = dict(zip(kpis["kpi"], kpis["unit"], strict=False))
    rows: list[tuple[str, str, str, list[str]]] = []
    by_year: dict[tuple[str, str], dict[int, Any]] = {}  # one pass, not a filter per row
    by_kpi = set(kpis["kpi"])
    for kpi_name, kpi_key, year, value in zip(kpis["kpi"], kpis["key"], kpis["year"],
                                              kpis["value"], strict=True):
        by_year.setdefault((kpi_name, kpi_key), {})[int(year)] = value

    def row(label: str, kpi: str, key: str = "all") -> None:
        values = by_year.get((kpi, key), {})
        missing = math.nan if kpi in RULE_YEAR_KPIS else 0.0  # shown as "-"
        numbers = [float(values.get(year, missing)) for year in years]
        scale = row_scale(numbers, str(units.get(kpi, "")))
        rows.append((f"{on_screen(label)} ({scale.label})", kpi, key,
                     [scaled(number, scale) for number in numbers]))

    row("Global sales", "global_sales")
    for market in _ordered_keys(kpis[kpis["kpi"] == "sales_share_by_market"])[:6]:
        row(f"  sold in {market}", "sales_share_by_market", market)
    for origin in _ordered_keys(kpis[kpis["kpi"] == "sales_share_by_origin"]):
        row(f"  built in {origin}", "sales_share_by_origin", origin)
    for origin in _ordered_keys(kpis[kpis["kpi"] == "exports_by_origin"]):
        row(f"Exports from {origin}", "exports_by_origin", origin)
    for country in _ordered_keys(kpis[kpis["kpi"] == "utilisation_by_country"]):
        row(f"Utilisation {country}", "utilisation_by_country", country)
    row("Margin, undiscounted", "margin")
    row("Duties paid", "duties_paid")
    if "unmet_committed_vehicles" in by_kpi:  # inputs that commit volumes (committed_sales)
        row("Committed sales unmet", "unmet_committed_vehicles")
        row("  penalty paid", "unmet_committed_penalty_usd")
    if "compliance_cost" in by_kpi:  # issue 16: CO2 and zero-emission rules
        row("Compliance cost", "compliance_cost")
        row("CO2 built + shipped", "co2_total")
        for market in _ordered_keys(kpis[kpis["kpi"] == "fleet_co2_g_per_km"]):
            row(f"Fleet CO2 {market}", "fleet_co2_g_per_km", market)
        for market in _ordered_keys(kpis[kpis["kpi"] == "zev_share"]):
            row(f"ZEV share {market}", "zev_share", market)
    return rows


def kpi_summary_tables(result: Result, width: int = 160) -> list[Table]:
    """The summary as tables that fit ``width`` columns (the years wrap, never a value)."""
    years = sorted(int(year) for year in result.kpis["year"].unique())
    rows = kpi_summary_rows(result)
    keys = [Column("KPI", [label for label, *_ in rows], "left")]
    values = [Column(str(year), [cells[number] for *_, cells in rows])
              for number, year in enumerate(years)]
    return fit_tables(summary_title(result), keys, values, width)


def kpi_summary_table(result: Result) -> Table:
    """The summary as one table, whatever its width (see :func:`kpi_summary_tables`)."""
    return kpi_summary_tables(result, width=10_000)[0]


def _ordered_keys(rows: pd.DataFrame) -> list[str]:
    """Keys ordered by their total value, largest first."""
    return list(rows.groupby("key")["value"].sum().sort_values(ascending=False).index)
