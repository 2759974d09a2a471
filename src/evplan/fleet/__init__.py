"""Fleet stock: the vehicles a plan's sales put on the road, and the packs they retire.

::

    import evplan.fleet as fleet
    result = fleet.project_fleet("evplan-output/china-export")   # a run folder
    result["fleet"]            # market, powertrain, year: sales, vehicles in use, retired
    result["packs_retired"]    # market, year, chemistry: packs, kwh, tonnes

Sales (from a run, a history CSV, or both) are convolved with per-market survival
curves (Weibull or logistic; sourced defaults for China, EU countries and the US) to give
vehicles in use by vintage; packs retire on their own clock (capacity fade to a
retirement state of health) or with their vehicle. See :mod:`evplan.fleet.stock` for
the maths and ``docs/fleet-charging.md`` for the tables and their sources.
"""

from __future__ import annotations

from evplan.fleet.api import project_fleet
from evplan.fleet.params import load_battery, load_chemistry, load_survival, sources
from evplan.fleet.sales import PlanSales, plan_sales, read_run_folder
from evplan.fleet.stock import FleetOptions, FleetResult, stock_model
from evplan.fleet.survival import mean_life_years, survival
from evplan.fleet.write import write_fleet

__all__ = [
    "FleetOptions",
    "FleetResult",
    "PlanSales",
    "load_battery",
    "load_chemistry",
    "load_survival",
    "mean_life_years",
    "plan_sales",
    "project_fleet",
    "read_run_folder",
    "sources",
    "stock_model",
    "survival",
    "write_fleet",
]
