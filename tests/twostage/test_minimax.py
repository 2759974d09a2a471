"""Minimax regret: by hand on the one-plant tree, and against brute-force enumeration.

By hand (docs/stochastic.md): one plant with two 500-vehicle modules, demand 1,000 (high) or
300 (low). Margins (USD M): 2 modules 7.0 / 0.7, 1 module 3.1 / 1.3; own optima WS = 7.0 /
1.3. Regrets: 2 modules (0, 0.6), worst 0.6; 1 module (3.9, 0), worst 3.9. Minimax regret
keeps 2 modules whatever the probabilities; with P(high) = 0.1 expected margin keeps 1
(0.1 x 3.1 + 0.9 x 1.3 = 1.48 > 0.1 x 7.0 + 0.9 x 0.7 = 1.33).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import evplan
from evplan.errors import InputError
from evplan.examples import random_strategic_network, strategic_lane
from evplan.scenarios.overrides import parse_catalog
from evplan.twostage.extensive import Block, solve_extensive
from evplan.twostage.minimax import max_regret
from evplan.twostage.models import build_scenarios
from tests.twostage.test_bruteforce import _catalog as random_catalog

M = 1e6
EXACT = evplan.SolverOptions(mip_gap=1e-9)


def _catalog(objective: str = "minimax-regret", **risk: float) -> object:
    return parse_catalog({
        "overrides": {"high": {"demand": {"set": {"volume_vehicles": 1000}}},
                      "low": {"demand": {"set": {"volume_vehicles": 300}}}},
        "studies": {"demand": {"risk": {"objective": objective, **risk}, "scenarios": {
            "high": {"probability": 0.1, "overrides": ["high"]},
            "low": {"probability": 0.9, "overrides": ["low"]}}}}})


def test_minimax_regret_by_hand() -> None:
    expected = evplan.stochastic(strategic_lane(), "demand", catalog=_catalog("expected"),
                                 regret=False, vss=False)
    assert expected.first_stage.set_index("variable")["value"]["plant_modules"] == 1
    assert expected.objective_usd == pytest.approx(1.48 * M)

    result = evplan.stochastic(strategic_lane(), "demand", catalog=_catalog())
    assert result.status == "optimal"
    assert result.first_stage.set_index("variable")["value"]["plant_modules"] == 2
    assert result.objective_usd == pytest.approx(-0.6 * M)  # minus the worst regret
    assert result.metadata["minimax_t_usd"] == pytest.approx(0.6 * M)
    frame = result.scenarios.set_index("scenario")
    assert frame["wait_and_see_usd"].to_dict() == pytest.approx({"high": 7.0 * M,
                                                                 "low": 1.3 * M})
    assert frame["margin_usd"].to_dict() == pytest.approx({"high": 7.0 * M, "low": 0.7 * M})
    assert frame["regret_usd"].to_dict() == pytest.approx({"high": 0.0, "low": 0.6 * M},
                                                          abs=1.0)
    assert result.evpi_usd == pytest.approx(0.6 * M)
    # the mean scenario (demand 370) keeps 1 module: worst regret 3.9 M, VSS 3.3 M
    assert result.vss_usd == pytest.approx(3.3 * M)
    regret = result.regret.set_index(["plan", "scenario"])["regret_usd"]
    assert regret[("expected-value", "high")] == pytest.approx(3.9 * M)
    assert regret[("stochastic", "low")] == pytest.approx(0.6 * M)
    assert result.expected_margin_usd == pytest.approx(1.33 * M)
    for scenario in result.results.values():
        assert scenario.metadata["strategic_check"] == "passed"


def test_the_objective_option_overrides_the_study() -> None:
    result = evplan.stochastic(strategic_lane(), "demand", catalog=_catalog("expected"),
                               objective_kind="minimax-regret", regret=False, vss=False)
    assert result.objective_usd == pytest.approx(-0.6 * M)
    assert result.study.objective == "minimax-regret"
    with pytest.raises(InputError, match="'minimax' is not an objective: use expected or "
                                         "minimax-regret"):
        evplan.stochastic(strategic_lane(), "demand", catalog=_catalog("expected"),
                          objective_kind="minimax")


def test_study_errors() -> None:
    with pytest.raises(InputError) as raised:
        parse_catalog({"studies": {
            "a": {"risk": {"objective": "minmax"}, "scenarios": {"x": {"probability": 1}}},
            "b": {"risk": {"objective": "minimax-regret", "weight": 0.5},
                  "scenarios": {"x": {"probability": 1}}}}})
    text = str(raised.value)
    assert "study 'a': risk objective = 'minmax' is not one of expected, minimax-regret." in text
    assert ("study 'b': risk objective minimax-regret takes no weight (found weight: 0.5)"
            in text)


def _regrets(scenarios: list, values: np.ndarray, wait: np.ndarray) -> np.ndarray | None:
    margins = []
    for scenario in scenarios:
        block = Block(scenario.block.runner, 1.0, scenario.block.constant_usd,
                      scenario.block.shared)
        run = solve_extensive([block], EXACT, fixed=np.asarray(values, dtype=float))
        if not run.has_solution:
            return None
        margins.append(run.objective_usd)
    return wait - np.array(margins)


@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow)])
def test_minimax_matches_brute_force(seed: int) -> None:
    # every first-stage combination fixed in every scenario, each scenario solved alone:
    # the smallest worst regret over the combinations is the minimax value
    data = random_strategic_network(seed, features=("plants",))
    catalog = random_catalog(seed)
    study = catalog.studies["random"]  # type: ignore[attr-defined]
    scenarios, _ = build_scenarios(data, study, catalog)  # type: ignore[arg-type]
    wait = np.array([solve_extensive([Block(s.block.runner, 1.0, s.block.constant_usd,
                                            s.block.shared)], EXACT).objective_usd
                     for s in scenarios])
    first = scenarios[0].block
    domains = [range(round(lo), round(hi) + 1) for lo, hi in
               zip(first.runner.lower[first.shared], first.runner.upper[first.shared],
                   strict=True)]
    best = np.inf
    for values in itertools.product(*domains):
        regrets = _regrets(scenarios, np.asarray(values, dtype=float), wait)
        if regrets is not None:
            best = min(best, float(regrets.max()))
    result = evplan.stochastic(data, "random", EXACT, catalog=catalog,
                               objective_kind="minimax-regret", vss=False, regret=False)
    assert -result.objective_usd == pytest.approx(best, rel=1e-7, abs=1.0)
    # the returned plan's regret vector, recomputed here from its first stage
    mine = _regrets(scenarios, result.first_stage["value"].to_numpy(), wait)
    assert mine is not None
    assert result.scenarios["regret_usd"].to_numpy() == pytest.approx(mine, rel=1e-7, abs=1.0)
    assert max_regret(wait, result.scenarios["margin_usd"].to_numpy()) == pytest.approx(
        best, rel=1e-7, abs=1.0)
