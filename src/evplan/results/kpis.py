"""Key figures of a plan, as one tidy table: kpi, year, key, value, unit."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["KPI_UNITS", "compute_kpis"]

KPI_UNITS = {
    "global_sales": "vehicles",
    "sales_share_by_market": "fraction",
    "sales_share_by_origin": "fraction",
    "exports_by_origin": "vehicles",
    "utilisation_by_country": "fraction",
    "margin": "USD",
    "duties_paid": "USD",
}


def _share(frame: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    totals = frame.groupby(["year", key], as_index=False)[[value]].sum()
    per_year = totals.groupby("year")[value].transform("sum")
    totals["value"] = np.divide(totals[value].to_numpy(), per_year.to_numpy(),
                                out=np.zeros(len(totals)), where=per_year.to_numpy() > 0)
    return totals.rename(columns={key: "key"})[["year", "key", "value"]]


def compute_kpis(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return the KPIs of a plan from its result tables.

    ======================  =====================================================
    kpi                     meaning (per year; key as given)
    ======================  =====================================================
    global_sales            vehicles sold in every market (key ``all``)
    sales_share_by_market   share of global sales sold in the market (key: market)
    sales_share_by_origin   share of global sales built in a country (key: country)
    exports_by_origin       vehicles shipped across a border (key: origin country; a row
                            for every origin of the year's shipments, 0 without exports)
    utilisation_by_country  production / capacity of a country's plants
    margin                  contribution margin after fixed cost (key ``all``)
    duties_paid             import duties paid on vehicles and kits (key ``all``)
    ======================  =====================================================
    """
    sales = tables["sales"]
    shipments = tables["shipments"]
    utilisation = tables["utilisation"]
    frames = []

    global_sales = sales.groupby("year", as_index=False)[["sales_vehicles"]].sum().rename(
        columns={"sales_vehicles": "value"}).assign(key="all", kpi="global_sales")
    frames.append(global_sales)
    frames.append(_share(sales, "market", "sales_vehicles").assign(kpi="sales_share_by_market"))
    frames.append(_share(shipments, "origin", "shipment_vehicles").assign(
        kpi="sales_share_by_origin"))
    # every origin of the year's shipments rows (the keys of sales_share_by_origin), 0 where
    # nothing crosses a border: a country without an export lane yet has a row too
    exported = shipments["shipment_vehicles"].where(shipments["export"].astype(bool), 0.0)
    exports = shipments[["year", "origin"]].assign(value=exported).groupby(
        ["year", "origin"], as_index=False)[["value"]].sum().rename(columns={"origin": "key"})
    frames.append(exports.assign(kpi="exports_by_origin"))
    by_country = utilisation.groupby(["year", "country"], as_index=False)[
        ["production_vehicles", "capacity_vehicles_per_year"]].sum()
    capacity = by_country["capacity_vehicles_per_year"].to_numpy()
    by_country["value"] = np.divide(by_country["production_vehicles"].to_numpy(), capacity,
                                    out=np.zeros(len(capacity)), where=capacity > 0)
    frames.append(by_country.rename(columns={"country": "key"})[["year", "key", "value"]].assign(
        kpi="utilisation_by_country"))
    margin = tables["margin_by_plant"].groupby("year", as_index=False)[["margin_usd"]].sum(
    ).rename(columns={"margin_usd": "value"})
    frames.append(margin.assign(key="all", kpi="margin"))
    paid = shipments[["year", "duty_usd"]]
    if "kit_shipments" in tables:  # a strategic plan's kits pay duty too
        paid = pd.concat([paid, tables["kit_shipments"][["year", "duty_usd"]]],
                         ignore_index=True)
    duties = paid.groupby("year", as_index=False)[["duty_usd"]].sum().rename(
        columns={"duty_usd": "value"})
    frames.append(duties.assign(key="all", kpi="duties_paid"))
    kpis = pd.concat(frames, ignore_index=True)[["kpi", "year", "key", "value"]]
    kpis["unit"] = kpis["kpi"].map(KPI_UNITS)
    kpis["year"] = kpis["year"].astype(int)
    return kpis.sort_values(["kpi", "year", "key"]).reset_index(drop=True)
