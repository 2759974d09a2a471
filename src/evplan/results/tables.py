"""Turn solver values into tidy result tables keyed by names, with units in column names."""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.frame_arrays import column_array
from evplan.highs import HighsRun
from evplan.model.index import ModelIndex

__all__ = ["result_tables"]


def _values(m: linopy.Model, run: HighsRun, name: str, size: int) -> np.ndarray:
    if name not in m.variables:
        return np.zeros(size)
    labels = m.variables[name].labels.values.ravel()
    return np.nan_to_num(run.primal[labels]) + 0.0  # + 0.0: HiGHS's -0.0 is 0


def _duals(m: linopy.Model, run: HighsRun, name: str, size: int) -> np.ndarray:
    if name not in m.constraints:
        return np.full(size, np.nan)
    return run.dual[m.constraints[name].labels.values.ravel()] + 0.0  # no -0.0 price


def _shipments(m: linopy.Model, run: HighsRun, index: ModelIndex) -> pd.DataFrame:
    flows = index.flows
    shipped = _values(m, run, "shipment", len(flows))
    in_quota = np.zeros(len(flows))
    if len(index.quota_flows):
        in_quota[column_array(index.quota_flows, "flow")] = _values(
            m, run, "in_quota", len(index.quota_flows))
    duty = (shipped * column_array(flows, "duty_usd_per_vehicle") - in_quota * (
        flows["duty_usd_per_vehicle"] - flows["in_quota_duty_usd_per_vehicle"]).to_numpy())
    table = flows[["plant", "origin", "program", "powertrain", "market", "year"]].copy()
    table["shipment_vehicles"] = shipped
    table["in_quota_vehicles"] = in_quota
    table["export"] = column_array(flows, "cross_border")
    table["variable_cost_usd"] = shipped * column_array(flows, "variable_cost_usd_per_vehicle")
    table["freight_usd"] = shipped * column_array(flows, "freight_usd_per_vehicle")
    table["inventory_usd"] = shipped * column_array(flows, "inventory_usd_per_vehicle")
    table["duty_usd"] = duty
    table["full_duty_usd_per_vehicle"] = column_array(flows, "duty_usd_per_vehicle")
    table["in_quota_duty_usd_per_vehicle"] = column_array(flows, "in_quota_duty_usd_per_vehicle")
    table["transit_days"] = column_array(flows, "transit_days")
    table["co2_kg"] = shipped * column_array(flows, "co2_kg_per_vehicle")
    return table


def _sales(m: linopy.Model, run: HighsRun, index: ModelIndex) -> pd.DataFrame:
    sales = index.sales
    sold = _values(m, run, "sales", len(sales))
    table = sales[["market", "year", "product", "tier", "program", "price_usd_per_vehicle"]].copy()
    table["sales_vehicles"] = sold
    table["revenue_usd"] = sold * column_array(sales, "price_usd_per_vehicle")
    return table


def result_tables(m: linopy.Model, run: HighsRun, index: ModelIndex, data: NetworkData
                  ) -> dict[str, pd.DataFrame]:
    """Return every result table of a solved network model.

    Tables: ``production``, ``shipments``, ``sales``, ``duties``, ``utilisation``,
    ``margin_by_market``, ``margin_by_plant``, ``demand_shadow_prices``. Money is
    undiscounted USD of the year; shadow prices are in USD of their year per vehicle.
    """
    discount = index.discount
    shipments = _shipments(m, run, index)
    sales = _sales(m, run, index)

    production = shipments.groupby(["plant", "origin", "program", "powertrain", "year"],
                                   as_index=False)[["shipment_vehicles"]].sum().rename(
        columns={"shipment_vehicles": "production_vehicles", "origin": "country"})

    plant_years = index.plant_years
    built = shipments.groupby(["plant", "year"])["shipment_vehicles"].sum().rename(
        "production_vehicles")
    utilisation = plant_years[["plant", "country", "year", "capacity_vehicles_per_year"]].join(
        built, on=["plant", "year"]).fillna({"production_vehicles": 0.0})
    capacity = column_array(utilisation, "capacity_vehicles_per_year")
    utilisation["utilisation"] = np.divide(column_array(utilisation, "production_vehicles"),
                                           capacity, out=np.zeros(len(capacity)),
                                           where=capacity > 0)
    year_discount = utilisation["year"].map(discount).to_numpy()
    utilisation["capacity_shadow_price_usd_per_vehicle"] = _duals(
        m, run, "plant-capacity", len(plant_years)) / year_discount

    duties = shipments[shipments["export"]].groupby(
        ["origin", "market", "powertrain", "year"], as_index=False)[
        ["shipment_vehicles", "in_quota_vehicles", "duty_usd"]].sum()
    duties["duty_usd_per_vehicle"] = np.divide(
        column_array(duties, "duty_usd"), column_array(duties, "shipment_vehicles"),
        out=np.zeros(len(duties)), where=column_array(duties, "shipment_vehicles") > 0)

    revenue = sales.groupby(["market", "year"])[["sales_vehicles", "revenue_usd"]].sum()
    costs = shipments.groupby(["market", "year"])[
        ["variable_cost_usd", "freight_usd", "inventory_usd", "duty_usd"]].sum()
    margin_by_market = revenue.join(costs, how="outer").fillna(0.0).reset_index()
    margin_by_market["margin_usd"] = (margin_by_market["revenue_usd"]
                                      - margin_by_market["variable_cost_usd"]
                                      - margin_by_market["freight_usd"]
                                      - margin_by_market["inventory_usd"]
                                      - margin_by_market["duty_usd"])

    # A plant earns the average price its vehicles fetch in each program-market-year.
    sold_by_balance = sales.groupby(["program", "market", "year"])[
        ["sales_vehicles", "revenue_usd"]].sum()
    average_price = (sold_by_balance["revenue_usd"]
                     / sold_by_balance["sales_vehicles"].where(
                         sold_by_balance["sales_vehicles"] > 0)).rename("average_price")
    attributed = shipments.join(average_price, on=["program", "market", "year"]) if len(
        shipments) else shipments.assign(average_price=np.nan)
    attributed["revenue_usd"] = attributed["shipment_vehicles"] * attributed[
        "average_price"].fillna(0.0)
    margin_by_plant = attributed.groupby(["plant", "year"], as_index=False)[
        ["shipment_vehicles", "revenue_usd", "variable_cost_usd", "freight_usd",
         "inventory_usd", "duty_usd"]].sum().rename(
        columns={"shipment_vehicles": "production_vehicles"})
    margin_by_plant = margin_by_plant.merge(
        plant_years[["plant", "year", "fixed_cost_usd_per_year"]], on=["plant", "year"],
        how="right").fillna(0.0).rename(columns={"fixed_cost_usd_per_year": "fixed_cost_usd"})
    margin_by_plant["margin_usd"] = margin_by_plant["revenue_usd"] - margin_by_plant[
        ["variable_cost_usd", "freight_usd", "inventory_usd", "duty_usd",
         "fixed_cost_usd"]].sum(axis=1)

    pools = index.pools
    demand_prices = pools[["market", "year", "product", "tier", "volume_vehicles",
                           "price_usd_per_vehicle"]].copy()
    demand_prices["sales_vehicles"] = sales.groupby(index.sales["pool"])[
        "sales_vehicles"].sum().reindex(range(len(pools)), fill_value=0.0).to_numpy()
    demand_prices["shadow_price_usd_per_vehicle"] = _duals(
        m, run, "demand-tier", len(pools)) / pools["year"].map(discount).to_numpy()
    return {
        "production": production,
        "shipments": shipments,
        "sales": sales,
        "duties": duties,
        "utilisation": utilisation,
        "margin_by_market": margin_by_market,
        "margin_by_plant": margin_by_plant,
        "demand_shadow_prices": demand_prices,
    }
