"""Audit s24 (helper-84): the CO2 and zero-emission shadow prices evplan reports for the
default scenario, against finite-difference re-solves, and their USD amounts against the
input prices.

A reported shadow price is in USD of its year (a fleet group's in USD of its last year);
the objective is discounted at 8 % from 2023, so a change h of a row's allowance moves the
objective by shadow x discount x h (envelope theorem; docs/formulation.md, "Shadow prices").
The allowance of a fleet target moves by N h when its target moves by h g/km (N the
year's vehicles); a production-credit requirement moves by (ICE + HEV built) x h when the
requirement share moves by h; a cap by h tonnes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import evplan
from evplan.examples import china_export
from evplan.examples.compliance import with_tables

pytestmark = pytest.mark.slow  # eleven solves of the default scenario


def discount(year: int) -> float:
    return 1.08 ** -(year - 2023)


@pytest.fixture(scope="module")
def base() -> tuple[evplan.NetworkData, Any]:
    data = china_export()
    return data, evplan.optimize(data)


def resolve(data: evplan.NetworkData, **tables: pd.DataFrame) -> float:
    return evplan.optimize(with_tables(data, **tables)).objective_usd


@pytest.mark.parametrize("year", [2026, 2028, 2030])
def test_fleet_target_shadow_price_is_the_finite_difference(base: Any, year: int) -> None:
    # 2026 is in the 2025-2027 averaging group (price in USD of 2027), 2028 sits exactly on
    # its target, 2030 pools at 60 USD per g/km x vehicle.
    data, result = base
    row = result["fleet_compliance"].set_index("year").loc[year]
    last = 2027 if row["averaging_group"] else year
    targets = data["fleet_targets"].drop(columns="row")
    targets.loc[targets["year"] == year, "target_g_per_km"] += 0.01
    change = resolve(data, fleet_targets=targets) - result.objective_usd
    predicted = row["shadow_price_usd_per_g_km_vehicle"] * discount(last) * row["vehicles"]
    assert change == pytest.approx(predicted * 0.01, rel=1e-3)
    if year == 2030:  # pooled: the price is the pooling price and the cost its amount
        assert row["shadow_price_usd_per_g_km_vehicle"] == pytest.approx(60.0)
        assert row["pooling_usd"] == pytest.approx(60.0 * row["balance_g_km_vehicles"])
        assert row["bev_value_usd_per_vehicle"] == pytest.approx(60.0 * 49.5)


@pytest.mark.parametrize("year", [2025, 2029])
def test_production_credit_shadow_price_is_the_finite_difference(base: Any, year: int
                                                                 ) -> None:
    data, result = base
    row = result["production_credit_compliance"].set_index("year").loc[year]
    rules = data["production_credits"].drop(columns="row")
    rules.loc[rules["year"] == year, "requirement_share"] += 0.001
    change = resolve(data, production_credits=rules) - result.objective_usd
    conventional = row["vehicles_built"] - row["nev_built"]
    assert change == pytest.approx(
        -row["shadow_price_usd_per_credit"] * discount(year) * conventional * 0.001, rel=1e-6)
    assert row["credits_required"] == pytest.approx(row["requirement_share"] * conventional)


def test_zev_shadow_price_is_the_finite_difference_where_borrowing_is_free(base: Any
                                                                          ) -> None:
    # GB 2024 owes 4,078 credits, below its borrowing limit (25 % of 17,578), so a higher
    # share changes only the balance row: dz = -price x discount x vehicles x h.
    data, result = base
    row = result["zev_compliance"].set_index("year").loc[2024]
    assert row["credits_owed"] < 0.25 * row["credits_required"] - 1.0
    rules = data["zev_mandates"].drop(columns="row")
    rules.loc[rules["year"] == 2024, "zev_share"] += 0.001
    change = resolve(data, zev_mandates=rules) - result.objective_usd
    assert change == pytest.approx(
        -row["shadow_price_usd_per_credit"] * discount(2024) * row["vehicles"] * 0.001,
        rel=1e-6)
    # a credit bought later is cheaper in 2024 USD: 3,810 (GB's credit price) / 1.08
    assert row["shadow_price_usd_per_credit"] == pytest.approx(3_810.0 / 1.08)
    assert row["borrow_shadow_price_usd_per_credit"] == 0.0


def test_zev_prices_where_the_borrowing_limit_binds(base: Any) -> None:
    # GB 2025 owes exactly 25 % of its requirement: a higher share also raises the limit,
    # dz = (-price + 0.25 x limit price) x discount x vehicles x h; the limit is worth a
    # credit bought now less one bought a year later (3,810 - 3,810 / 1.08), and a BEV the
    # credit price x 0.72 plus the limit price x 0.25 x 0.28.
    data, result = base
    row = result["zev_compliance"].set_index("year").loc[2025]
    assert row["credits_owed"] == pytest.approx(0.25 * row["credits_required"])
    limit_price = row["borrow_shadow_price_usd_per_credit"]
    assert limit_price == pytest.approx(3_810.0 - 3_810.0 / 1.08)
    assert row["bev_value_usd_per_vehicle"] == pytest.approx(
        3_810.0 * 0.72 + limit_price * 0.25 * 0.28)
    rules = data["zev_mandates"].drop(columns="row")
    rules.loc[rules["year"] == 2025, "zev_share"] += 0.001
    change = resolve(data, zev_mandates=rules) - result.objective_usd
    assert change == pytest.approx(
        (-row["shadow_price_usd_per_credit"] + 0.25 * limit_price) * discount(2025)
        * row["vehicles"] * 0.001, rel=1e-6)


def test_cap_and_carbon_price_against_finite_differences(base: Any) -> None:
    data = base[0]
    prices = data["carbon_prices"].drop(columns="row")
    prices["cap_t_co2"] = prices["cap_t_co2"].astype(object)
    prices.loc[prices["year"] == 2030, "cap_t_co2"] = 3.0e6
    prices.loc[prices["year"] == 2029, "carbon_price_usd_per_t"] = 10.0
    capped = evplan.optimize(with_tables(data, carbon_prices=prices))
    by_year = capped["co2_by_year"].set_index("year")
    assert by_year.loc[2030, "counted_t_co2"] == pytest.approx(3.0e6)
    assert by_year.loc[2029, "carbon_cost_usd"] == pytest.approx(
        10.0 * by_year.loc[2029, "counted_t_co2"])
    looser = prices.copy()
    looser.loc[looser["year"] == 2030, "cap_t_co2"] = 3.0e6 + 1_000.0
    dearer = prices.copy()
    dearer.loc[dearer["year"] == 2029, "carbon_price_usd_per_t"] = 10.01
    cap_change = resolve(data, carbon_prices=looser) - capped.objective_usd
    assert cap_change == pytest.approx(
        by_year.loc[2030, "cap_shadow_price_usd_per_t"] * discount(2030) * 1_000.0, rel=1e-6)
    price_change = resolve(data, carbon_prices=dearer) - capped.objective_usd
    assert price_change == pytest.approx(
        -by_year.loc[2029, "counted_t_co2"] * discount(2029) * 0.01, rel=1e-6)
    kpis = capped.kpis
    cost = kpis[(kpis["kpi"] == "compliance_cost") & (kpis["year"] == 2029)]["value"].iloc[0]
    fleet = capped["fleet_compliance"].set_index("year")
    zev = capped["zev_compliance"].set_index("year")
    credits = capped["production_credit_compliance"].set_index("year")
    assert cost == pytest.approx(
        fleet.loc[2029, ["premium_usd", "pooling_usd"]].sum()
        + zev.loc[2029, ["penalty_usd", "credit_trade_usd"]].sum()
        + credits.loc[2029, "credit_trade_usd"] + by_year.loc[2029, "carbon_cost_usd"])
