"""Charging: the public energy a fleet needs, the ports of each class, their cost, and where.

::

    from evplan.fleet import project_fleet
    from evplan.charging import plan_charging, siting_example
    fleet = project_fleet("evplan-output/china-export")
    charging = plan_charging(fleet)            # the plan's export markets, plan years
    charging["charging_summary"]               # ports by method and class, power, cost
    example = siting_example(charging)         # synthetic zones + corridor

Ports are sized by two methods side by side: ratios (EU AFIR kW per BEV/PHEV, and
EVs-per-public-point benchmarks by country) and queueing (Erlang-C per station at peak
hour). See :mod:`evplan.charging.sizing` for the maths, :mod:`evplan.charging.siting`
for siting with :mod:`evplan.location`, and ``docs/fleet-charging.md``.
"""

from __future__ import annotations

from evplan.charging.api import (
    ChargingOptions,
    ChargingResult,
    SitingExample,
    plan_charging,
    siting_example,
)
from evplan.charging.erlang import erlang_b, erlang_c, mean_wait_hours, ports_needed
from evplan.charging.params import Afir, load_afir, load_parameters
from evplan.charging.report import report_figures
from evplan.charging.siting import corridor_pools, haversine_km, site_chargers
from evplan.charging.sizing import QueueTarget
from evplan.charging.write import write_charging

__all__ = [
    "Afir",
    "ChargingOptions",
    "ChargingResult",
    "QueueTarget",
    "SitingExample",
    "corridor_pools",
    "erlang_b",
    "erlang_c",
    "haversine_km",
    "load_afir",
    "load_parameters",
    "mean_wait_hours",
    "plan_charging",
    "ports_needed",
    "report_figures",
    "site_chargers",
    "siting_example",
    "write_charging",
]
