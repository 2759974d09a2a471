"""What a case must share with a warm model's base to be re-solved warm.

A warm re-solve changes only numbers: the objective and the row bounds. A case fits when
its tables differ from the base's in value columns only (:func:`same_shape_tables`, the
fast path: every number is gathered at positions recorded on the base), or when its
rebuilt index has the base's rows and columns (:func:`same_structure`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.frame_arrays import column_array, columns_equal
from evplan.model.index import ModelIndex

__all__ = ["BLANK_SHAPES", "FREE_COLUMNS", "VALUE_COLUMNS", "same_shape_tables",
           "same_structure"]

VALUE_COLUMNS = {
    "plants": ("capacity_vehicles_per_year", "fixed_cost_usd_per_year", "min_utilisation"),
    "plant_programs": ("variable_cost_usd_per_vehicle",),
    "routes": ("freight_usd_per_vehicle", "transit_days", "co2_kg_per_vehicle",
               "capacity_vehicles_per_year"),
    "duties": ("ad_valorem_rate", "specific_usd_per_vehicle", "minimum_usd_per_vehicle",
               "quota_vehicles_per_year", "in_quota_rate"),
    "countervailing_duties": ("cvd_rate",),
    "demand": ("volume_vehicles", "price_usd_per_vehicle"),
    "committed_sales": ("min_vehicles",),
    # Trade terms (model/trade.py): Gather.numbers recomputes them for every case.
    "exchange_rates": ("local_per_usd",),
    "transfer_prices": ("markup_on_full_cost",),
    "quota_shares": ("share_of_quota",),
}
# Columns no number of the LP reads. Not ``row``: the certificate finds the warm LP's duals by
# the base's spreadsheet rows (plants, routes, demand, commitments, a quota without a group),
# so a case whose rows are numbered otherwise (the same inputs read from a file with one
# more line) is not warm: its duals were looked up at the wrong rows and a right plan failed
# its certificate (exit 4).
FREE_COLUMNS = ("source", "name", "notes", "note", "comment", "battery_kwh")
# Optional value columns whose blank cells shape the model (a quota row, a lane limit).
BLANK_SHAPES = {"routes": ("capacity_vehicles_per_year",),
                 "duties": ("quota_vehicles_per_year",)}


def _structure(index: ModelIndex) -> list[Any]:
    """What must be equal for two indices to give the same rows and columns."""
    floor = (index.plant_years["min_utilisation"]
             * index.plant_years["capacity_vehicles_per_year"]).to_numpy() > 0
    return [
        index.flows[["year", "plant", "program", "market", "plant_year", "balance",
                     "route_year"]],
        index.sales[["pool", "balance", "program"]],
        index.pools[["market", "year", "product", "tier"]],
        index.balances,
        index.plant_years[["plant", "year", "row"]],
        index.route_years[["plant", "market", "year", "route_row"]],
        index.pools[["row"]],  # the rows that key the duals (see FREE_COLUMNS)
        index.quota_flows[["flow", "quota_group"]],
        index.quota_groups[["year", "quota_key"]],
        index.committed[["market", "year", "product", "row"]],
        index.committed_terms,
        pd.Series(floor),
        index.discount.index.to_series(),
        pd.Series([index.penalised]),  # a shortfall column per commitment, or none
    ]


def same_structure(left: ModelIndex, right: ModelIndex) -> bool:
    """True when two indices give the same rows and columns in the same order."""
    return all(
        len(a) == len(b) and a.reset_index(drop=True).equals(b.reset_index(drop=True))
        for a, b in zip(_structure(left), _structure(right), strict=True))


def same_shape_tables(base: NetworkData, data: NetworkData) -> bool:
    """True when only value columns differ (so positions recorded on ``base`` still hold)."""
    if (base.scenario.first_year, base.scenario.last_year) != (
            data.scenario.first_year, data.scenario.last_year):
        return False
    if (base.scenario.unmet_committed_penalty_usd_per_vehicle is None) != (
            data.scenario.unmet_committed_penalty_usd_per_vehicle is None):
        return False
    for name, frame in base.tables.items():
        other = data.tables[name]
        if other is frame:  # apply() keeps tables it did not touch
            continue
        if len(frame) != len(other):
            return False
        skip = set(VALUE_COLUMNS.get(name, ())) | set(FREE_COLUMNS)
        for column in frame.columns:
            if column in skip:
                continue
            if column not in other.columns or not columns_equal(frame, other, column):
                return False
        for column in BLANK_SHAPES.get(name, ()):
            if not np.array_equal(pd.isna(column_array(frame, column)),
                                  pd.isna(column_array(other, column))):
                return False
    if data.plants is base.plants:
        return True
    floor = base.plants["min_utilisation"] * base.plants["capacity_vehicles_per_year"] > 0
    other_floor = data.plants["min_utilisation"] * data.plants["capacity_vehicles_per_year"] > 0
    return bool(np.array_equal(floor.to_numpy(), other_floor.to_numpy()))
