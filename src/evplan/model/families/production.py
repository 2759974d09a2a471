"""Plant families: capacity and the break-even minimum."""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd

from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.terms import add_grouped_rows, grouped_sum, labelled


def add_plant_capacity(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    r"""Vehicles built at a plant in a year do not exceed its capacity.

    .. math:: \sum_{f \in F(p,y)} x_f \le K_{p} \quad \forall (p, y) \text{ active}

    ======  ========================================  ==============================
    symbol  code                                      meaning
    ======  ========================================  ==============================
    x_f     ``m.variables["shipment"]``               vehicles on flow f
    F(p,y)  ``index.flows.plant_year``                flows leaving plant p in year y
    K_p     ``plants.capacity_vehicles_per_year``     nameplate capacity
    ======  ========================================  ==============================
    """
    plant_years = index.plant_years
    lhs = grouped_sum(m, [(m.variables["shipment"], index.flows["plant_year"].to_numpy(), 1.0)],
                      len(plant_years), "plant_year")
    capacity = labelled(plant_years["capacity_vehicles_per_year"].to_numpy(), "plant_year")
    add_grouped_rows(m, lhs, "<=", capacity, "plant-capacity")


def add_plant_minimum(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    r"""A plant with a break-even floor builds at least that share of its capacity.

    .. math:: \sum_{f \in F(p,y)} x_f + s_{p,y} \ge u_p K_p
              \quad \forall (p, y): u_p > 0

    ``s`` (``plant_minimum_shortfall``) exists only in the elastic copy.
    """
    plant_years = index.plant_years
    floor = (plant_years["min_utilisation"] * plant_years["capacity_vehicles_per_year"]).to_numpy()
    selected = np.flatnonzero(floor > 0)
    if not len(selected):
        return
    position = np.full(len(plant_years), -1)
    position[selected] = np.arange(len(selected))
    codes = position[index.flows["plant_year"].to_numpy()]
    parts = [(m.variables["shipment"], codes, 1.0)]
    if options.elastic:
        shortfall = m.add_variables(lower=0,
                                    coords=[pd.RangeIndex(len(selected), name="plant_minimum")],
                                    name="plant_minimum_shortfall")
        parts.append((shortfall, np.arange(len(selected)), 1.0))
    lhs = grouped_sum(m, parts, len(selected), "plant_minimum")
    add_grouped_rows(m, lhs, ">=", floor[selected], "plant-minimum")
