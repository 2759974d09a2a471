"""Kit routes into a market with a CO2 or ZEV rule are accepted, and their cars counted.

Kit-assembled cars sell in the site's market; fleet CO2 targets, ZEV mandates and the carbon
price and cap count them there (docs/formulation.md, "Kits"). Until session 25 the
combination was refused as an input error (``data/kit_compliance_checks.py``, now removed);
the numbers are worked by hand in tests/audit_s25/test_kit_compliance_hand.py.
"""

from __future__ import annotations

import pytest

import evplan
from tests.strategic.networks import two_plants

SITE = {"site": ["S1"], "market": ["M1"], "capacity_vehicles_per_year": [100.0]}
ROUTE = {"plant": ["P1"], "site": ["S1"], "kit": ["CKD"], "kit_value_share": [0.5],
         "freight_usd_per_vehicle": [100.0], "assembly_cost_usd_per_vehicle": [2_000.0],
         "first_year": [2026]}
FREE_DUTY = {"default_duty_rate": 0.0}
TARGET = {"market": ["M1"], "year": [2027], "target_g_per_km": [100.0],
          "premium_usd_per_g_km": [100.0]}


def _kits(**extra: object) -> evplan.NetworkData:
    return two_plants(years=3, market_country="BB", scenario=FREE_DUTY,
                      extra={"assembly_sites": SITE, "kit_routes": ROUTE, **extra})


def _kit_cars(result: evplan.Result, year: int) -> float:
    kits = result.tables["kit_shipments"]
    return float(kits.loc[kits["year"] == year, "kits"].sum())


def _cars(result: evplan.Result, year: int) -> float:
    shipments = result.tables["shipments"]
    built = shipments.loc[(shipments["year"] == year) & (shipments["market"] == "M1"),
                          "shipment_vehicles"].sum()
    return float(built) + _kit_cars(result, year)


def test_a_kit_route_into_a_market_with_a_fleet_target_is_counted() -> None:
    """The kits of 2027 (a BEV: 0 g/km) are in the 2027 row's vehicles."""
    result = evplan.optimize(_kits(fleet_targets=TARGET))
    assert result.status == "optimal"
    assert result.metadata["compliance_check"] == "passed"
    assert _kit_cars(result, 2027) > 1  # the site assembles cars that year
    row = result.tables["fleet_compliance"].set_index("year").loc[2027]
    assert row["kit_vehicles"] == pytest.approx(_kit_cars(result, 2027))
    assert row["vehicles"] == pytest.approx(_cars(result, 2027))
    assert row["balance_g_km_vehicles"] == pytest.approx(-100.0 * _cars(result, 2027))


def test_a_zev_mandate_and_a_carbon_price_count_the_kits_together() -> None:
    mandate = {"market": ["M1", "M1"], "year": [2025, 2026], "zev_share": [0.2, 0.2],
               "penalty_usd_per_vehicle": [10_000.0, 10_000.0]}
    prices = {"year": [2025, 2026, 2027], "carbon_price_usd_per_t": [0.0, 0.0, 50.0]}
    result = evplan.optimize(_kits(zev_mandates=mandate, carbon_prices=prices))
    assert result.metadata["compliance_check"] == "passed"
    rows = result.tables["zev_compliance"].set_index("year")
    assert rows.loc[2025, "kit_vehicles"] == 0.0  # the route opens in 2026
    assert rows.loc[2026, "kit_vehicles"] == pytest.approx(_kit_cars(result, 2026))
    assert rows.loc[2026, "credits_earned"] == pytest.approx(_cars(result, 2026))  # all BEV


def test_a_site_that_opens_later_counts_no_kit_before() -> None:
    later = {**SITE, "first_year": [2027]}
    result = evplan.optimize(_kits(fleet_targets={**TARGET, "year": [2026]},
                                   assembly_sites=later))
    assert result.tables["fleet_compliance"]["kit_vehicles"].sum() == 0.0
    assert _kit_cars(result, 2026) == 0.0


def _catalog_names() -> list[str]:
    from evplan.examples import china_strategic
    from evplan.scenarios import catalog_for

    catalog = catalog_for(china_strategic())
    return [*catalog.overrides, *catalog.scenarios]


@pytest.mark.parametrize("name", ["base", *_catalog_names()])
def test_china_strategic_and_its_scenarios_are_accepted(name: str) -> None:
    """The shipped scenario and every scenario it ships validate (its objectives are the
    same as before kits joined the rules: tests/audit_s25/test_kit_compliance_china.py)."""
    from evplan.examples import china_strategic
    from evplan.scenarios import apply_scenario

    data = china_strategic()
    assert len(data["kit_routes"]) > 0
    if name != "base":
        data = apply_scenario(data, name).data  # validated again: would raise
    assert len(data["fleet_targets"]) > 0
