"""Hooks of the network index into the strategic model: present only when its tables are."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.schema import STRATEGIC_TABLE_NAMES

if TYPE_CHECKING:
    from evplan.model.index import ModelIndex

__all__ = ["extend_index", "has_strategic", "kit_balance_keys"]


def has_strategic(data: NetworkData) -> bool:
    """True when any strategic table holds a row (the model is then a MILP).

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> has_strategic(single_lane())
    False
    """
    return any(len(data[name]) for name in STRATEGIC_TABLE_NAMES if name in data.tables)


def kit_balance_keys(data: NetworkData, plant_years: pd.DataFrame, pools: pd.DataFrame
                     ) -> pd.DataFrame:
    """(program, market, year) reached by kit flows: they need a market balance too."""
    if not has_strategic(data) or data["kit_routes"].empty:
        return pd.DataFrame(columns=["program", "market", "year"])
    from evplan.model.strategic.kits import kit_flows

    return kit_flows(data, plant_years, pools)[["program", "market", "year"]]


def extend_index(data: NetworkData, index: ModelIndex) -> ModelIndex:
    """Return ``index`` with its strategic part, or unchanged when there is none.

    For plants of plant_strategy.csv, ``plant_years`` then holds the largest capacity the
    plant may have (the ``plant-capacity`` row becomes a ceiling) and no minimum (the
    ``strategic-plant-minimum`` row applies it to the running capacity). Other plant-years
    whose kits use plant capacity lose their minimum too: ``plant-minimum-kits``
    (``strategic.kit_floors``) applies it to built-up vehicles plus the kits' capacity share,
    as ``plant-capacity-kits`` counts them against capacity.
    """
    if not has_strategic(data):
        return index
    from evplan.model.strategic.index import build_strategic_index
    from evplan.model.strategic.kits import kit_flows

    kits = kit_flows(data, index.plant_years, index.pools)
    if len(kits):
        lookup = index.balances.reset_index(names="balance")
        kits = kits.merge(lookup, on=["program", "market", "year"], how="left")
        kits["balance"] = kits["balance"].astype(np.int64)
    else:
        kits["balance"] = pd.Series(dtype=np.int64)
    strategic = build_strategic_index(data, index.flows, index.sales, index.pools,
                                      index.balances, index.plant_years, kits)
    plant_years = index.plant_years.copy()
    chosen = plant_years["plant"].isin(strategic.plants["plant"]).to_numpy()
    plant_years.loc[chosen, "capacity_vehicles_per_year"] = plant_years.loc[
        chosen, "plant"].map(strategic.plant_max_capacity).to_numpy(dtype=float)
    plant_years.loc[chosen, "min_utilisation"] = 0.0
    floors = pd.Series(dtype=float)
    if len(kits):
        loaded = np.unique(kits.loc[kits["plant_capacity_share"].astype(float).to_numpy() > 0,
                                    "plant_year"].to_numpy(dtype=np.int64))
        loaded = loaded[~chosen[loaded]]
        floors = plant_years["min_utilisation"].iloc[loaded].astype(float)
        floors = floors[floors.to_numpy() > 0]
        plant_years.loc[floors.index, "min_utilisation"] = 0.0
    strategic = replace(strategic, kit_floors=floors)
    return replace(index, plant_years=plant_years, strategic=strategic)
