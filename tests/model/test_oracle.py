"""Layer 4: random networks solved by evplan and by an independent scipy formulation."""

from __future__ import annotations

import pytest

import evplan
from evplan.examples import random_network

from .oracle import oracle_objective

SEEDS = list(range(12))


@pytest.mark.parametrize("seed", SEEDS)
def test_random_network_matches_independent_scipy_formulation(seed: int) -> None:
    data = random_network(seed, plants=3 + seed % 3, programs=2 + seed % 3, markets=3 + seed % 2,
                          years=1 + seed % 3, tiers=1 + seed % 3)
    expected = oracle_objective(data)
    result = evplan.optimize(data)
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("seed", [100, 101, 102])
def test_plain_transport_networks_match_oracle(seed: int) -> None:
    data = random_network(seed, plants=4, programs=3, markets=5, years=2, tiers=2,
                          features=False)
    assert evplan.optimize(data).objective_usd == pytest.approx(oracle_objective(data), rel=1e-6)
