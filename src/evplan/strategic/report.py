"""The report section "Network decisions": plain plotly.js figure dicts, no plotly import.

Imported by :mod:`evplan.report` only for a strategic run folder; the
report draws it for run folders that hold ``network_decisions`` and ``plant_decisions``:

* a timeline of the decisions (year x plant, market or site, one marker per event);
* capacity before and after the decisions, and utilisation, per plant;
* a map of capacity by country before and after;
* the plan's value against keeping today's network, year by year.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["network_decision_charts"]

KIND_COLOURS = {"close": "#c0392b", "mothball": "#e67e22", "reopen": "#27ae60",
                "remove_modules": "#d35400", "add_modules": "#2e86c1",
                "move_program": "#8e44ad", "start_program": "#16a085",
                "stop_program": "#7f8c8d", "add_variant": "#5d6d7e",
                "enter_market": "#1abc9c", "leave_market": "#95a5a6",
                "homologate": "#bdc3c7", "open_site": "#f1c40f"}
ISO3 = {"CN": "CHN", "JP": "JPN", "GB": "GBR", "US": "USA", "MX": "MEX", "TH": "THA",
        "IN": "IND", "BR": "BRA", "CA": "CAN", "EU": "DEU", "TR": "TUR", "ID": "IDN",
        "MY": "MYS", "PH": "PHL", "AU": "AUS", "ZA": "ZAF", "CL": "CHL", "IL": "ISR",
        "KR": "KOR", "GCC": "SAU", "DE": "DEU", "FR": "FRA", "ES": "ESP", "VN": "VNM"}


def _layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {"margin": {"l": 90, "r": 20, "t": 30, "b": 50},
                              "font": {"family": "system-ui, sans-serif", "size": 12},
                              "plot_bgcolor": "#ffffff", "legend": {"orientation": "h"},
                              # ids that look like numbers ("07", "1000") stay categories
                              "autotypenumbers": "strict"}
    layout.update(extra)
    return layout


def _timeline(decisions: pd.DataFrame) -> dict[str, Any]:
    shown = decisions[decisions["kind"] != "homologate"]
    traces = []
    for kind, group in shown.groupby("kind", sort=False):
        traces.append({"type": "scatter", "mode": "markers", "name": str(kind).replace("_", " "),
                       "x": group["year"].astype(int).tolist(),
                       "y": group["subject"].astype(str).tolist(),
                       "text": group["sentence"].tolist(), "hoverinfo": "text",
                       "marker": {"size": 13, "color": KIND_COLOURS.get(str(kind), "#34495e")}})
    approvals = decisions[decisions["kind"] == "homologate"]
    note = (f" Homologations ({len(approvals)}) are listed in network_decisions."
            if len(approvals) else "")
    return {"id": "network-timeline", "title": "Network decisions over time",
            "caption": f"{len(shown)} decisions: closures, mothballing, shifts and lines "
                       f"removed or added, programs moved, variants, markets and assembly "
                       f"sites. Hover for the sentence.{note}",
            "figure": {"data": traces, "layout": _layout(
                xaxis={"title": "year", "dtick": 1}, yaxis={"automargin": True})},
            "height": max(320, 26 * shown["subject"].nunique() + 120)}


def _capacity(plants: pd.DataFrame) -> dict[str, Any]:
    last = int(plants["year"].max())
    final = plants[plants["year"] == last].sort_values("initial_capacity_vehicles_per_year",
                                                       ascending=False)
    first = plants.sort_values("year").drop_duplicates("plant").set_index("plant")
    names = final["plant"].tolist()
    before_use = first.loc[names, "utilisation"].round(3).tolist()
    traces = [
        {"type": "bar", "name": "capacity before", "x": names,
         "y": final["initial_capacity_vehicles_per_year"].round(0).tolist(),
         "marker": {"color": "#bdc3c7"}},
        {"type": "bar", "name": f"capacity {last}", "x": names,
         "y": final["capacity_vehicles_per_year"].round(0).tolist(),
         "marker": {"color": "#2e86c1"}},
        {"type": "scatter", "mode": "markers", "name": "utilisation before", "x": names,
         "y": before_use, "yaxis": "y2", "marker": {"color": "#7f8c8d", "size": 9}},
        {"type": "scatter", "mode": "markers", "name": f"utilisation {last}", "x": names,
         "y": final["utilisation"].round(3).tolist(), "yaxis": "y2",
         "marker": {"color": "#c0392b", "size": 9, "symbol": "diamond"}},
    ]
    before = float(final["initial_capacity_vehicles_per_year"].sum())
    after = float(final["capacity_vehicles_per_year"].sum())
    return {"id": "network-capacity", "title": f"Capacity and utilisation before and in {last}",
            "caption": f"Plants with capacity decisions: {before:,.0f} vehicles a year before, "
                       f"{after:,.0f} in {last}; utilisation is production / decided capacity.",
            "figure": {"data": traces, "layout": _layout(
                barmode="group", yaxis={"title": "vehicles a year"},
                yaxis2={"title": "utilisation", "overlaying": "y", "side": "right",
                        "tickformat": ".0%", "range": [0, 1.05]})}}


def _map(plants: pd.DataFrame) -> dict[str, Any]:
    last = int(plants["year"].max())
    after = plants[plants["year"] == last].groupby("country")["capacity_vehicles_per_year"].sum()
    first_year = plants.sort_values("year").drop_duplicates("plant")
    before = first_year.groupby("country")["initial_capacity_vehicles_per_year"].sum()
    countries = [country for country in before.index if country in ISO3]
    biggest = float(before.max()) if len(before) else 1.0
    traces = []
    for label, series, colour in (("before", before, "rgba(127,140,141,0.45)"),
                                  (str(last), after, "rgba(46,134,193,0.8)")):
        values = [float(series.get(country, 0.0)) for country in countries]
        traces.append({"type": "scattergeo", "mode": "markers", "name": f"capacity {label}",
                       "locationmode": "ISO-3", "locations": [ISO3[c] for c in countries],
                       "text": [f"{c}: {v:,.0f} vehicles a year ({label})"
                                for c, v in zip(countries, values, strict=True)],
                       "hoverinfo": "text",
                       "marker": {"size": [4 + 40 * (v / biggest) ** 0.5 for v in values],
                                  "color": colour, "line": {"width": 0}}})
    return {"id": "network-map", "title": f"Capacity by country, before and in {last}",
            "caption": "Capacity of the plants with capacity decisions, by country (circles at "
                       "country centres; area by capacity).",
            "figure": {"data": traces, "layout": _layout(
                geo={"projection": {"type": "natural earth"}, "showcountries": True},
                margin={"l": 0, "r": 0, "t": 10, "b": 0})}}


def _value(comparison: pd.DataFrame) -> dict[str, Any]:
    years = comparison["year"].astype(int).tolist()
    traces = [{"type": "bar", "name": "today's network", "x": years,
               "y": (comparison["today_consolidated_usd"] / 1e9).round(3).tolist(),
               "marker": {"color": "#bdc3c7"}},
              {"type": "bar", "name": "plan", "x": years,
               "y": (comparison["plan_consolidated_usd"] / 1e9).round(3).tolist(),
               "marker": {"color": "#2e86c1"}}]
    gain = float((comparison["gain_consolidated_usd"] * comparison["discount_factor"]).sum())
    return {"id": "network-value", "title": "Value of the plan against today's network",
            "caption": "Margin after fixed, one-off and compliance costs (and any penalty of "
                       "unmet commitments), US$ bn a year (consolidated). "
                       f"Discounted, the plan is worth US$ {gain / 1e9:,.2f} bn more than "
                       "keeping today's network.",
            "figure": {"data": traces, "layout": _layout(
                barmode="group", yaxis={"title": "US$ bn"}, xaxis={"dtick": 1})}}


def network_decision_charts(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """The section's charts from a run's tables; [] when the run made no network decisions."""
    if "network_decisions" not in tables or "plant_decisions" not in tables:
        return []
    charts = [_timeline(tables["network_decisions"])]
    plants = tables["plant_decisions"]
    if len(plants):
        charts += [_capacity(plants), _map(plants)]
    comparison = tables.get("network_comparison")
    if comparison is not None and len(comparison) and comparison[
            "today_consolidated_usd"].notna().all():
        charts.append(_value(comparison))
    return charts
