"""A kit's customs value, countervailing duty and inventory in transit, solved by hand.

docs/formulation.md, "Local assembly and rules of origin": a kit is valued like a built-up
vehicle of the same lane -- the declared transfer price of transfer_prices.csv on the kit's
share of the plant's full cost, the maker's countervailing duty from the plant's country
into the site's market on top of the kit duty (also of a preferential one), and the
carrying cost of the transfer price for the transit days of the plant's route to that
market.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

import evplan
from evplan.strategic.check import check_plan
from tests.strategic.networks import two_plants


def kit_terms_network(*, cvd_maker: str = "Maker", preferential: bool = False,
                      transfer: bool = True, scenario: Mapping[str, object] | None = None
                      ) -> evplan.NetworkData:
    """P1 (AA, 1,000 a year, fixed cost 1 M) builds V1 (Maker's BEV) at 10,000 for M1 (BB):
    built-up at a 50 % duty or as CKD kits into S1 in M1 (share 0.5, freight 500, assembly
    2,000, kit duty 10 %); a 20 % countervailing duty on ``cvd_maker``'s vehicles from AA;
    transfer price at 10 % on full cost; 36.5 transit days at 10 % a year."""
    kit_duty: dict[str, list[object]] = {"origin": ["AA"], "market": ["M1"],
                                         "powertrain": ["*"], "kit_duty_rate": [0.1]}
    if preferential:
        kit_duty |= {"preferential_rate": [0.0], "rvc_threshold": [0.0]}
    extra: dict[str, object] = {
        "routes": {"plant": ["P1", "P2"], "market": ["M1", "M1"],
                   "freight_usd_per_vehicle": [1_000.0, 1_000.0],
                   "transit_days": [36.5, 36.5]},
        "assembly_sites": {"site": ["S1"], "market": ["M1"], "capacity_vehicles_per_year":
                           [1_000.0], "existing": ["yes"]},
        "kit_routes": {"plant": ["P1"], "site": ["S1"], "kit": ["CKD"],
                       "kit_value_share": [0.5], "freight_usd_per_vehicle": [500.0],
                       "assembly_cost_usd_per_vehicle": [2_000.0]},
        "kit_duties": kit_duty,
        "countervailing_duties": {"origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
                                  "maker": [cvd_maker], "cvd_rate": [0.2]},
    }
    if transfer:
        extra["transfer_prices"] = {"origin": ["AA"], "market": ["M1"],
                                    "markup_on_full_cost": [0.1]}
    return two_plants(years=1, fixed=(1_000_000.0, 0.0), costs=(10_000.0, 30_000.0),
                      capacities=(1_000.0, 0.0), market_country="BB", duty=0.5, extra=extra,
                      scenario={"inventory_carrying_rate": 0.1, **(scenario or {})})


def test_a_kit_pays_the_declared_transfer_price_the_cvd_and_its_inventory() -> None:
    # Transfer price: 0.5 x (10,000 + 1,000,000 / 1,000) x 1.1 = 6,050; CIF customs value
    #   6,050 + 500 = 6,550; duty (10 % + 20 % CVD) x 6,550 = 1,965; inventory
    #   6,050 x 10 % x 36.5 / 365 = 60.5. A kit costs 5,000 + 500 + 2,000 + 60.5 + 1,965
    #   = 9,525.5.
    # Built-up: 10,000 + 1,000 + 12,100 x 1 % + (50 % + 20 %) x 13,100 = 20,291 > 20,000.
    # 600 x (20,000 - 9,525.5) - 1,000,000 = 5,284,700. (Kits valued at the markup rule
    # without CVD or inventory, as before: 600 x 11,950 - 1 M = 6,170,000.)
    result = evplan.optimize(kit_terms_network())
    assert result.objective_usd == pytest.approx(5_284_700.0)
    kits = result["kit_shipments"].iloc[0]
    assert kits["kits"] == pytest.approx(600.0)
    assert kits["customs_value_usd_per_vehicle"] == pytest.approx(6_550.0)
    assert kits["cvd_rate"] == pytest.approx(0.2)
    assert kits["duty_usd"] == pytest.approx(600 * 1_965.0)
    assert kits["inventory_usd"] == pytest.approx(600 * 60.5)
    margin = result["margin_by_market"].set_index("market").loc["M1"]
    assert margin["margin_usd"] == pytest.approx(600 * (20_000.0 - 9_525.5))


def test_without_a_transfer_price_row_the_kit_keeps_the_markup_rule() -> None:
    # Customs value 5,000 x 1.05 + 500 = 5,750; duty 30 % = 1,725; inventory 5,250 x 1 %
    #   = 52.5; a kit costs 5,000 + 500 + 2,000 + 52.5 + 1,725 = 9,277.5.
    # 600 x 10,722.5 - 1 M = 5,433,500.
    result = evplan.optimize(kit_terms_network(transfer=False,
                                               scenario={"transfer_price_markup": 0.05}))
    assert result.objective_usd == pytest.approx(5_433_500.0)


def test_a_cvd_on_another_maker_leaves_the_kit_alone() -> None:
    # Duty 10 % x 6,550 = 655: a kit costs 8,215.5; 600 x 11,784.5 - 1 M = 6,070,700.
    result = evplan.optimize(kit_terms_network(cvd_maker="Other"))
    assert result.objective_usd == pytest.approx(6_070_700.0)
    assert result["kit_shipments"]["cvd_rate"].tolist() == [0.0]


def test_a_preferential_kit_still_pays_the_cvd() -> None:
    # A trade remedy is not waived by a preference: 0 % + 20 % of 6,550 = 1,310; a kit costs
    #   5,000 + 500 + 2,000 + 60.5 + 1,310 = 8,870.5; 600 x 11,129.5 - 1 M = 5,677,700.
    result = evplan.optimize(kit_terms_network(preferential=True))
    assert result.objective_usd == pytest.approx(5_677_700.0)
    kits = result["kit_shipments"].iloc[0]
    assert kits["preferential_kits"] == pytest.approx(600.0)
    assert kits["duty_usd"] == pytest.approx(600 * 1_310.0)


def test_the_certificate_recomputes_the_kit_duty_and_inventory_from_the_inputs() -> None:
    """A kit duty without the CVD, with the objective made to agree, is still caught: the
    check values the kit from the input tables, not from the model's arrays."""
    data = kit_terms_network()
    result = evplan.optimize(data)
    tables = dict(result.tables)
    assert check_plan(data, tables, result.objective_usd) == []
    kits = tables["kit_shipments"].copy()
    kits["duty_usd"] = 600 * 655.0
    kits["inventory_usd"] = 0.0
    tables["kit_shipments"] = kits
    agreed = result.objective_usd + 600 * (1_965.0 - 655.0) + 600 * 60.5
    problems = check_plan(data, tables, agreed)
    assert ("P1>S1 CKD V1 2025: duty_usd is 393,000.00; 600.0 kits (0.0 preferential) at the "
            "inputs' terms make 1,179,000.00.") in problems
    assert ("P1>S1 CKD V1 2025: inventory_usd is 0.00; 600.0 kits (0.0 preferential) at the "
            "inputs' terms make 36,300.00.") in problems
    assert not any(problem.startswith("the objective") for problem in problems)
