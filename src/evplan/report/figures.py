"""The charts of one run's report, as plain plotly.js figure dicts (no plotly.py objects).

Building JSON-ready dicts directly keeps report generation fast (no figure validation) and
makes each chart a function of tidy tables in, one dict out. Every chart here tells one
part of the story; its caption is written from the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evplan.report.run import RunData
from evplan.report.style import (
    FONT,
    centroids,
    country_colour,
    country_name,
    pct,
    plotly_text,
    vehicles,
    with_alpha,
)

__all__ = ["Chart", "run_charts"]

Figure = dict[str, Any]


@dataclass(frozen=True)
class Chart:
    """One chart of the report: an element id, a title, a caption and the figure."""

    id: str
    title: str
    caption: str
    figure: Figure
    height: int = 460


def base_layout(**extra: Any) -> dict[str, Any]:
    """Layout settings every chart shares."""
    layout: dict[str, Any] = {
        "font": {"family": FONT, "size": 13, "color": "#1d2733"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "hoverlabel": {"font": {"family": FONT}},
        "legend": {"orientation": "h", "y": -0.15},
        # ids that look like numbers (plant "1000", markets "1" and "001") stay categories:
        # plotly.js would put them on a numeric axis, where "1" and "001" share a row
        "autotypenumbers": "strict",
    }
    layout.update(extra)
    return layout


def year_axis(years: Iterable[Any]) -> dict[str, Any]:
    """An x axis of years as categories in calendar order (a trace that starts later, or
    has a gap, would otherwise put its first year after the others')."""
    return {"type": "category", "categoryorder": "array",
            "categoryarray": [str(year) for year in sorted({int(year) for year in years})]}


def year_buttons(years: list[int], traces_per_year: list[int], active: int,
                 label: str = "Year") -> list[dict[str, Any]]:
    """An update menu that shows the traces of one year at a time."""
    total = sum(traces_per_year)
    buttons = []
    start = 0
    for year, count in zip(years, traces_per_year, strict=True):
        visible = [False] * total
        visible[start:start + count] = [True] * count
        buttons.append({"label": str(year), "method": "restyle", "args": [{"visible": visible}]})
        start += count
    return [{"type": "dropdown", "buttons": buttons, "active": active, "x": 0, "y": 1.12,
             "xanchor": "left", "yanchor": "top", "showactive": True,
             "pad": {"r": 4, "t": 0}, "bgcolor": "#f3f5f8", "bordercolor": "#c8ccd2",
             "font": {"size": 12}, "name": label}]


def _countries(run: RunData) -> list[str]:
    return sorted(set(run.tables["production"]["country"]))


def production_by_country(run: RunData) -> Chart:
    """Stacked bars: vehicles built per producing country and year."""
    production = run.tables["production"]
    by_country = production.pivot_table(index="country", columns="year",
                                        values="production_vehicles", aggfunc="sum").reindex(
        columns=run.years).fillna(0.0)
    countries = _countries(run)
    order = sorted(countries, key=lambda code: (code != run.focus, -by_country.loc[code].sum()))
    traces = []
    for country in order:
        values = [round(float(v)) for v in by_country.loc[country].to_numpy()]
        traces.append({
            "type": "bar", "name": country_name(country), "x": [str(y) for y in run.years],
            "y": values,
            "marker": {"color": country_colour(country, countries, run.focus)},
            "hovertemplate": f"{plotly_text(country_name(country))}<br>%{{x}}: "
                             "%{y:,.0f} vehicles"
                             "<extra></extra>",
        })
    first, last = run.years[0], run.years[-1]
    share_first = run.kpi("sales_share_by_origin", first, run.focus)
    share_last = run.kpi("sales_share_by_origin", last, run.focus)
    caption = (f"Vehicles built per producing country. {country_name(run.focus)} builds "
               f"{pct(share_first)} of everything sold in {first}"
               + (f" and {pct(share_last)} in {last}." if last != first else "."))
    layout = base_layout(barmode="stack", yaxis={"title": {"text": "vehicles"},
                                                 "gridcolor": "#e6e9ee"},
                         legend={"orientation": "h", "y": -0.12})
    return Chart("chart-production", "Where the vehicles are built", caption,
                 {"data": traces, "layout": layout}, 420)


SANKEY_PAD_PX = 16
"""Gap between Sankey nodes: above the 11 px labels' line height, so labels never overlap."""


def _sankey_trace(run: RunData, year: int, shipped: pd.DataFrame,
                  nodes: list[tuple[str, str]], colours: list[str], visible: bool
                  ) -> dict[str, Any]:
    index = {node: number for number, node in enumerate(nodes)}
    countries = _countries(run)
    built = shipped.groupby(["origin", "plant"], as_index=False, sort=False)[
        "shipment_vehicles"].sum()
    sold = shipped
    sources = [index[("country", o)] for o in built["origin"]] + [
        index[("plant", p)] for p in sold["plant"]]
    targets = [index[("plant", p)] for p in built["plant"]] + [
        index[("market", m)] for m in sold["market"]]
    values = built["shipment_vehicles"].round().tolist() + sold["shipment_vehicles"].round(
    ).tolist()
    link_colours = [with_alpha(country_colour(o, countries, run.focus), 0.35)
                    for o in [*built["origin"], *sold["origin"]]]
    labels = [_node_label(run, kind, key) for kind, key in nodes]
    return {
        "type": "sankey", "visible": visible, "arrangement": "snap", "valueformat": ",.0f",
        "valuesuffix": " vehicles",
        # pad at least a label's height: adjacent nodes' labels never overlap (issue 18)
        "node": {"label": labels, "color": colours, "pad": SANKEY_PAD_PX, "thickness": 14,
                 "line": {"width": 0}},
        "textfont": {"size": 11},
        "link": {"source": sources, "target": targets, "value": values,
                 "color": link_colours},
        "name": str(year),
    }


def market_name(run: RunData, market: str) -> str:
    """A market's readable name: its country's (``EU`` -> ``European Union``), with the
    market's id when its country has other markets too (``M0 (C2)``, ``M3 (C2)``), so two
    markets never share a label."""
    country = run.market_country.get(market, market)
    shared = sum(other == country for other in run.market_country.values()) > 1
    return f"{market} ({country_name(country)})" if shared else country_name(country)


def _node_label(run: RunData, kind: str, key: str) -> str:
    if kind == "country":
        return f"Built in {country_name(key)}"
    if kind == "market":
        return f"Sold in {market_name(run, key)}"
    return key


def sankey(run: RunData) -> Chart:
    """Sankey: producing country -> plant -> market, one year at a time."""
    shipments = run.tables["shipments"]
    used = shipments[shipments["shipment_vehicles"] > 0.5]
    countries = _countries(run)
    plants = used[["origin", "plant"]].drop_duplicates().sort_values(["origin", "plant"])
    markets = sorted(set(used["market"]))
    nodes = ([("country", c) for c in sorted(set(used["origin"]))]
             + [("plant", p) for p in plants["plant"]]
             + [("market", m) for m in markets])
    plant_country = dict(zip(plants["plant"], plants["origin"], strict=True))
    colours = []
    for kind, key in nodes:
        if kind == "country":
            colours.append(country_colour(key, countries, run.focus))
        elif kind == "plant":
            colours.append(with_alpha(country_colour(plant_country[key], countries,
                                                     run.focus), 0.7))
        else:
            colours.append("#5d6d7e")
    flows = used.groupby(["year", "origin", "plant", "market"])[
        "shipment_vehicles"].sum().reset_index()
    per_year: dict[Any, pd.DataFrame] = {year: frame for year, frame in flows.groupby("year")}
    # plotly.js throws on a Sankey without a link (the page stopped drawing there), so a year
    # without flows has no trace: it is named in the caption instead
    years = [year for year in run.years if year in per_year]
    idle = [str(year) for year in run.years if year not in per_year]
    if not years:
        return _no_flows_chart()
    last = len(years) - 1
    traces = [_sankey_trace(run, year, per_year[year], nodes, colours, position == last)
              for position, year in enumerate(years)]
    year = years[-1]
    exports = shipments[(shipments["year"] == year) & shipments["export"]
                        & (shipments["origin"] == run.focus)]
    top = exports.groupby("market")["shipment_vehicles"].sum().sort_values(ascending=False)
    top = top[top > 0.5].head(3)
    named = ", ".join(f"{market_name(run, str(m))} ({vehicles(v)})"
                      for m, v in top.items())
    caption = (f"Every vehicle from the country that builds it, through its plant, to the "
               f"market that buys it (pick a year; {year} shown). Red flows start in "
               f"{country_name(run.focus)}"
               + (f"; its largest export markets in {year} are {named}." if named else ".")
               + (f" No vehicle is shipped in {', '.join(idle)}." if idle else ""))
    layout = base_layout(updatemenus=year_buttons(years, [1] * len(years), last),
                         margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return Chart("chart-sankey", "From plant to market", caption,
                 {"data": traces, "layout": layout},
                 max(720, (SANKEY_PAD_PX + 6) * max(len(markets), len(plants)) + 300))


def _no_flows_chart() -> Chart:
    """The Sankey's place when the plan ships no vehicle in any year."""
    layout = base_layout(xaxis={"visible": False}, yaxis={"visible": False},
                         annotations=[{"text": "No vehicle is shipped in any year of the plan.",
                                       "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                                       "showarrow": False, "font": {"size": 15}}])
    return Chart("chart-sankey", "From plant to market", "The plan builds and sells no "
                 "vehicle in any year, so there are no flows to draw.",
                 {"data": [], "layout": layout}, 300)


def great_circle_latitudes(start: tuple[float, float], end: tuple[float, float],
                           steps: int = 64) -> np.ndarray:
    """Latitudes (degrees) along the great circle from ``start`` to ``end`` ((lat, lon)),
    the path plotly draws a geo line on.

    Examples
    --------
    >>> round(float(great_circle_latitudes((35.0, 139.0), (40.0, -100.0)).max()), 1)
    57.4
    """
    def unit(point: tuple[float, float]) -> np.ndarray:
        lat, lon = np.radians(point[0]), np.radians(point[1])
        return np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])

    a, b = unit(start), unit(end)
    angle = float(np.arccos(np.clip(a @ b, -1.0, 1.0)))
    if angle < 1e-9:
        return np.array([start[0]])
    t = np.linspace(0.0, 1.0, steps)[:, None]
    path = (np.sin((1 - t) * angle) * a + np.sin(t * angle) * b) / np.sin(angle)
    return np.degrees(np.arcsin(np.clip(path[:, 2], -1.0, 1.0)))


def _latitude_range(lanes: pd.DataFrame, points: dict[str, tuple[float, float]],
                    margin: float = 8.0) -> list[float]:
    """The map's latitude range: every lane's whole great circle and every end, plus a margin
    (the default world band when there are no lanes)."""
    latitudes = [-48.0, 72.0] if lanes.empty else []
    for origin, to in lanes[["origin", "to"]].drop_duplicates().itertuples(index=False):
        latitudes.extend(great_circle_latitudes(points[origin], points[to]).tolist())
    return [max(-90.0, round(min(latitudes) - margin, 1)),
            min(90.0, round(max(latitudes) + margin, 1))]


def export_map(run: RunData) -> Chart:
    """World map: export lanes between country centroids, width by volume, one year at a time."""
    shipments = run.tables["shipments"]
    exports = shipments[shipments["export"] & (shipments["shipment_vehicles"] > 0.5)]
    exports = exports.assign(to=exports["market"].map(run.market_country).fillna(
        exports["market"]))
    lanes = exports.groupby(["year", "origin", "market", "to"], as_index=False)[
        "shipment_vehicles"].sum()
    table = centroids()
    points = {code: (float(lat), float(lon)) for code, lat, lon in zip(
        table.index, table["lat"], table["lon"], strict=True)}
    placed = lanes["origin"].isin(points) & lanes["to"].isin(points)
    unplaced = sorted((set(lanes.loc[~placed, "to"]) | set(lanes.loc[~placed, "origin"]))
                      - set(points))
    lanes = lanes[placed].sort_values(["year", "shipment_vehicles"])
    biggest = float(lanes["shipment_vehicles"].max()) if len(lanes) else 1.0
    countries = _countries(run)
    colour = {code: country_colour(code, countries, run.focus) for code in countries}
    by_year: dict[int, list[tuple[str, str, str, float]]] = {year: [] for year in run.years}
    for year, origin, market, to, volume in lanes[["year", "origin", "market", "to",
                                                   "shipment_vehicles"]].itertuples(
            index=False):
        by_year.setdefault(int(year), []).append((origin, market, to, float(volume)))
    traces: list[dict[str, Any]] = []
    counts = []
    last = len(run.years) - 1
    for position, year in enumerate(run.years):
        visible = position == last
        of_year = by_year.get(year, [])
        for origin, market, to, volume in of_year:
            width = 1.0 + 11.0 * math.sqrt(volume / biggest)
            text = f"{country_name(origin)} → {market}: {volume:,.0f} vehicles in {year}"
            traces.append({
                "type": "scattergeo", "mode": "lines", "visible": visible,
                "lon": [points[origin][1], points[to][1]],
                "lat": [points[origin][0], points[to][0]],
                "line": {"width": round(width, 2),
                         "color": with_alpha(colour.get(origin, "#5d6d7e"), 0.65)},
                "hoverinfo": "text", "text": [text, text], "showlegend": False,
            })
        imports: dict[tuple[str, str], list[tuple[str, float]]] = {}
        exported: dict[str, float] = {}
        for origin, market, to, volume in of_year:
            imports.setdefault((market, to), []).append((origin, volume))
            exported[origin] = exported.get(origin, 0.0) + volume
        hover = []
        for (market, _), sources in imports.items():
            parts = "<br>".join(f"from {plotly_text(country_name(o))}: {v:,.0f}"
                                for o, v in sorted(sources, key=lambda item: -item[1]))
            hover.append(f"<b>{plotly_text(market)}</b> imports {year}<br>{parts}")
        traces.append({
            "type": "scattergeo", "mode": "markers+text", "visible": visible,
            "lon": [points[to][1] for _, to in imports],
            "lat": [points[to][0] for _, to in imports],
            "text": [market for market, _ in imports], "textposition": "bottom center",
            "textfont": {"size": 10, "color": "#1d2733"},
            "hovertext": hover, "hoverinfo": "text",
            "marker": {"size": [round(6 + 18 * math.sqrt(sum(v for _, v in sources) / biggest),
                                      2) for sources in imports.values()],
                       "color": "#1d2733", "opacity": 0.8, "line": {"width": 0}},
            "showlegend": False, "name": f"markets {year}",
        })
        labelled = {market for market, to in imports if market == to}
        traces.append({
            "type": "scattergeo", "mode": "markers+text", "visible": visible,
            "lon": [points[o][1] for o in exported], "lat": [points[o][0] for o in exported],
            # every origin is labelled (once: a market dot of the same name already is)
            "text": ["" if o in labelled else o for o in exported],
            "textposition": "top center",
            "textfont": {"size": 11, "color": "#1d2733"},
            "hovertext": [f"<b>{plotly_text(country_name(o))}</b> exports {year}: "
                          f"{v:,.0f} vehicles"
                          for o, v in exported.items()],
            "hoverinfo": "text",
            "marker": {"size": 14, "symbol": "square",
                       "color": [colour.get(o, "#5d6d7e") for o in exported]},
            "showlegend": False, "name": f"origins {year}",
        })
        counts.append(len(of_year) + 2)
    focus_exports = [run.kpi("exports_by_origin", year, run.focus) for year in run.years]
    caption = (f"Export lanes between producing countries (squares) and markets (dots); line "
               f"width grows with volume. Exports from {country_name(run.focus)} "
               + (f"go from {vehicles(focus_exports[0])} in {run.years[0]} to "
                  f"{vehicles(focus_exports[-1])} in {run.years[-1]}." if len(run.years) > 1
                  else f"are {vehicles(focus_exports[0])} in {run.years[0]}.")
               + " Country positions are approximate centroids.")
    if unplaced:
        caption += f" Not on the map (no centroid shipped): {', '.join(unplaced)}."
    geo = {"projection": {"type": "natural earth"}, "showland": True, "landcolor": "#eceff3",
           "showcountries": True, "countrycolor": "#c3c9d1", "showocean": True,
           "oceancolor": "#f6f9fc", "coastlinecolor": "#aab3bf", "showframe": False,
           "lataxis": {"range": _latitude_range(lanes, points)}, "resolution": 110,
           "scope": "world"}
    layout = base_layout(geo=geo, updatemenus=year_buttons(run.years, counts, last),
                         margin={"l": 0, "r": 0, "t": 40, "b": 0})
    return Chart("chart-map", "Export flows on the map", caption,
                 {"data": traces, "layout": layout}, 560)


def utilisation_heatmap(run: RunData) -> Chart:
    """Heatmap: production / capacity per plant and year, hover with both numbers."""
    table = run.tables["utilisation"].copy()
    table = table.sort_values(["country", "plant"])
    plants = list(dict.fromkeys(table["plant"]))[::-1]
    production = table.pivot(index="plant", columns="year", values="production_vehicles")
    capacity = table.pivot(index="plant", columns="year", values="capacity_vehicles_per_year")
    production = production.reindex(index=plants, columns=run.years)
    capacity = capacity.reindex(index=plants, columns=run.years)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(capacity.to_numpy() > 0, production.to_numpy() / capacity.to_numpy(),
                         np.nan)
    z = [[None if not math.isfinite(v) else round(float(v), 4) for v in row] for row in ratio]
    text = [["" if v is None else f"{v * 100:.0f}%" for v in row] for row in z]
    custom = [[[float(p), float(c)] for p, c in zip(prow, crow, strict=True)]
              for prow, crow in zip(production.fillna(0).to_numpy(),
                                    capacity.fillna(0).to_numpy(), strict=True)]
    trace = {
        "type": "heatmap", "x": [str(y) for y in run.years], "y": plants, "z": z,
        "text": text, "texttemplate": "%{text}", "textfont": {"size": 11},
        "customdata": custom, "zmin": 0, "zmax": 1,
        "colorscale": [[0, "#d73027"], [0.5, "#fee08b"], [0.8, "#a6d96a"], [1, "#1a9850"]],
        "colorbar": {"title": {"text": "utilisation"}, "tickformat": ".0%"},
        "hovertemplate": "%{y} %{x}<br>built %{customdata[0]:,.0f} of capacity "
                         "%{customdata[1]:,.0f}<br>utilisation %{z:.0%}<extra></extra>",
        "xgap": 2, "ygap": 2,
    }
    first, last = run.years[0], run.years[-1]
    caption = (f"Each plant's production against its capacity, year by year (blank: no "
               f"capacity). {country_name(run.focus)}'s plants run "
               f"{pct(run.kpi('utilisation_by_country', first, run.focus))} full in {first}"
               + (f" and {pct(run.kpi('utilisation_by_country', last, run.focus))} in {last}."
                  if last != first else "."))
    # t=44: room for plotly's mode bar (about 30 px) above the first row (issue 18)
    layout = base_layout(margin={"l": 80, "r": 20, "t": 44, "b": 40},
                         yaxis={"automargin": True}, xaxis={"side": "bottom"})
    return Chart("chart-utilisation", "How full the plants run", caption,
                 {"data": [trace], "layout": layout}, max(380, 26 * len(plants) + 114))


def utilisation_by_country(run: RunData) -> Chart:
    """Lines: utilisation per producing country and year."""
    kpis = run.kpis[run.kpis["kpi"] == "utilisation_by_country"]
    countries = _countries(run)
    # a country-year without capacity has no utilisation: a gap, as in the heatmap's blank
    capacity = run.tables["utilisation"].groupby(["country", "year"])[
        "capacity_vehicles_per_year"].sum()
    traces = []
    for country in sorted(set(kpis["key"]), key=lambda c: (c != run.focus, c)):
        rows = kpis[kpis["key"] == country].sort_values("year")
        values = [round(float(value), 4) if capacity.get((country, year), 1.0) > 0 else None
                  for year, value in zip(rows["year"], rows["value"], strict=True)]
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": country_name(country),
            "x": [str(y) for y in rows["year"]], "y": values,
            "line": {"width": 4 if country == run.focus else 2,
                     "color": country_colour(country, countries, run.focus)},
            "hovertemplate": f"{plotly_text(country_name(country))} %{{x}}: "
                             "%{y:.0%}<extra></extra>",
        })
    caption = ("Production over capacity for each producing country's plants together; the "
               f"thick line is {country_name(run.focus)}.")
    # years are categories (autotypenumbers 'strict'): their order is set, not the traces'
    layout = base_layout(yaxis={"tickformat": ".0%", "range": [0, 1.05],
                                "gridcolor": "#e6e9ee"}, xaxis=year_axis(run.years))
    return Chart("chart-utilisation-country", "Utilisation by producing country", caption,
                 {"data": traces, "layout": layout}, 400)


def markets(run: RunData) -> Chart:
    """Four bar panels per market: sales, imports from the focus country, margin, duties."""
    first, last = run.years[0], run.years[-1]
    by_market = run.tables["margin_by_market"]
    shipments = run.tables["shipments"]
    imports = shipments[shipments["export"] & (shipments["origin"] == run.focus)].groupby(
        ["market", "year"])["shipment_vehicles"].sum().reset_index()
    order = by_market[by_market["year"] == last].sort_values("sales_vehicles")["market"].tolist()
    order = order + sorted(set(by_market["market"]) - set(order))
    panels: list[tuple[str, str, pd.DataFrame, str]] = [
              ("sales_vehicles", "Sales (vehicles)", by_market, ",.0f"),
              ("shipment_vehicles", f"Imports from {country_name(run.focus)} (vehicles)",
               imports, ",.0f"),
              ("margin_usd", "Margin (USD)", by_market, ",.3s"),
              ("duty_usd", "Duties paid (USD)", by_market, ",.3s")]
    traces = []
    colours = {first: "#9aa8b8", last: "#1f6fb2"}
    gap = 0.03
    width = (1 - gap * (len(panels) - 1)) / len(panels)
    layout = base_layout(barmode="group", margin={"l": 70, "r": 20, "t": 40, "b": 70},
                         legend={"orientation": "h", "y": -0.04, "x": 0.5, "xanchor": "center",
                                 "yanchor": "top"})
    annotations = []
    for number, (column, title, frame, fmt) in enumerate(panels, start=1):
        axis = "" if number == 1 else str(number)
        for year in dict.fromkeys((first, last)):  # a one-year plan: one bar per market
            of_year = frame.loc[frame["year"] == year, ["market", column]]
            rows = of_year.groupby("market")[column].sum().reindex(order).fillna(0.0)
            traces.append({
                "type": "bar", "orientation": "h", "name": str(year), "y": order,
                "x": rows.round(0).tolist(), "xaxis": f"x{axis}", "yaxis": f"y{axis}",
                "marker": {"color": colours[year]}, "legendgroup": str(year),
                "showlegend": number == 1,
                "hovertemplate": f"%{{y}} {year}: %{{x:{fmt}}}<extra>{plotly_text(title)}"
                                 "</extra>",
            })
        start = (number - 1) * (width + gap)
        layout[f"xaxis{axis}"] = {"domain": [start, start + width], "gridcolor": "#e6e9ee",
                                  "tickformat": "~s", "zeroline": True}
        layout[f"yaxis{axis}"] = {"anchor": f"x{axis}", "showticklabels": number == 1,
                                  "categoryorder": "array", "categoryarray": order,
                                  **({"matches": "y"} if number > 1 else {})}
        annotations.append({"text": f"<b>{plotly_text(title)}</b>", "x": start + width / 2,
                            "y": 1.0, "xref": "paper", "yref": "paper", "showarrow": False,
                            "yanchor": "bottom", "font": {"size": 12}})
    layout["annotations"] = annotations
    top = imports[imports["year"] == last].sort_values("shipment_vehicles", ascending=False)
    top = top[top["shipment_vehicles"] > 0.5].head(3)
    caption = (f"Per market, {first if first == last else f'{first} against {last}'}: what "
               "sells, how much of it comes from "
               f"{country_name(run.focus)}, the margin it earns and the duties it pays. ")
    if len(top):
        caption += ("The markets that absorb most exports from "
                    f"{country_name(run.focus)} in {last}: "
                    + ", ".join(f"{m} ({vehicles(v)})" for m, v in zip(
                        top["market"], top["shipment_vehicles"], strict=True)) + ".")
    return Chart("chart-markets", "Margin, duties and volume by market", caption,
                 {"data": traces, "layout": layout}, max(420, 24 * len(order) + 120))


def duty_schedule(run: RunData) -> Chart:
    """Heatmap: the duty on vehicles from the focus country, market x year, per powertrain."""
    schedule = run.tables.get("duty_schedule")
    if schedule is None:
        return _duty_per_vehicle(run)
    rows = schedule[schedule["origin"] == run.focus]
    maker = rows["maker"].mode().iloc[0] if len(rows) else ""
    rows = rows[rows["maker"] == maker]
    powertrains = [p for p in ("BEV", "PHEV", "HEV", "ICE") if p in set(rows["powertrain"])]
    powertrains += sorted(set(rows["powertrain"]) - set(powertrains))
    markets_order = sorted(set(rows["market"]))[::-1]
    traces = []
    active = powertrains.index("BEV") if "BEV" in powertrains else 0
    for position, powertrain in enumerate(powertrains):
        of = rows[rows["powertrain"] == powertrain]
        total = of.pivot(index="market", columns="year", values="total_rate").reindex(
            index=markets_order, columns=run.years)
        records: list[dict[str, Any]] = of.to_dict("records")  # type: ignore[assignment]
        notes = {(market, int(year)): _duty_note(record) for market, year, record in zip(
            of["market"], of["year"], records, strict=True)}
        custom = [[notes.get((market, year), ["", ""]) for year in run.years]
                  for market in markets_order]
        z = [[None if pd.isna(v) else round(float(v), 4) for v in row]
             for row in total.to_numpy()]
        traces.append({
            "type": "heatmap", "visible": position == active, "name": powertrain,
            "x": [str(y) for y in run.years], "y": markets_order, "z": z,
            "text": [["" if v is None else f"{v * 100:.1f}".rstrip("0").rstrip(".") + "%"
                      for v in row] for row in z],
            "texttemplate": "%{text}", "textfont": {"size": 11}, "customdata": custom,
            "zmin": 0, "zmax": max(0.5, float(np.nanmax(total.to_numpy(dtype=float)))
                                   if total.notna().any().any() else 0.5),
            "colorscale": [[0, "#f7fbff"], [0.25, "#9ecae1"], [0.6, "#3182bd"],
                           [1, "#08306b"]],
            "colorbar": {"title": {"text": "duty"}, "tickformat": ".0%"},
            "hovertemplate": f"{plotly_text(powertrain)} from "
                             f"{plotly_text(country_name(run.focus))} to %{{y}}, %{{x}}:"
                             " %{z:.1%}<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            "xgap": 2, "ygap": 2,
        })
    buttons = [{"label": powertrain, "method": "restyle",
                "args": [{"visible": [i == k for k in range(len(powertrains))]}]}
               for i, powertrain in enumerate(powertrains)]
    layout = base_layout(margin={"l": 70, "r": 20, "t": 50, "b": 40},
                         updatemenus=[{"type": "buttons", "direction": "right",
                                       "buttons": buttons, "active": active, "x": 0, "y": 1.1,
                                       "xanchor": "left", "yanchor": "bottom",
                                       "bgcolor": "#f3f5f8", "bordercolor": "#c8ccd2"}])
    caption = (f"The import duty the run assumed on vehicles built in {country_name(run.focus)}"
               f" ({maker}), by market and year: ad valorem plus countervailing duty, as a "
               "share of the customs value (pick a powertrain; hover for specific and minimum "
               "duties, quotas and the source). Markets without a row trade duty-free or are "
               "domestic.")
    return Chart("chart-duties", "The duty schedule the run assumed", caption,
                 {"data": traces, "layout": layout}, max(380, 24 * len(markets_order) + 120))


def _duty_note(record: dict[str, Any]) -> list[str]:
    """Hover lines of one duty cell: what the rate is made of, and its source."""
    extra = []
    if record["cvd_rate"] > 0:
        extra.append(f"incl. countervailing {record['cvd_rate']:.1%}")
    if record["specific_usd_per_vehicle"] > 0:
        extra.append(f"+ USD {record['specific_usd_per_vehicle']:,.0f}/vehicle")
    if record["minimum_usd_per_vehicle"] > 0:
        extra.append(f"min USD {record['minimum_usd_per_vehicle']:,.0f}/vehicle")
    if pd.notna(record["quota_vehicles_per_year"]):
        share = record.get("quota_share", 1.0)  # a run folder written before the column
        mine = ("" if pd.isna(share) or share == 1.0 else
                f" (the maker's {share:.0%}: {record['quota_vehicles_per_year'] * share:,.0f})")
        extra.append(f"quota {record['quota_vehicles_per_year']:,.0f}{mine} at "
                     f"{record['in_quota_rate']:.1%}")
    source = str(record["source"])
    return ["; ".join(extra) or "ad valorem only",
            source[:90] + ("…" if len(source) > 90 else "")]


def _duty_per_vehicle(run: RunData) -> Chart:
    """Fallback for runs written without ``duty_schedule``: duty per vehicle from the plan."""
    duties = run.tables["duties"]
    rows = duties[duties["origin"] == run.focus].groupby(["market", "year"], as_index=False)[
        "duty_usd_per_vehicle"].max()
    markets_order = sorted(set(rows["market"]))[::-1]
    table = rows.pivot(index="market", columns="year", values="duty_usd_per_vehicle").reindex(
        index=markets_order, columns=run.years)
    trace = {"type": "heatmap", "x": [str(y) for y in run.years], "y": markets_order,
             "z": [[None if pd.isna(v) else float(v) for v in row] for row in table.to_numpy()],
             "colorscale": "Blues", "colorbar": {"title": {"text": "USD/vehicle"}},
             "hovertemplate": "%{y} %{x}: USD %{z:,.0f}/vehicle<extra></extra>"}
    caption = (f"Highest duty per vehicle on vehicles from {country_name(run.focus)}, by market "
               "and year (this run folder has no duty_schedule table; rerun `evplan run` for "
               "the rates).")
    return Chart("chart-duties", "The duty schedule the run assumed", caption,
                 {"data": [trace], "layout": base_layout()}, 420)


def run_charts(run: RunData) -> list[Chart]:
    """Every chart of one run's report, in reading order."""
    return [production_by_country(run), sankey(run), export_map(run), utilisation_heatmap(run),
            utilisation_by_country(run), markets(run), duty_schedule(run)]
