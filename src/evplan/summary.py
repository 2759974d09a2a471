"""The compact KPI summary the CLI prints after a run."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from evplan.results import Result

__all__ = ["kpi_summary_table"]


def kpi_summary_table(result: Result) -> Table:
    """Return a rich table: one column per year, one row per headline figure.

    Rows: global sales, each market's and each producing country's share of them,
    exports by origin, plant utilisation by country, margin and duties paid.
    """
    kpis = result.kpis
    years = sorted(kpis["year"].unique())
    table = Table(title=f"evplan · {result.scenario['name']} · {result.status} · margin "
                        f"{result.objective_usd / 1e9:,.2f} bn USD (discounted)",
                  title_justify="left")
    table.add_column("KPI", no_wrap=True)
    for year in years:
        table.add_column(str(year), justify="right", no_wrap=True)

    def row(label: str, kpi: str, key: str, fmt: str) -> None:
        values = kpis[(kpis["kpi"] == kpi) & (kpis["key"] == key)].set_index("year")["value"]
        cells = [format(values.get(year, 0.0) / (1e3 if fmt == "k" else 1e9 if fmt == "bn"
                                                 else 1), "%" if fmt == "%" else ",.0f"
                        if fmt == "k" else ",.2f") for year in years]
        if fmt == "%":
            cells = [f"{values.get(year, 0.0) * 100:.1f}%" for year in years]
        table.add_row(label, *cells)

    row("Global sales (k vehicles)", "global_sales", "all", "k")
    shares = kpis[kpis["kpi"] == "sales_share_by_market"]
    for market in _ordered_keys(shares)[:6]:
        row(f"  sold in {market}", "sales_share_by_market", market, "%")
    for origin in _ordered_keys(kpis[kpis["kpi"] == "sales_share_by_origin"]):
        row(f"  built in {origin}", "sales_share_by_origin", origin, "%")
    for origin in _ordered_keys(kpis[kpis["kpi"] == "exports_by_origin"]):
        row(f"Exports from {origin} (k)", "exports_by_origin", origin, "k")
    for country in _ordered_keys(kpis[kpis["kpi"] == "utilisation_by_country"]):
        row(f"Utilisation {country}", "utilisation_by_country", country, "%")
    row("Margin (bn USD)", "margin", "all", "bn")
    row("Duties paid (bn USD)", "duties_paid", "all", "bn")
    if "compliance_cost" in set(kpis["kpi"]):  # issue 16: CO2 and zero-emission rules
        row("Compliance cost (bn USD)", "compliance_cost", "all", "bn")
        row("CO2 built + shipped (kt)", "co2_total", "all", "k")
        for market in _ordered_keys(kpis[kpis["kpi"] == "fleet_co2_g_per_km"]):
            row(f"Fleet g CO2/km {market}", "fleet_co2_g_per_km", market, "1")
        for market in _ordered_keys(kpis[kpis["kpi"] == "zev_share"]):
            row(f"ZEV share {market}", "zev_share", market, "%")
    return table


def _ordered_keys(rows: pd.DataFrame) -> list[str]:
    """Keys ordered by their total value, largest first."""
    return list(rows.groupby("key")["value"].sum().sort_values(ascending=False).index)
