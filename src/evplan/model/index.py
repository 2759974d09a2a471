"""Sparse flat indices of the network model, and the per-element parameters on them.

The model never builds a dense plant x program x market x year array. Instead it
enumerates only what can happen:

==============  =============================================================  ==========
index           one element is                                                 variable
==============  =============================================================  ==========
``flow``        a program built at a plant and shipped to a market in a year   shipment
                (eligible plant-program x open route x active year, and only
                where a demand tier exists for the program in that market-year)
``sale``        a program sold in a demand tier (pool) of a market-year         sales
``pool``        a demand tier: market x year x product x tier                  (row)
``quota_flow``  a flow whose duty row has a tariff-rate quota                   in_quota
``balance``     program x market x year reached by at least one flow           (row)
==============  =============================================================  ==========

Duties per vehicle are parameters of a flow because the customs value per vehicle is
a parameter (transfer price, plus freight on a CIF basis)::

    value      = transfer_price + [CIF] freight
    transfer   = variable_cost * (1 + markup), or (full cost) * (1 + markup_o,k)
                 from transfer_prices (see evplan.model.trade)
    duty_full  = max(ad_valorem_rate * value, minimum) + cvd_rate * value + specific
    duty_quota = in_quota_rate * value + cvd_rate * value + specific

so the higher-of rule for minimum duties is exact and linear. Inside a quota the
minimum does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData, product_members
from evplan.data.duties import expand_years, resolve_countervailing, resolve_duties
from evplan.model.strategic.extend import extend_index, kit_balance_keys
from evplan.model.trade import (
    customs_transfer_price,
    exchange_factor,
    in_transit_cost,
    quota_share,
)

__all__ = ["ModelIndex", "build_index"]


@dataclass(frozen=True)
class ModelIndex:
    """The flat indices of one model and their parameters (see the module docstring).

    Every frame has a RangeIndex that is the position along its model dimension.
    """

    flows: pd.DataFrame
    sales: pd.DataFrame
    pools: pd.DataFrame
    balances: pd.DataFrame
    plant_years: pd.DataFrame
    route_years: pd.DataFrame
    quota_groups: pd.DataFrame
    quota_flows: pd.DataFrame
    committed: pd.DataFrame
    committed_terms: pd.DataFrame
    discount: pd.Series
    strategic: Any = None  # StrategicIndex when a strategic table has rows (a MILP)
    #: ComplianceIndex of the inputs' CO2/ZEV rules, set by build_model when it built one
    #: (the result and compliance tables reuse it instead of joining the rules again).
    compliance: Any = None
    #: Whether commitments may fall short at a penalty (scenario.yaml sets
    #: ``unmet_committed_penalty_usd_per_vehicle``): the model then has a shortfall column per
    #: commitment, so it is part of the structure two indices must share
    #: (:func:`evplan.scenarios.warm_fit.same_structure`).
    penalised: bool = False

    def sizes(self) -> dict[str, int]:
        """Element counts per index, for logs and benchmarks."""
        return {"flow": len(self.flows), "sale": len(self.sales), "pool": len(self.pools),
                "balance": len(self.balances), "plant_year": len(self.plant_years),
                "quota_flow": len(self.quota_flows)}


def key_positions(frame: pd.DataFrame, keys: pd.DataFrame, on: list[str]) -> np.ndarray | None:
    """Position in ``keys`` of each row of ``frame`` (matched on ``on``, values compared as
    they are, a blank with a blank); -1 where absent; None when ``keys`` repeats a key.

    The codes of both frames' columns are combined in mixed radix and factorized once:
    a hash join in NumPy, without the frames a merge or a MultiIndex makes.
    """
    code = np.zeros(len(keys) + len(frame), dtype=np.int64)
    bound = 1  # code < bound
    for name in on:
        values, uniques = pd.factorize(np.concatenate([keys[name].to_numpy(),
                                                       frame[name].to_numpy()]))
        radix = len(uniques) + 2
        if bound * radix >= 2 ** 62:  # renumber before int64 could overflow
            code = pd.factorize(code)[0].astype(np.int64)
            bound = int(code.max()) + 1 if len(code) else 1
        code = code * radix + values + 1
        bound *= radix
    code, distinct = pd.factorize(code)
    if len(np.unique(code[:len(keys)])) != len(keys):
        return None
    position = np.full(len(distinct), -1, dtype=np.int64)
    position[code[:len(keys)]] = np.arange(len(keys))
    return position[code[len(keys):]]


def _codes(frame: pd.DataFrame, keys: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Position in ``keys`` of each row of ``frame`` (matched on ``on``); -1 where absent."""
    found = key_positions(frame, keys, on)
    if found is not None:
        return found
    positions = keys[on].reset_index(names="_position")  # a repeated key: as merge does
    merged = frame[on].merge(positions, on=on, how="left")
    return merged["_position"].fillna(-1).to_numpy(dtype=np.int64)


def _plant_years(data: NetworkData) -> pd.DataFrame:
    plants = data.plants
    expanded = expand_years(plants, data.years)
    columns = ["plant", "country", "year", "capacity_vehicles_per_year",
               "fixed_cost_usd_per_year", "min_utilisation", "row"]
    return expanded[columns].reset_index(drop=True)


def _flows(data: NetworkData, plant_years: pd.DataFrame, pools: pd.DataFrame) -> pd.DataFrame:
    routes = expand_years(data["routes"], data.years)[
        ["plant", "market", "year", "freight_usd_per_vehicle", "transit_days",
         "co2_kg_per_vehicle", "row"]].rename(columns={"row": "route_row"})
    routes = routes.merge(plant_years[["plant", "year", "country"]], on=["plant", "year"])
    lanes = data["plant_programs"][["plant", "program", "variable_cost_usd_per_vehicle"]]
    flows = routes.merge(lanes, on="plant")
    members = product_members(data.programs)[["product", "program"]]
    sellable = pools[["market", "year", "product"]].drop_duplicates().merge(
        members, on="product")[["market", "year", "program"]].drop_duplicates()
    flows = flows.merge(sellable, on=["market", "year", "program"])
    flows = flows.merge(data.programs[["program", "powertrain", "maker"]], on="program")
    flows = flows.merge(data.markets[["market", "country", "customs_basis"]].rename(
        columns={"country": "market_country"}), on="market")
    flows = flows.rename(columns={"country": "origin"})
    flows = flows.sort_values(["year", "plant", "program", "market"]).reset_index(drop=True)
    return flows


def _duty_terms(data: NetworkData, flows: pd.DataFrame) -> pd.DataFrame:
    scenario = data.scenario
    cross_border = (flows["origin"] != flows["market_country"]).to_numpy()
    # Declared transfer price (model/trade.py): markup on full cost where transfer_prices
    # has a row, else variable cost x (1 + transfer_price_markup).
    value = flows["transfer_price_usd_per_vehicle"].to_numpy()
    value = value + np.where(flows["customs_basis"].eq("CIF"),
                             flows["freight_usd_per_vehicle"].to_numpy(), 0.0)
    duties = resolve_duties(flows[["origin", "market", "powertrain", "year"]],
                            data["duties"], data.years)
    default_rate = scenario.default_duty_rate or 0.0
    rate = duties["ad_valorem_rate"].fillna(default_rate).to_numpy()
    minimum = duties["minimum_usd_per_vehicle"].fillna(0.0).to_numpy()
    specific = duties["specific_usd_per_vehicle"].fillna(0.0).to_numpy()
    cvd = resolve_countervailing(flows[["origin", "market", "powertrain", "maker", "year"]],
                                 data["countervailing_duties"], data.years).to_numpy()
    full = np.maximum(rate * value, minimum) + cvd * value + specific
    in_quota_rate = duties["in_quota_rate"].to_numpy(dtype=float)
    quota = duties["quota_vehicles_per_year"].to_numpy(dtype=float) * quota_share(
        data, duties["quota_group"])
    has_quota = cross_border & ~np.isnan(quota)
    in_quota = np.where(has_quota, np.nan_to_num(in_quota_rate) * value + cvd * value + specific,
                        full)
    terms = pd.DataFrame({
        "customs_value_usd_per_vehicle": np.where(cross_border, value, 0.0),
        "ad_valorem_rate": np.where(cross_border, rate, 0.0),
        "cvd_rate": np.where(cross_border, cvd, 0.0),
        "duty_usd_per_vehicle": np.where(cross_border, full, 0.0),
        "in_quota_duty_usd_per_vehicle": np.where(cross_border, in_quota, 0.0),
        "duty_row": np.where(cross_border, duties["duty_row"].to_numpy(dtype=float), np.nan),
        "quota_vehicles_per_year": np.where(has_quota, quota, np.nan),
        "quota_key": np.where(has_quota, np.where(
            duties["quota_group"].fillna("").to_numpy(dtype=str) != "",
            "group:" + duties["quota_group"].fillna("").to_numpy(dtype=str),
            "row:" + duties["duty_row"].fillna(-1).astype(int).astype(str).to_numpy()), ""),
        "cross_border": cross_border,
    })
    return terms


def _convert_currencies(data: NetworkData, flows: pd.DataFrame, pools: pd.DataFrame,
                        plant_years: pd.DataFrame) -> None:
    """Year-y USD of local-currency prices and costs, in place (model/trade.py; 1 without FX)."""
    if data["exchange_rates"].empty:
        return
    market_country = pools["market"].map(data.markets.set_index("market")["country"])
    pools["price_usd_per_vehicle"] = pools["price_usd_per_vehicle"] * exchange_factor(
        data, market_country, pools["year"])
    flows["variable_cost_usd_per_vehicle"] = flows["variable_cost_usd_per_vehicle"] * (
        exchange_factor(data, flows["origin"], flows["year"]))
    plant_years["fixed_cost_usd_per_year"] = plant_years["fixed_cost_usd_per_year"] * (
        exchange_factor(data, plant_years["country"], plant_years["year"]))


def build_index(data: NetworkData) -> ModelIndex:
    """Enumerate the sparse flat indices and their parameters for ``data``.

    Parameters
    ----------
    data : NetworkData
        Validated inputs.

    Returns
    -------
    ModelIndex
    """
    plant_years = _plant_years(data)
    pools = data["demand"][["market", "year", "product", "tier", "volume_vehicles",
                            "price_usd_per_vehicle", "row"]].reset_index(drop=True)
    flows = _flows(data, plant_years, pools)
    flows["plant_year"] = _codes(flows, plant_years, ["plant", "year"])
    _convert_currencies(data, flows, pools, plant_years)
    flows["transfer_price_usd_per_vehicle"] = customs_transfer_price(data, flows, plant_years)
    flows = pd.concat([flows, _duty_terms(data, flows)], axis=1)
    flows["inventory_usd_per_vehicle"] = in_transit_cost(
        data, flows["transfer_price_usd_per_vehicle"].to_numpy(), flows["transit_days"])
    flows["unit_cost_usd_per_vehicle"] = (flows["variable_cost_usd_per_vehicle"]
                                          + flows["freight_usd_per_vehicle"]
                                          + flows["inventory_usd_per_vehicle"])

    reach = flows[["program", "market", "year"]]
    kit_reach = kit_balance_keys(data, plant_years, pools)  # local assembly (strategic)
    if len(kit_reach):
        reach = pd.concat([reach, kit_reach], ignore_index=True)
    balances = reach.drop_duplicates().sort_values(
        ["year", "market", "program"]).reset_index(drop=True)
    flows["balance"] = _codes(flows, balances, ["program", "market", "year"])

    members = product_members(data.programs)[["product", "program"]]
    sales = pools.reset_index(names="pool")[["pool", "market", "year", "product", "tier",
                                             "price_usd_per_vehicle"]].merge(members, on="product")
    sales["balance"] = _codes(sales, balances, ["program", "market", "year"])
    sales = sales[sales["balance"] >= 0].reset_index(drop=True)

    route_years = flows.loc[:, ["plant", "market", "year", "route_row"]].drop_duplicates(
        ["plant", "market", "year"]).merge(
        expand_years(data["routes"], data.years)[["plant", "market", "year",
                                                  "capacity_vehicles_per_year"]],
        on=["plant", "market", "year"])
    route_years = route_years[route_years["capacity_vehicles_per_year"].notna()].reset_index(
        drop=True)
    flows["route_year"] = _codes(flows, route_years, ["plant", "market", "year"])

    quota_mask = flows["quota_vehicles_per_year"].notna()
    quota_flows = flows.loc[quota_mask, ["quota_key", "origin", "market", "powertrain", "year",
                                         "quota_vehicles_per_year"]].reset_index(names="flow")
    quota_groups = quota_flows.drop_duplicates(["quota_key", "year"])[
        ["quota_key", "origin", "market", "year", "quota_vehicles_per_year"]].reset_index(
        drop=True)
    quota_flows["quota_group"] = _codes(quota_flows, quota_groups, ["quota_key", "year"])

    committed = data["committed_sales"][["market", "year", "product", "min_vehicles",
                                         "row"]].reset_index(drop=True)
    committed_terms = committed.reset_index(names="committed")[
        ["committed", "market", "year", "product"]].merge(members, on="product").merge(
        sales.reset_index(names="sale")[["sale", "market", "year", "program"]],
        on=["market", "year", "program"])

    first_year = data.scenario.first_year
    discount = pd.Series({year: (1 + data.scenario.discount_rate) ** -(year - first_year)
                          for year in data.years}, name="discount_factor")
    index = ModelIndex(flows=flows, sales=sales, pools=pools, balances=balances,
                       plant_years=plant_years, route_years=route_years,
                       quota_groups=quota_groups, quota_flows=quota_flows, committed=committed,
                       committed_terms=committed_terms, discount=discount,
                       penalised=data.scenario.unmet_committed_penalty_usd_per_vehicle
                       is not None)
    return extend_index(data, index)
