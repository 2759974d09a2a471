"""The strategic index: the decision elements of the network-design MILP and their parameters.

Built once from NetworkData by :func:`build_strategic_index` and kept on
``ModelIndex.strategic``. Each frame has a RangeIndex that is the position along its model
dimension; ``prev``/``next`` give the position of the same subject's previous/next year
(-1: none, the initial state applies).

================  ============================================  ===========================
frame             one element is                                variables (first stage *)
================  ============================================  ===========================
``plants``        a plant of plant_strategy.csv                 (parameters)
``plant_years``   a strategic plant in a year it may operate    plant_open*, plant_running*,
                                                                plant_modules*, ...
``allocations``   a plant-program option in a year              program_allocated*
``variants``      a plant-program lacking a steering variant    variant_added*
``market_years``  a market of market_entry.csv in a year        market_present*
``homologations`` a program-market approval in a year           homologated*
``site_years``    an assembly site in a year                    site_open*
``kits``          kits of a program, plant -> site, in a year   kit_shipment
``rvc_groups``    a site's program-year with a kit preference   rvc_met
================  ============================================  ===========================

Linking bounds ("M") are the tightest the data give: the smaller of the plant's largest
capacity and the demand the flow can reach (the volume of its demand tiers), never one
big constant (see ``docs/formulation.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evplan.data import NetworkData

__all__ = ["StrategicIndex", "build_strategic_index", "chain"]


@dataclass(frozen=True)
class StrategicIndex:
    """Decision elements of the strategic model (see the module docstring)."""

    plants: pd.DataFrame
    plant_years: pd.DataFrame
    allocations: pd.DataFrame
    variants: pd.DataFrame
    market_years: pd.DataFrame
    homologations: pd.DataFrame
    site_years: pd.DataFrame
    kits: pd.DataFrame
    rvc_groups: pd.DataFrame
    lifecycle_blocked: pd.DataFrame
    max_plants: pd.DataFrame
    flow_links: pd.DataFrame
    equity: pd.DataFrame
    pool_market_year: np.ndarray
    sale_homologation: np.ndarray
    objective_basis: str
    plant_max_capacity: pd.Series
    #: min_utilisation of plant-years without a strategy row whose kits use plant capacity
    #: (indexed by network plant-year); ``plant-minimum-kits`` counts their kits' share.
    kit_floors: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))

    def sizes(self) -> dict[str, int]:
        """Element counts, for logs and benchmarks."""
        return {"plant_year": len(self.plant_years), "allocation": len(self.allocations),
                "variant": len(self.variants), "market_year": len(self.market_years),
                "homologation": len(self.homologations), "site_year": len(self.site_years),
                "kit": len(self.kits), "rvc_group": len(self.rvc_groups)}


def chain(frame: pd.DataFrame, subject: list[str]) -> pd.DataFrame:
    """Add ``prev`` and ``next``: positions of the same subject's adjacent rows by year."""
    frame = frame.sort_values([*subject, "year"]).reset_index(drop=True)
    same = frame[subject].eq(frame[subject].shift()).all(axis=1).to_numpy()
    positions = np.arange(len(frame))
    frame["prev"] = np.where(same, positions - 1, -1)
    following = np.zeros(len(frame), dtype=bool)
    following[:-1] = same[1:]
    frame["next"] = np.where(following, positions + 1, -1)
    return frame


def _year_or(series: pd.Series, default: int) -> np.ndarray:
    return series.astype("Float64").fillna(default).to_numpy(dtype=float)


def _plants(data: NetworkData) -> pd.DataFrame:
    first = min(data.years)
    strategy = data["plant_strategy"].merge(
        data.plants[["plant", "country", "capacity_vehicles_per_year", "fixed_cost_usd_per_year",
                     "min_utilisation"]], on="plant")
    modules = strategy["modules_initial"].astype(int).to_numpy()
    strategy["modules_initial"] = modules
    strategy["modules_max"] = strategy["modules_max"].astype("Float64").fillna(
        pd.Series(modules, index=strategy.index)).astype(int)
    capacity = strategy["capacity_vehicles_per_year"].to_numpy(dtype=float)
    fixed = strategy["fixed_cost_usd_per_year"].to_numpy(dtype=float)
    share = strategy["module_fixed_cost_share"].to_numpy(dtype=float)
    strategy["module_capacity_vehicles_per_year"] = capacity / modules
    strategy["site_fixed_cost_usd_per_year"] = (1 - share) * fixed
    strategy["module_fixed_cost_usd_per_year"] = share * fixed / modules
    change = _year_or(strategy["earliest_change_year"], first)
    strategy["change_year"] = change
    strategy["closure_year"] = np.maximum(_year_or(strategy["earliest_closure_year"], 0), change)
    strategy["add_year"] = np.maximum(change, first + strategy["add_lead_time_years"].astype(
        int).to_numpy())
    return strategy.reset_index(drop=True)


def _plant_years(plants: pd.DataFrame, base_plant_years: pd.DataFrame) -> pd.DataFrame:
    years = base_plant_years.reset_index(names="plant_year")[["plant_year", "plant", "year"]]
    frame = years.merge(plants.reset_index(names="splant")[
        ["splant", "plant", "change_year", "closure_year", "add_year", "can_close",
         "can_mothball", "modules_initial", "modules_max"]], on="plant")
    frame = chain(frame, ["plant"])
    year = frame["year"].to_numpy()
    frozen = year < frame["change_year"].to_numpy()
    frame["open_lower"] = (frozen | (year < frame["closure_year"].to_numpy())
                           | frame["can_close"].eq("no").to_numpy()).astype(float)
    frame["running_lower"] = frozen.astype(float)
    frame["running_equals_open"] = frame["can_mothball"].eq("no").to_numpy()
    initial = frame["modules_initial"].to_numpy(dtype=float)
    frame["modules_lower"] = np.where(frozen, initial, 0.0)
    frame["modules_upper"] = np.where(year < frame["add_year"].to_numpy(), initial,
                                      frame["modules_max"].to_numpy(dtype=float))
    return frame


def _balance_volume(index_sales: pd.DataFrame, pools: pd.DataFrame, n_balances: int
                    ) -> np.ndarray:
    """Demand volume a balance (program, market, year) can reach: its product's tiers."""
    volume = pools["volume_vehicles"].to_numpy(dtype=float)[index_sales["pool"].to_numpy()]
    return np.bincount(index_sales["balance"].to_numpy(), weights=volume, minlength=n_balances)


def build_strategic_index(data: NetworkData, flows: pd.DataFrame, sales: pd.DataFrame,
                          pools: pd.DataFrame, balances: pd.DataFrame,
                          plant_years: pd.DataFrame, kits: pd.DataFrame) -> StrategicIndex:
    """Build the strategic index from the inputs and the network index's frames.

    ``kits`` must carry ``balance`` codes; ``flows`` their ``balance`` and ``plant_year``.
    """
    from evplan.model.strategic.programs_index import build_program_frames
    from evplan.model.strategic.sites_index import build_site_frames
    from evplan.model.trade import exchange_factor

    plants = _plants(data)
    splant_years = _plant_years(plants, plant_years)
    # A plant's fixed cost is a local-currency amount (model/trade.py): year-y USD.
    country = data.plants.set_index("plant")["country"]
    splant_years["fx"] = exchange_factor(data, splant_years["plant"].map(country),
                                         splant_years["year"])
    capacity = plant_years.drop_duplicates("plant").set_index("plant")[
        "capacity_vehicles_per_year"].astype(float)
    plant_max = capacity.copy()
    by_plant = plants.set_index("plant")
    strategic_max = by_plant["module_capacity_vehicles_per_year"] * by_plant["modules_max"]
    plant_max.loc[strategic_max.index.intersection(plant_max.index)] = strategic_max
    balance_volume = _balance_volume(sales, pools, len(balances))
    programs = build_program_frames(data, flows, kits, plant_years, splant_years, plant_max,
                                    balance_volume)
    sites = build_site_frames(data, sales, pools, programs.pop("kits"), balance_volume)
    equity = data["plant_equity"][["plant", "equity_share", "partner",
                                   "jv_margin_on_cost"]].copy()
    equity["jv_margin_on_cost"] = equity["jv_margin_on_cost"].astype(float).fillna(
        data.scenario.transfer_price_markup)
    return StrategicIndex(plants=plants, plant_years=splant_years, equity=equity.reset_index(
        drop=True), objective_basis=data.scenario.objective_basis,
        plant_max_capacity=plant_max, **programs, **sites)  # type: ignore[arg-type]
