"""Validation of the compliance tables: every problem named with file, row, value and fix."""

from __future__ import annotations

import pytest

import evplan
from evplan.errors import InputError
from evplan.examples.compliance import two_powertrains


def messages(**rules) -> list[str]:
    with pytest.raises(InputError) as caught:
        two_powertrains(**rules)
    return [str(problem) for problem in caught.value.problems]


def test_a_program_without_certified_co2_in_a_target_market_is_named() -> None:
    found = messages(
        program_emissions=[{"program": "V-BEV", "co2_g_per_km": 0}],
        fleet_targets=[{"market": "M1", "year": 2025, "target_g_per_km": 95,
                        "premium_usd_per_g_km": 100}])
    assert found == ["program 'V-ICE' is sold in M1, which have "
                     "fleet_targets, but has no row in program_emissions.csv. Add its certified "
                     "co2_g_per_km."]


def test_missing_grid_intensities_and_a_resale_price_above_the_purchase_price() -> None:
    found = messages(
        program_emissions=[{"program": "V-ICE", "co2_g_per_km": 120},
                           {"program": "V-BEV", "co2_g_per_km": 0,
                            "electricity_kwh_per_100km": 15}],
        plant_emissions=[{"plant": "P1", "assembly_kwh_per_vehicle": 700}],
        zev_mandates=[{"market": "M1", "year": 2025, "zev_share": 0.2,
                       "penalty_usd_per_vehicle": 1, "credit_price_usd": 10,
                       "credit_sale_price_usd": 20}])
    assert found == [
        "row 2, plant 'P1': the plant's country 'AA' has no row in "
        "grid_intensity.csv. Add its grid_g_co2_per_kwh.",
        "market 'M1' (country 'BB') sells V-BEV, which draw electricity, "
        "but has no row in grid_intensity.csv. Add the country's grid_g_co2_per_kwh.",
        "row 2, zev_mandates 'M1/2025': credit_sale_price_usd 20 is "
        "above credit_price_usd 10; buying to resell would pay without limit. Lower the sale "
        "price."]


def test_column_rules_apply_to_the_new_tables() -> None:
    found = messages(zev_mandates=[{"market": "M9", "year": 2025, "zev_share": 22,
                                    "penalty_usd_per_vehicle": 1, "banking": "maybe"}])
    assert any("zev_share = 22 is outside [0, 1]. Rates are fractions (22 % -> 0.22)." in text
               for text in found), found
    assert any("banking = 'maybe' is not one of" in text for text in found), found
    assert any("market 'M9' is not in markets.csv" in text for text in found), found


def test_a_sale_price_above_the_penalty_is_named() -> None:
    # A missing credit counts like a held one: at 1,000 a piece against a sale at 2,000, the
    # plan could sell credits it never earned without limit.
    found = messages(zev_mandates=[{"market": "M1", "year": 2025, "zev_share": 0.2,
                                    "penalty_usd_per_vehicle": 1_000,
                                    "credit_sale_price_usd": 2_000}])
    assert found == [
        "row 2, zev_mandates 'M1/2025': credit_sale_price_usd 2,000 is above its "
        "penalty_usd_per_vehicle 1,000; credits obtained at that price could be sold without "
        "limit. Lower the sale price (or raise the penalty or purchase price)."]


def test_a_sale_price_above_an_earlier_banked_purchase_price_is_named() -> None:
    rows = [{"market": "M1", "year": 2025, "zev_share": 0.2, "penalty_usd_per_vehicle": 5_000,
             "credit_price_usd": 1_000, "banking": "yes"},
            {"market": "M1", "year": 2026, "zev_share": 0.2, "penalty_usd_per_vehicle": 5_000,
             "credit_price_usd": 2_000, "credit_sale_price_usd": 1_500, "banking": "no"}]
    found = messages(years=(2025, 2026), zev_mandates=rows)
    assert found == [
        "row 3, zev_mandates 'M1/2026': credit_sale_price_usd 1,500 is above year 2025's "
        "credit_price_usd (banked) 1,000; credits obtained at that price could be sold "
        "without limit. Lower the sale price (or raise the penalty or purchase price)."]


def test_without_banking_an_earlier_cheaper_purchase_cannot_reach_a_later_sale() -> None:
    rows = [{"market": "M1", "year": 2025, "zev_share": 0.2, "penalty_usd_per_vehicle": 5_000,
             "credit_price_usd": 1_000, "banking": "no"},
            {"market": "M1", "year": 2026, "zev_share": 0.2, "penalty_usd_per_vehicle": 5_000,
             "credit_price_usd": 2_000, "credit_sale_price_usd": 1_500, "banking": "no"}]
    result = evplan.optimize(two_powertrains(years=(2025, 2026), zev_mandates=rows))
    assert result.status == "optimal"
