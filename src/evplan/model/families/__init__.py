"""Constraint families of the network model: one function each, ``add_<family>(m, index, options)``.

Each family reads the sparse flat indices of :class:`evplan.model.index.ModelIndex`
(derived once from NetworkData) and adds kebab-case named constraints.
"""

from __future__ import annotations

from evplan.model.families.demand import add_committed_sales, add_demand_tiers, add_market_balance
from evplan.model.families.duties import add_duty_quota
from evplan.model.families.production import add_plant_capacity, add_plant_minimum
from evplan.model.families.shipping import add_route_capacity

__all__ = [
    "add_committed_sales",
    "add_demand_tiers",
    "add_duty_quota",
    "add_market_balance",
    "add_plant_capacity",
    "add_plant_minimum",
    "add_route_capacity",
]
