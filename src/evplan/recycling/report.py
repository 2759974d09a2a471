"""Charts of a recycling plan for the HTML report (plain plotly figure dicts, no plotly import).

:func:`recycling_charts` returns, for a run folder's recycling tables, three charts in the
report's form (``id``, ``title``, ``caption``, ``figure``): recovered tonnes by material
over time, plants and collection lanes on a map, and EU compliance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from evplan.recycling.regulation import target_name

__all__ = ["recycling_charts", "recycling_charts_of_run"]

COLOURS = {"lithium": "#2e86c1", "nickel": "#27ae60", "cobalt": "#8e44ad",
           "manganese": "#a04000", "graphite": "#34495e", "copper": "#d35400",
           "aluminium": "#95a5a6", "iron": "#7f8c8d", "phosphorus": "#c0392b",
           "steel": "#5d6d7e"}
PROCESS_COLOURS = {"hydro": "#2e86c1", "pyro": "#c0392b", "direct": "#27ae60"}


def _layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {"margin": {"l": 60, "r": 20, "t": 30, "b": 50},
                              "font": {"family": "system-ui, sans-serif", "size": 12},
                              "plot_bgcolor": "#ffffff", "legend": {"orientation": "h"},
                              # ids that look like numbers ("07", "1000") stay categories
                              "autotypenumbers": "strict"}
    layout.update(extra)
    return layout


def _recovered_chart(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    recovered = tables["recovered_by_year"]
    recovered = recovered[recovered["material"] != "other"]
    pivot = recovered.pivot_table(index="year", columns="material", values="recovered_tonnes",
                                  aggfunc="sum").fillna(0.0)
    traces = [{"type": "bar", "name": material, "x": pivot.index.tolist(),
               "y": pivot[material].round(1).tolist(),
               "marker": {"color": COLOURS.get(material, "#5d6d7e")}}
              for material in pivot.columns if pivot[material].sum() > 0]
    total = float(pivot.to_numpy().sum())
    return {"id": "recycling-recovered", "title": "Recovered materials by year",
            "caption": f"Tonnes recovered by the recycling network, {total:,.0f} t over "
                       f"{pivot.index.min()}–{pivot.index.max()} (element masses; steel from "
                       "pack casings).",
            "figure": {"data": traces, "layout": _layout(barmode="stack",
                                                         yaxis={"title": "t recovered"})}}


def _map_chart(tables: Mapping[str, pd.DataFrame], points: pd.DataFrame | None
               ) -> dict[str, Any]:
    plants = tables["plants"]
    flows = tables["flows"]
    traces: list[dict[str, Any]] = []
    last = int(flows["year"].max()) if len(flows) else None
    if points is not None and last is not None:
        located = points.set_index("collection_point")
        sites = plants.drop_duplicates("plant").set_index("plant")
        lanes = flows[flows["year"] == last].groupby(["collection_point", "plant"],
                                                       as_index=False)["tonnes"].sum()
        biggest = float(lanes["tonnes"].max()) if len(lanes) else 1.0
        for lane in lanes.itertuples():
            if lane.collection_point not in located.index or lane.plant not in sites.index:
                continue
            start, end = located.loc[lane.collection_point], sites.loc[lane.plant]
            traces.append({"type": "scattergeo", "mode": "lines", "showlegend": False,
                           "lon": [float(start["lon"]), float(end["lon"])],
                           "lat": [float(start["lat"]), float(end["lat"])],
                           "line": {"width": round(1 + 6 * (lane.tonnes / biggest) ** 0.5, 2),
                                    "color": "rgba(93,109,126,0.5)"},
                           "hoverinfo": "text",
                           "text": f"{lane.collection_point} → {lane.plant}: "
                                   f"{lane.tonnes:,.0f} t in {last}"})
        traces.append({"type": "scattergeo", "mode": "markers", "name": "collection points",
                       "lon": located["lon"].tolist(), "lat": located["lat"].tolist(),
                       "text": located.index.tolist(), "hoverinfo": "text",
                       "marker": {"size": 6, "color": "#1d2733"}})
    for process, group in plants.groupby("process"):
        traces.append({"type": "scattergeo", "mode": "markers", "name": f"{process} plants",
                       "lon": group["lon"].tolist(), "lat": group["lat"].tolist(),
                       "hoverinfo": "text",
                       "text": [f"{row.plant}: {row.tier} {row.process}, "
                                f"{row.capacity_tonnes_per_year:,.0f} t/yr from "
                                f"{row.opened_year}" for row in group.itertuples()],
                       "marker": {"size": 13, "symbol": "square",
                                  "color": PROCESS_COLOURS.get(str(process), "#5d6d7e")}})
    geo = {"projection": {"type": "natural earth"}, "showland": True, "landcolor": "#eceff3",
           "showcountries": True, "countrycolor": "#c3c9d1", "showframe": False}
    return {"id": "recycling-map", "title": "Recycling plants and collection lanes",
            "caption": f"{len(plants)} plant{'s' if len(plants) != 1 else ''} opened "
                       "(squares, coloured by process); lines "
                       f"are the lanes used in {last}, width growing with tonnes. Sites and "
                       "collection points are synthetic examples.",
            "figure": {"data": traces, "layout": _layout(geo=geo)}}


def _compliance_chart(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    compliance = tables["compliance"]
    eu = compliance[compliance["scope"] == "EU"] if len(compliance) else compliance
    traces: list[dict[str, Any]] = []
    for (target, material), group in eu.groupby(["target", "material"]):
        label = "recycling efficiency" if target == "recycling_efficiency" else str(material)
        traces.append({"type": "scatter", "mode": "lines+markers", "name": f"{label} achieved",
                       "x": group["year"].tolist(),
                       "y": (group["share_achieved"] * 100).round(2).tolist()})
        traces.append({"type": "scatter", "mode": "lines", "name": f"{label} required",
                       "x": group["year"].tolist(),
                       "y": (group["share_required"] * 100).round(2).tolist(),
                       "line": {"dash": "dot"}})
    content = tables["recycled_content"]
    short = content[content["shortfall_tonnes"] > 0] if len(content) else content
    caption = "EU plants' recycling efficiency and material recovery against Regulation " \
              "(EU) 2023/1542 (dotted: required)."
    plants = compliance[(compliance["scope"] != "EU") & ~compliance["met"].astype(bool)] if len(
        compliance) else compliance
    if len(plants):  # the targets bind each plant; the lines are of the EU plants together
        named = [f"{scope} {target_name(target, material)} {year} ({float(short_t):,.0f} t)"
                 for scope, target, material, year, short_t in plants[
                     ["scope", "target", "material", "year", "shortfall_tonnes"]].head(
                     4).itertuples(index=False)]
        caption += " Missed at single plants: " + ", ".join(named) + (
            f" and {len(plants) - 4} more" if len(plants) > 4 else "") + "."
    if len(short):
        caption += " Recycled content falls short in " + ", ".join(
            f"{row.year} {row.material} ({row.shortfall_tonnes:,.0f} t)"
            for row in short.head(4).itertuples()) + "."
    return {"id": "recycling-compliance", "title": "EU Battery Regulation compliance",
            "caption": caption,
            "figure": {"data": traces, "layout": _layout(yaxis={"title": "%"})}}


def recycling_charts(tables: Mapping[str, pd.DataFrame],
                     collection_points: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """The report's recycling charts from the recycling tables of a run.

    Parameters
    ----------
    tables : Mapping[str, pandas.DataFrame]
        :attr:`RecyclingResult.tables` or :func:`evplan.recycling.output.read_recycling`.
    collection_points : pandas.DataFrame, optional
        ``collection_point``, ``lat``, ``lon`` for the lanes on the map.
    """
    return [_recovered_chart(tables), _map_chart(tables, collection_points),
            _compliance_chart(tables)]


def recycling_charts_of_run(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """The recycling charts from a run folder's tables (``recycling_*``); [] when none."""
    prefix = "recycling_"
    own = {name[len(prefix):]: table for name, table in tables.items()
           if name.startswith(prefix)}
    needed = {"recovered_by_year", "plants", "flows", "compliance", "recycled_content"}
    if not needed <= set(own):
        return []
    return recycling_charts(own, own.get("collection_points"))
