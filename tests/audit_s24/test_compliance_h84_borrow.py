"""Audit s24 (helper-84): what one more BEV is worth where a ZEV mandate's borrowing limit
binds.

Two years, share 0.5, ten ICE a year and no BEV; credits cost 1,000 in 2025 and 500 in
2026; debt may reach half the year's requirement (borrow_share 0.5). 2025 needs 5 credits:
it owes 2.5 (the limit) and buys 2.5 at 1,000; 2026 buys 7.5 at 500. Objective 200,000 -
2,500 - 3,750 = 193,750 (discount rate 0).

One more BEV sold in 2025 earns 1 credit and needs 0.5, and it raises the limit by 0.5 x 0.5
= 0.25 credits, each worth 1,000 - 500 = 500 (owed now, bought in 2026 at 500): 1,000 x 0.5
+ 500 x 0.25 = 625 USD. Until audit s24 `bev_value_usd_per_vehicle` said 500 (the credit
price x (1 - 0.5)) and the limit's price was not reported.
"""

from __future__ import annotations

import pytest

import evplan
from evplan.examples.compliance import two_powertrains


def network(share_2025: float = 0.5, bev_2025: float = 0.0,
            bev_price: float = 15_000.0) -> evplan.NetworkData:
    rule = {"market": "M1", "bev_credits_per_vehicle": 1.0, "phev_credits_per_vehicle": 0.0,
            "penalty_usd_per_vehicle": 10_000.0, "banking": "yes", "borrow_share": 0.5}
    return two_powertrains(
        years=(2025, 2026), bev={"volume": {2025: bev_2025, 2026: 0.0}, "price": bev_price},
        zev_mandates=[{**rule, "year": 2025, "zev_share": share_2025, "credit_price_usd": 1_000.0},
                      {**rule, "year": 2026, "zev_share": 0.5, "credit_price_usd": 500.0}])


def test_the_bev_value_counts_the_borrowing_room_a_car_sold_adds() -> None:
    result = evplan.optimize(network())
    assert result.objective_usd == pytest.approx(193_750.0)
    zev = result["zev_compliance"].set_index("year")
    assert zev.loc[2025, "credits_owed"] == pytest.approx(2.5)
    assert zev.loc[2025, "shadow_price_usd_per_credit"] == pytest.approx(1_000.0)
    assert zev.loc[2025, "borrow_shadow_price_usd_per_credit"] == pytest.approx(500.0)
    assert zev.loc[2025, "bev_value_usd_per_vehicle"] == pytest.approx(625.0)
    # the last year may owe nothing: no limit, no price; a BEV there saves 500 x 0.5
    assert zev.loc[2026, "borrow_shadow_price_usd_per_credit"] == 0.0
    assert zev.loc[2026, "bev_value_usd_per_vehicle"] == pytest.approx(250.0)
    kpis = result.kpis
    value = kpis[(kpis["kpi"] == "bev_compliance_value") & (kpis["year"] == 2025)]["value"]
    assert value.iloc[0] == pytest.approx(625.0)


def test_one_more_bev_is_worth_what_the_table_says() -> None:
    # One BEV in 2025 at 15,400 against a cost of 16,000 loses 600 and is worth 625 to the
    # mandate: the plan sells it and gains 25.
    result = evplan.optimize(network(bev_2025=1.0, bev_price=15_400.0))
    assert result.objective_usd == pytest.approx(193_750.0 + 25.0)
    sold = result["sales"].set_index(["program", "year"])["sales_vehicles"]
    assert sold.loc[("V-BEV", 2025)] == pytest.approx(1.0)


def test_a_higher_share_moves_the_objective_by_the_balance_and_limit_prices() -> None:
    # share + h: 10 h more credits needed (1,000 each) and 10 x 0.5 x h more may be owed
    # (500 each): -10,000 h + 2,500 h = -7,500 h.
    base = evplan.optimize(network()).objective_usd
    higher = evplan.optimize(network(share_2025=0.501)).objective_usd
    assert higher - base == pytest.approx(-7_500.0 * 0.001, rel=1e-9)


def test_the_certificate_refuses_a_borrowing_price_on_a_slack_or_negative_limit() -> None:
    from evplan.verify.duals import dual_problems

    data = network()
    result = evplan.optimize(data)
    assert dual_problems(data, result.tables) == []
    tables = dict(result.tables)
    for row, value, words in ((1, 100.0, "so more borrowing room is worth 0"),
                              (0, -1.0, "is >= 0")):
        zev = tables["zev_compliance"].copy()
        zev.loc[row, "borrow_shadow_price_usd_per_credit"] = value
        problems = dual_problems(data, {**tables, "zev_compliance": zev})
        assert any("borrow_shadow_price_usd_per_credit" in line and words in line
                   for line in problems), problems
