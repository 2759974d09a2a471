"""Kit routes into a market with a rule that does not count kits are input errors.

Kit-assembled cars sell in the site's market, but fleet CO2 targets, ZEV mandates and the
carbon price and cap count built-up vehicles only (docs/formulation.md, "Kits"): a plan that
supplied such a market with kits understated its fleet CO2 or ZEV requirement and was still
called optimal. The combination is refused, naming the kit route, the rule and the years.
"""

from __future__ import annotations

import pytest

import evplan
from evplan.errors import InputError
from tests.strategic.networks import two_plants

SITE = {"site": ["S1"], "market": ["M1"], "capacity_vehicles_per_year": [100.0]}
ROUTE = {"plant": ["P1"], "site": ["S1"], "kit": ["CKD"], "kit_value_share": [0.5],
         "freight_usd_per_vehicle": [100.0], "assembly_cost_usd_per_vehicle": [2_000.0],
         "first_year": [2026]}
FREE_DUTY = {"default_duty_rate": 0.0}


def _kits(**extra: object) -> evplan.NetworkData:
    return two_plants(years=3, market_country="BB", scenario=FREE_DUTY,
                      extra={"assembly_sites": SITE, "kit_routes": ROUTE, **extra})


def test_a_kit_route_into_a_market_with_a_fleet_target_is_named() -> None:
    target = {"market": ["M1"], "year": [2027], "target_g_per_km": [100.0],
              "premium_usd_per_g_km": [100.0]}
    with pytest.raises(InputError) as caught:
        _kits(fleet_targets=target)
    text = " ".join(str(caught.value).split())
    assert ("row 2, kit_routes 'P1/S1/CKD': the kits assemble cars sold in M1 in 2026-2027, "
            "and fleet_targets.csv sets a fleet CO2 target for M1 in 2027. evplan does not "
            "count kit-assembled cars") in text, text


def test_a_zev_mandate_and_a_carbon_price_are_named_together() -> None:
    mandate = {"market": ["M1", "M1"], "year": [2025, 2026], "zev_share": [0.2, 0.2],
               "penalty_usd_per_vehicle": [10_000.0, 10_000.0]}
    prices = {"year": [2025, 2026, 2027], "carbon_price_usd_per_t": [0.0, 0.0, 50.0]}
    with pytest.raises(InputError) as caught:
        _kits(zev_mandates=mandate, carbon_prices=prices)
    text = " ".join(str(caught.value).split())
    # the 2025 mandate year is before the route opens; a zero price sets nothing
    assert ("zev_mandates.csv sets a ZEV mandate for M1 in 2026; carbon_prices.csv sets a "
            "carbon price or cap in 2027.") in text, text


def test_rules_outside_the_routes_years_or_markets_are_accepted() -> None:
    target = {"market": ["M1"], "year": [2025], "target_g_per_km": [100.0],
              "premium_usd_per_g_km": [100.0]}
    prices = {"year": [2025, 2026, 2027], "carbon_price_usd_per_t": [0.0, 0.0, 0.0]}
    data = _kits(fleet_targets=target, carbon_prices=prices)  # kits only from 2026
    assert evplan.optimize(data).status == "optimal"


def test_the_message_offers_both_ends_of_the_route() -> None:
    target = {"market": ["M1"], "year": [2026], "target_g_per_km": [100.0],
              "premium_usd_per_g_km": [100.0]}
    with pytest.raises(InputError) as caught:
        _kits(fleet_targets=target)
    text = " ".join(str(caught.value).split())
    assert ("Open the kit route only in other years (move its first_year past those years or "
            "its last_year before them), or leave those rows out.") in text, text


def test_a_site_that_opens_later_or_has_no_capacity_ships_no_kit_then() -> None:
    """A route open from 2026 to a site that opens in 2027 ships nothing in 2026, and a
    site without capacity ships nothing at all (helper-90: both were refused)."""
    target = {"market": ["M1"], "year": [2026], "target_g_per_km": [100.0],
              "premium_usd_per_g_km": [100.0]}
    later = {**SITE, "first_year": [2027]}
    assert _kits(fleet_targets=target, assembly_sites=later).years == [2025, 2026, 2027]
    closed = {**SITE, "capacity_vehicles_per_year": [0.0]}
    assert _kits(fleet_targets={**target, "year": [2027]}, assembly_sites=closed)
    with pytest.raises(InputError, match=r"cars sold in M1 in 2027, and fleet_targets.csv sets "
                                         r"a fleet CO2 target for M1 in 2027"):
        _kits(fleet_targets={**target, "year": [2027]}, assembly_sites=later)


def _catalog_names() -> list[str]:
    from evplan.examples import china_strategic
    from evplan.scenarios import catalog_for

    catalog = catalog_for(china_strategic())
    return [*catalog.overrides, *catalog.scenarios]


@pytest.mark.parametrize("name", ["base", *_catalog_names()])
def test_china_strategic_and_its_scenarios_are_accepted(name: str) -> None:
    """The shipped scenario's kit sites (TH, ID, MY, BR) have no fleet target or ZEV mandate
    and its carbon price is 0: nothing to refuse, in any scenario it ships."""
    from evplan.examples import china_strategic
    from evplan.scenarios import apply_scenario

    data = china_strategic()
    assert len(data["kit_routes"]) > 0
    if name != "base":
        data = apply_scenario(data, name).data  # validated again: would raise
    assert len(data["fleet_targets"]) > 0


def test_more_routes_than_listed_are_counted() -> None:
    """Past the first ten, one line stands for the rest and counts them (the strategic
    checks' summary line counted 1: 'N problems' undercounted)."""
    from evplan.data.columns import MAX_ROWS_PER_KIND
    from evplan.data.kit_compliance_checks import check_kit_compliance
    from evplan.examples import china_strategic

    data = china_strategic()
    tables = dict(data.tables)
    prices = tables["carbon_prices"].copy()
    prices["carbon_price_usd_per_t"] = 50.0  # every year: every route that can ship clashes
    tables["carbon_prices"] = prices
    found: list[object] = []
    check_kit_compliance(tables, {}, data.scenario, found)  # type: ignore[arg-type]
    routes = len(tables["kit_routes"])
    assert len(found) == MAX_ROWS_PER_KIND + 1
    last = found[-1]
    assert last.count == routes - MAX_ROWS_PER_KIND  # type: ignore[attr-defined]
    assert last.message == (  # type: ignore[attr-defined]
        f"... and {routes - MAX_ROWS_PER_KIND} more rows with the same problem.")
