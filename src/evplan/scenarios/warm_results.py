"""Result tables and KPIs of warm solves, from group codes computed once.

Every case of a warm sweep has the same flows, sales and rows, so the keys of every result
table (production by plant-program-year, duties by origin-market-powertrain-year, KPIs by
year and market...) are the same too; only the numbers change. :class:`ResultTemplates`
takes the tables :func:`evplan.results.result_tables` and
:func:`evplan.results.compute_kpis` made for the first warm solve, records for each output
row which input rows add up into it, and afterwards fills the numbers with
``numpy.bincount`` instead of pandas group-bys on text keys (about 10x faster).

The first solve is computed both ways and compared; if anything differs (the result tables
changed and this module did not follow) the templates switch themselves off and every
solve uses the pandas functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evplan.highs import HighsRun
from evplan.model.index import ModelIndex
from evplan.results.kpis import KPI_UNITS

__all__ = ["ResultTemplates"]


def _codes(rows: pd.DataFrame, skeleton: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Row of ``skeleton`` each of ``rows`` adds into (matched on ``on``); -1 where none."""
    lookup = skeleton[on].reset_index(drop=True).reset_index(names="_target")
    merged = rows[on].reset_index(drop=True).merge(lookup, on=on, how="left")
    return merged["_target"].fillna(-1).to_numpy(dtype=np.int64)


def _sum(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    keep = codes >= 0
    return np.bincount(codes[keep], weights=np.asarray(values, dtype=float)[keep],
                       minlength=size)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros(len(numerator)),
                     where=denominator > 0)


class ResultTemplates:
    """Group codes of every result table and KPI, taken from one reference solve."""

    def __init__(self, index: ModelIndex, tables: dict[str, pd.DataFrame],
                 kpis: pd.DataFrame, shipment_labels: np.ndarray, sales_labels: np.ndarray,
                 in_quota_labels: np.ndarray | None, capacity_rows: np.ndarray,
                 demand_rows: np.ndarray) -> None:
        self.skeletons = {name: table.copy() for name, table in tables.items()}
        self.kpi_skeleton = kpis.copy()
        self.labels = (shipment_labels, sales_labels, in_quota_labels)
        self.capacity_rows, self.demand_rows = capacity_rows, demand_rows
        flows, sales = index.flows, index.sales
        self.export = flows["cross_border"].to_numpy(dtype=bool)
        self.flow_keys = flows[["plant", "origin", "program", "powertrain", "market",
                                "year"]].reset_index(drop=True)
        self.sale_keys = sales[["market", "year", "product", "tier", "program"]].reset_index(
            drop=True)
        production = tables["production"].rename(columns={"country": "origin"})
        self.production = _codes(self.flow_keys, production,
                                 ["plant", "origin", "program", "powertrain", "year"])
        self.duties = np.where(self.export, _codes(self.flow_keys, tables["duties"], [
            "origin", "market", "powertrain", "year"]), -1)
        self.market_flows = _codes(self.flow_keys, tables["margin_by_market"],
                                   ["market", "year"])
        self.market_sales = _codes(self.sale_keys, tables["margin_by_market"],
                                   ["market", "year"])
        self.plant_flows = _codes(self.flow_keys, tables["margin_by_plant"], ["plant", "year"])
        self.plant_year_rows = _codes(index.plant_years, tables["margin_by_plant"],
                                      ["plant", "year"])
        self.kpi_codes = self._kpi_codes(kpis, tables)

    def _kpi_codes(self, kpis: pd.DataFrame, tables: dict[str, pd.DataFrame]
                   ) -> dict[str, Any]:
        def rows(kpi: str, frame: pd.DataFrame, key: str | None) -> np.ndarray:
            targets = kpis[kpis["kpi"] == kpi].reset_index(names="_row")
            keys = frame[["year"]].assign(key="all" if key is None else frame[key])
            merged = keys.merge(targets[["year", "key", "_row"]], on=["year", "key"],
                                how="left")
            return merged["_row"].fillna(-1).to_numpy(dtype=np.int64)

        year_rows = kpis.reset_index(names="_row")
        return {
            "global_sales": rows("global_sales", self.sale_keys, None),
            "sales_share_by_market": rows("sales_share_by_market", self.sale_keys, "market"),
            "sales_share_by_origin": rows("sales_share_by_origin", self.flow_keys, "origin"),
            "exports_by_origin": np.where(self.export, rows("exports_by_origin",
                                                            self.flow_keys, "origin"), -1),
            "utilisation_by_country": rows("utilisation_by_country", tables["utilisation"],
                                           "country"),
            "margin": rows("margin", tables["margin_by_plant"], None),
            "duties_paid": rows("duties_paid", self.flow_keys, None),
            "year_of_row": year_rows["year"].to_numpy(),
        }

    # ---- filling in the numbers ----------------------------------------------------------

    def tables(self, run: HighsRun, index: ModelIndex) -> dict[str, pd.DataFrame]:
        """The result tables of ``run`` (same rows and columns as the reference)."""
        shipment_labels, sales_labels, in_quota_labels = self.labels
        flows, sales, discount = index.flows, index.sales, index.discount
        shipped = np.nan_to_num(run.primal[shipment_labels])
        sold = np.nan_to_num(run.primal[sales_labels])
        in_quota = np.zeros(len(flows))
        if in_quota_labels is not None:
            in_quota[index.quota_flows["flow"].to_numpy()] = np.nan_to_num(
                run.primal[in_quota_labels])
        full = flows["duty_usd_per_vehicle"].to_numpy()
        duty = shipped * full - in_quota * (full - flows["in_quota_duty_usd_per_vehicle"]
                                            .to_numpy())
        out: dict[str, pd.DataFrame] = {}
        shipments = self.skeletons["shipments"].copy()
        variable = shipped * flows["variable_cost_usd_per_vehicle"].to_numpy()
        freight = shipped * flows["freight_usd_per_vehicle"].to_numpy()
        inventory = shipped * flows["inventory_usd_per_vehicle"].to_numpy()
        shipments["shipment_vehicles"] = shipped
        shipments["in_quota_vehicles"] = in_quota
        shipments["variable_cost_usd"] = variable
        shipments["freight_usd"] = freight
        shipments["inventory_usd"] = inventory
        shipments["duty_usd"] = duty
        shipments["full_duty_usd_per_vehicle"] = full
        shipments["in_quota_duty_usd_per_vehicle"] = flows[
            "in_quota_duty_usd_per_vehicle"].to_numpy()
        shipments["transit_days"] = flows["transit_days"].to_numpy()
        shipments["co2_kg"] = shipped * flows["co2_kg_per_vehicle"].to_numpy()
        out["shipments"] = shipments
        price = sales["price_usd_per_vehicle"].to_numpy()
        sales_table = self.skeletons["sales"].copy()
        sales_table["price_usd_per_vehicle"] = price
        sales_table["sales_vehicles"] = sold
        sales_table["revenue_usd"] = sold * price
        out["sales"] = sales_table

        production = self.skeletons["production"].copy()
        production["production_vehicles"] = _sum(self.production, shipped, len(production))
        out["production"] = production

        plant_years = index.plant_years
        utilisation = self.skeletons["utilisation"].copy()
        built = _sum(flows["plant_year"].to_numpy(), shipped, len(plant_years))
        capacity = plant_years["capacity_vehicles_per_year"].to_numpy()
        year_discount = plant_years["year"].map(discount).to_numpy()
        utilisation["capacity_vehicles_per_year"] = capacity
        utilisation["production_vehicles"] = built
        utilisation["utilisation"] = _ratio(built, capacity)
        utilisation["capacity_shadow_price_usd_per_vehicle"] = run.dual[
            self.capacity_rows] / year_discount
        out["utilisation"] = utilisation

        duties = self.skeletons["duties"].copy()
        size = len(duties)
        duties["shipment_vehicles"] = _sum(self.duties, shipped, size)
        duties["in_quota_vehicles"] = _sum(self.duties, in_quota, size)
        duties["duty_usd"] = _sum(self.duties, duty, size)
        duties["duty_usd_per_vehicle"] = _ratio(duties["duty_usd"].to_numpy(),
                                                duties["shipment_vehicles"].to_numpy())
        out["duties"] = duties

        market = self.skeletons["margin_by_market"].copy()
        size = len(market)
        market["sales_vehicles"] = _sum(self.market_sales, sold, size)
        market["revenue_usd"] = _sum(self.market_sales, sold * price, size)
        market["variable_cost_usd"] = _sum(self.market_flows, variable, size)
        market["freight_usd"] = _sum(self.market_flows, freight, size)
        market["inventory_usd"] = _sum(self.market_flows, inventory, size)
        market["duty_usd"] = _sum(self.market_flows, duty, size)
        market["margin_usd"] = (market["revenue_usd"] - market["variable_cost_usd"]
                                - market["freight_usd"] - market["inventory_usd"]
                                - market["duty_usd"])
        out["margin_by_market"] = market

        balance_sold = _sum(sales["balance"].to_numpy(), sold, len(index.balances))
        balance_revenue = _sum(sales["balance"].to_numpy(), sold * price, len(index.balances))
        with np.errstate(divide="ignore", invalid="ignore"):
            average = np.where(balance_sold > 0, balance_revenue / balance_sold, 0.0)
        revenue = shipped * average[flows["balance"].to_numpy()]
        plant = self.skeletons["margin_by_plant"].copy()
        size = len(plant)
        plant["production_vehicles"] = _sum(self.plant_flows, shipped, size)
        plant["revenue_usd"] = _sum(self.plant_flows, revenue, size)
        plant["variable_cost_usd"] = _sum(self.plant_flows, variable, size)
        plant["freight_usd"] = _sum(self.plant_flows, freight, size)
        plant["inventory_usd"] = _sum(self.plant_flows, inventory, size)
        plant["duty_usd"] = _sum(self.plant_flows, duty, size)
        fixed = np.zeros(size)
        fixed[self.plant_year_rows] = plant_years["fixed_cost_usd_per_year"].to_numpy()
        plant["fixed_cost_usd"] = fixed
        plant["margin_usd"] = plant["revenue_usd"] - plant[
            ["variable_cost_usd", "freight_usd", "inventory_usd", "duty_usd",
             "fixed_cost_usd"]].sum(axis=1)
        out["margin_by_plant"] = plant

        pools = index.pools
        demand = self.skeletons["demand_shadow_prices"].copy()
        demand["volume_vehicles"] = pools["volume_vehicles"].to_numpy()
        demand["price_usd_per_vehicle"] = pools["price_usd_per_vehicle"].to_numpy()
        demand["sales_vehicles"] = _sum(sales["pool"].to_numpy(), sold, len(pools))
        demand["shadow_price_usd_per_vehicle"] = run.dual[self.demand_rows] / pools[
            "year"].map(discount).to_numpy()
        out["demand_shadow_prices"] = demand
        return {name: out[name] for name in self.skeletons}

    def kpis(self, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """The KPIs of ``tables`` (same rows as the reference)."""
        codes = self.kpi_codes
        kpis = self.kpi_skeleton.copy()
        size = len(kpis)
        year = codes["year_of_row"]
        kind = kpis["kpi"].to_numpy()
        sold = tables["sales"]["sales_vehicles"].to_numpy()
        shipped = tables["shipments"]["shipment_vehicles"].to_numpy()
        value = np.zeros(size)

        def share(name: str, amounts: np.ndarray) -> np.ndarray:
            totals = _sum(codes[name], amounts, size)
            mask = kind == name
            per_year = pd.Series(totals[mask]).groupby(year[mask]).transform("sum").to_numpy()
            result = np.zeros(size)
            result[mask] = _ratio(totals[mask], per_year)
            return result

        value += _sum(codes["global_sales"], sold, size)
        value += share("sales_share_by_market", sold)
        value += share("sales_share_by_origin", shipped)
        value += _sum(codes["exports_by_origin"], shipped, size)
        utilisation = tables["utilisation"]
        built = _sum(codes["utilisation_by_country"],
                     utilisation["production_vehicles"].to_numpy(), size)
        capacity = _sum(codes["utilisation_by_country"],
                        utilisation["capacity_vehicles_per_year"].to_numpy(), size)
        value += np.where(kind == "utilisation_by_country", _ratio(built, capacity), 0.0)
        value += _sum(codes["margin"], tables["margin_by_plant"]["margin_usd"].to_numpy(), size)
        value += _sum(codes["duties_paid"], tables["shipments"]["duty_usd"].to_numpy(), size)
        kpis["value"] = value
        kpis["unit"] = kpis["kpi"].map(KPI_UNITS)
        return kpis


def same_tables(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> bool:
    """True when two sets of result tables hold the same rows, columns and numbers."""
    if list(left) != list(right):
        return False
    for name, frame in left.items():
        other = right[name]
        if list(frame.columns) != list(other.columns) or len(frame) != len(other):
            return False
        for column in frame.columns:
            a, b = frame[column], other[column]
            if pd.api.types.is_float_dtype(a) and pd.api.types.is_float_dtype(b):
                if not np.allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=1e-6,
                                   equal_nan=True):
                    return False
            elif not a.reset_index(drop=True).astype(str).equals(
                    b.reset_index(drop=True).astype(str)):
                return False
    return True
