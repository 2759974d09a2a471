"""Figures for the HTML report: fleet, ports by class and method, cost, and a site map.

:func:`charging_charts_of_run` builds the run report's "Fleet and charging" charts from a run
folder's ``fleet*`` and ``charging_*`` tables, as plain plotly.js figure dicts (``id``,
``title``, ``caption``, ``figure``; no plotly import), like the recycling charts.
:func:`report_figures` returns plotly Figures from in-memory results instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from evplan.report.style import plotly_text

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from evplan.charging.api import ChargingResult, SitingExample
    from evplan.fleet.stock import FleetResult

__all__ = ["charging_charts", "charging_charts_of_run", "ports_text", "report_figures"]


def report_figures(fleet: FleetResult, charging: ChargingResult | None = None,
                   example: SitingExample | None = None) -> dict[str, go.Figure]:
    """Plotly figures for the report section "Fleet and charging".

    Returns
    -------
    dict of str to plotly Figure
        ``fleet_by_powertrain`` (vehicles in use over time, stacked by powertrain, the
        charging markets); ``packs_retired`` (tonnes by chemistry); with ``charging``:
        ``ports_by_class`` (ports by class over time, one panel per method),
        ``charging_cost`` (capital cost per year by method); with ``example``:
        ``site_map`` (zones, candidate and chosen sites) and ``corridor``.
    """
    import plotly.express as px

    markets = list(charging.markets) if charging is not None else fleet.markets
    stock = fleet["fleet"][fleet["fleet"]["market"].isin(markets)]
    by_powertrain = stock.groupby(["year", "powertrain"], as_index=False)["vehicles_in_use"].sum()
    figures: dict[str, go.Figure] = {
        "fleet_by_powertrain": px.area(
            by_powertrain, x="year", y="vehicles_in_use", color="powertrain",
            title=f"Vehicles in use, {', '.join(markets)}",
            labels={"vehicles_in_use": "vehicles in use"}),
    }
    packs = fleet["packs_retired"][fleet["packs_retired"]["market"].isin(markets)]
    figures["packs_retired"] = px.bar(
        packs.groupby(["year", "chemistry"], as_index=False)["tonnes"].sum(), x="year",
        y="tonnes", color="chemistry", title="Battery packs retired (tonnes)")
    if charging is not None:
        ports = charging["charging_ports"].groupby(["year", "method", "charger_class"],
                                                   as_index=False)["ports"].sum()
        figures["ports_by_class"] = px.bar(
            ports, x="year", y="ports", color="charger_class", facet_col="method",
            title="Public ports by class: ratio methods (afir, benchmark) vs queueing")
        cost = charging["charging_summary"].groupby(["year", "method"], as_index=False)[
            "capex_usd"].sum()
        figures["charging_cost"] = px.line(cost, x="year", y="capex_usd", color="method",
                                           markers=True, title="Capital cost of ports added "
                                           "(USD, hardware + grid)")
    if example is not None:
        figures["site_map"] = _site_map(example)
        road = example.corridor.pools
        figures["corridor"] = px.scatter(
            road, x="km", y=[0] * len(road), size="ports", hover_name="site",
            title=f"Corridor pools (max gap {example.corridor.max_gap_km:.0f} km; "
                  f"{example.describe('corridor')})")
    return figures


def _site_map(example: SitingExample) -> go.Figure:
    import plotly.graph_objects as go

    zones = example.zones.zones
    sites = example.zones.sites
    figure = go.Figure()
    figure.add_trace(go.Scattergeo(
        lat=zones["lat"], lon=zones["lon"], mode="markers",
        name="zones (synthetic)" if example.synthetic["zones"] else "zones",
        marker={"size": 4 + 20 * zones["demand_weight"] / max(zones["demand_weight"].max(), 1),
                "color": zones["covered"].map({True: "#2b8cbe", False: "#bbbbbb"})},
        text=zones["zone"]))
    closed = sites[~sites["open"]]
    chosen = sites[sites["open"]]
    figure.add_trace(go.Scattergeo(lat=closed["lat"], lon=closed["lon"], mode="markers",
                                   name="candidate sites", marker={"symbol": "x", "size": 8,
                                                                   "color": "#999999"},
                                   text=closed["site"]))
    figure.add_trace(go.Scattergeo(
        lat=chosen["lat"], lon=chosen["lon"], mode="markers+text", name="chosen sites",
        marker={"symbol": "square", "size": 10 + 2 * chosen["ports"], "color": "#e6550d"},
        text=[f"{s} ({ports_text(p)})"
              for s, p in zip(chosen["site"], chosen["ports"], strict=True)],
        textposition="top center"))
    span = pd.concat([zones[["lat", "lon"]], sites[["lat", "lon"]]])
    figure.update_geos(fitbounds="locations", lataxis_range=[span["lat"].min(),
                                                              span["lat"].max()])
    figure.update_layout(title=f"Chosen {example.charger_class} sites, {example.market} "
                               f"{example.year} ({example.describe('zones', 'sites')})")
    return figure


# ---- charts of a run folder (plain figure dicts for the offline report) -------------------

POWERTRAIN_COLOURS = {"BEV": "#27ae60", "PHEV": "#2e86c1", "HEV": "#f0b429", "ICE": "#95a5a6"}
CLASS_COLOURS = {"AC22": "#85c1e9", "DC50": "#2e86c1", "DC150": "#e67e22", "DC350": "#c0392b"}
METHOD_COLOURS = {"afir": "#2e86c1", "benchmark": "#8e44ad", "queueing": "#27ae60"}
METHOD_NAMES = {"afir": "AFIR ratio", "benchmark": "benchmark ratio",
                "queueing": "queueing (Erlang-C)"}
GEO = {"scope": "world", "resolution": 110, "projection": {"type": "mercator"},
       "fitbounds": "locations", "showland": True, "landcolor": "#eceff3",
       "showcountries": True, "countrycolor": "#c3c9d1", "showocean": True,
       "oceancolor": "#f6f9fc", "coastlinecolor": "#aab3bf", "showframe": False}


def _layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {"margin": {"l": 60, "r": 20, "t": 30, "b": 50},
                              "font": {"family": "system-ui, sans-serif", "size": 12},
                              "plot_bgcolor": "#ffffff", "legend": {"orientation": "h"},
                              # ids that look like numbers ("07", "1000") stay categories
                              "autotypenumbers": "strict"}
    layout.update(extra)
    return layout


def _count(value: float) -> str:
    """``1,234`` below ten thousand, ``12.3 k`` and ``1.23 M`` above."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.2f} M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:,.1f} k"
    return f"{value:,.0f}"


def _markets(markets: list[str]) -> str:
    return ", ".join(markets) if len(markets) <= 8 else \
        f"{', '.join(markets[:6])} and {len(markets) - 6} more"


def _ordered(values: Any, order: Mapping[str, Any]) -> list[str]:
    present = [str(value) for value in dict.fromkeys(values)]
    return [name for name in order if name in present] + sorted(
        name for name in present if name not in order)


def _fleet_chart(fleet: pd.DataFrame, markets: list[str] | None, sized_until: int | None
                 ) -> dict[str, Any]:
    chosen = markets or sorted(set(fleet["market"]))
    stock = fleet[fleet["market"].isin(chosen)]
    pivot = stock.pivot_table(index="year", columns="powertrain", values="vehicles_in_use",
                              aggfunc="sum").fillna(0.0).sort_index()
    powertrains = _ordered(pivot.columns, POWERTRAIN_COLOURS)
    traces = [{"type": "scatter", "mode": "lines", "stackgroup": "fleet", "name": powertrain,
               "x": pivot.index.tolist(), "y": pivot[powertrain].round(0).tolist(),
               "line": {"width": 0.5, "color": POWERTRAIN_COLOURS.get(powertrain, "#5d6d7e")},
               "hovertemplate": f"{powertrain} %{{x}}: %{{y:,.0f}} vehicles<extra></extra>"}
              for powertrain in powertrains]
    first, last = int(pivot.index.min()), int(pivot.index.max())
    plugins = pivot[[p for p in ("BEV", "PHEV") if p in pivot.columns]].sum(axis=1)
    total = pivot.sum(axis=1)
    share = float(plugins[last] / total[last]) if total[last] > 0 else 0.0
    scope = (f"the {len(chosen)} markets sized for charging ({_markets(chosen)})" if markets
             else f"every market of the fleet ({_markets(chosen)})")
    middle = ""
    if sized_until is not None and first < sized_until < last and sized_until in plugins.index:
        middle = (f"{_count(float(plugins[sized_until]))} in {sized_until} (the last year "
                  "sized for charging) and ")
    caption = (f"Vehicles in use at the end of each year in {scope}, stacked by powertrain. "
               f"Plug-ins (BEV + PHEV) go from {_count(float(plugins[first]))} in {first} to "
               f"{middle}{_count(float(plugins[last]))} in {last}, {share:.0%} of "
               f"{_count(float(total[last]))} vehicles.")
    return {"id": "charging-fleet", "title": "Vehicles in use by powertrain",
            "caption": caption,
            "figure": {"data": traces, "layout": _layout(
                yaxis={"title": {"text": "vehicles in use"}}, hovermode="x unified",
                legend={"orientation": "h", "traceorder": "normal"})}}


def ports_text(count: Any) -> str:
    """``1`` -> ``1 port``, ``2`` -> ``2 ports``, ``1234.4`` -> ``1,234 ports``.

    Examples
    --------
    >>> ports_text(1), ports_text(0), ports_text(1234.4), ports_text(0.6)
    ('1 port', '0 ports', '1,234 ports', '1 port')
    """
    shown = f"{float(count):,.0f}"
    return f"{shown} port{'' if shown == '1' else 's'}"


def _ports_chart(ports: pd.DataFrame) -> dict[str, Any]:
    by_class = ports.groupby(["method", "charger_class", "year"], as_index=False).agg(
        ports=("ports", "sum"), power_kw=("power_kw", "first"))
    methods = _ordered(by_class["method"], METHOD_COLOURS)
    powers = by_class.groupby("charger_class")["power_kw"].first().sort_values()
    classes = [str(name) for name in powers.index]
    years = sorted(int(year) for year in by_class["year"].unique())
    width = 1.0 / len(methods)
    traces: list[dict[str, Any]] = []
    layout = _layout(barmode="stack", annotations=[],
                     margin={"l": 60, "r": 20, "t": 45, "b": 50})
    for number, method in enumerate(methods, start=1):
        suffix = "" if number == 1 else str(number)
        rows = by_class[by_class["method"] == method].pivot_table(
            index="year", columns="charger_class", values="ports", aggfunc="sum"
        ).reindex(index=years, columns=classes).fillna(0.0)
        for charger_class in classes:
            traces.append({"type": "bar", "name": charger_class, "legendgroup": charger_class,
                           "showlegend": number == 1, "x": years,
                           "y": rows[charger_class].round(0).tolist(),
                           "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
                           "marker": {"color": CLASS_COLOURS.get(charger_class, "#5d6d7e")},
                           "hovertemplate": f"{METHOD_NAMES.get(method, method)}, "
                                            f"{charger_class} %{{x}}: %{{y:,.0f}} ports"
                                            "<extra></extra>"})
        left, right = (number - 1) * width + 0.02, number * width - 0.02
        layout[f"xaxis{suffix}"] = {"domain": [left, right], "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = ({"title": {"text": "public ports"}} if number == 1 else
                                    {"anchor": f"x{suffix}", "matches": "y",
                                     "showticklabels": False})
        layout["annotations"].append({"text": f"<b>{METHOD_NAMES.get(method, method)}</b>",
                                      "xref": "paper", "yref": "paper", "x": (left + right) / 2,
                                      "y": 1.0, "xanchor": "center", "yanchor": "bottom",
                                      "showarrow": False})
    last = years[-1]
    final = ports[ports["year"] == last]
    total = final.groupby("method")["ports"].sum()
    fast = final[final["power_kw"] > 22].groupby("method")["ports"].sum()
    power = final.groupby("method")["public_power_kw"].sum() / 1000
    markets = sorted(set(ports["market"]))
    parts = [f"{METHOD_NAMES.get(m, m)} {ports_text(total.get(m, 0.0))} "
             f"({fast.get(m, 0.0):,.0f} DC, {power.get(m, 0.0):,.0f} MW)" for m in methods]
    caption = (f"Public ports by charger class, summed over {len(markets)} market"
               f"{'s' if len(markets) != 1 else ''}, one panel per sizing method. In {last}: "
               + "; ".join(parts) + ". Ratios scale with the plug-in fleet; queueing sizes "
               "ports for the peak-hour public energy.")
    return {"id": "charging-ports", "title": "Public ports by class and sizing method",
            "caption": caption, "figure": {"data": traces, "layout": layout}}


def _cost_chart(summary: pd.DataFrame) -> dict[str, Any]:
    cost = summary.groupby(["method", "year"], as_index=False)["capex_usd"].sum()
    methods = _ordered(cost["method"], METHOD_COLOURS)
    traces = []
    for method in methods:
        rows = cost[cost["method"] == method].sort_values("year")
        traces.append({"type": "scatter", "mode": "lines+markers",
                       "name": METHOD_NAMES.get(method, method), "x": rows["year"].tolist(),
                       "y": (rows["capex_usd"] / 1e6).round(2).tolist(),
                       "line": {"color": METHOD_COLOURS.get(method, "#5d6d7e")},
                       "hovertemplate": f"{METHOD_NAMES.get(method, method)} %{{x}}: "
                                        "%{y:,.1f} M USD<extra></extra>"})
    first, last = int(cost["year"].min()), int(cost["year"].max())
    totals = cost.groupby("method")["capex_usd"].sum() / 1e6
    caption = (f"Capital cost of the public ports added each year (hardware + grid "
               f"connection), summed over markets. Cumulative {first}–{last}: "
               + "; ".join(f"{METHOD_NAMES.get(m, m)} {totals.get(m, 0.0):,.1f} M USD"
                           for m in methods) + ".")
    return {"id": "charging-cost", "title": "Capital cost of ports added, by method",
            "caption": caption, "figure": {"data": traces, "layout": _layout(
                yaxis={"title": {"text": "M USD per year"}}, hovermode="x unified")}}


def _site_map_chart(sites: pd.DataFrame, zones: pd.DataFrame | None,
                    assignment: pd.DataFrame | None) -> dict[str, Any]:
    traces: list[dict[str, Any]] = []
    chosen = sites[sites["open"].astype(bool)]
    closed = sites[~sites["open"].astype(bool)]
    if zones is not None and len(zones):
        if assignment is not None and len(assignment):
            at_zone = {str(name): (float(x), float(y)) for name, x, y in zip(
                zones["zone"], zones["lon"], zones["lat"], strict=True)}
            at_site = {str(name): (float(x), float(y)) for name, x, y in zip(
                sites["site"], sites["lon"], sites["lat"], strict=True)}
            lon: list[float | None] = []
            lat: list[float | None] = []
            for zone, site in assignment[["zone", "site"]].itertuples(index=False):
                if str(zone) in at_zone and str(site) in at_site:
                    (zone_lon, zone_lat), (site_lon, site_lat) = at_zone[str(zone)], at_site[
                        str(site)]
                    lon += [zone_lon, site_lon, None]
                    lat += [zone_lat, site_lat, None]
            traces.append({"type": "scattergeo", "mode": "lines", "name": "zone → site",
                           "lon": lon, "lat": lat, "hoverinfo": "skip",
                           "line": {"width": 1, "color": "rgba(93,109,126,0.45)"}})
        biggest = max(float(zones["demand_weight"].max()), 1e-9)
        covered = zones["covered"].astype(bool)
        for label, group, colour in (("zones covered", zones[covered], "#2b8cbe"),
                                     ("zones not covered", zones[~covered], "#bbbbbb")):
            if not len(group):
                continue
            traces.append({
                "type": "scattergeo", "mode": "markers", "name": label,
                "lon": group["lon"].tolist(), "lat": group["lat"].tolist(),
                "text": [f"{row.zone}: weight {row.demand_weight:g}, "
                         f"{row.peak_hour_arrivals:.1f} arrivals at the peak hour"
                         for row in group.itertuples()], "hoverinfo": "text",
                "marker": {"size": [round(5 + 15 * math.sqrt(w / biggest), 2)
                                    for w in group["demand_weight"]],
                           "color": colour, "opacity": 0.7}})
    if len(closed):
        traces.append({"type": "scattergeo", "mode": "markers", "name": "candidate sites",
                       "lon": closed["lon"].tolist(), "lat": closed["lat"].tolist(),
                       "text": closed["site"].tolist(), "hoverinfo": "text",
                       "marker": {"symbol": "x", "size": 8, "color": "#7f8c8d"}})
    traces.append({
        "type": "scattergeo", "mode": "markers+text", "name": "chosen sites",
        "lon": chosen["lon"].tolist(), "lat": chosen["lat"].tolist(),
        "text": [f"{row.site} ({row.ports})" for row in chosen.itertuples()],
        "textposition": "top center",
        "hovertext": [f"{plotly_text(row.site)}: {ports_text(row.ports)}, "
                      f"{plotly_text(row.zones)} zones, "
                      f"{row.peak_hour_arrivals:.1f} arrivals/h, P(wait) "
                      f"{row.wait_probability:.2f}" for row in chosen.itertuples()],
        "hoverinfo": "text",
        "marker": {"symbol": "square", "color": "#e6550d",
                   "size": [round(9 + 3 * math.sqrt(float(p)), 2) for p in chosen["ports"]]}})
    label = ""
    if {"market", "year", "charger_class"} <= set(sites.columns) and len(sites):
        first = sites.iloc[0]
        label = f"{first['market']}'s {first['charger_class']} demand in {int(first['year'])}"
    caption = (f"{len(chosen)} of {len(sites)} candidate sites chosen"
               + (f" for {label}" if label else "")
               + f" ({chosen['peak_hour_arrivals'].sum():.1f} vehicles at the peak hour), "
               f"{ports_text(chosen['ports'].sum())} in all (squares, labelled with their "
               "ports).")
    if zones is not None and len(zones):
        weight = zones["demand_weight"].astype(float)
        share = float(weight[zones["covered"].astype(bool)].sum() / weight.sum()
                      ) if weight.sum() > 0 else 0.0
        caption += (f" {share:.0%} of the {len(zones)} zones' demand weight is assigned to a "
                    "chosen site (dots sized by weight; lines join zone and site).")
    caption += " " + _sources_sentence(sites, zones)
    return {"id": "charging-map", "title": "Siting example: zones, candidate and chosen sites",
            "caption": caption, "height": 520,
            "figure": {"data": traces, "layout": _layout(
                geo=GEO, margin={"l": 0, "r": 0, "t": 30, "b": 0})}}


def _sources_sentence(sites: pd.DataFrame, zones: pd.DataFrame | None) -> str:
    """Whether the map's zones and sites are the shipped synthetic ones (their ``source``
    column; tables written before it existed were always synthetic)."""
    from evplan.charging.api import describe_sources

    def source(table: pd.DataFrame | None, kind: str) -> str:
        if table is not None and "source" in table and len(table):
            return str(table["source"].iloc[0])
        return f"synthetic_{kind}.csv"

    sources = {"zones": source(zones, "zones"), "sites": source(sites, "sites")}
    if sources == {"zones": "synthetic_zones.csv", "sites": "synthetic_sites.csv"}:
        return ("The shipped zones and sites are synthetic examples; pass --zones and --sites "
                "for a real study.")
    return f"Siting tables: {describe_sources(sources, 'zones', 'sites')}."


def charging_charts(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """The report's fleet and charging charts from tables named as in a run folder.

    Each chart needs its own tables and is left out without them: ``fleet`` (vehicles in
    use by powertrain, in the markets of ``charging_energy`` when present),
    ``charging_ports`` (ports by class per method), ``charging_summary`` (capital cost by
    method), ``charging_sites`` with ``charging_zones`` and ``charging_site_assignment``
    when present (the siting example's map).
    """
    charts = []
    energy = tables.get("charging_energy")
    markets: list[str] | None = None
    sized_until: int | None = None
    if energy is not None and len(energy):
        markets = sorted(set(energy["market"]))
        sized_until = int(energy["year"].max())
    fleet = tables.get("fleet")
    if fleet is not None and len(fleet) and {"powertrain", "vehicles_in_use"} <= set(
            fleet.columns):
        charts.append(_fleet_chart(fleet, markets, sized_until))
    ports = tables.get("charging_ports")
    if ports is not None and len(ports):
        charts.append(_ports_chart(ports))
    summary = tables.get("charging_summary")
    if summary is not None and len(summary):
        charts.append(_cost_chart(summary))
    sites = tables.get("charging_sites")
    if sites is not None and len(sites):
        charts.append(_site_map_chart(sites, tables.get("charging_zones"),
                                      tables.get("charging_site_assignment")))
    return charts


def charging_charts_of_run(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """The fleet and charging charts from a run folder's tables; [] when it has none.

    ``tables`` are the run's tables by file stem (as :func:`evplan.report.run.load_run`
    reads them): ``fleet`` from ``evplan fleet``, ``charging_*`` from ``evplan charging``.
    """
    own = {name: table for name, table in tables.items()
           if name == "fleet" or name.startswith("charging_")}
    return charging_charts(own)
