"""Supply-side decision elements: program allocations, steering variants, lifecycle, caps.

Production elements are the network's flows (built-up vehicles) and the kit flows. Each
gets the codes of the decision rows it enters (``-1``: none) and its own linking bound:

==================  ==========================================================
column              meaning
==================  ==========================================================
``allocation``      position in ``allocations`` of its (plant, program, year)
``allocation_bound`` min(plant's largest capacity, demand its market can take)
``variant``         position in ``variants`` when it needs the other steering side
``blocked``         position in ``lifecycle_blocked`` when outside the program's life
==================  ==========================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.model.strategic.index import chain

__all__ = ["build_program_frames"]


def _codes(frame: pd.DataFrame, keys: pd.DataFrame, on: list[str]) -> np.ndarray:
    lookup = keys[on].reset_index(names="_position")
    merged = frame[on].reset_index(drop=True).merge(lookup, on=on, how="left")
    return merged["_position"].fillna(-1).to_numpy(dtype=np.int64)


def _lifecycle_years(data: NetworkData) -> pd.DataFrame:
    """(program, year) pairs inside each lifecycle row's years."""
    lifecycle = data["program_lifecycle"]
    years = pd.DataFrame({"year": data.years})
    frame = lifecycle[["program", "first_year", "last_year"]].merge(years, how="cross")
    first = frame["first_year"].astype("Float64").fillna(min(data.years)).to_numpy(dtype=float)
    last = frame["last_year"].astype("Float64").fillna(max(data.years)).to_numpy(dtype=float)
    inside = (frame["year"].to_numpy() >= first) & (frame["year"].to_numpy() <= last)
    return frame.assign(inside=inside)[["program", "year", "inside"]]


def _allocations(data: NetworkData, plant_years: pd.DataFrame, splant_years: pd.DataFrame,
                 lifecycle: pd.DataFrame) -> pd.DataFrame:
    options = data["plant_program_options"]
    frame = options.merge(plant_years[["plant", "year"]], on="plant")
    blocked = lifecycle[~lifecycle["inside"]][["program", "year"]]
    if len(blocked):
        outside = frame[["program", "year"]].merge(blocked.assign(_out=True), how="left",
                                                   on=["program", "year"])["_out"]
        frame = frame[outside.isna().to_numpy()]
    frame = chain(frame, ["plant", "program"])
    existing = frame["existing"].eq("yes").to_numpy()
    frozen = frame["year"].to_numpy() < frame["first_year"].astype("Float64").fillna(
        min(data.years)).to_numpy(dtype=float)
    frame["initial"] = existing.astype(float)
    frame["lower"] = np.where(frozen & existing, 1.0, 0.0)
    frame["upper"] = np.where(frozen & ~existing, 0.0, 1.0)
    frame["splant_year"] = _codes(frame, splant_years, ["plant", "year"])
    return frame


def _side_needed(data: NetworkData, production: pd.DataFrame) -> np.ndarray:
    """Steering side each production element needs from its plant ('' when either)."""
    sides = data["market_steering"].set_index("market")["steering"]
    variants = data["steering_variants"].set_index(["plant", "program"])["built"]
    market_side = production["market"].map(sides).astype(object).fillna("").to_numpy(
        dtype=object)
    built = pd.Series(list(zip(production["plant"], production["program"], strict=True)),
                      dtype=object).map(lambda pair: variants.get(pair, "both")).to_numpy(
        dtype=object) if len(variants) else np.full(len(production), "both", dtype=object)
    need_other = (market_side != "") & (built != "both") & (market_side != built)
    return need_other


def _variants(data: NetworkData, production: pd.DataFrame, need_other: np.ndarray,
              plant_years: pd.DataFrame) -> pd.DataFrame:
    pairs = production.loc[need_other, ["plant", "program"]].drop_duplicates()
    options = data["steering_variants"][["plant", "program", "built", "add_other_cost_usd",
                                         "first_year"]]
    frame = pairs.merge(options, on=["plant", "program"]).merge(
        plant_years[["plant", "year"]], on="plant")
    frame = chain(frame, ["plant", "program"])
    cannot = frame["add_other_cost_usd"].isna().to_numpy()
    early = frame["year"].to_numpy() < frame["first_year"].astype("Float64").fillna(
        min(data.years)).to_numpy(dtype=float)
    frame["upper"] = np.where(cannot | early, 0.0, 1.0)
    frame["add_other_cost_usd"] = frame["add_other_cost_usd"].astype(float).fillna(0.0)
    frame["other_side"] = np.where(frame["built"].eq("LHD"), "RHD", "LHD")
    return frame


def _max_plants(data: NetworkData, allocations: pd.DataFrame, plant_years: pd.DataFrame
                ) -> pd.DataFrame:
    lifecycle = data["program_lifecycle"]
    capped = lifecycle[lifecycle["max_plants"].notna()][["program", "max_plants"]]
    if capped.empty:
        return pd.DataFrame({"program": pd.Series(dtype=object), "year": pd.Series(dtype=int),
                             "rhs": pd.Series(dtype=float)})
    options = set(zip(data["plant_program_options"]["plant"],
                      data["plant_program_options"]["program"], strict=True))
    lanes = data["plant_programs"][["plant", "program"]]
    fixed = lanes[[pair not in options for pair in zip(lanes["plant"], lanes["program"],
                                                       strict=True)]]
    fixed_years = fixed.merge(plant_years[["plant", "year"]], on="plant").groupby(
        ["program", "year"]).size().rename("fixed_plants")
    frame = capped.merge(pd.DataFrame({"year": data.years}), how="cross").join(
        fixed_years, on=["program", "year"]).fillna({"fixed_plants": 0})
    frame["rhs"] = frame["max_plants"].astype(float) - frame["fixed_plants"].astype(float)
    frame = frame.merge(allocations[["program", "year"]].drop_duplicates(),
                        on=["program", "year"])
    return frame.reset_index(drop=True)


def _element_bounds(data: NetworkData, production: pd.DataFrame
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Per production element: its own bound M_e and how far it may exceed plant capacity.

    A built-up flow takes a vehicle of capacity: M_e = min(demand, plant's largest capacity
    K). A kit takes sigma (``plant_capacity_share``) of one: z <= min(demand, site capacity,
    K / sigma), and since sum x + sum sigma z <= K, the plant's elements together stay below
    K + sum (1 - sigma) M_kit (the second array; 0 for flows). Capping a group of kits and
    built-up flows at K alone cut plans that fill the plant with built-up vehicles and send
    kits of share < 1 beside them (audit s23).
    """
    volume = production["volume"].to_numpy(dtype=float)
    plant_max = production["plant_max"].to_numpy(dtype=float)
    is_kit = production["kind"].eq("kit").to_numpy()
    bound = np.minimum(volume, plant_max)
    slack = np.zeros(len(production))
    if not is_kit.any():
        return bound, slack
    kits = production.loc[is_kit]
    share = kits["plant_capacity_share"].astype(float).fillna(0.0).to_numpy(dtype=float)
    site_capacity = data["assembly_sites"].set_index("site")[
        "capacity_vehicles_per_year"].astype(float)
    site = kits["site"].map(site_capacity).fillna(np.inf).to_numpy(dtype=float)
    with np.errstate(divide="ignore"):
        by_plant = np.where(share > 0, plant_max[is_kit] / np.where(share > 0, share, 1.0),
                            np.inf)
    kit_bound = np.minimum(np.minimum(volume[is_kit], site), by_plant)
    bound[is_kit] = kit_bound
    slack[is_kit] = (1.0 - share) * kit_bound
    return bound, slack


def build_program_frames(data: NetworkData, flows: pd.DataFrame, kits: pd.DataFrame,
                         plant_years: pd.DataFrame, splant_years: pd.DataFrame,
                         plant_max: pd.Series, balance_volume: np.ndarray
                         ) -> dict[str, pd.DataFrame]:
    """Allocations, variants, lifecycle rows, max-plant rows and the codes of each flow."""
    lifecycle = _lifecycle_years(data)
    allocations = _allocations(data, plant_years, splant_years, lifecycle)
    production = pd.concat([
        flows[["plant", "program", "market", "year", "balance"]].assign(kind="flow"),
        kits.reindex(columns=["plant", "program", "market", "year", "balance", "site",
                              "plant_capacity_share"]).assign(kind="kit"),
    ], ignore_index=True)
    production["volume"] = balance_volume[production["balance"].to_numpy(dtype=np.int64)]
    production["plant_max"] = production["plant"].map(plant_max).to_numpy(dtype=float)
    production["bound"], production["capacity_slack"] = _element_bounds(data, production)
    production["allocation"] = _codes(production, allocations, ["plant", "program", "year"])
    reach = production[production["allocation"] >= 0][["allocation", "balance", "volume"]]
    reach = reach.drop_duplicates(["allocation", "balance"])
    demand = np.bincount(reach["allocation"].to_numpy(), weights=reach["volume"].to_numpy(),
                         minlength=len(allocations))
    linked = production["allocation"].to_numpy(dtype=np.int64) >= 0
    slack = np.bincount(production["allocation"].to_numpy(dtype=np.int64)[linked],
                        weights=production["capacity_slack"].to_numpy(dtype=float)[linked],
                        minlength=len(allocations))
    allocations["bound"] = np.minimum(demand, allocations["plant"].map(plant_max).to_numpy(
        dtype=float) + slack)
    need_other = _side_needed(data, production)
    variants = _variants(data, production, need_other, plant_years)
    production["variant"] = np.where(
        need_other, _codes(production, variants, ["plant", "program", "year"]), -1)
    outside = lifecycle[~lifecycle["inside"]][["program", "year"]].reset_index(drop=True)
    production["blocked"] = _codes(production, outside, ["program", "year"])
    blocked = outside[np.isin(np.arange(len(outside)), production["blocked"])].reset_index(
        drop=True)
    production["blocked"] = _codes(production, blocked, ["program", "year"])
    max_plants = _max_plants(data, allocations, plant_years)
    allocations["max_plants_row"] = _codes(allocations, max_plants, ["program", "year"])
    columns = ["allocation", "variant", "blocked", "bound", "capacity_slack"]
    is_flow = production["kind"].eq("flow").to_numpy()
    flow_links = production.loc[is_flow, columns].reset_index(drop=True)
    kit_links = production.loc[~is_flow, columns].reset_index(drop=True)
    kits = pd.concat([kits.reset_index(drop=True), kit_links], axis=1)
    return {"allocations": allocations, "variants": variants, "lifecycle_blocked": blocked,
            "max_plants": max_plants, "flow_links": flow_links, "kits": kits}
