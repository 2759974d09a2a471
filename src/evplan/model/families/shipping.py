"""Shipping families: lane capacity."""

from __future__ import annotations

import linopy

from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.terms import add_grouped_rows, grouped_sum, labelled


def add_route_capacity(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    r"""Vehicles on a lane in a year do not exceed the lane's capacity, where it has one.

    .. math:: \sum_{f \in F(r,y)} x_f \le C_r \quad \forall (r, y): C_r \text{ given}

    ======  ===========================================  ==========================
    symbol  code                                         meaning
    ======  ===========================================  ==========================
    F(r,y)  ``index.flows.route_year``                   flows on lane r in year y
    C_r     ``routes.capacity_vehicles_per_year``        lane capacity
    ======  ===========================================  ==========================
    """
    route_years = index.route_years
    if route_years.empty:
        return
    lhs = grouped_sum(m, [(m.variables["shipment"], index.flows["route_year"].to_numpy(), 1.0)],
                      len(route_years), "route_year")
    capacity = labelled(route_years["capacity_vehicles_per_year"].to_numpy(), "route_year")
    add_grouped_rows(m, lhs, "<=", capacity, "route-capacity")
