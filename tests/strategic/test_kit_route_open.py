"""A kit route open in no planning year in which its plant builds vehicles can never ship: an
input error naming it (audit s23, helper-82: it was accepted and made no kit rows, and the
only message asked for a kit duty on that dead lane)."""

from __future__ import annotations

import pytest

from evplan.errors import InputError
from tests.strategic.networks import two_plants

SITE = {"site": ["S1"], "market": ["M1"], "capacity_vehicles_per_year": [100.0]}


def _route(first_year: int | None) -> dict[str, list[object]]:
    return {"plant": ["P1"], "site": ["S1"], "kit": ["CKD"], "kit_value_share": [0.5],
            "freight_usd_per_vehicle": [100.0], "assembly_cost_usd_per_vehicle": [2_000.0],
            "first_year": [first_year]}


def _plants() -> dict[str, list[object]]:
    return {"plant": ["P1", "P2"], "country": ["AA", "AA"],
            "capacity_vehicles_per_year": [1_000.0, 1_000.0],
            "fixed_cost_usd_per_year": [2_000_000.0, 1_500_000.0], "last_year": [2025, None]}


def test_a_route_after_its_plant_closes_is_named_not_its_duty() -> None:
    with pytest.raises(InputError) as caught:
        two_plants(years=2, market_country="BB", extra={
            "plants": _plants(), "assembly_sites": SITE, "kit_routes": _route(2026)})
    text = str(caught.value)
    assert ("row 2, kit_routes 'P1/S1/CKD': the kit route is open from 2026, a span in which "
            "plant 'P1' builds nothing in the planning years 2025-2026, so it can never ship. "
            "Fix first_year and last_year of the route (or of the plant), or remove the row."
            ) in text, text
    assert "kit_duties" not in text


def test_a_route_that_can_ship_asks_for_its_duty_as_before() -> None:
    with pytest.raises(InputError, match=r"no kit_duties row covers AA>M1 BEV in 2025"):
        two_plants(years=2, market_country="BB", extra={
            "plants": _plants(), "assembly_sites": SITE, "kit_routes": _route(None)})
