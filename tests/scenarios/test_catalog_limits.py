"""scenarios.yaml and the study options refuse wrong shapes, text and non-finite numbers.

Each problem is an InputError that names scenarios.yaml (or the option) and the entry; a bad
override is blamed on scenarios.yaml and its name, never on the unchanged CSV it patches.
"""

from __future__ import annotations

from typing import Any

import pytest

from evplan.errors import InputError
from evplan.examples import single_lane
from evplan.scenarios import (
    Patch,
    apply_patches,
    montecarlo_cases,
    parse_catalog,
    parse_grid,
    parse_values,
    run_sweep,
)
from evplan.scenarios.runners import check_scheduler_address

PARAMETERS = {"freight": {"routes": {"scale": "freight_usd_per_vehicle"}}}


def problems(raw: Any) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_catalog(raw)
    assert {problem.file for problem in caught.value.problems} == {"scenarios.yaml"}
    return [problem.message for problem in caught.value.problems]


def test_lists_where_mappings_are_expected() -> None:
    assert problems({"overrides": ["a", "b"], "scenarios": ["a"], "sweeps": {"s": [1, 2]},
                     "parameters": PARAMETERS}) == [
        "overrides must be a mapping (name: {table: patch}), found a list.",
        "scenarios must be a mapping (name: [override, ...]), found a list.",
        "sweep 's' must be a mapping (parameter: [values]), found a list.",
        "sweep 's' varies no parameter. Give parameter: [values], e.g. freight: [0.5, 1, 2]."]
    assert problems({"overrides": {"a": {"routes": {"where": ["CN"], "set": [1]}}}}) == [
        "override 'a': where must be a mapping (column: value), found a list.",
        "override 'a': set must be a mapping (column: value), found a list.",
        "override 'a': the routes patch neither sets nor scales anything. Add set: or scale:."]


def test_sweep_values_must_be_finite_numbers() -> None:
    for values, shown in (([1, "abc"], "'abc'"), ([float("nan")], "nan"),
                          ([float("inf")], "inf"), ({"a": 1}, "{'a': 1}")):
        assert problems({"parameters": PARAMETERS, "sweeps": {"s": {"freight": values}}}) == [
            f"sweep 's': freight: {shown} is not a list of finite numbers. Give values such as "
            "[0.5, 1, 2]."]
    assert problems({"parameters": PARAMETERS, "sweeps": {"s": {"freight": []}}}) == [
        "sweep 's': freight: no values. Give values such as [0.5, 1, 2]."]


def test_montecarlo_counts_and_distributions() -> None:
    def study(**spec: Any) -> list[str]:
        return problems({"parameters": PARAMETERS, "montecarlo": {"m": {
            "parameters": {"freight": spec.pop("freight", {"distribution": "uniform", "low": 0,
                                                            "high": 1})}, **spec}}})

    assert study(samples="many") == [
        "montecarlo 'm': samples = 'many' is not a whole number from 1 to 100,000."]
    assert study(samples=0) == [
        "montecarlo 'm': samples = 0 is not a whole number from 1 to 100,000."]
    assert study(seed=-1) == [
        "montecarlo 'm': seed = -1 is not a whole number from 0 to 9,223,372,036,854,775,807."]
    assert study(freight={"distribution": "normal", "mean": float("nan"), "sd": 1}) == [
        "montecarlo 'm', parameter 'freight': mean = nan is not a finite number."]
    assert study(freight={"distribution": "normal", "mean": 1, "sd": -1}) == [
        "montecarlo 'm', parameter 'freight': sd = -1 is negative. Give a spread of 0 or more."]
    assert study(freight={"distribution": "triangular", "low": 1, "mode": 3, "high": 2}) == [
        "montecarlo 'm', parameter 'freight': mode = 3 is not between low and high. Give low "
        "<= mode <= high."]
    assert study(freight={"distribution": "choice", "values": []}) == [
        "montecarlo 'm', parameter 'freight': values = [] must be a non-empty list of finite "
        "numbers, e.g. [0.9, 1.0, 1.2]."]


def test_override_values_must_be_finite() -> None:
    assert problems({"overrides": {"a": {"routes": {
        "set": {"freight_usd_per_vehicle": float("nan")},
        "scale": {"transit_days": float("inf")}, "from_year": "soon"}}}}) == [
        "override 'a': set freight_usd_per_vehicle = nan is not a finite number. Write a "
        "number, or null to clear an optional cell.",
        "override 'a': scale factor for transit_days = inf is not a finite number. Write a "
        "factor such as 1.5.",
        "override 'a': from_year = 'soon' is not a year. Write a year such as 2027."]


def test_a_bad_override_is_blamed_on_scenarios_yaml() -> None:
    data = single_lane()
    with pytest.raises(InputError) as caught:
        apply_patches(data, [Patch("routes", set={"freight_usd_per_vehicle": -5.0},
                                   override="cheap-ships", source="scenarios.yaml")])
    assert str(caught.value) == (
        "evplan: 1 problem in scenarios.yaml\n"
        "  * override 'cheap-ships' makes routes invalid: row 2, route 'P1>M1': "
        "freight_usd_per_vehicle = -5 is below the minimum 0. Fix the sign or the value. Change "
        "the override's value (in scenarios.yaml, or the value given on the command line).")
    with pytest.raises(InputError) as caught:  # made in Python: named so, and no file to edit
        apply_patches(data, [Patch("routes", set={"freight_usd_per_vehicle": -5.0},
                                   override="cheap-ships")])
    assert str(caught.value) == (
        "evplan: 1 problem in the patches given in Python\n"
        "  * override 'cheap-ships' makes routes invalid: row 2, route 'P1>M1': "
        "freight_usd_per_vehicle = -5 is below the minimum 0. Fix the sign or the value. Change "
        "the patch's value.")
    with pytest.raises(InputError) as caught:
        apply_patches(data, [Patch("routes", scale={"freight_usd_per_vehicle": 1e300},
                                   override="x")])
    assert "freight_usd_per_vehicle = 1e+303 is above 1e+07 USD/vehicle" in str(caught.value)
    # Overflowing to inf is reported like any bad value, without numpy's RuntimeWarning on
    # the terminal (pytest turns warnings into errors here; audit 2 saw it leak).
    with pytest.raises(InputError) as caught:
        apply_patches(data, [Patch("routes", scale={"freight_usd_per_vehicle": 1e308},
                                   override="x")])
    assert "freight_usd_per_vehicle = 'inf' is not a number" in str(caught.value)


def test_grid_options() -> None:
    for text, start in (("0:1:0", "'0:1:0': count 0 is not a whole number from 1 to 1,000."),
                        ("0:1:1e9", "'0:1:1e9': count 1e+09 is not a whole number"),
                        ("0:inf:3", "'0:inf:3' is not start:stop:count with finite numbers."),
                        ("a:b:c", "'a:b:c' is not start:stop:count"),
                        ("nan,1", "'nan,1': 'nan' is not a list of finite numbers."),
                        ("", "'': no values. Give values such as [0.5, 1, 2].")):
        with pytest.raises(InputError) as caught:
            parse_values(text)
        assert caught.value.problems[0].file == "--grid"
        assert caught.value.problems[0].message.startswith(start), caught.value
    with pytest.raises(InputError) as caught:
        parse_grid(["freight", "=1,2"])
    assert [problem.message for problem in caught.value.problems] == [
        "'freight' is not PARAMETER=VALUES. Write e.g. -g freight=0.5,1,2 (a parameter of "
        "scenarios.yaml).",
        "'=1,2' is not PARAMETER=VALUES. Write e.g. -g freight=0.5,1,2 (a parameter of "
        "scenarios.yaml)."]


def test_a_sweep_value_that_breaks_the_inputs_fails_before_solving() -> None:
    catalog = parse_catalog({"parameters": PARAMETERS})
    with pytest.raises(InputError) as caught:
        run_sweep({"freight": [1, 1e300]}, single_lane(), catalog=catalog, workers=1)
    assert caught.value.problems[0].message == (
        "sweep: freight = 1e+300 makes the inputs invalid; narrow its values.")
    assert "freight_usd_per_vehicle = 1e+303 is above" in caught.value.problems[1].message
    with pytest.raises(InputError):
        run_sweep({"freight": [float("nan")]}, single_lane(), catalog=catalog, workers=1)


def test_samples_and_seed_options() -> None:
    catalog = parse_catalog({"parameters": PARAMETERS, "montecarlo": {"m": {
        "parameters": {"freight": {"distribution": "uniform", "low": 0.5, "high": 2}}}}})
    study = catalog.montecarlo["m"]
    for samples, seed, file in ((0, None, "--samples"), (-5, None, "--samples"),
                                (10**9, None, "--samples"), (10, -1, "--seed")):
        with pytest.raises(InputError) as caught:
            montecarlo_cases(catalog, study, samples=samples, seed=seed)
        assert caught.value.problems[0].file == file
    assert len(montecarlo_cases(catalog, study, samples=3, seed=1)) == 3


def test_scheduler_addresses_are_checked_before_connecting() -> None:
    for address in ("not a url", "tcp://localhost:notaport", "tcp://host", "tcp://h:70000"):
        with pytest.raises(InputError) as caught:
            check_scheduler_address(address)
        assert caught.value.problems[0].file == "--scheduler"
    assert check_scheduler_address(" tcp://10.0.0.5:8786 ") == "tcp://10.0.0.5:8786"
