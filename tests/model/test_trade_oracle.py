"""Random networks with every mechanism and the four trade terms, against the oracle.

``tests/model/generate.py`` draws networks with exchange rates, declared transfer prices on
full cost, national quota shares and inventory in transit on top of every duty mechanism;
the oracle of ``tests/model/oracle.py`` applies the rules of docs/formulation.md ("Trade
terms") with its own loops. evplan and the oracle must agree on infeasibility or on the
optimal objective, and the oracle's rows must find evplan's plan feasible with that
objective.
"""

from __future__ import annotations

import pytest

import evplan

from .generate import default_scenario_cut, generated_network, generated_tables
from .oracle import assert_duties_match, oracle_check, oracle_lp, oracle_objective

SEEDS = list(range(40))


def test_the_generator_switches_every_trade_term_on() -> None:
    seen = set()
    for seed in SEEDS:
        frames, scenario = generated_tables(seed)
        seen |= {name for name in ("exchange_rates", "transfer_prices", "quota_shares")
                 if name in frames}
        if scenario["inventory_carrying_rate"] > 0:
            seen.add("inventory")
    assert seen == {"exchange_rates", "transfer_prices", "quota_shares", "inventory"}


@pytest.mark.parametrize("seed", SEEDS)
def test_networks_with_trade_terms_match_the_oracle(seed: int) -> None:
    data = generated_network(seed)
    expected = oracle_objective(data)
    try:
        result = evplan.optimize(data)
    except evplan.InfeasibleError as error:
        assert expected is None, f"evplan says infeasible ({error}), the oracle finds {expected}"
        return
    assert expected is not None, "evplan found a plan for a model the oracle finds infeasible"
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(expected, rel=1e-6, abs=1e-3)
    assert oracle_check(data, result) == []


@pytest.mark.slow
def test_the_default_scenarios_trade_terms_match_the_oracle() -> None:
    """china-export on 2025-2027 and nine markets with its exchange rates, declared transfer
    prices, Canada's quota share and 10 % inventory carrying (CO2/ZEV rules left out)."""
    cut = default_scenario_cut((2025, 2027), {"CN", "JP", "CA", "TR", "EU", "BR", "MX", "US",
                                              "TH"}, trade=True)
    assert not cut["exchange_rates"].empty and not cut["quota_shares"].empty
    assert cut.scenario.inventory_carrying_rate > 0
    result = evplan.optimize(cut)
    lp = oracle_lp(cut)
    assert_duties_match(lp, result["shipments"])
    assert result.objective_usd == pytest.approx(oracle_objective(cut), rel=1e-9)
    assert oracle_check(cut, result) == []
