"""The studies section of scenarios.yaml: expansion, and every input error word for word."""

from __future__ import annotations

from typing import Any

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
        "study 'a': branch 'eu': the probabilities sum to 0.9, not 1 (off by -0.1; evplan "
        "allows 1e-06). Change them so they sum to 1.",
        "study 'b': risk weight = -1 is not a number >= 0. Give e.g. weight: 0.5 (0: expected "
        "margin only).",
        "study 'b': risk alpha = 1.0 is not a number in (0, 1). Give e.g. alpha: 0.9 (CVaR of "
        "the worst 10 %).",
        "study 'b': scenarios: outcome 'x': probability = 1.5 is not a number in (0, 1]. Give "
        "e.g. probability: 0.25.",
        "study 'c' must give exactly one of branches: (a product of outcomes), scenarios: (a "
        "list) and sample: (Monte Carlo draws); found none.",
        "study 'd' must be a mapping with branches:, scenarios: or sample:, found [1, 2].",
        "study 'e' must give exactly one of branches: (a product of outcomes), scenarios: (a "
        "list) and sample: (Monte Carlo draws); found branches and scenarios.",
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


SAMPLED: dict[str, Any] = {"overrides": OVERRIDES,
           "parameters": {"freight": {"routes": {"scale": "freight_usd_per_vehicle"}}},
           "studies": {"mc": {"revelation_year": 2026, "sample": {
               "count": 400, "seed": 11,
               "branches": {"eu": {"stays": {"probability": 0.7},
                                   "rises": {"probability": 0.3, "overrides": ["eu-up"]}}},
               "parameters": {"freight": {"distribution": "uniform", "low": 0.5,
                                          "high": 1.5}}}}}}


def test_sampled_study_is_reproducible_and_follows_its_distributions() -> None:
    study = parse_catalog(SAMPLED).studies["mc"]
    again = parse_catalog(SAMPLED).studies["mc"]
    assert study.scenarios == again.scenarios  # same seed, same scenarios
    assert study.sample == {"count": 400, "seed": 11}
    assert len(study.scenarios) == 400
    assert all(s.probability == 1 / 400 for s in study.scenarios)
    rises = [s for s in study.scenarios if s.name.endswith(":rises")]
    assert all(s.overrides == ("eu-up",) for s in rises)
    assert all(s.overrides == () for s in study.scenarios if s.name.endswith(":stays"))
    assert 0.3 - 0.08 < len(rises) / 400 < 0.3 + 0.08  # 3.5 standard deviations
    factors = [s.patches[0].scale["freight_usd_per_vehicle"] for s in study.scenarios]
    assert all(0.5 <= f <= 1.5 for f in factors)
    assert study.scenarios[0].patches[0].override.startswith("freight=")
    other = parse_catalog(SAMPLED | {"studies": {"mc": SAMPLED["studies"]["mc"] | {
        "sample": SAMPLED["studies"]["mc"]["sample"] | {"seed": 12}}}}).studies["mc"]
    assert [s.patches for s in other.scenarios] != [s.patches for s in study.scenarios]


def test_sample_errors_word_for_word() -> None:
    raw = {"overrides": OVERRIDES, "parameters": SAMPLED["parameters"], "studies": {
        "a": {"sample": {"count": 0, "seed": -1, "branches": {
            "eu": {"stays": {"probability": 0.5}}}}},
        "b": {"sample": {"count": 5, "parameters": {
            "freigth": {"distribution": "uniform", "low": 0, "high": 1},
            "freight": {"distribution": "uniform", "low": 2, "high": 1}}}},
        "c": {"sample": {"seed": 3, "cuont": 3}},
        "d": {"sample": {"count": 3}, "scenarios": {"x": {"probability": 1}}}}}
    with pytest.raises(InputError) as caught:
        parse_catalog(raw)
    assert [problem.message for problem in caught.value.problems] == [
        "study 'a': sample: count = 0 is not a whole number from 1 to 1,000. Give e.g. "
        "count: 200.",
        "study 'a': sample: seed = -1 is not a whole number from 0 to "
        "9,223,372,036,854,775,807. Give e.g. seed: 200.",
        "study 'a': sample: branch 'eu': the probabilities sum to 0.5, not 1 (off by -0.5; "
        "evplan allows 1e-06). Change them so they sum to 1.",
        "study 'b': sample: 'freigth' is not a parameter. Did you mean 'freight'?",
        "study 'b': sample: parameter 'freight': low = 2 is above high = 1. Swap them.",
        "study 'c': sample: 'cuont' is not a key. Did you mean 'count'?",
        "study 'c': sample: count is missing. Give the number of scenarios to draw, e.g. "
        "count: 200.",
        "study 'c': sample draws nothing: give branches: (outcomes with probabilities) "
        "and/or parameters: (distributions).",
        "study 'd' must give exactly one of branches: (a product of outcomes), scenarios: (a "
        "list) and sample: (Monte Carlo draws); found scenarios and sample.",
    ]


def test_sampled_scenarios_apply_their_drawn_values() -> None:
    from evplan.scenarios.apply import apply_scenario

    catalog = parse_catalog(SAMPLED)
    data = strategic_lane()
    scenario = catalog.studies["mc"].scenarios[0]
    factor = scenario.patches[0].scale["freight_usd_per_vehicle"]
    applied = apply_scenario(data, scenario.resolve(catalog), catalog)
    before = data.tables["routes"]["freight_usd_per_vehicle"].to_numpy()
    after = applied.data.tables["routes"]["freight_usd_per_vehicle"].to_numpy()
    assert after == pytest.approx(before * factor)


@pytest.mark.parametrize("year", [1999, 2099])
def test_a_revelation_year_outside_the_horizon_is_an_input_error(year: int) -> None:
    """Audit 2: 1999 solved a study with nothing shared (wait-and-see), 2099 one with every
    decision shared, both with exit 0 and no word; the horizon is checked before any solve."""
    from dataclasses import replace

    from evplan.examples import china_strategic_path
    from evplan.scenarios.overrides import load_catalog
    from evplan.twostage import stochastic

    data = evplan.load(china_strategic_path())
    catalog = load_catalog(china_strategic_path())
    study = replace(catalog.studies["duty-risk-small"], revelation_year=year)
    first, last = data.scenario.first_year, data.scenario.last_year
    with pytest.raises(InputError) as caught:
        stochastic(data, study, catalog=catalog)
    assert [p.message for p in caught.value.problems] == [
        f"study 'duty-risk-small': revelation_year {year} is outside the planning horizon "
        f"{first}-{last}. Give a year from {first} to {last} (decisions of years up to it are "
        f"shared), {first - 1} to share nothing, or leave it out to share every year."]


def test_a_sum_just_outside_the_tolerance_is_shown_with_its_digits() -> None:
    """Audit 4: 0.3 + 0.700002 was refused as "the probabilities sum to 1, not 1"."""
    raw = {"overrides": {"eu-up": {"duties": {"where": {"market": "EU"},
                                              "set": {"ad_valorem_rate": 0.2}}}},
           "studies": {"a": {"scenarios": {"x": {"probability": 0.3},
                                           "y": {"probability": 0.700002,
                                                 "overrides": ["eu-up"]}}}}}
    with pytest.raises(InputError) as caught:
        parse_catalog(raw)
    (problem,) = caught.value.problems
    assert "sum to 1.000002, not 1 (off by +2e-06; evplan allows 1e-06)" in problem.message


def test_two_scenarios_with_one_name_are_an_input_error() -> None:
    """Audit 5: outcomes 'a+b' x 'c' and 'a' x 'b+c' both made scenario 'a+b+c'; the study
    solved, and its check reported a bug in evplan (one scenario's plan stood for both)."""
    raw = {"overrides": OVERRIDES, "studies": {
        "p": {"branches": {"x": {"a+b": {"probability": 0.5, "overrides": ["eu-up"]},
                                 "a": {"probability": 0.5}},
                           "y": {"c": {"probability": 0.5}, "b+c": {"probability": 0.5}}}},
        "l": {"scenarios": {1: {"probability": 0.5}, "1": {"probability": 0.5}}}}}
    with pytest.raises(InputError) as caught:
        parse_catalog(raw)
    assert [problem.message for problem in caught.value.problems] == [
        "study 'p': 2 scenarios are named 'a+b+c' (a product scenario joins its outcomes' "
        "names with '+'); rename the outcomes so that each scenario has its own name, e.g. "
        "without '+'.",
        "study 'l': 2 scenarios are named '1'; rename the outcomes so that each scenario has "
        "its own name."]
