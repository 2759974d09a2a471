"""The siting example says when its location MILPs were stopped by a limit (audit s22,
helper-76: the status and gap stayed in ``.location``; the store said "computed" and the
terminal nothing)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

from evplan.charging.api import SitingExample


def _example(sites: str, corridor: str) -> SitingExample:
    def solved(status: str) -> Any:
        return SimpleNamespace(location=SimpleNamespace(status=status, gap=0.125 if status
                                                        != "optimal" else 0.0, bound=10.0))

    fields = {field.name for field in dataclasses.fields(SitingExample)}
    assert {"zones", "corridor"} <= fields
    return SitingExample(market="EU", year=2030, charger_class="dc", zones=solved(sites),
                         corridor=solved(corridor))


def test_optimal_solves_say_nothing() -> None:
    example = _example("optimal", "optimal")
    assert example.unproven() == ""
    assert example.solves()["sites"] == {"status": "optimal", "mip_gap": 0.0, "bound": 10.0}


def test_a_stopped_solve_is_named_with_its_gap() -> None:
    example = _example("time_limit", "optimal")
    assert example.unproven() == ("Not proven optimal: sites time_limit (gap 12.5 %); the "
                                  "plans shown are the best found.")
    assert example.solves()["sites"]["status"] == "time_limit"
