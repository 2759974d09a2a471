"""Sparse flat indices of the recycling network model, and the parameters on them.

==============  ===============================================================  ==========
index           one element is                                                   variable
==============  ===============================================================  ==========
``group``       a collection point x chemistry with retired packs                (supply)
``balance``     a group in a year                                                storage
``config``      a candidate plant x size tier x process it may run               (-)
``slot``        a config in a year                                               open
``flow``        tonnes of one group shipped on an allowed lane to a process      flow
                at a plant in a year (only lanes the rules allow, only processes
                the plant may run, only from the plant's first year)
``capacity``    a plant x process in a year                                      (row)
``site_year``   a plant in a year (one config at most)                           (row)
``target``      an EU plant x EU target (kind, material) in a year it applies    shortfall
==============  ===============================================================  ==========

Nothing here loops over elements: every index is a merge or a cross join of tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evplan.errors import InputError, Problem
from evplan.recycling.lanes import resolve_lanes
from evplan.recycling.materials import mass_shares, recovery_matrix
from evplan.recycling.options import RecyclingOptions
from evplan.recycling.tables import RecyclingInputs

__all__ = ["NetworkIndex", "active_targets", "build_index", "codes"]


def codes(frame: pd.DataFrame, keys: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Position in ``keys`` of each row of ``frame`` (matched on ``on``); -1 where absent."""
    positions = keys[on].reset_index(drop=True).reset_index(names="_position")
    merged = frame[on].merge(positions, on=on, how="left")
    return merged["_position"].fillna(-1).to_numpy(dtype=np.int64)


@dataclass(frozen=True)
class NetworkIndex:
    """The flat indices of one model (see the module docstring); RangeIndex = position."""

    years: np.ndarray
    groups: pd.DataFrame
    balances: pd.DataFrame
    configs: pd.DataFrame
    slots: pd.DataFrame
    flows: pd.DataFrame
    capacities: pd.DataFrame
    site_years: pd.DataFrame
    targets: pd.DataFrame
    lanes: pd.DataFrame
    shares: pd.DataFrame
    recovery: pd.DataFrame
    discount: pd.Series

    def sizes(self) -> dict[str, int]:
        """Element counts per index."""
        return {"flow": len(self.flows), "slot": len(self.slots), "balance": len(self.balances),
                "target": len(self.targets)}


def annuity_factor(rate: float, life_years: np.ndarray) -> np.ndarray:
    """Capital recovery factor: the yearly payment per unit of capital."""
    life = np.asarray(life_years, dtype=float)
    if rate == 0:
        return 1.0 / life
    return rate / (1.0 - (1.0 + rate) ** -life)


def active_targets(targets: pd.DataFrame, years: np.ndarray) -> pd.DataFrame:
    """The share in force per (target, material, year): the latest row from_year <= year."""
    if targets.empty:
        return pd.DataFrame(columns=["target", "material", "year", "share", "from_year"])
    grid = targets[["target", "material"]].drop_duplicates().merge(
        pd.DataFrame({"year": years}), how="cross")
    ordered = targets.sort_values("from_year")[["target", "material", "from_year", "share"]]
    ordered = ordered.astype({"from_year": "int64", "share": float})
    grid["year"] = grid["year"].astype("int64")
    merged = pd.merge_asof(grid.sort_values("year"), ordered.rename(
        columns={"from_year": "year_from"}).sort_values("year_from"),
        left_on="year", right_on="year_from", by=["target", "material"])
    merged = merged.dropna(subset=["share"]).rename(columns={"year_from": "from_year"})
    merged["from_year"] = merged["from_year"].astype(int)
    return merged.sort_values(["target", "material", "year"]).reset_index(drop=True)


def _years(inputs: RecyclingInputs, options: RecyclingOptions) -> np.ndarray:
    retired_years = inputs.retired["year"].astype(int)
    first = int(options.first_year) if options.first_year is not None else int(retired_years.min())
    last = int(options.last_year) if options.last_year is not None else int(retired_years.max())
    inside = retired_years.between(first, last) & (inputs.retired["tonnes"] > 0)
    if first > last or not inside.any():
        raise InputError([Problem("options", f"the years planned, first_year {first} to "
                                  f"last_year {last}, hold no retired packs (they retire in "
                                  f"{int(retired_years.min())}-{int(retired_years.max())}). "
                                  "Choose first_year and last_year around those years, or "
                                  "leave them out.")])
    return np.arange(first, last + 1)


def _configs(inputs: RecyclingInputs, lanes: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    plants = inputs["candidate_plants"]
    processes = list(inputs["processes"]["process"])
    allowed = plants[["plant", "processes"]].assign(
        process=plants["processes"].str.split(";")).explode("process")
    allowed["process"] = allowed["process"].str.strip()
    every = plants[["plant"]].merge(pd.DataFrame({"process": processes}), how="cross")
    star = every[every["plant"].isin(allowed.loc[allowed["process"] == "*", "plant"])]
    listed = allowed[allowed["process"].isin(processes)][["plant", "process"]]
    plant_process = pd.concat([star, listed]).drop_duplicates()
    reachable = lanes[lanes["collection_point"].isin(groups["collection_point"])]["plant"]
    plant_process = plant_process[plant_process["plant"].isin(reachable)]
    tiers = inputs["plant_tiers"][["tier", "capacity_tonnes_per_year", "capital_usd",
                                   "fixed_usd_per_year", "life_years"]]
    configs = plant_process.merge(tiers, how="cross")
    configs = configs.merge(plants[["plant", "first_year", "eu"]], on="plant")
    return configs.sort_values(["plant", "process", "tier"]).reset_index(drop=True)


def build_index(inputs: RecyclingInputs, options: RecyclingOptions) -> NetworkIndex:
    """Enumerate what can happen in the recycling network (see the module docstring)."""
    years = _years(inputs, options)
    retired = inputs.retired[inputs.retired["year"].between(years[0], years[-1])]
    supply = retired.groupby(["collection_point", "chemistry", "year"], as_index=False)[
        "tonnes"].sum()
    groups = pd.DataFrame(supply.groupby(["collection_point", "chemistry"], as_index=False).agg(
        first_supply_year=("year", "min"), total_tonnes=("tonnes", "sum")))
    balances = groups.merge(pd.DataFrame({"year": years}), how="cross")
    balances = balances[balances["year"] >= balances["first_supply_year"]]
    balances = balances.merge(supply, on=["collection_point", "chemistry", "year"], how="left")
    balances["supply_tonnes"] = balances.pop("tonnes").fillna(0.0)
    balances = balances.sort_values(["collection_point", "chemistry", "year"]).reset_index(
        drop=True)
    window = max(int(options.max_storage_years), 0)
    rolling = balances.groupby(["collection_point", "chemistry"])["supply_tonnes"].transform(
        lambda series: series.rolling(window, min_periods=1).sum()) if window else 0.0
    balances["storage_max_tonnes"] = rolling
    if options.objective == "meet_all":
        balances.loc[balances["year"] == years[-1], "storage_max_tonnes"] = 0.0

    lanes = resolve_lanes(inputs)
    lanes = lanes[lanes["collection_point"].isin(groups["collection_point"])].reset_index(
        drop=True)
    configs = _configs(inputs, lanes, groups)
    first_year = configs["first_year"].astype("Float64").fillna(years[0]).astype(float)
    configs["first_year"] = first_year.astype(int)
    slots = configs.reset_index(names="config").merge(pd.DataFrame({"year": years}), how="cross")
    slots = slots[slots["year"] >= slots["first_year"]].reset_index(drop=True)
    step = max(int(options.build_every_years), 1)
    slots["build_year"] = (slots["year"] - years[0]) % step == 0
    rate = float(options.discount_rate)
    annuity = annuity_factor(rate, slots["life_years"].to_numpy())
    slots["annual_cost_usd"] = slots["capital_usd"] * annuity + slots["fixed_usd_per_year"]

    plant_process = configs[["plant", "process", "first_year", "eu"]].drop_duplicates(
        ["plant", "process"])
    flows = lanes.merge(plant_process, on="plant").merge(
        groups[["collection_point", "chemistry", "first_supply_year"]], on="collection_point")
    flows = flows.merge(pd.DataFrame({"year": years}), how="cross")
    flows = flows[(flows["year"] >= flows["first_year"])
                  & (flows["year"] >= flows["first_supply_year"])]
    flows = flows.sort_values(["collection_point", "chemistry", "plant", "process", "year"]
                              ).reset_index(drop=True)
    held = balances["supply_tonnes"] + balances.groupby(["collection_point", "chemistry"])[
        "storage_max_tonnes"].shift(1).fillna(0.0)
    biggest = float(inputs["plant_tiers"]["capacity_tonnes_per_year"].max())
    on = ["collection_point", "chemistry", "year"]
    flows["flow_max_tonnes"] = np.minimum(flows[on].merge(
        balances[on].assign(held=held.to_numpy()), on=on, how="left")["held"].fillna(
        0.0).to_numpy(), biggest)
    shares = mass_shares(inputs)
    recovery = recovery_matrix(inputs)
    prices = inputs["prices"].set_index("material")["usd_per_tonne"].reindex(
        shares.columns).fillna(0.0)
    content = shares.reindex(flows["chemistry"].to_numpy()).to_numpy()
    rates = recovery.reindex(index=flows["process"].to_numpy(), columns=shares.columns).to_numpy()
    flows["value_usd_per_tonne"] = (content * rates * prices.to_numpy()).sum(axis=1)
    flows["recovered_share"] = (content * rates).sum(axis=1)
    processing = inputs["processes"].set_index("process")["processing_usd_per_tonne"]
    flows["processing_usd_per_tonne"] = flows["process"].map(processing).to_numpy()

    capacities = configs[["plant", "process", "first_year"]].drop_duplicates(
        ["plant", "process"]).merge(pd.DataFrame({"year": years}), how="cross")
    capacities = capacities[capacities["year"] >= capacities["first_year"]].reset_index(drop=True)
    reachable = flows.drop_duplicates(["collection_point", "chemistry", "plant", "year"]).groupby(
        ["plant", "year"])["flow_max_tonnes"].sum().rename("reachable_tonnes").reset_index()
    capacities = capacities.merge(reachable, on=["plant", "year"], how="left").fillna(
        {"reachable_tonnes": 0.0})
    slots["tight_capacity_tonnes"] = np.minimum(
        slots["capacity_tonnes_per_year"].to_numpy(),
        slots[["plant", "year"]].merge(reachable, on=["plant", "year"], how="left")[
            "reachable_tonnes"].fillna(0.0).to_numpy())
    site_years = slots[["plant", "year"]].drop_duplicates().reset_index(drop=True)

    targets = pd.DataFrame(columns=["plant", "year", "target", "material", "share", "from_year"])
    if options.eu_targets:
        in_force = active_targets(inputs["targets"][inputs["targets"]["target"]
                                                    != "recycled_content"], years)
        eu_plant_years = flows.loc[flows["eu"].astype(bool), ["plant", "year"]].drop_duplicates()
        targets = eu_plant_years.merge(in_force, on="year").sort_values(
            ["plant", "year", "target", "material"]).reset_index(drop=True)
    discount = pd.Series((1.0 + rate) ** -(years - years[0]), index=years)
    return NetworkIndex(years=years, groups=groups, balances=balances, configs=configs,
                        slots=slots, flows=flows, capacities=capacities, site_years=site_years,
                        targets=targets, lanes=lanes, shares=shares, recovery=recovery,
                        discount=discount)
