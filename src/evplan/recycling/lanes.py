"""Allowed lanes from collection points to candidate plants, their distance and cost.

A lane rule names its ends by id, by region, or ``'*'``. For each collection point and
plant the most specific matching rule decides (an id counts 2, a region 1, ``'*'`` 0,
summed over both ends; on a tie the later row wins), so a general ban can carry
exceptions::

    from,to,allowed,mode
    *,*,false,road          # nothing moves unless allowed below
    EU,EU,true,road         # inside the EU
    MEA,EU,true,sea         # imports into the EU for recovery

The cost of a tonne on a lane is ``handling + usd_per_tonne_km x distance``, with the
distance the great-circle distance times the mode's circuity unless the rule gives
``distance_km``. Waste lithium-ion batteries travel as dangerous goods (class 9); the
default rates are estimates (see ``transport.csv``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.recycling.tables import RecyclingInputs

__all__ = ["great_circle_km", "resolve_lanes"]

EARTH_RADIUS_KM = 6371.0


def great_circle_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
                    ) -> np.ndarray:
    """Haversine distance in km between points given in degrees (arrays broadcast).

    Examples
    --------
    >>> round(float(great_circle_km(0.0, 0.0, 0.0, 1.0)), 1)
    111.2
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def resolve_lanes(inputs: RecyclingInputs) -> pd.DataFrame:
    """Every allowed (collection point, plant) lane with mode, distance and cost per tonne.

    Returns
    -------
    pandas.DataFrame
        ``collection_point``, ``plant``, ``mode``, ``distance_km``,
        ``transport_usd_per_tonne``, ``rule_row`` (the lanes.csv row that allowed it).
    """
    points = inputs["collection_points"][["collection_point", "region", "lat", "lon"]]
    plants = inputs["candidate_plants"][["plant", "region", "lat", "lon"]]
    pairs = points.merge(plants, how="cross", suffixes=("_from", "_to"))
    rules = inputs["lanes"][["row", "from", "to", "allowed", "mode", "distance_km"]]
    ends_from = {2: "collection_point", 1: "region_from", 0: None}
    ends_to = {2: "plant", 1: "region_to", 0: None}
    matches = []
    for level_from, column_from in ends_from.items():
        for level_to, column_to in ends_to.items():
            chosen = rules
            if column_from is None:
                chosen = chosen[chosen["from"] == "*"]
            if column_to is None:
                chosen = chosen[chosen["to"] == "*"]
            left_on = [column for column in (column_from, column_to) if column]
            right_on = [side for side, column in (("from", column_from), ("to", column_to))
                        if column]
            if left_on:
                merged = pairs.merge(chosen, left_on=left_on, right_on=right_on, how="inner")
            else:
                merged = pairs.merge(chosen, how="cross")
            matches.append(merged.assign(specificity=level_from + level_to))
    matched = pd.concat(matches, ignore_index=True)
    matched = matched.sort_values(["specificity", "row"], kind="stable")
    best = matched.drop_duplicates(["collection_point", "plant"], keep="last")
    lanes = best[best["allowed"].astype(bool)].copy()
    transport = inputs["transport"].set_index("mode")
    circuity = lanes["mode"].map(transport["circuity"]).to_numpy()
    straight = great_circle_km(lanes["lat_from"].to_numpy(), lanes["lon_from"].to_numpy(),
                               lanes["lat_to"].to_numpy(), lanes["lon_to"].to_numpy())
    distance = np.where(lanes["distance_km"].notna(), lanes["distance_km"], straight * circuity)
    cost = (lanes["mode"].map(transport["handling_usd_per_tonne"]).to_numpy()
            + lanes["mode"].map(transport["usd_per_tonne_km"]).to_numpy() * distance)
    out = pd.DataFrame({
        "collection_point": lanes["collection_point"].to_numpy(),
        "plant": lanes["plant"].to_numpy(),
        "mode": lanes["mode"].to_numpy(),
        "distance_km": distance.astype(float),
        "transport_usd_per_tonne": cost.astype(float),
        "rule_row": lanes["row"].to_numpy(),
    })
    return out.sort_values(["collection_point", "plant"]).reset_index(drop=True)
