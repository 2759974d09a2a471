"""The strategic plan's ``utilisation`` and margin tables re-derived from its checked rows.

The strategic model corrects three of the network's summary tables for its decisions
(:mod:`evplan.strategic.tables`); :mod:`evplan.verify.derived` checks the others. Made
again here from the shipments, sales, kit shipments, plant decisions and program
allocations that :func:`~evplan.strategic.check.check_plan` has checked:

* ``utilisation``: one row per open plant-year (plants.csv), its capacity the decided one
  where ``plant_decisions`` has the plant-year, else plants.csv's; vehicles shipped and
  their share of that capacity;
* ``margin_by_plant``: the network's definition (:func:`evplan.verify.derived.
  margin_by_plant`) plus the plant's kits (count; revenue at the average price of their
  program, market and year; kit value and assembly as variable cost; freight, inventory,
  duty), the fixed cost the plant decision reports where there is one (else plants.csv's
  in the year's USD) plus its programs' fixed costs;
* ``margin_by_market``: the network's definition plus the kits' costs in that market.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.verify.derived import (
    COSTS,
    average_price,
    compare_table,
    fixed_cost_by_plant_year,
    margin_by_market,
    margin_by_plant,
)
from evplan.verify.keys import expand_rows

__all__ = ["strategic_derived_problems"]


def strategic_derived_problems(data: NetworkData, tables: Mapping[str, pd.DataFrame]
                               ) -> list[str]:
    """Violations in the strategic ``utilisation``, ``margin_by_plant`` and
    ``margin_by_market`` (module docstring); tables the result lacks are not checked."""
    shipments, sales = tables.get("shipments"), tables.get("sales")
    decisions = tables.get("plant_decisions")
    if shipments is None or sales is None or decisions is None:
        return []
    plants = data.plants.reset_index(drop=True)
    rows, years = expand_rows(plants["first_year"], plants["last_year"], data.years)
    open_years = pd.DataFrame({"plant": plants["plant"].to_numpy()[rows],
                               "country": plants["country"].to_numpy()[rows], "year": years})
    decided = decisions.drop_duplicates(["plant", "year"]).set_index(["plant", "year"])
    at = pd.MultiIndex.from_frame(open_years[["plant", "year"]])
    capacity = decided["capacity_vehicles_per_year"].reindex(at).to_numpy(dtype=float)
    capacity = np.where(np.isnan(capacity),
                        plants["capacity_vehicles_per_year"].to_numpy(float)[rows], capacity)
    fixed = decided["fixed_cost_usd"].reindex(at).to_numpy(dtype=float)
    fixed = np.where(np.isnan(fixed), fixed_cost_by_plant_year(data, rows, years), fixed)
    allocations = tables.get("program_allocations")
    if allocations is not None and len(allocations):
        fixed = fixed + allocations.groupby(["plant", "year"])["fixed_cost_usd"].sum().reindex(
            at).fillna(0.0).to_numpy(dtype=float)
    problems: list[str] = []
    if "utilisation" in tables:
        built = shipments.groupby(["plant", "year"])["shipment_vehicles"].sum().reindex(
            at).fillna(0.0).to_numpy(dtype=float)
        want = open_years.assign(capacity_vehicles_per_year=capacity,
                                 production_vehicles=built,
                                 utilisation=np.divide(built, capacity,
                                                       out=np.zeros(len(built)),
                                                       where=capacity > 0))
        problems += compare_table("utilisation", tables["utilisation"], ["plant", "year"], want)
    kits = _kits_as_flows(tables.get("kit_shipments"), sales)
    if "margin_by_plant" in tables:
        keys, want = margin_by_plant(shipments, sales, open_years[["plant", "year"]].assign(
            fixed_cost_usd=fixed))
        by_plant = kits.groupby(["plant", "year"])[["kits", "revenue_usd", *COSTS]].sum()
        where = pd.MultiIndex.from_frame(want[keys])
        for column in ("revenue_usd", *COSTS):
            want[column] = want[column] + by_plant[column].reindex(where).fillna(
                0.0).to_numpy(dtype=float)
        want["kits"] = by_plant["kits"].reindex(where).fillna(0.0).to_numpy(dtype=float)
        want["margin_usd"] = want["revenue_usd"] - want[[*COSTS, "fixed_cost_usd"]].sum(axis=1)
        problems += compare_table("margin_by_plant", tables["margin_by_plant"], keys, want)
    if "margin_by_market" in tables:
        keys, want = margin_by_market(shipments, sales)
        by_market = kits.groupby(["market", "year"])[COSTS].sum()
        where = pd.MultiIndex.from_frame(want[keys])
        for column in COSTS:
            want[column] = want[column] + by_market[column].reindex(where).fillna(
                0.0).to_numpy(dtype=float)
        want["margin_usd"] = want["revenue_usd"] - want[COSTS].sum(axis=1)
        problems += compare_table("margin_by_market", tables["margin_by_market"], keys, want)
    return problems


def _kits_as_flows(kit_shipments: pd.DataFrame | None, sales: pd.DataFrame) -> pd.DataFrame:
    """Kit rows with the network's cost columns and their revenue at the average price."""
    columns = ["plant", "market", "year", "kits", "revenue_usd", *COSTS]
    if kit_shipments is None or not len(kit_shipments):
        return pd.DataFrame({column: pd.Series(dtype=float) for column in columns})
    kits = kit_shipments["kits"].to_numpy(dtype=float)
    return kit_shipments.assign(
        revenue_usd=kits * average_price(sales, kit_shipments),
        variable_cost_usd=kit_shipments["kit_value_usd"] + kit_shipments["assembly_usd"])[
        columns]
