"""Battery end of life: material flows, a recycling network, its economics and the EU rules.

::

    from evplan import recycling
    inputs = recycling.load_inputs("retired_packs.csv")    # sourced defaults for the rest
    result = recycling.plan_recycling(inputs)
    result["plants"]            # plants opened: site, tier, process, year
    result["recovered_by_year"] # tonnes in, recovered and lost per material and year
    result["compliance"]        # EU recycling efficiency and material recovery targets

Retired packs (kWh by chemistry, collection point and year; from :mod:`evplan.fleet` or a
CSV) become tonnes of lithium, nickel, cobalt, manganese, graphite, copper, aluminium,
iron, phosphorus, steel and the rest (:mod:`~evplan.recycling.materials`). A multi-year
MILP (:mod:`~evplan.recycling.network`) opens plants at candidate sites in size tiers,
each running one process (pyrometallurgical, hydrometallurgical, direct), ships packs on
allowed lanes (:mod:`~evplan.recycling.lanes`), and meets the EU Battery Regulation's
recycling targets at EU plants (:mod:`~evplan.recycling.regulation`). The fixed-network
LP prices a tonne at each collection point. :func:`plan_from_run` does it all from a run
folder of the core plan. ``docs/recycling.md`` has the formulation and the sources.
"""

from __future__ import annotations

from evplan.recycling.lanes import great_circle_km, resolve_lanes
from evplan.recycling.materials import mass_balance, mass_shares, material_flows
from evplan.recycling.options import RecyclingOptions
from evplan.recycling.plan import RecyclingResult, plan_recycling
from evplan.recycling.tables import TABLES, RecyclingInputs, load_inputs, sources

__all__ = [
    "TABLES",
    "RecyclingInputs",
    "RecyclingOptions",
    "RecyclingResult",
    "great_circle_km",
    "load_inputs",
    "mass_balance",
    "mass_shares",
    "material_flows",
    "plan_recycling",
    "resolve_lanes",
    "sources",
]
