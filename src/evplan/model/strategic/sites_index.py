"""Market-side decision elements: presence, homologations, assembly sites, rules of origin."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.model.strategic.index import chain

__all__ = ["build_site_frames"]


def _codes(frame: pd.DataFrame, keys: pd.DataFrame, on: list[str]) -> np.ndarray:
    lookup = keys[on].reset_index(names="_position")
    merged = frame[on].reset_index(drop=True).merge(lookup, on=on, how="left")
    return merged["_position"].fillna(-1).to_numpy(dtype=np.int64)


def _yearly(table: pd.DataFrame, data: NetworkData, subject: list[str]) -> pd.DataFrame:
    frame = table.merge(pd.DataFrame({"year": data.years}), how="cross")
    return chain(frame, subject)


def _before(frame: pd.DataFrame, data: NetworkData) -> np.ndarray:
    return frame["year"].to_numpy() < frame["first_year"].astype("Float64").fillna(
        min(data.years)).to_numpy(dtype=float)


def build_site_frames(data: NetworkData, sales: pd.DataFrame, pools: pd.DataFrame,
                      kits: pd.DataFrame, balance_volume: np.ndarray) -> dict[str, object]:
    """Market-years, homologations, site-years, rvc groups; codes on pools, sales and kits."""
    markets = _yearly(data["market_entry"], data, ["market"])
    present = markets["present"].eq("yes").to_numpy()
    early = _before(markets, data)
    markets["initial"] = present.astype(float)
    markets["lower"] = np.where(early & present, 1.0, 0.0)
    markets["upper"] = np.where(early & ~present, 0.0, 1.0)
    pool_market_year = _codes(pools, markets, ["market", "year"])

    homologations = _yearly(data["homologations"], data, ["program", "market"])
    approved = homologations["homologated"].eq("yes").to_numpy()
    homologations["initial"] = approved.astype(float)
    homologations["lower"] = approved.astype(float)
    homologations["upper"] = np.where(_before(homologations, data) & ~approved, 0.0, 1.0)
    sale_homologation = _codes(sales, homologations, ["program", "market", "year"])

    sites = _yearly(data["assembly_sites"], data, ["site"])
    existing = sites["existing"].eq("yes").to_numpy()
    sites["initial"] = existing.astype(float)
    sites["lower"] = existing.astype(float)
    sites["upper"] = np.where(_before(sites, data) & ~existing, 0.0, 1.0)
    kits = kits.copy()
    kits["site_year"] = _codes(kits, sites, ["site", "year"])
    capacity = sites["capacity_vehicles_per_year"].to_numpy(dtype=float)
    volume = balance_volume[kits["balance"].to_numpy(dtype=np.int64)] if len(kits) else (
        np.zeros(0))
    kits["site_bound"] = np.minimum(volume, capacity[kits["site_year"].to_numpy(
        dtype=np.int64)]) if len(kits) else np.zeros(0)
    kits["plant_capacity_share"] = kits["plant_capacity_share"].astype(float) if len(
        kits) else np.zeros(0)

    preferred = kits[kits["has_preference"].astype(bool)] if len(kits) else kits
    groups = preferred[["site", "program", "year", "site_year"]].drop_duplicates(
        ["site", "program", "year"]).reset_index(drop=True)
    kits["rvc_group"] = np.where(kits["has_preference"].astype(bool),
                                 _codes(kits, groups, ["site", "program", "year"]), -1) if len(
        kits) else np.zeros(0, dtype=np.int64)
    kits["kit_pref"] = -1
    if len(preferred):
        chosen = np.flatnonzero(kits["rvc_group"].to_numpy() >= 0)
        kits.loc[chosen, "kit_pref"] = np.arange(len(chosen))
        group_code = kits["rvc_group"].to_numpy()
        # One threshold per group: the strictest of its kits' kit_duties rows (kits from
        # origins under different agreements share the site's average), as the plan check
        # (strategic/check.py) applies it; a kit's own lower threshold would let the others
        # claim the preference below theirs.
        strictest = np.zeros(len(groups))
        np.maximum.at(strictest, group_code[chosen],
                      kits["rvc_threshold"].fillna(0.0).to_numpy(dtype=float)[chosen])
        kits.loc[chosen, "rvc_threshold"] = strictest[group_code[chosen]]
        shortfall = (kits["rvc_threshold"].fillna(0.0) * kits["rvc_value_usd_per_vehicle"]
                     - kits["originating_usd_per_vehicle"]).clip(lower=0.0).to_numpy()
        worst = np.zeros(len(groups))
        np.maximum.at(worst, group_code[chosen], shortfall[chosen])
        reach = np.zeros(len(groups))
        reach_frame = kits.loc[chosen, ["rvc_group", "balance"]].drop_duplicates()
        np.add.at(reach, reach_frame["rvc_group"].to_numpy(),
                  balance_volume[reach_frame["balance"].to_numpy(dtype=np.int64)])
        group_capacity = np.minimum(capacity[groups["site_year"].to_numpy()], reach)
        groups["volume_bound"] = group_capacity
        groups["rvc_bound_usd"] = group_capacity * worst
    else:
        groups["volume_bound"] = pd.Series(dtype=float)
        groups["rvc_bound_usd"] = pd.Series(dtype=float)
    return {"market_years": markets, "homologations": homologations, "site_years": sites,
            "kits": kits, "rvc_groups": groups, "pool_market_year": pool_market_year,
            "sale_homologation": sale_homologation}
