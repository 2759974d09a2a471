"""Two-stage studies against a brute force over the shared decisions (docs/stochastic.md).

One strategic plant (test_independent_strategic.strategic_network); each scenario is the
base with patches from a year on. The network states of years up to the revelation year
are shared; later ones are each scenario's own. E + lambda CVaR is nondecreasing in every
scenario's margin, so for a shared prefix each scenario takes its own best suffix, and the
stochastic optimum is the best prefix's score. Each path is an export LP solved by the
independent dense formulation.
"""

from __future__ import annotations

import numpy as np
import pytest

import evplan
from evplan.errors import InfeasibleError
from evplan.scenarios.apply import apply_patches
from evplan.scenarios.overrides import Patch
from evplan.twostage.tree import Study, StudyScenario
from tests.audit_s21.test_independent_strategic import path_values, strategic_network


def cvar(margins: list[float], probabilities: list[float], alpha: float) -> float:
    """Mean margin of the worst 1 - alpha of probability (sorted definition)."""
    tail, total = 1 - alpha, 0.0
    left = tail
    for margin, probability in sorted(zip(margins, probabilities, strict=True)):
        take = min(probability, left)
        total += take * margin
        left -= take
        if left <= 1e-12:
            break
    return total / tail




def make_study(seed: int, data):
    rng = np.random.default_rng(20_000 + seed)
    first, last = data.scenario.first_year, data.scenario.last_year
    switch = int(rng.integers(first, last + 1))
    patches = [
        (Patch(table="demand", scale={"volume_vehicles": float(rng.choice([0.2, 0.5]))},
               from_year=switch),),
        (Patch(table="duties", set={"ad_valorem_rate": 1.5}, from_year=switch),),
        (Patch(table="demand", scale={"price_usd_per_vehicle": 1.3}, from_year=switch),),
    ]
    n_scenarios = int(rng.integers(2, 4))
    weights = rng.uniform(0.2, 1, n_scenarios)
    weights = (weights / weights.sum()).round(3)
    weights[-1] = round(1 - weights[:-1].sum(), 3)
    scenarios = [StudyScenario("base", float(weights[0]), ())]
    for i in range(1, n_scenarios):
        scenarios.append(StudyScenario(f"s{i}", float(weights[i]), (), patches[i - 1]))
    revelation = int(rng.integers(first - 1, last + 1))
    weight = float(rng.choice([0.0, 0.0, 0.5, 2.0]))
    alpha = float(rng.choice([0.5, 0.8]))
    return Study(f"audit-{seed}", tuple(scenarios), revelation_year=revelation,
                 risk_weight=weight, alpha=alpha)


def brute_force(data, study, *, wait_and_see: bool = False) -> float:
    first = data.scenario.first_year
    shared = study.revelation_year - first + 1  # years of the prefix
    per_scenario = []
    for scenario in study.scenarios:
        scenario_data = apply_patches(data, list(scenario.patches)).data \
            if scenario.patches else data
        per_scenario.append(path_values(scenario_data))
    if wait_and_see:  # each scenario its own network
        shared = 0
    prefixes = {path[:max(shared, 0)] for values in per_scenario for path in values}
    probabilities = [s.probability for s in study.scenarios]
    best = -np.inf
    for prefix in prefixes:
        margins = []
        for values in per_scenario:
            options = [v for path, v in values.items() if path[:len(prefix)] == prefix]
            margins.append(max(options) if options else -np.inf)
        if min(margins) == -np.inf:
            continue
        expected = float(np.dot(probabilities, margins))
        score = expected + study.risk_weight * cvar(margins, probabilities, study.alpha) \
            if study.risk_weight else expected
        best = max(best, score)
    return best


def compare(seed: int) -> None:
    try:
        data = strategic_network(seed)
        study = make_study(seed, data)
    except evplan.InputError:
        pytest.skip("inputs refused")
    expected = brute_force(data, study)
    try:
        result = evplan.stochastic(data, study, regret=False)
    except InfeasibleError:
        assert expected == -np.inf, seed
        return
    assert expected > -np.inf, (seed, result.objective_usd)
    assert result.objective_usd == pytest.approx(expected, rel=1e-6, abs=1e-2), seed
    if result.evpi_usd is not None:
        wait_and_see = brute_force(data, study, wait_and_see=True)
        assert result.evpi_usd == pytest.approx(wait_and_see - expected, rel=1e-6,
                                                abs=1e-2 + 1e-6 * abs(expected)), seed


@pytest.mark.parametrize("seed", range(20))
def test_two_stage_studies_agree_with_brute_force(seed: int) -> None:
    compare(seed)


def minimax_regret(data, study) -> float:
    """Smallest largest regret WS_s - M_s over the shared prefixes (regret falls as each
    scenario's margin rises, so each scenario takes its best suffix)."""
    per_scenario = [path_values(apply_patches(data, list(s.patches)).data if s.patches
                                else data) for s in study.scenarios]
    if any(not values for values in per_scenario):
        return np.inf
    wait = [max(values.values()) for values in per_scenario]
    shared = max(study.revelation_year - data.scenario.first_year + 1, 0)
    best = np.inf
    for prefix in {path[:shared] for values in per_scenario for path in values}:
        margins = [max([v for path, v in values.items() if path[:shared] == prefix],
                       default=-np.inf) for values in per_scenario]
        best = min(best, max(w - m for w, m in zip(wait, margins, strict=True)))
    return best


@pytest.mark.parametrize("seed", [22, 24, 26, 27])
def test_minimax_regret_agrees_with_brute_force(seed: int) -> None:
    import dataclasses

    data = strategic_network(seed)
    study = dataclasses.replace(make_study(seed, data), risk_weight=0.0,
                                objective="minimax-regret")
    expected = minimax_regret(data, study)
    result = evplan.stochastic(data, study, regret=False)
    assert -result.objective_usd == pytest.approx(expected, rel=1e-6, abs=1e-2)
