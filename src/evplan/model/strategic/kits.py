"""Kit flows: a program's kits shipped from a plant to an assembly site in a year.

One element of the ``kit`` index is (plant, site, kit type, program, year), enumerated
only where it can happen: the kit lane is open, the plant operates and builds the
program, the site may be open in that year, and the program has a demand tier in the
site's market. Its parameters per vehicle (``fx_plant`` and ``fx_site``: the year's factor
of the plant's and the site's country, model/trade.exchange_factor, 1 without rates)::

    kit_value    = kit_value_share x variable_cost(plant, program) x fx_plant
    assembly     = assembly cost x fx_site ; local content x fx_site (blank: assembly)
    transfer     = kit_value_share x (variable_cost x fx_plant + fixed cost / capacity)
                   x (1 + markup_o,k)           where transfer_prices has a row for the
                                                origin and the site's market (or '*'),
                 = kit_value x (1 + transfer_price_markup)   otherwise
    customs      = transfer + [CIF] kit freight
    duty_full    = (kit_duty_rate + cvd_rate) x customs      (0 inside one country)
    duty_pref    = (preferential_rate + cvd_rate) x customs  (where a preference exists)
    inventory    = transfer x inventory_carrying_rate x transit_days / 365
    unit_cost    = kit_value + kit freight + assembly cost + inventory
    rvc_value    = customs + assembly cost               (vehicle value at the site)
    originating  = local content + kit_originating_share x customs

The kit is valued like a built-up vehicle of the same lane (model/trade.py): the declared
transfer price of ``transfer_prices`` on the kit's share of the full cost, the
countervailing duty of ``countervailing_duties`` for the program's maker and powertrain
from the plant's country into the site's market (a trade remedy, so a preferential rate
does not waive it), and the carrying cost of the transfer price for the transit days of
the plant's route to that market (``routes.csv``; 0 without a route).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.data import NetworkData, product_members
from evplan.data.duties import expand_years, resolve_countervailing
from evplan.model.trade import customs_transfer_price, exchange_factor, in_transit_cost

__all__ = ["KIT_COLUMNS", "kit_flows", "resolve_kit_duties"]

KIT_COLUMNS = ("plant", "site", "kit", "program", "market", "year")


def resolve_kit_duties(keys: pd.DataFrame, duties: pd.DataFrame, years: list[int]
                       ) -> pd.DataFrame:
    """The kit duty row for each (origin, market, powertrain, year): exact powertrain, else '*'.

    Returns columns ``kit_duty_rate``, ``preferential_rate``, ``rvc_threshold``,
    ``kit_originating_share`` and ``kit_duty_row`` aligned with ``keys`` (NaN: no row).
    """
    values = ["kit_duty_rate", "preferential_rate", "rvc_threshold", "kit_originating_share",
              "row"]
    on = ["origin", "market", "powertrain", "year"]
    expanded = expand_years(duties, years)[[*on, *values]].drop_duplicates(on)
    exact = keys[on].merge(expanded, on=on, how="left")
    wildcard = keys[on].assign(powertrain="*").merge(expanded, on=on, how="left")
    use_exact = exact["row"].notna()
    resolved = exact[values].where(use_exact, wildcard[values], axis=0)
    resolved.index = keys.index
    return resolved.rename(columns={"row": "kit_duty_row"})


def kit_flows(data: NetworkData, plant_years: pd.DataFrame, pools: pd.DataFrame
              ) -> pd.DataFrame:
    """Enumerate the kit flows of ``data`` with their parameters (see the module docstring).

    Parameters
    ----------
    data : NetworkData
        Validated inputs.
    plant_years : pandas.DataFrame
        The model's plant-years (``plant``, ``year``, ``country``).
    pools : pandas.DataFrame
        The demand tiers (``market``, ``year``, ``product``).
    """
    routes = data["kit_routes"]
    columns = [*KIT_COLUMNS, "plant_year"]
    if routes.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
    scenario = data.scenario
    lanes = expand_years(routes, data.years).rename(columns={"row": "kit_route_row"})
    lanes = lanes.merge(plant_years[["plant", "year", "country"]].reset_index(
        names="plant_year"), on=["plant", "year"])
    sites = data["assembly_sites"][["site", "market", "first_year", "existing"]].rename(
        columns={"first_year": "site_first_year"})
    lanes = lanes.merge(sites, on="site")
    site_first = lanes["site_first_year"].astype("Float64").fillna(min(data.years)).to_numpy(
        dtype=float)
    lanes = lanes[(lanes["year"].to_numpy() >= site_first) | lanes["existing"].eq("yes")]
    built = data["plant_programs"][["plant", "program", "variable_cost_usd_per_vehicle"]]
    kits = lanes.merge(built, on="plant")
    members = product_members(data.programs)[["product", "program"]]
    sellable = pools[["market", "year", "product"]].drop_duplicates().merge(
        members, on="product")[["market", "year", "program"]].drop_duplicates()
    kits = kits.merge(sellable, on=["market", "year", "program"])
    kits = kits.merge(data.programs[["program", "powertrain", "maker"]], on="program")
    kits = kits.merge(data.markets[["market", "country", "customs_basis"]].rename(
        columns={"country": "market_country"}), on="market")
    kits = kits.rename(columns={"country": "origin"})
    kits = kits.sort_values(["year", "site", "plant", "kit", "program"]).reset_index(drop=True)
    cross = (kits["origin"] != kits["market_country"]).to_numpy()
    duty = resolve_kit_duties(kits[["origin", "market", "powertrain", "year"]],
                              data["kit_duties"], data.years)
    # Local-currency costs in year-y USD, as the built-up flows' (docs/formulation.md):
    # the kit is a share of the plant's cost, the assembly a cost in the site's country.
    fx_plant = exchange_factor(data, kits["origin"], kits["year"])
    fx_site = exchange_factor(data, kits["market_country"], kits["year"])
    share = kits["kit_value_share"].to_numpy(dtype=float)
    variable = kits["variable_cost_usd_per_vehicle"].to_numpy(dtype=float) * fx_plant
    kit_value = share * variable
    freight = kits["freight_usd_per_vehicle"].to_numpy()
    # The declared transfer price of the lane, on the kit's share of the full cost
    # (model/trade.py); plant_years holds the year's converted fixed cost.
    transfer = share * customs_transfer_price(
        data, {"origin": kits["origin"].to_numpy(), "market": kits["market"].to_numpy(),
               "variable_cost_usd_per_vehicle": variable,
               "plant_year": kits["plant_year"].to_numpy()}, plant_years)
    customs = transfer + np.where(kits["customs_basis"].eq("CIF"), freight, 0.0)
    cvd = resolve_countervailing(kits[["origin", "market", "powertrain", "maker", "year"]],
                                 data["countervailing_duties"], data.years).to_numpy()
    transit = kits[["plant", "market"]].merge(
        data["routes"][["plant", "market", "transit_days"]], on=["plant", "market"],
        how="left")["transit_days"].fillna(0.0).to_numpy(dtype=float)
    inventory = in_transit_cost(data, transfer, transit)
    rate = duty["kit_duty_rate"].astype(float).fillna(scenario.default_duty_rate or 0.0)
    preferential = duty["preferential_rate"].astype(float).to_numpy()
    has_preference = cross & ~np.isnan(preferential) & (preferential < rate.to_numpy())
    assembly = kits["assembly_cost_usd_per_vehicle"].to_numpy(dtype=float) * fx_site
    local = kits["local_content_usd_per_vehicle"].astype(float).fillna(
        kits["assembly_cost_usd_per_vehicle"]).to_numpy(dtype=float) * fx_site
    kits["assembly_cost_usd_per_vehicle"] = assembly
    originating_share = duty["kit_originating_share"].astype(float).fillna(0.0).to_numpy()
    kits["kit_value_usd_per_vehicle"] = kit_value
    kits["transfer_price_usd_per_vehicle"] = transfer
    kits["kit_customs_value_usd_per_vehicle"] = np.where(cross, customs, 0.0)
    kits["kit_duty_rate"] = np.where(cross, rate, 0.0)
    kits["cvd_rate"] = np.where(cross, cvd, 0.0)
    kits["kit_duty_usd_per_vehicle"] = np.where(cross, (rate + cvd) * customs, 0.0)
    kits["preferential_duty_usd_per_vehicle"] = np.where(
        has_preference, (np.nan_to_num(preferential) + cvd) * customs,
        kits["kit_duty_usd_per_vehicle"])
    kits["transit_days"] = transit
    kits["inventory_usd_per_vehicle"] = inventory
    kits["has_preference"] = has_preference
    kits["rvc_threshold"] = np.where(has_preference,
                                     duty["rvc_threshold"].astype(float).fillna(0.0), np.nan)
    kits["rvc_value_usd_per_vehicle"] = customs + assembly
    kits["originating_usd_per_vehicle"] = local + originating_share * customs
    kits["unit_cost_usd_per_vehicle"] = kit_value + freight + assembly + inventory
    kits["cross_border"] = cross
    kits["kit_duty_row"] = duty["kit_duty_row"].to_numpy()
    return kits.drop(columns=["site_first_year", "existing"])
