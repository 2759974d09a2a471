"""Layer 3: the trade terms of model/trade.py on one-lane networks, solved by hand.

single_lane: plant P1 (country AA) builds V1 (BEV) at 10,000; freight 1,000 to market M1
(country BB, CIF); 600 vehicles sell at 20,000; capacity 1,000. Without trade terms a
vehicle earns 9,000.
"""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.data import NetworkData, validate_tables
from evplan.examples import single_lane
from evplan.model.trade import exchange_factor


def with_tables(data: NetworkData, scenario: dict | None = None,
                **tables: pd.DataFrame) -> NetworkData:
    raw = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    raw.update(tables)
    settings = {**data.scenario.as_dict(), **(scenario or {})}
    return validate_tables(raw, settings)


def test_customs_value_is_the_declared_transfer_price_on_full_cost() -> None:
    # Full cost 10,000 + 1,000,000 / 1,000 = 11,000; x 1.1 = 12,100; CIF value 13,100;
    # duty 10 % = 1,310; margin 600 x (9,000 - 1,310) - 1,000,000 fixed.
    data = with_tables(single_lane(ad_valorem_rate=0.1, fixed_cost=1_000_000.0),
                       transfer_prices=pd.DataFrame({"origin": ["AA"], "market": ["*"],
                                                     "markup_on_full_cost": [0.1]}))
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(600 * (9_000 - 1_310) - 1_000_000)
    assert result["shipments"]["duty_usd"].sum() == pytest.approx(600 * 1_310)


def test_exact_market_row_beats_the_wildcard() -> None:
    data = with_tables(single_lane(ad_valorem_rate=0.1),
                       transfer_prices=pd.DataFrame({"origin": ["AA", "AA"],
                                                     "market": ["*", "M1"],
                                                     "markup_on_full_cost": [0.5, 0.0]}))
    assert evplan.optimize(data).objective_usd == pytest.approx(600 * (9_000 - 1_100))


def test_exchange_rates_convert_local_prices_and_costs_each_year() -> None:
    # AA's currency weakens 100 -> 125 per USD: cost 10,000 -> 8,000 USD in 2026.
    # BB's strengthens 10 -> 8 per USD: price 20,000 -> 25,000 USD. Freight stays 1,000.
    rates = pd.DataFrame({"country": ["AA", "AA", "BB", "BB"], "year": [2025, 2026] * 2,
                          "local_per_usd": [100.0, 125.0, 10.0, 8.0]})
    data = with_tables(single_lane(first_year=2025, last_year=2026), exchange_rates=rates)
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(600 * 9_000 + 600 * (25_000 - 8_000 - 1_000))
    assert exchange_factor(data, ["AA", "BB", "ZZ"], [2026, 2026, 2026]).tolist() == \
        pytest.approx([0.8, 1.25, 1.0])


def test_exchange_rates_lower_the_customs_value_but_not_a_minimum_or_specific_duty() -> None:
    # AA's currency weakens 100 -> 125 per USD: cost 10,000 -> 8,000 USD in 2026, CIF value
    # 11,000 -> 9,000. 10 % or a US$1,000 minimum, plus US$300 specific: 2025 pays
    # max(1,100, 1,000) + 300 = 1,400; 2026 pays max(900, 1,000) + 300 = 1,300 (the minimum
    # and the specific duty are USD and do not convert).
    rates = pd.DataFrame({"country": ["AA", "AA"], "year": [2025, 2026],
                          "local_per_usd": [100.0, 125.0]})
    data = with_tables(single_lane(first_year=2025, last_year=2026, ad_valorem_rate=0.1,
                                   minimum_duty=1_000.0, specific_duty=300.0),
                       exchange_rates=rates)
    result = evplan.optimize(data)
    duty = result["shipments"].set_index("year")["full_duty_usd_per_vehicle"]
    assert duty.to_dict() == pytest.approx({2025: 1_400.0, 2026: 1_300.0})
    assert result.objective_usd == pytest.approx(600 * (9_000 - 1_400)
                                                 + 600 * (20_000 - 8_000 - 1_000 - 1_300))


def test_national_quota_is_shared_and_the_maker_uses_its_share() -> None:
    # 50 % duty on 11,000 CIF = 5,500; quota 200 at 0 %, of which the maker may use 25 %.
    duties = single_lane(ad_valorem_rate=0.5, quota=200, in_quota_rate=0.0)
    duties_table = duties["duties"].drop(columns="row").assign(quota_group="G")
    data = with_tables(duties, duties=duties_table,
                       quota_shares=pd.DataFrame({"quota_group": ["G"],
                                                  "share_of_quota": [0.25]}))
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(600 * 3_500 + 50 * 5_500)
    assert result["shipments"]["in_quota_vehicles"].sum() == pytest.approx(50)


def test_inventory_in_transit_costs_days_times_value_times_rate() -> None:
    # 36.5 days x 10 %/yr x 10,000 transfer price = 100 per vehicle.
    base = single_lane()
    routes = base["routes"].drop(columns="row").assign(transit_days=36.5)
    data = with_tables(base, {"inventory_carrying_rate": 0.1}, routes=routes)
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(600 * 8_900)
    assert result["shipments"]["inventory_usd"].sum() == pytest.approx(600 * 100)
    assert result["margin_by_market"]["margin_usd"].sum() == pytest.approx(600 * 8_900)


def test_warm_re_solve_applies_the_trade_terms_like_a_cold_build() -> None:
    from evplan.scenarios import WarmModel, apply_patches
    from evplan.scenarios.overrides import Patch

    rates = pd.DataFrame({"country": ["AA", "AA", "BB", "BB"], "year": [2025, 2026] * 2,
                          "local_per_usd": [100.0, 125.0, 10.0, 8.0]})
    base = single_lane(first_year=2025, last_year=2026, ad_valorem_rate=0.1,
                       fixed_cost=1_000_000.0)
    routes = base["routes"].drop(columns="row").assign(transit_days=36.5)
    data = with_tables(base, {"inventory_carrying_rate": 0.1}, routes=routes,
                       exchange_rates=rates,
                       transfer_prices=pd.DataFrame({"origin": ["AA"], "market": ["*"],
                                                     "markup_on_full_cost": [0.1]}))
    warm = WarmModel(data)
    assert warm.enabled
    cheaper = apply_patches(data, [Patch("routes", scale={"freight_usd_per_vehicle": 0.5})]).data
    hot = warm.solve(cheaper)
    assert hot.metadata["solve_mode"] == "warm"
    assert hot.objective_usd == pytest.approx(evplan.optimize(cheaper).objective_usd, rel=1e-9)
