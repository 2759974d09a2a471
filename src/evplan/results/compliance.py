r"""Result tables and KPIs of the CO2 and zero-emission rules (issue 16).

Tables (money in undiscounted USD of the year; shadow prices are row duals divided by
the year's discount factor):

==============================  ==============================================================
table                           one row is
==============================  ==============================================================
``fleet_compliance``            a market-year with a fleet target: average g/km vs target,
                                the group's excess, pooling, premium and shadow price
``zev_compliance``              a market-year with a ZEV mandate: ZEV share vs mandate,
                                credits earned, required, bought, sold, banked, owed, missing
``production_credit_compliance``  a country-year with a production credit regime
``co2_by_plant``                a plant-year: vehicles built and production CO2
``co2_by_lane``                 a lane-year: vehicles shipped and shipping CO2
``co2_by_year``                 a year: production, shipping and use-phase CO2, the carbon
                                cost and the cap with its shadow price
``battery_footprint``           a plant-program-year with a battery: the carbon footprint per
                                kWh, as the EU Battery Regulation (2023/1542, Art. 7) asks a
                                manufacturer to declare (cradle-to-gate manufacturing only)
==============================  ==============================================================

The *compliance value of one more BEV* in a market-year is what the rules' rows pay for
one more BEV sold there, from the LP duals: with :math:`\lambda_r` the dual of row
:math:`r` (USD per unit of the row's right-hand side) and :math:`a_r` the BEV's
coefficient in it, the value is :math:`-\sum_r \lambda_r a_r / \delta_y` (HiGHS duals of
the maximisation:
:math:`\lambda_r = \partial z / \partial b_r`; shadow prices are reported as the value of
one more unit of allowance: g/km x vehicle, credit, tonne); for a fleet
target this is the shadow price times the target (a BEV sold instead of nothing lowers
the g/km x vehicles sum by ``T``), for a ZEV mandate the credit shadow price times
``c_BEV - s``.
"""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.highs import HighsRun
from evplan.model.compliance_index import ComplianceIndex, build_compliance_index
from evplan.model.index import ModelIndex

__all__ = ["COMPLIANCE_KPI_UNITS", "compliance_kpis", "compliance_tables"]

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


def _values(m: linopy.Model, run: HighsRun, name: str, size: int, kind: str | None = None
            ) -> np.ndarray:
    """Solution values of a variable (or of one ``kind`` column of a rule's block)."""
    if name not in m.variables:
        return np.zeros(size)
    variable = m.variables[name]
    if kind is not None:
        variable = variable.sel({f"{variable.dims[0]}_kind": kind})
    return np.nan_to_num(run.primal[variable.labels.values.ravel()])


def _duals(m: linopy.Model, run: HighsRun, name: str, size: int) -> np.ndarray:
    if name not in m.constraints:
        return np.zeros(size)
    return np.nan_to_num(run.dual[m.constraints[name].labels.values.ravel()])


def _sum_by(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    keep = codes >= 0
    return np.bincount(codes[keep], weights=values[keep], minlength=size)[:size]


def _fleet(m: linopy.Model, run: HighsRun, compliance: ComplianceIndex, shipped: np.ndarray,
           discount: pd.Series) -> pd.DataFrame:
    years, groups, flows = compliance.fleet_years, compliance.fleet_groups, compliance.flows
    count = len(years)
    code = flows["fleet_year"].to_numpy()
    vehicles = _sum_by(code, shipped, count)
    grams = _sum_by(code, shipped * np.nan_to_num(flows["co2_g_per_km"].to_numpy()), count)
    bev = _sum_by(code, shipped * (flows["powertrain"].to_numpy() == "BEV"), count)
    table = years[["market", "year", "target_g_per_km", "averaging_group"]].copy()
    table["vehicles"] = vehicles
    table["bev_vehicles"] = bev
    table["co2_g_per_km_average"] = np.divide(grams, vehicles, out=np.full(count, np.nan),
                                              where=vehicles > 0)
    table["balance_g_km_vehicles"] = grams - years["target_g_per_km"].to_numpy() * vehicles
    group = years["group"].to_numpy()
    excess = _values(m, run, "fleet_cover", len(groups), "excess")
    pooled = _values(m, run, "fleet_cover", len(groups), "pooled")
    last = (years["year"].to_numpy() == groups["last_year"].to_numpy()[group])
    table["group_excess_g_km_vehicles"] = np.where(last, excess[group], 0.0)
    table["group_pooled_g_km_vehicles"] = np.where(last, pooled[group], 0.0)
    table["premium_usd"] = table["group_excess_g_km_vehicles"] * groups[
        "premium_usd_per_g_km"].to_numpy()[group]
    table["pooling_usd"] = table["group_pooled_g_km_vehicles"] * np.nan_to_num(
        groups["pool_price_usd_per_g_km"].to_numpy(dtype=float)[group])
    group_delta = groups["last_year"].map(discount).to_numpy(dtype=float)
    shadow = _duals(m, run, "fleet-target", len(groups)) / group_delta
    table["shadow_price_usd_per_g_km_vehicle"] = shadow[group]
    table["bev_value_usd_per_vehicle"] = shadow[group] * years["target_g_per_km"].to_numpy()
    return table


def _zev(m: linopy.Model, run: HighsRun, compliance: ComplianceIndex, shipped: np.ndarray,
         discount: pd.Series) -> pd.DataFrame:
    years, flows = compliance.zev_years, compliance.flows
    count = len(years)
    code = flows["zev_year"].to_numpy()
    vehicles = _sum_by(code, shipped, count)
    zev = _sum_by(code, shipped * (flows["powertrain"].to_numpy() == "BEV"), count)
    table = years[["market", "year", "zev_share"]].rename(
        columns={"zev_share": "zev_share_required"}).copy()
    table["vehicles"] = vehicles
    table["zev_vehicles"] = zev
    table["zev_share_achieved"] = np.divide(zev, vehicles, out=np.zeros(count),
                                            where=vehicles > 0)
    table["credits_earned"] = _sum_by(code, shipped * flows["zev_credits"].to_numpy(), count)
    table["credits_required"] = years["zev_share"].to_numpy() * vehicles
    for column, kind in (("credits_bought", "bought"), ("credits_sold", "sold"),
                         ("credits_banked", "bank"), ("credits_owed", "debt"),
                         ("credits_missing", "missing")):
        table[column] = _values(m, run, "zev_credits", count, kind)
    table["penalty_usd"] = table["credits_missing"] * years["penalty_usd_per_vehicle"].to_numpy()
    table["credit_trade_usd"] = (
        table["credits_bought"] * np.nan_to_num(years["credit_price_usd"].to_numpy(dtype=float))
        - table["credits_sold"] * np.nan_to_num(
            years["credit_sale_price_usd"].to_numpy(dtype=float)))
    delta = years["year"].map(discount).to_numpy(dtype=float)
    shadow = -_duals(m, run, "zev-balance", count) / delta
    table["shadow_price_usd_per_credit"] = shadow
    bev_coefficient = years["bev_credits_per_vehicle"].to_numpy() - years["zev_share"].to_numpy()
    table["bev_value_usd_per_vehicle"] = shadow * bev_coefficient
    return table


def _credits(m: linopy.Model, run: HighsRun, compliance: ComplianceIndex, shipped: np.ndarray,
             discount: pd.Series) -> pd.DataFrame:
    years, flows = compliance.credit_years, compliance.flows
    count = len(years)
    code = flows["credit_year"].to_numpy()
    table = years[["country", "year", "requirement_share"]].copy()
    table["vehicles_built"] = _sum_by(code, shipped, count)
    table["nev_built"] = _sum_by(code, shipped * np.isin(flows["powertrain"], ("BEV", "PHEV")),
                                 count)
    table["credits_earned"] = _sum_by(code, shipped * flows["production_credits"].to_numpy(),
                                      count)
    table["credits_required"] = _sum_by(
        code, shipped * flows["production_credit_required"].to_numpy(), count)
    table["credits_bought"] = _values(m, run, "credit_trade", count, "bought")
    table["credits_sold"] = _values(m, run, "credit_trade", count, "sold")
    table["credit_trade_usd"] = (
        table["credits_bought"] * years["credit_price_usd"].to_numpy()
        - table["credits_sold"] * np.nan_to_num(
            years["credit_sale_price_usd"].to_numpy(dtype=float)))
    delta = years["year"].map(discount).to_numpy(dtype=float)
    table["shadow_price_usd_per_credit"] = -_duals(m, run, "production-credit", count) / delta
    return table


def _co2(m: linopy.Model, run: HighsRun, data: NetworkData, compliance: ComplianceIndex,
         shipped: np.ndarray, discount: pd.Series) -> dict[str, pd.DataFrame]:
    flows = compliance.flows.assign(vehicles=shipped)
    flows["production_t_co2"] = shipped * flows["production_t"]
    flows["shipping_t_co2"] = shipped * flows["shipping_t"]
    flows["use_phase_t_co2"] = shipped * flows["use_t"]
    flows["counted_t_co2"] = shipped * flows["carbon_t"]
    by_plant = flows.groupby(["plant", "origin", "year"], as_index=False)[
        ["vehicles", "production_t_co2"]].sum().rename(columns={"origin": "country"})
    by_lane = flows.groupby(["plant", "market", "year"], as_index=False)[
        ["vehicles", "shipping_t_co2"]].sum()
    by_year = flows.groupby("year", as_index=False)[
        ["production_t_co2", "shipping_t_co2", "use_phase_t_co2", "counted_t_co2"]].sum()
    carbon = compliance.carbon_years
    by_year = by_year.merge(carbon[["year", "carbon_price_usd_per_t", "cap_t_co2"]],
                            on="year", how="left")
    by_year["carbon_price_usd_per_t"] = by_year["carbon_price_usd_per_t"].fillna(0.0)
    by_year["carbon_cost_usd"] = by_year["counted_t_co2"] * by_year["carbon_price_usd_per_t"]
    capped = carbon[carbon["cap_t_co2"].notna()]
    duals = _duals(m, run, "carbon-cap", len(capped)) / capped["year"].map(discount).to_numpy(
        dtype=float)
    shadow = pd.Series(duals if len(capped) else [], index=capped["year"].to_numpy(),
                       dtype=float)
    by_year["cap_shadow_price_usd_per_t"] = by_year["year"].map(shadow).astype(float)
    programs = data.programs.set_index("program")["battery_kwh"]
    plants = data["plant_emissions"].set_index("plant")["battery_kg_co2_per_kwh"]
    battery = flows[flows["program"].map(programs).astype(float).fillna(0.0) > 0].copy()
    battery["battery_kwh"] = battery["program"].map(programs).astype(float)
    battery["eu_vehicles"] = np.where(battery["market"].map(
        data.markets.set_index("market")["country"]).eq("EU"), battery["vehicles"], 0.0)
    battery = battery.groupby(["plant", "program", "year", "battery_kwh"], as_index=False)[
        ["vehicles", "eu_vehicles"]].sum()
    battery["footprint_kg_co2_per_kwh"] = battery["plant"].map(plants).astype(float)
    battery["footprint_t_co2"] = (battery["vehicles"] * battery["battery_kwh"]
                                  * battery["footprint_kg_co2_per_kwh"].fillna(0.0) / 1e3)
    return {"co2_by_plant": by_plant, "co2_by_lane": by_lane, "co2_by_year": by_year,
            "battery_footprint": battery}


def compliance_tables(m: linopy.Model, run: HighsRun, index: ModelIndex, data: NetworkData,
                      compliance: ComplianceIndex | None = None) -> dict[str, pd.DataFrame]:
    """Return the compliance and CO2 tables of a solved model (see the module docstring)."""
    compliance = compliance or build_compliance_index(data, index)
    shipped = _values(m, run, "shipment", len(index.flows))
    discount = index.discount
    tables = {
        "fleet_compliance": _fleet(m, run, compliance, shipped, discount),
        "zev_compliance": _zev(m, run, compliance, shipped, discount),
        "production_credit_compliance": _credits(m, run, compliance, shipped, discount),
    }
    tables |= _co2(m, run, data, compliance, shipped, discount)
    return tables


def compliance_kpis(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """KPIs of the compliance tables: ``kpi``, ``year``, ``key``, ``value``, ``unit``.

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
    frames = []
    fleet, zev = tables["fleet_compliance"], tables["zev_compliance"]
    credits, by_year = tables["production_credit_compliance"], tables["co2_by_year"]
    cost = pd.concat([
        fleet[["year"]].assign(value=fleet["premium_usd"] + fleet["pooling_usd"]),
        zev[["year"]].assign(value=zev["penalty_usd"] + zev["credit_trade_usd"]),
        credits[["year"]].assign(value=credits["credit_trade_usd"]),
        by_year[["year"]].assign(value=by_year["carbon_cost_usd"]),
    ]).groupby("year", as_index=False)["value"].sum()
    frames.append(cost.assign(kpi="compliance_cost", key="all"))
    totals = by_year.assign(co2_total=by_year["production_t_co2"] + by_year["shipping_t_co2"])
    for kpi, column in (("co2_total", "co2_total"), ("co2_production", "production_t_co2"),
                        ("co2_shipping", "shipping_t_co2"),
                        ("co2_use_phase", "use_phase_t_co2")):
        frames.append(totals[["year"]].assign(value=totals[column], kpi=kpi, key="all"))
    frames.append(fleet[["year", "market"]].assign(
        value=fleet["co2_g_per_km_average"].fillna(0.0), kpi="fleet_co2_g_per_km").rename(
        columns={"market": "key"}))
    frames.append(zev[["year", "market"]].assign(
        value=zev["zev_share_achieved"], kpi="zev_share").rename(columns={"market": "key"}))
    value = pd.concat([fleet[["year", "market", "bev_value_usd_per_vehicle"]],
                       zev[["year", "market", "bev_value_usd_per_vehicle"]]]).groupby(
        ["year", "market"], as_index=False)["bev_value_usd_per_vehicle"].sum()
    frames.append(value.set_axis(["year", "key", "value"], axis=1)
                  .assign(kpi="bev_compliance_value"))
    kpis = pd.concat(frames, ignore_index=True)[["kpi", "year", "key", "value"]]
    kpis["unit"] = kpis["kpi"].map(COMPLIANCE_KPI_UNITS)
    kpis["year"] = kpis["year"].astype(int)
    kpis["value"] = kpis["value"].astype(float)
    return kpis.sort_values(["kpi", "year", "key"]).reset_index(drop=True)
