"""The comparison page: several runs side by side, KPI deltas against the first run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evplan.outputs.deltas import signed_difference
from evplan.report.figures import Chart, base_layout, sankey, year_axis
from evplan.report.page import focus_markets, kpi_sum, sold_sentence
from evplan.report.run import RunData
from evplan.report.style import PALETTE, country_name, pct, plotly_text, usd, vehicles

__all__ = ["comparison_charts", "comparison_story", "kpi_delta_table"]

ROWS: tuple[tuple[str, str, str], ...] = (
    ("sales_share_by_market", "focus_markets", "share"),
    ("sales_share_by_origin", "focus", "share"),
    ("utilisation_by_country", "focus", "share"),
    ("exports_by_origin", "focus", "vehicles"),
    ("global_sales", "all", "vehicles"),
    ("margin", "all", "usd"),
    ("duties_paid", "all", "usd"),
)
LABELS = {"sales_share_by_market": "Share of global sales sold in {name}",
          "sales_share_by_origin": "Share of global sales built in {name}",
          "utilisation_by_country": "{name} plant utilisation",
          "exports_by_origin": "Exports from {name}",
          "global_sales": "Global sales", "margin": "Margin a year (undiscounted)",
          "duties_paid": "Duties paid"}


def _format(kind: str, value: float) -> str:
    return {"share": lambda v: pct(v, 1), "vehicles": vehicles, "usd": usd}[kind](value)


def kpi_delta_table(runs: Sequence[RunData]) -> dict[str, Any]:
    """KPI values of every run in the first and last year, with deltas against the first run."""
    base = runs[0]
    focus = base.focus
    name = country_name(focus)
    years = sorted({base.years[0], base.years[-1]})
    header = ["KPI", "year", base.label]
    for run in runs[1:]:
        header += [run.label, "Δ"]
    rows = []
    markets = focus_markets(base)
    for kpi, key, kind in ROWS:
        keys = markets if key == "focus_markets" else (focus if key == "focus" else key,)
        if not keys:
            continue
        for year in years:
            reference = kpi_sum(base, kpi, year, keys)
            row: list[dict[str, str]] = [{"text": LABELS[kpi].format(name=name), "css": ""},
                                         {"text": str(year), "css": ""},
                                         {"text": _format(kind, reference), "css": ""}]
            for run in runs[1:]:
                if year not in run.years:  # not planned: no value, not a zero
                    row += [{"text": "—", "css": ""}, {"text": "—", "css": ""}]
                    continue
                value = kpi_sum(run, kpi, year, keys)
                difference = value - reference
                css = "" if abs(difference) < 1e-9 * max(1.0, abs(reference)) else (
                    "up" if difference > 0 else "down")
                if kpi == "duties_paid" and css:
                    css = "down" if css == "up" else "up"
                row += [{"text": _format(kind, value), "css": ""},
                        {"text": signed_difference(difference, kind), "css": css}]
            rows.append(row)
    return {"title": "KPIs side by side",
            "caption": f"Each run's headline numbers in {' and '.join(map(str, years))}; Δ is "
                       f"the difference from the first run, {base.label} (green: better)"
                       + ("; — : a year the run does not plan." if any(
                           year not in run.years for run in runs[1:] for year in years)
                          else "."),
            "header": header, "rows": rows}


def comparison_story(runs: Sequence[RunData]) -> list[str]:
    """One sentence per run on sales in the focus country (what is *sold* there)."""
    return [f"{run.label}: {line}" for run in runs if (line := sold_sentence(run))]


def _lines(runs: Sequence[RunData], kpi: str, key: str, title: str, caption: str,
           chart_id: str, fmt: str) -> Chart:
    traces = []
    for number, run in enumerate(runs):
        rows = run.kpis[(run.kpis["kpi"] == kpi) & (run.kpis["key"] == key)].sort_values("year")
        traces.append({"type": "scatter", "mode": "lines+markers", "name": run.label,
                       "x": [str(y) for y in rows["year"]], "y": rows["value"].tolist(),
                       "line": {"width": 3, "color": PALETTE[number % len(PALETTE)]},
                       "hovertemplate": f"{plotly_text(run.label)} %{{x}}: %{{y:{fmt}}}"
                                        "<extra></extra>"})
    layout = base_layout(yaxis={"tickformat": fmt, "gridcolor": "#e6e9ee", "rangemode": "tozero"},
                         xaxis=year_axis(year for run in runs for year in run.years))
    return Chart(chart_id, title, caption, {"data": traces, "layout": layout}, 380)


def _exports_by_market(runs: Sequence[RunData], focus: str) -> Chart:
    last = runs[0].years[-1]
    totals = {}
    for run in runs:
        shipments = run.tables["shipments"]
        rows = shipments[shipments["export"] & (shipments["origin"] == focus)
                         & (shipments["year"] == last)]
        totals[run.label] = rows.groupby("market")["shipment_vehicles"].sum()
    markets = sorted({str(m) for series in totals.values() for m, v in series.items()
                      if v > 0.5})
    traces = [{"type": "bar", "name": label, "x": markets,
               "y": series.reindex(markets, fill_value=0.0).round().tolist(),
               "marker": {"color": PALETTE[number % len(PALETTE)]},
               "hovertemplate": f"{plotly_text(label)}: %{{x}} %{{y:,.0f}} vehicles"
                                "<extra></extra>"}
              for number, (label, series) in enumerate(totals.items())]
    layout = base_layout(barmode="group", yaxis={"title": {"text": "vehicles"},
                                                 "gridcolor": "#e6e9ee"})
    return Chart("chart-compare-exports", f"Exports from {country_name(focus)} by market, {last}",
                 "Which markets take the exports in each run.", {"data": traces,
                                                                  "layout": layout}, 420)


def comparison_charts(runs: Sequence[RunData]) -> tuple[list[Chart], list[Chart]]:
    """Return (charts across runs, one Sankey per run for the flows side by side)."""
    focus = runs[0].focus
    name = country_name(focus)
    across = [
        _lines(runs, "utilisation_by_country", focus, f"{name} plant utilisation",
               f"Production over capacity of {name}'s plants, per run.",
               "chart-compare-utilisation", ".0%"),
        _lines(runs, "exports_by_origin", focus, f"Exports from {name}",
               "Vehicles a year shipped across a border, per run.",
               "chart-compare-exports-trend", ",.0f"),
        _lines(runs, "margin", "all", "Margin", "Contribution margin after fixed cost (USD a "
               "year), per run.", "chart-compare-margin", ",.3s"),
        _exports_by_market(runs, focus),
    ]
    flows = []
    for number, run in enumerate(runs):
        chart = sankey(run)
        flows.append(Chart(f"chart-sankey-{number + 1}", f"Flows: {run.label}", chart.caption,
                           chart.figure, chart.height))
    return across, flows
