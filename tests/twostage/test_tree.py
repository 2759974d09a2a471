"""The studies section of scenarios.yaml: expansion, and every input error word for word."""

from __future__ import annotations

import pytest

import evplan
from evplan.errors import InputError
from evplan.examples import strategic_lane
from evplan.scenarios.overrides import parse_catalog

OVERRIDES = {"eu-up": {"duties": {"set": {"ad_valorem_rate": 0.3}}},
             "cn-down": {"demand": {"scale": {"volume_vehicles": 0.8}}}}


def test_product_of_branches() -> None:
    catalog = parse_catalog({"overrides": OVERRIDES, "studies": {"s": {
        "revelation_year": 2026, "risk": {"weight": 0.5, "alpha": 0.8},
        "branches": {"eu": {"stays": {"probability": 0.6},
                            "rises": {"probability": 0.4, "overrides": ["eu-up"]}},
                     "cn": {"flat": {"probability": 0.5},
                            "falls": {"probability": 0.5, "overrides": "cn-down"}}}}}})
    study = catalog.studies["s"]
    assert [(s.name, s.probability, s.overrides) for s in study.scenarios] == [
        ("stays+flat", 0.3, ()), ("stays+falls", 0.3, ("cn-down",)),
        ("rises+flat", 0.4 * 0.5, ("eu-up",)), ("rises+falls", 0.2, ("eu-up", "cn-down"))]
    assert (study.revelation_year, study.risk_weight, study.alpha) == (2026, 0.5, 0.8)


def test_every_problem_at_once_word_for_word() -> None:
    raw = {"overrides": OVERRIDES, "studies": {
        "a": {"branches": {"eu": {"stays": {"probability": 0.5},
                                  "rises": {"probability": 0.4, "overrides": ["eu-upp"]}}},
              "revelation_yeer": 2026},
        "b": {"scenarios": {"x": {"probability": 1.5}}, "risk": {"weight": -1, "alpha": 1.0}},
        "c": {"revelation_year": "soon"},
        "d": [1, 2],
        "e": {"scenarios": {"x": 0.5}, "branches": {}},
        "f": {"scenarios": {"x": {"probability": 1, "override": ["eu-up"]}}},
        "g": {"scenarios": {"x": {"probability": 1}}, "revelation_year": 2026.5}}}
    with pytest.raises(InputError) as caught:
        parse_catalog(raw)
    assert [problem.message for problem in caught.value.problems] == [
        "study 'a': 'revelation_yeer' is not a key. Did you mean 'revelation_year'?",
        "study 'a': branch 'eu': outcome 'rises': 'eu-upp' is not an override. Did you mean "
        "'eu-up'?",
        "study 'a': branch 'eu': the probabilities sum to 0.9, not 1. Change them so they sum "
        "to 1.",
        "study 'b': risk weight = -1 is not a number >= 0. Give e.g. weight: 0.5 (0: expected "
        "margin only).",
        "study 'b': risk alpha = 1.0 is not a number in (0, 1). Give e.g. alpha: 0.9 (CVaR of "
        "the worst 10 %).",
        "study 'b': scenarios: outcome 'x': probability = 1.5 is not a number in (0, 1]. Give "
        "e.g. probability: 0.25.",
        "study 'c' must give exactly one of branches: (a product of outcomes) and scenarios: (a "
        "list); found neither.",
        "study 'd' must be a mapping with branches: or scenarios:, found [1, 2].",
        "study 'e' must give exactly one of branches: (a product of outcomes) and scenarios: (a "
        "list); found both.",
        "study 'f': scenarios: outcome 'x': 'override' is not a key. Did you mean 'overrides'?",
        "study 'g': revelation_year = 2026.5 is not a year. Give e.g. revelation_year: 2026.",
    ]
    assert all(problem.file == "scenarios.yaml" for problem in caught.value.problems)


def test_unknown_study_names_the_closest() -> None:
    catalog = parse_catalog({"overrides": OVERRIDES, "studies": {"duty-risk": {
        "scenarios": {"x": {"probability": 1}}}}})
    with pytest.raises(InputError) as caught:
        evplan.stochastic(strategic_lane(), "duty-risks", catalog=catalog)
    assert str(caught.value.problems[0]) == ("'duty-risks' is not a study. Did you mean "
                                             "'duty-risk'?")
    assert caught.value.exit_code == 1


def test_a_scenario_may_not_change_which_decisions_exist() -> None:
    catalog = parse_catalog({
        "overrides": {"short": {"plants": {"set": {"last_year": 2025}}}},
        "studies": {"s": {"scenarios": {"base": {"probability": 0.5},
                                        "short": {"probability": 0.5,
                                                  "overrides": ["short"]}}}}})
    with pytest.raises(InputError) as caught:
        evplan.stochastic(strategic_lane(years=2), "s", catalog=catalog)
    assert [str(p) for p in caught.value.problems] == [
        "study 's': scenario 'short' changes which network decisions exist (its overrides add "
        "or remove plants, programs, markets or sites, or change their years). Overrides of a "
        "study may change numbers only; change them in scenarios.yaml."]


def test_inputs_without_strategic_tables() -> None:
    catalog = parse_catalog({"studies": {"s": {"scenarios": {"base": {"probability": 1}}}}})
    with pytest.raises(InputError) as caught:
        evplan.stochastic(evplan.examples.china_export(), "s", catalog=catalog)
    assert str(caught.value.problems[0]).startswith(
        "study 's': the inputs have no strategic table (plant_strategy.csv, ...)")


def test_china_strategic_declares_its_studies() -> None:
    from evplan.examples import china_strategic_path
    from evplan.scenarios.overrides import load_catalog

    studies = load_catalog(china_strategic_path()).studies
    assert len(studies["duty-risk"].scenarios) == 27
    assert len(studies["duty-risk-small"].scenarios) == 4
    for study in studies.values():
        assert sum(s.probability for s in study.scenarios) == pytest.approx(1.0)
        assert study.revelation_year == 2026
