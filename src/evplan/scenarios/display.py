"""Rich tables the CLI prints for sweeps, Monte Carlo studies, break-even and runs
(``evplan compare``: :mod:`evplan.scenarios.compare_screen`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rich.table import Table

from evplan.scenarios.runners import StudyResult
from evplan.screen import Column, fit_tables
from evplan.units import pct, row_scale, scaled

__all__ = ["breakeven_table", "montecarlo_table", "runs_table", "runs_tables",
           "sweep_table", "sweep_tables"]


def _focus(kpis: pd.DataFrame) -> str:
    """The origin whose exports grow most from the first to the last year in the first case
    (the largest exporter when none grows), as ``evplan compare`` picks its focus country;
    ``""`` without exports."""
    exports = kpis[kpis["kpi"] == "exports_by_origin"]
    exports = exports[exports["case"] == exports["case"].min()]
    if exports.empty or not exports["value"].sum() > 0:  # 0 rows: nothing crosses a border
        return ""
    table = exports.pivot_table(index="year", columns="key", values="value",
                                aggfunc="sum").fillna(0.0)
    growth = table.iloc[-1] - table.iloc[0]
    return str(growth.idxmax() if growth.max() > 0.5 else table.sum().idxmax())


def _headline(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per case: margin summed over the years (undiscounted), the focus country's last-year
    exports and utilisation (see :func:`_focus`), in raw units (USD, vehicles, fraction).

    ``frame.attrs`` holds ``last_year`` and ``country``; without exports there are no
    country columns (the table named China whatever the inputs, and showed 0 for a network
    without it)."""
    if kpis.empty:
        return pd.DataFrame(columns=["case"])
    last = int(kpis["year"].max())
    country = _focus(kpis)
    pick = {"margin_usd": (kpis["kpi"] == "margin")}
    if country:
        pick["focus_exports"] = ((kpis["kpi"] == "exports_by_origin") & (kpis["key"] == country)
                                 & (kpis["year"] == last))
        pick["focus_utilisation"] = ((kpis["kpi"] == "utilisation_by_country")
                                     & (kpis["key"] == country) & (kpis["year"] == last))
    columns = {name: kpis[mask].groupby("case")["value"].sum() for name, mask in pick.items()}
    cases = pd.Index(kpis["case"].unique(), name="case")
    frame = pd.DataFrame(columns).reindex(cases).fillna(0.0).reset_index()
    frame.attrs.update(last_year=last, country=country)
    return frame


#: Statuses of a case with a plan (the Monte Carlo statistics are over these).
SOLVED = ("optimal", "time_limit")
HEADLINE = {"margin_usd": ("margin sum, undiscounted", "USD"),
            "focus_exports": ("{country} exports {last}", "vehicles"),
            "focus_utilisation": ("{country} utilisation {last}", "fraction")}


def _scaled_column(header: str, values: list[float], unit: str) -> Column:
    scale = row_scale(values, unit)
    return Column(f"{header} ({scale.label})", [scaled(value, scale) for value in values])


def sweep_tables(study: StudyResult, title: str, limit: int = 60, width: int = 160
                 ) -> list[Table]:
    """One row per case: case and run id (whole, repeated when the table wraps), parameters,
    status, objective (discounted margin), headline KPIs, solve mode."""
    cases = study.cases
    fixed = {"case", "label", "run_id", "status", "objective_usd", "solve_mode", "seconds",
             "error"}
    parameters = [column for column in cases.columns if column not in fixed]
    headline = _headline(study.kpis)
    merged = cases.merge(headline, on="case", how="left") if len(headline.columns) > 1 \
        else cases
    shown = merged.head(limit)
    keys = [Column("case", [str(case) for case in shown["case"]]),
            Column("run id", [str(run_id) for run_id in shown["run_id"]], "left")]
    values = [Column(parameter, [f"{value:.4g}" for value in shown[parameter]])
              for parameter in parameters]
    values.append(Column("status", [str(status) for status in shown["status"]], "left"))
    values.append(_scaled_column("objective, discounted margin",
                                 [float(value) for value in shown["objective_usd"]], "USD"))
    last = headline.attrs.get("last_year", "")
    country = headline.attrs.get("country", "")
    for column, (header, unit) in HEADLINE.items():
        if column in shown:
            values.append(_scaled_column(header.format(last=last, country=country),
                                         [float(value) for value in shown[column]], unit))
    values.append(Column("mode", [str(mode).split(":")[0] for mode in shown["solve_mode"]],
                         "left"))
    caption = (f"... {len(merged) - limit} more cases (every case is in the study's KPI "
               "table: the results store when recorded, and --csv)"
               if len(merged) > limit else None)
    return fit_tables(title, keys, values, width, caption)


def sweep_table(study: StudyResult, title: str, limit: int = 60) -> Table:
    """The sweep as one table, whatever its width (see :func:`sweep_tables`)."""
    return sweep_tables(study, title, limit, width=10_000)[0]


def montecarlo_table(study: StudyResult, title: str) -> Table:
    """Percentiles of the objective and the headline KPIs over the samples."""
    headline = _headline(study.kpis)
    solved = study.cases[study.cases["status"].isin(SOLVED)]  # the samples with a plan only
    values = solved[["case", "objective_usd"]].merge(headline, on="case", how="left")
    last = headline.attrs.get("last_year", "")
    country = headline.attrs.get("country", "")
    labels = {"objective_usd": ("objective, discounted margin", "USD")} | {
        column: (header.format(last=last, country=country), unit)
        for column, (header, unit) in HEADLINE.items()}
    table = Table(title=title, title_justify="left")
    for column in ("figure", "mean", "P5", "P50", "P95"):
        table.add_column(column, justify="left" if column == "figure" else "right",
                         no_wrap=column != "figure")
    for column in [c for c in values.columns if c in labels]:
        series = values[column].dropna()
        if series.empty:
            continue
        p5, p50, p95 = np.percentile(series, [5, 50, 95])
        numbers = [float(series.mean()), float(p5), float(p50), float(p95)]
        header, unit = labels[column]
        scale = row_scale(numbers, unit)
        table.add_row(f"{header} ({scale.label})", *(scaled(v, scale) for v in numbers))
    return table


def _bound(row: pd.Series) -> str:
    """What an inexact break-even rate is: ranging bounds a stop rate from below and a start
    rate from above (exact ones, and blank ones, say nothing more)."""
    if row["exact"] or pd.isna(row["breakeven_rate"]):
        return ""
    return " (at least)" if "stops above" in str(row["meaning"]) else " (at most)"


def breakeven_summary(frame: pd.DataFrame) -> str:
    """One line: the lanes, and which rates are bounds or left to --exact."""
    inexact = frame[~frame["exact"]]
    meaning = inexact["meaning"].astype(str)
    stops = int(meaning.str.contains("stops above").sum())
    starts = int(meaning.str.contains("starts below").sum())
    quota = int(meaning.str.startswith("quota lane").sum())
    return (f"{int(frame['used'].sum())} used and {int((~frame['used']).sum())} unused "
            f"cross-border flows; from cost ranging, {stops} stop rates are lower bounds and "
            f"{starts} start rates upper bounds, and {quota} quota lanes are not computed "
            "(--exact bisects them all).")


def breakeven_table(frame: pd.DataFrame, year: int, limit: int) -> Table:
    """Used lanes (the rate at which they stop) and the closest unused ones (start rate)."""
    rows = frame[frame["year"] == year]
    used = rows[rows["used"]].sort_values("shipment_vehicles", ascending=False).head(limit)
    unused = rows[~rows["used"] & rows["breakeven_rate"].notna()].assign(
        gap=lambda f: f["ad_valorem_rate"] - f["breakeven_rate"]).sort_values("gap").head(
        limit // 2)
    table = Table(title=f"Break-even duty rates, {year} (ad valorem + countervailing, on "
                        "that lane alone)", title_justify="left")
    for column in ("lane", "program", "vehicles", "duty now", "break-even", "meaning"):
        table.add_column(column, justify="left" if column in ("lane", "program", "meaning")
                         else "right")
    for _, row in pd.concat([used, unused]).iterrows():
        rate = row["breakeven_rate"]
        table.add_row(f"{row['plant']}>{row['market']}", str(row["program"]),
                      f"{row['shipment_vehicles']:,.0f}",
                      pct(row["ad_valorem_rate"] + row["cvd_rate"], 1),
                      "-" if pd.isna(rate) else pct(rate + row["cvd_rate"], 1),
                      str(row["meaning"]) + _bound(row))
    return table


def runs_table(runs: pd.DataFrame, limit: int, width: int = 10_000) -> Table:
    """The most recent runs; run ids whole (``evplan compare`` takes them)."""
    return runs_tables(runs, limit, width)[0]


def runs_tables(runs: pd.DataFrame, limit: int, width: int = 160) -> list[Table]:
    """The most recent runs as tables that fit ``width``; run ids are never cut."""
    shown = runs.head(limit)
    keys = [Column("run id", [str(run_id) for run_id in shown["run_id"]], "left")]
    values = [Column("time (UTC)", ["" if pd.isna(time) else f"{time:%Y-%m-%d %H:%M:%S}"
                                    for time in shown["created_at"]], "left"),
              Column("scenario", [str(name) for name in shown["scenario"]], "left"),
              Column("status", [str(status) for status in shown["status"]], "left"),
              _scaled_column("objective, discounted margin",
                             [float(value) for value in shown["objective_usd"]], "USD"),
              Column("inputs", [str(digest)[:8] for digest in shown["inputs_hash"]], "left")]
    return fit_tables(f"{len(runs)} runs", keys, values, width)
