"""KPI rows of the CO2 and zero-emission tables (:func:`compliance_kpis`), split from
:mod:`evplan.results.compliance`, which re-exports them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["COMPLIANCE_KPI_UNITS", "ComplianceKpis", "compliance_kpis"]

COMPLIANCE_KPI_UNITS = {
    "compliance_cost": "USD",
    "co2_total": "t CO2",
    "co2_production": "t CO2",
    "co2_shipping": "t CO2",
    "co2_use_phase": "t CO2",
    "fleet_co2_g_per_km": "g CO2/km",
    "zev_share": "fraction",
    "bev_compliance_value": "USD/vehicle",
}


class ComplianceKpis:
    """The KPI rows of compliance tables with given keys (:func:`compliance_kpis`), made
    once; :meth:`frame` fills in the values of a plan's tables.

    ======================  ============================================================
    kpi                     meaning (per year; key as given)
    ======================  ============================================================
    compliance_cost         premiums, pooling, ZEV and production credits bought less
                            sold, ZEV penalties and carbon cost (key ``all``)
    co2_total               production + shipping CO2 of the plan (key ``all``)
    co2_production          ... of building (key ``all``)
    co2_shipping            ... of shipping (key ``all``)
    co2_use_phase           lifetime use-phase CO2 of the vehicles sold (key ``all``)
    fleet_co2_g_per_km      sales-weighted certified g/km (key: market with a target)
    zev_share               BEV share of sales (key: market with a mandate)
    bev_compliance_value    what the rules pay for one more BEV sold (key: market)
    ======================  ============================================================
    """

    def __init__(self, tables: Mapping[str, Any]) -> None:
        fleet, zev = tables["fleet_compliance"], tables["zev_compliance"]
        credits, by_year = tables["production_credit_compliance"], tables["co2_by_year"]

        def years(table: Any) -> np.ndarray:
            return np.asarray(table["year"]).astype(int)

        def markets(table: Any) -> np.ndarray:
            return np.asarray(table["market"], dtype=object)

        cost_years, self.cost_code = np.unique(np.concatenate(
            [years(fleet), years(zev), years(credits), years(by_year)]), return_inverse=True)
        pairs = pd.MultiIndex.from_arrays([
            np.concatenate([years(fleet), years(zev)]),
            np.concatenate([markets(fleet), markets(zev)])])
        self.bev_code, bev_pairs = pd.factorize(pairs, sort=True)
        bev_years = np.asarray([pair[0] for pair in bev_pairs], dtype=int)
        bev_markets = np.asarray([pair[1] for pair in bev_pairs], dtype=object)
        self.counts = (len(cost_years), len(bev_pairs))
        blocks = [("compliance_cost", cost_years, np.full(len(cost_years), "all", object))]
        blocks += [(kpi, years(by_year), np.full(len(by_year), "all", object))
                   for kpi in ("co2_total", "co2_production", "co2_shipping", "co2_use_phase")]
        blocks += [("fleet_co2_g_per_km", years(fleet), markets(fleet)),
                   ("zev_share", years(zev), markets(zev)),
                   ("bev_compliance_value", bev_years, bev_markets)]
        rows = pd.DataFrame({
            "kpi": np.concatenate([np.full(len(y), kpi, dtype=object) for kpi, y, _ in blocks]),
            "year": np.concatenate([y for _, y, _ in blocks]).astype(int),
            "key": np.concatenate([k for _, _, k in blocks])})
        self.order = rows.sort_values(["kpi", "year", "key"]).index.to_numpy()
        rows = rows.iloc[self.order].reset_index(drop=True)
        rows["unit"] = rows["kpi"].map(COMPLIANCE_KPI_UNITS)
        self.rows = rows

    def values(self, tables: Mapping[str, Any]) -> np.ndarray:
        """The KPI values of ``tables``, in the order of :attr:`rows`."""
        def column(table: str, name: str) -> np.ndarray:
            return np.asarray(tables[table][name], dtype=float)

        cost = np.concatenate([
            column("fleet_compliance", "premium_usd") + column("fleet_compliance",
                                                               "pooling_usd"),
            column("zev_compliance", "penalty_usd") + column("zev_compliance",
                                                             "credit_trade_usd"),
            column("production_credit_compliance", "credit_trade_usd"),
            column("co2_by_year", "carbon_cost_usd")])
        production = column("co2_by_year", "production_t_co2")
        shipping = column("co2_by_year", "shipping_t_co2")
        average = column("fleet_compliance", "co2_g_per_km_average")
        bev = np.concatenate([column("fleet_compliance", "bev_value_usd_per_vehicle"),
                              column("zev_compliance", "bev_value_usd_per_vehicle")])
        values = np.concatenate([
            np.bincount(self.cost_code, weights=np.nan_to_num(cost),
                        minlength=self.counts[0])[:self.counts[0]],
            production + shipping, production, shipping,
            column("co2_by_year", "use_phase_t_co2"),
            np.where(np.isnan(average), 0.0, average),
            column("zev_compliance", "zev_share_achieved"),
            np.bincount(self.bev_code, weights=np.nan_to_num(bev),
                        minlength=self.counts[1])[:self.counts[1]]])
        return values[self.order]

    def frame(self, tables: Mapping[str, Any]) -> pd.DataFrame:
        """KPIs of ``tables``: ``kpi``, ``year``, ``key``, ``value``, ``unit``."""
        rows = self.rows
        return pd.DataFrame({"kpi": rows["kpi"], "year": rows["year"], "key": rows["key"],
                             "value": self.values(tables), "unit": rows["unit"]})


def compliance_kpis(tables: Mapping[str, Any]) -> pd.DataFrame:
    """KPIs of the compliance tables: ``kpi``, ``year``, ``key``, ``value``, ``unit``
    (the rows are listed in :class:`ComplianceKpis`)."""
    return ComplianceKpis(tables).frame(tables)
