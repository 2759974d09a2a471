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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Imported on first use, so that the run report (which reads evplan.charging.report) does
# not load scipy.stats and the location engine on every `evplan run`.
_LAZY = {
    "ChargingOptions": "api", "ChargingResult": "api", "SitingExample": "api",
    "plan_charging": "api", "siting_example": "api",
    "erlang_b": "erlang", "erlang_c": "erlang", "mean_wait_hours": "erlang",
    "ports_needed": "erlang",
    "Afir": "params", "load_afir": "params", "load_parameters": "params",
    "report_figures": "report",
    "corridor_pools": "siting", "haversine_km": "siting", "site_chargers": "siting",
    "QueueTarget": "sizing",
    "write_charging": "write",
}

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


def __getattr__(name: str) -> Any:
    """Import a public name on first use and cache it on the package."""
    if name not in _LAZY:
        raise AttributeError(f"module 'evplan.charging' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"evplan.charging.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
