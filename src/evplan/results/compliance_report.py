"""Charts of the report section "Compliance and CO2", as plain plotly.js figure dicts.

:func:`compliance_charts_of_run` reads a run's ``fleet_compliance``, ``zev_compliance``,
``production_credit_compliance``, ``co2_by_year`` and ``co2_by_plant`` tables and
returns ``id``, ``title``, ``caption`` and ``figure`` dicts (no plotly import), like the
recycling and charging charts; the report draws them without importing this package's
model code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["COMPLIANCE_RESULT_TABLES", "compliance_charts_of_run"]

COMPLIANCE_RESULT_TABLES = ("fleet_compliance", "zev_compliance",
                            "production_credit_compliance", "co2_by_plant", "co2_by_lane",
                            "co2_by_year", "battery_footprint")


def _layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {"margin": {"l": 60, "r": 20, "t": 30, "b": 50},
                              "legend": {"orientation": "h", "y": -0.2},
                              "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
                              # a plant id such as "1000" stays a category, not a number
                              "autotypenumbers": "strict"}
    layout.update(extra)
    return layout


def _fleet_chart(fleet: pd.DataFrame) -> dict[str, Any]:
    traces: list[dict[str, Any]] = []
    for market, group in fleet.groupby("market"):
        traces.append({"type": "scatter", "mode": "lines+markers", "name": f"{market} fleet",
                       "x": group["year"].tolist(),
                       # a year without cars has no average: a gap, not 0 g/km
                       "y": [None if pd.isna(value) else float(value) for value in
                             group["co2_g_per_km_average"].round(1)]})
        traces.append({"type": "scatter", "mode": "lines", "name": f"{market} target",
                       "x": group["year"].tolist(),
                       "y": group["target_g_per_km"].round(1).tolist(), "line": {"dash": "dot"}})
    paid = fleet[fleet["premium_usd"] + fleet["pooling_usd"] > 1]
    caption = ("Sales-weighted certified g CO2/km of the plan's cars against each market's "
               "target (dotted).")
    if len(paid):
        caption += " Premiums and pooling paid: " + ", ".join(
            f"{row['market']} {row['year']} "
            f"{(float(row['premium_usd']) + float(row['pooling_usd'])) / 1e6:,.1f} M USD"
            for row in paid.head(6).to_dict("records")) + "."
    return {"id": "compliance-fleet", "title": "Fleet CO2 against targets", "caption": caption,
            "figure": {"data": traces, "layout": _layout(yaxis={"title": "g CO2/km"})}}


def _zev_chart(zev: pd.DataFrame) -> dict[str, Any]:
    traces: list[dict[str, Any]] = []
    for market, group in zev.groupby("market"):
        # The mandate is in credits per vehicle sold: a BEV may earn more or less than one
        # credit and a PHEV some (ACC II), so the BEV share is not what it is compared with.
        vehicles = group["vehicles"].to_numpy(dtype=float)
        earned = group["credits_earned"].to_numpy(dtype=float)
        per_vehicle = [round(100 * e / v, 1) if v > 0 else None  # no sales: a gap
                       for e, v in zip(earned, vehicles, strict=True)]
        traces.append({"type": "scatter", "mode": "lines+markers",
                       "name": f"{market} credits earned", "x": group["year"].tolist(),
                       "y": per_vehicle})
        traces.append({"type": "scatter", "mode": "lines", "name": f"{market} mandate",
                       "x": group["year"].tolist(),
                       "y": (group["zev_share_required"] * 100).round(1).tolist(),
                       "line": {"dash": "dot"}})
    missing = zev[zev["credits_missing"] > 0.5]
    caption = ("ZEV credits the plan's sales earn per 100 vehicles sold against each mandate "
               "(dotted; with one credit per BEV and none per PHEV this is the ZEV share). "
               "Banked, borrowed and bought credits cover the rest.")
    if len(missing):
        caption += " Credits missing (penalised): " + ", ".join(
            f"{row.market} {row.year} {row.credits_missing:,.0f}"
            for row in missing.head(6).itertuples()) + "."
    return {"id": "compliance-zev", "title": "ZEV mandates", "caption": caption,
            "figure": {"data": traces, "layout": _layout(
                yaxis={"title": "credits per 100 vehicles"})}}


def _value_chart(fleet: pd.DataFrame, zev: pd.DataFrame) -> dict[str, Any]:
    value = pd.concat([fleet[["market", "year", "bev_value_usd_per_vehicle"]],
                       zev[["market", "year", "bev_value_usd_per_vehicle"]]]).groupby(
        ["market", "year"], as_index=False)["bev_value_usd_per_vehicle"].sum()
    traces = [{"type": "bar", "name": str(market), "x": group["year"].tolist(),
               "y": group["bev_value_usd_per_vehicle"].round(0).tolist()}
              for market, group in value.groupby("market")]
    return {"id": "compliance-bev-value", "title": "What one more BEV sold is worth",
            "caption": "Compliance value of one more BEV sold in a market-year, from the LP "
                       "duals of the fleet-target and ZEV rows (USD per vehicle).",
            "figure": {"data": traces, "layout": _layout(barmode="group",
                                                         yaxis={"title": "USD/vehicle"})}}


def _co2_chart(by_year: pd.DataFrame) -> dict[str, Any]:
    traces = [{"type": "bar", "name": label, "x": by_year["year"].tolist(),
               "y": (by_year[column] / 1e3).round(1).tolist()}
              for label, column in (("production", "production_t_co2"),
                                    ("shipping", "shipping_t_co2"))]
    caption = "CO2 of building and shipping the plan's vehicles (kt)."
    cost = by_year["carbon_cost_usd"].sum()
    if cost > 0:
        caption += f" Carbon cost over the horizon: {cost / 1e6:,.1f} M USD."
    return {"id": "compliance-co2", "title": "CO2 by year", "caption": caption,
            "figure": {"data": traces, "layout": _layout(barmode="stack",
                                                         yaxis={"title": "kt CO2"})}}


def _plant_chart(by_plant: pd.DataFrame) -> dict[str, Any]:
    last = by_plant[by_plant["year"] == by_plant["year"].max()]
    last = last[last["vehicles"] > 0].sort_values("production_t_co2", ascending=False)
    per_vehicle = (last["production_t_co2"] / last["vehicles"]).round(2)
    return {"id": "compliance-plants", "title": "Production CO2 per vehicle by plant",
            "caption": "t CO2 per vehicle built in the last year: assembly power at the plant "
                       "country's grid intensity plus battery manufacturing.",
            "figure": {"data": [{"type": "bar", "x": last["plant"].tolist(),
                                 "y": per_vehicle.tolist(), "name": "t CO2/vehicle"}],
                       "layout": _layout(yaxis={"title": "t CO2/vehicle"})}}


def compliance_charts_of_run(tables: Mapping[str, pd.DataFrame]) -> list[dict[str, Any]]:
    """The "Compliance and CO2" charts from a run's tables; [] when the run has none."""
    if not {"fleet_compliance", "zev_compliance", "co2_by_year"} <= set(tables):
        return []
    charts = []
    fleet, zev = tables["fleet_compliance"], tables["zev_compliance"]
    if len(fleet):
        charts.append(_fleet_chart(fleet))
    if len(zev):
        charts.append(_zev_chart(zev))
    if len(fleet) or len(zev):
        charts.append(_value_chart(fleet, zev))
    charts.append(_co2_chart(tables["co2_by_year"]))
    if "co2_by_plant" in tables and len(tables["co2_by_plant"]):
        charts.append(_plant_chart(tables["co2_by_plant"]))
    return charts
