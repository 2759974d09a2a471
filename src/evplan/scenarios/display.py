"""Rich tables the CLI prints for sweeps, Monte Carlo studies, break-even, runs and compare."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rich.table import Table

from evplan.scenarios.runners import StudyResult

__all__ = ["breakeven_table", "compare_table", "montecarlo_table", "runs_table", "sweep_table"]


def _headline(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per case: total margin, last-year exports from China and Chinese utilisation."""
    if kpis.empty:
        return pd.DataFrame(columns=["case"])
    last = int(kpis["year"].max())
    pick = {
        "margin_bn": (kpis["kpi"] == "margin"),
        f"cn_exports_{last}_k": (kpis["kpi"] == "exports_by_origin") & (kpis["key"] == "CN")
        & (kpis["year"] == last),
        f"cn_utilisation_{last}": (kpis["kpi"] == "utilisation_by_country")
        & (kpis["key"] == "CN") & (kpis["year"] == last),
    }
    scale = {"margin_bn": 1e9, f"cn_exports_{last}_k": 1e3, f"cn_utilisation_{last}": 0.01}
    columns = {name: kpis[mask].groupby("case")["value"].sum() / scale[name]
               for name, mask in pick.items()}
    return pd.DataFrame(columns).fillna(0.0).reset_index()


def sweep_table(study: StudyResult, title: str, limit: int = 60) -> Table:
    """One row per case: parameters, status, objective and headline KPIs."""
    cases = study.cases
    fixed = {"case", "label", "run_id", "status", "objective_usd", "solve_mode", "seconds",
             "error"}
    parameters = [column for column in cases.columns if column not in fixed]
    headline = _headline(study.kpis)
    merged = cases.merge(headline, on="case", how="left") if len(headline.columns) > 1 \
        else cases
    table = Table(title=title, title_justify="left")
    table.add_column("case", justify="right")
    for parameter in parameters:
        table.add_column(parameter, justify="right")
    table.add_column("status")
    table.add_column("objective bn USD", justify="right")
    extra = [column for column in headline.columns if column != "case"]
    for column in extra:
        table.add_column(column.replace("_", " ").replace("cn ", "CN "), justify="right")
    table.add_column("mode")
    table.add_column("run id")
    for _, row in merged.head(limit).iterrows():
        cells = [str(row["case"]), *[f"{row[p]:.4g}" for p in parameters], str(row["status"]),
                 f"{row['objective_usd'] / 1e9:,.2f}" if np.isfinite(row["objective_usd"])
                 else "-"]
        for column in extra:
            value = row.get(column, np.nan)
            cells.append("-" if pd.isna(value) else (f"{value:.1f}%" if "utilisation" in column
                                                     else f"{value:,.1f}"))
        cells += [str(row["solve_mode"]).split(":")[0], str(row["run_id"])]
        table.add_row(*cells)
    if len(merged) > limit:
        table.caption = f"... {len(merged) - limit} more cases (all in the store and --csv)"
    return table


def montecarlo_table(study: StudyResult, title: str) -> Table:
    """Percentiles of the objective and the headline KPIs over the samples."""
    headline = _headline(study.kpis)
    values = study.cases[["case", "objective_usd"]].merge(headline, on="case", how="left")
    values["objective_bn"] = values.pop("objective_usd") / 1e9
    table = Table(title=title, title_justify="left")
    for column in ("figure", "mean", "P5", "P50", "P95"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for column in [c for c in values.columns if c != "case"]:
        series = values[column].dropna()
        if series.empty:
            continue
        p5, p50, p95 = np.percentile(series, [5, 50, 95])
        table.add_row(column.replace("_", " "), *(f"{v:,.2f}" for v in (series.mean(), p5, p50,
                                                                        p95)))
    return table


def breakeven_table(frame: pd.DataFrame, year: int, limit: int) -> Table:
    """Used lanes (the rate at which they stop) and the closest unused ones (start rate)."""
    rows = frame[frame["year"] == year]
    used = rows[rows["used"]].sort_values("shipment_vehicles", ascending=False).head(limit)
    unused = rows[~rows["used"] & rows["breakeven_rate"].notna()].assign(
        gap=lambda f: f["ad_valorem_rate"] - f["breakeven_rate"]).sort_values("gap").head(
        limit // 2)
    table = Table(title=f"Break-even duty rates, {year} (rate on that lane alone)",
                  title_justify="left")
    for column in ("lane", "program", "vehicles", "duty now", "break-even", "meaning"):
        table.add_column(column, justify="left" if column in ("lane", "program", "meaning")
                         else "right")
    for _, row in pd.concat([used, unused]).iterrows():
        rate = row["breakeven_rate"]
        table.add_row(f"{row['plant']}>{row['market']}", str(row["program"]),
                      f"{row['shipment_vehicles']:,.0f}",
                      f"{row['ad_valorem_rate'] + row['cvd_rate']:.1%}",
                      "-" if pd.isna(rate) else f"{rate + row['cvd_rate']:.1%}",
                      str(row["meaning"]) + ("" if row["exact"] else " (at least)"))
    return table


def runs_table(runs: pd.DataFrame, limit: int) -> Table:
    """The most recent runs."""
    table = Table(title=f"{len(runs)} runs", title_justify="left")
    for column in ("run id", "time (UTC)", "scenario", "status", "objective bn USD", "inputs"):
        table.add_column(column, justify="right" if "objective" in column else "left")
    for _, row in runs.head(limit).iterrows():
        table.add_row(str(row["run_id"]), f"{row['created_at']:%Y-%m-%d %H:%M:%S}",
                      str(row["scenario"]), str(row["status"]),
                      f"{row['objective_usd'] / 1e9:,.2f}", str(row["inputs_hash"])[:8])
    return table


def compare_table(wide: pd.DataFrame, run_ids: list[str], objectives: list[float],
                  limit: int) -> Table:
    """KPI values of the first run and deltas of the others, rows that differ first."""
    deltas = [column for column in wide.columns if str(column).startswith("delta ")]
    table = Table(title="KPI deltas against " + run_ids[0], title_justify="left")
    table.add_column("kpi")
    table.add_column("year", justify="right")
    table.add_column("key")
    table.add_column(run_ids[0][-8:], justify="right")
    for column in deltas:
        table.add_column("Δ " + str(column)[6:][-8:], justify="right")
    table.add_row("objective (bn USD)", "", "", f"{objectives[0] / 1e9:,.3f}",
                  *(f"{(value - objectives[0]) / 1e9:+,.3f}" for value in objectives[1:]))
    if deltas:
        size = wide[deltas].abs().max(axis=1)
        wide = wide[size > 1e-9 * (1 + wide[run_ids[0]].abs())]
    for position, row in wide.head(limit).iterrows():
        kpi, year, key = (str(part) for part in position)  # type: ignore[attr-defined]
        share = kpi.startswith(("sales_share", "utilisation"))
        fmt = (lambda v: f"{v:+.2%}") if share else (lambda v: f"{v:+,.0f}")
        base = f"{row[run_ids[0]]:.2%}" if share else f"{row[run_ids[0]]:,.0f}"
        table.add_row(kpi, year, key, base, *(fmt(row[c]) for c in deltas))
    if len(wide) > limit:
        table.caption = f"... {len(wide) - limit} more KPI rows differ"
    return table
