"""Figures for the HTML report: fleet, ports by class and method, cost, and a site map."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from evplan.charging.api import ChargingResult, SitingExample
    from evplan.fleet.stock import FleetResult

__all__ = ["report_figures"]


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
            title=f"Corridor pools (max gap {example.corridor.max_gap_km:.0f} km; synthetic "
                  "road)")
    return figures


def _site_map(example: SitingExample) -> go.Figure:
    import plotly.graph_objects as go

    zones = example.zones.zones
    sites = example.zones.sites
    figure = go.Figure()
    figure.add_trace(go.Scattergeo(
        lat=zones["lat"], lon=zones["lon"], mode="markers", name="zones (synthetic)",
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
        text=[f"{s} ({p} ports)" for s, p in zip(chosen["site"], chosen["ports"], strict=True)],
        textposition="top center"))
    span = pd.concat([zones[["lat", "lon"]], sites[["lat", "lon"]]])
    figure.update_geos(fitbounds="locations", lataxis_range=[span["lat"].min(),
                                                              span["lat"].max()])
    figure.update_layout(title=f"Chosen {example.charger_class} sites, {example.market} "
                               f"{example.year} (synthetic zones)")
    return figure
