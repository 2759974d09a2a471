"""Random small trees: the extensive form equals brute-force enumeration of the first stage.

Every combination of the shared first-stage values (within their bounds) is fixed in every
scenario, each scenario is solved alone, and the combination is scored with the sorted-
scenario definition of E[margin] + lambda x CVaR_alpha. No non-anticipativity row and no
Rockafellar-Uryasev variable is involved, so the enumeration is independent of both.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import evplan
from evplan.examples import random_strategic_network
from evplan.scenarios.overrides import parse_catalog
from evplan.twostage.extensive import Block, solve_extensive
from evplan.twostage.models import build_scenarios
from evplan.twostage.risk import risk_objective

EXACT = evplan.SolverOptions(mip_gap=1e-9)
MAX_COMBINATIONS = 200


def _catalog(seed: int) -> object:
    rng = np.random.default_rng(seed)
    low, high = rng.uniform(0.1, 0.9, 2)
    weight = float(rng.choice([0.0, 0.5, 2.0]))
    return parse_catalog({
        "overrides": {
            "demand-low": {"demand": {"scale": {"volume_vehicles": 0.4}, "from_year": 2031}},
            "demand-high": {"demand": {"scale": {"volume_vehicles": 1.8}, "from_year": 2031}},
            "duty-up": {"duties": {"set": {"ad_valorem_rate": 0.6}}}},
        "studies": {"random": {
            "revelation_year": 2030,
            "risk": {"weight": weight, "alpha": float(rng.uniform(0.5, 0.95))},
            "branches": {
                "demand": {"low": {"probability": round(low / 2, 3),
                                   "overrides": ["demand-low"]},
                           "flat": {"probability": round(1 - low / 2 - high / 2, 3)},
                           "high": {"probability": round(high / 2, 3),
                                    "overrides": ["demand-high"]}},
                "duty": {"same": {"probability": 0.5},
                         "up": {"probability": 0.5, "overrides": ["duty-up"]}}}}}})


def _brute_force(data: evplan.NetworkData, catalog: object) -> tuple[float, int]:
    study = catalog.studies["random"]  # type: ignore[attr-defined]
    scenarios, _ = build_scenarios(data, study, catalog)  # type: ignore[arg-type]
    first = scenarios[0].block
    lower = first.runner.lower[first.shared]
    upper = first.runner.upper[first.shared]
    domains = [range(round(lo), round(hi) + 1) for lo, hi in zip(lower, upper, strict=True)]
    assert np.prod([len(d) for d in domains]) <= MAX_COMBINATIONS
    probabilities = np.array([s.probability for s in scenarios])
    best = -np.inf
    tried = 0
    for values in itertools.product(*domains):
        margins = []
        for scenario in scenarios:
            block = Block(scenario.block.runner, 1.0, scenario.block.constant_usd,
                          scenario.block.shared)
            run = solve_extensive([block], EXACT, fixed=np.asarray(values, dtype=float))
            if not run.has_solution:
                break
            margins.append(run.objective_usd)
        tried += 1
        if len(margins) == len(scenarios):
            best = max(best, risk_objective(np.array(margins), probabilities,
                                            study.risk_weight, study.alpha))
    return best, tried


SLOW = pytest.mark.slow
CASES = [(0, ("plants",)), (4, ("plants",)),  # expected margin; E + 2 x CVaR
         pytest.param(1, ("plants",), marks=SLOW), pytest.param(2, ("markets",), marks=SLOW),
         pytest.param(3, ("programs",), marks=SLOW)]


@pytest.mark.parametrize(("seed", "features"), CASES)
def test_extensive_form_matches_brute_force(seed: int, features: tuple[str, ...]) -> None:
    data = random_strategic_network(seed, features=features)
    catalog = _catalog(seed)
    best, tried = _brute_force(data, catalog)
    # even seeds also solve the expected-value plan, a known plan HiGHS stops at when its
    # bound comes within the gap (and which is returned when better): the optimum stays
    result = evplan.stochastic(data, "random", EXACT, catalog=catalog, evpi=False,
                               vss=seed % 2 == 0, regret=False)
    assert result.metadata["plan_from"] in ("extensive form", "expected-value plan")
    assert result.metadata["bound_usd"] >= best - 1e-6 * abs(best) - 1.0
    assert tried >= 2
    assert result.objective_usd == pytest.approx(best, rel=1e-7, abs=1.0)
    assert len(result.results) == 6
    assert result.metadata["nonanticipativity_rows"] == 5 * len(result.first_stage)
