"""Random small strategic networks: the MILP's optimum equals brute-force enumeration.

Every integer decision of the model is enumerated (each combination solved as an LP, see
``bruteforce.py``); the best value must equal what :func:`evplan.optimize` reports, and
the plan must pass its own check against the input tables (``optimize`` raises if not).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evplan
from evplan.examples import random_strategic_network
from evplan.examples.strategic_small import FEATURES
from tests.strategic.bruteforce import brute_force

EXACT = evplan.SolverOptions(mip_gap=1e-9)

CASES = [
    (0, ("plants", "programs")),
    (1, ("markets", "steering", "programs")),
    (2, ("kits", "markets")),
    (3, ("plants", "equity", "steering")),
    (4, ("kits", "steering")),
]


@pytest.mark.parametrize(("seed", "features"), CASES)
def test_milp_matches_brute_force(seed: int, features: tuple[str, ...]) -> None:
    data = random_strategic_network(seed, features=features)
    best, tried = brute_force(data)
    result = evplan.optimize(data, EXACT)
    assert tried > 10
    assert result.objective_usd == pytest.approx(best, rel=1e-7, abs=1.0)
    assert result.metadata["strategic_check"] == "passed"


@pytest.mark.slow
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000),
       features=st.lists(st.sampled_from(FEATURES), min_size=1, max_size=2, unique=True),
       attributable=st.booleans())
def test_property_random_instances_match_brute_force(seed: int, features: list[str],
                                                     attributable: bool) -> None:
    data = random_strategic_network(seed, features=tuple(features))
    if attributable:
        data = data.replace(scenario=type(data.scenario)(**{
            **data.scenario.as_dict(), "sources": {}, "objective_basis": "attributable"}))
    best, _ = brute_force(data)
    result = evplan.optimize(data, EXACT)
    assert result.objective_usd == pytest.approx(best, rel=1e-7, abs=1.0)
    basis = "attributable" if attributable else "consolidated"
    assert result.metadata[f"objective_{basis}_usd"] == pytest.approx(result.objective_usd,
                                                                      rel=1e-7, abs=1.0)
