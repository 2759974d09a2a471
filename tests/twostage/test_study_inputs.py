"""A study built in Python is checked as scenarios.yaml's studies are (audit 18).

``evplan.stochastic(data, Study(...))`` took a Study as it came: a negative probability or
probabilities summing to 0.9 gave an "optimal" plan, alpha = 1.5 returned a result whose
status was "infeasible", a NaN probability was explained as a conflict between scenarios,
two scenarios of one name failed the plan's certificate ("a bug in evplan") and a study
with no scenario raised AssertionError. Each is now an InputError naming the study, the
scenario and the value, raised before any model is built.
"""

from __future__ import annotations

import pytest

import evplan
from evplan.errors import InputError
from evplan.examples import strategic_lane
from evplan.scenarios.overrides import parse_catalog
from evplan.twostage.frontier import efficient_frontier
from evplan.twostage.hedging import progressive_hedging
from evplan.twostage.tree import Study, StudyScenario

CATALOG = parse_catalog({"overrides": {
    "high": {"demand": {"set": {"volume_vehicles": 1000}}},
    "low": {"demand": {"set": {"volume_vehicles": 300}}}}})


def _two(high: float = 0.3, low: float = 0.7, names: tuple[str, str] = ("high", "low"),
         **risk: object) -> Study:
    return Study("demand", (StudyScenario(names[0], high, ("high",)),
                            StudyScenario(names[1], low, ("low",))), **risk)


CASES = {
    "nan": (_two(high=float("nan")), "scenario 'high': probability = nan is not a number in "
            "(0, 1]"),
    "negative": (_two(high=-0.3, low=1.3), "scenario 'high': probability = -0.3 is not a "
                 "number in (0, 1]"),
    "zero": (_two(high=0.0, low=1.0), "scenario 'high': probability = 0.0 is not a number"),
    "sum": (_two(low=0.6), "the probabilities sum to 0.9, not 1 (off by -0.1"),
    "duplicate": (_two(names=("a", "a")), "2 scenarios are named 'a'; rename them"),
    "alpha": (_two(risk_weight=1.0, alpha=1.5), "risk alpha = 1.5 is not a number in (0, 1)"),
    "alpha-nan": (_two(risk_weight=1.0, alpha=float("nan")), "risk alpha = nan"),
    "weight": (_two(risk_weight=-1.0), "risk weight = -1.0 is not a number >= 0"),
    "weight-inf": (_two(risk_weight=float("inf")), "risk weight = inf is not a number >= 0"),
    "objective": (_two(objective="minimax"), "risk objective = 'minimax' is not one of "
                  "expected, minimax-regret. Did you mean 'minimax-regret'?"),
    "minimax-weight": (_two(objective="minimax-regret", risk_weight=0.5),
                       "minimax-regret takes no weight"),
    "empty": (Study("demand", ()), "study 'demand' has no scenario"),
    "revelation": (_two(revelation_year=2099), "revelation_year 2099 is outside the planning "
                   "horizon"),
    "revelation-float": (_two(revelation_year=2025.5), "revelation_year = 2025.5 is not a "
                         "year"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_python_study_with_a_bad_value_is_an_input_error(case: str) -> None:
    study, message = CASES[case]
    with pytest.raises(InputError) as raised:
        evplan.stochastic(strategic_lane(), study, regret=False, catalog=CATALOG)
    assert message in str(raised.value)
    assert "study 'demand'" in str(raised.value)


def test_every_problem_of_a_python_study_is_named_at_once() -> None:
    study = _two(high=-0.3, names=("a", "a"), risk_weight=-2.0, alpha=0.0)
    with pytest.raises(InputError) as raised:
        evplan.stochastic(strategic_lane(), study, regret=False, catalog=CATALOG)
    text = str(raised.value)
    for part in ("probability = -0.3", "2 scenarios are named 'a'", "risk weight = -2.0",
                 "risk alpha = 0.0"):
        assert part in text


@pytest.mark.parametrize("run", ["frontier", "hedging"])
def test_the_frontier_and_hedging_check_a_python_study_too(run: str) -> None:
    study = _two(low=0.6)
    with pytest.raises(InputError, match=r"the probabilities sum to 0\.9"):
        if run == "frontier":
            efficient_frontier(strategic_lane(), study, [0.0, 1.0], catalog=CATALOG)
        else:
            progressive_hedging(strategic_lane(), study, catalog=CATALOG)


def test_a_valid_python_study_still_solves() -> None:
    # probabilities that sum to 1 within 1e-6 pass (the hand-solved tree: RP = 2.59 M)
    result = evplan.stochastic(strategic_lane(), _two(high=0.3000004, low=0.6999999),
                               regret=False, vss=False, catalog=CATALOG)
    assert result.objective_usd == pytest.approx(0.3000004 * 7.0e6 + 0.6999999 * 0.7e6,
                                                 rel=1e-9)


@pytest.mark.parametrize("weights", [[-1.0], [float("nan")], [float("inf")], [], [0, "1"]])
def test_frontier_weights_are_numbers_at_least_zero(weights: list[object]) -> None:
    # before: -1 and NaN gave "optimal" rows, inf a solver error, [] an empty frame
    with pytest.raises(InputError, match="must be one or more numbers >= 0"):
        efficient_frontier(strategic_lane(), _two(), weights, catalog=CATALOG)
