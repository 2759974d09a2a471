"""Audit s23 (helper-80): a sweep's grid lists every problem at once, as a problem of --grid.

Before:

* ``evplan sweep -g freight=nan -g xx=1`` named the NaN only; once it was fixed, a second
  run said "1 problem in scenarios.yaml: 'xx' is not a parameter" (the name was given on the
  command line, not in scenarios.yaml), and ``-g xx=1 -g yy=2`` never named ``yy``;
* ``-g freight=-1,1 -g demand=-2`` named freight's negative freight, and demand's negative
  volumes only after freight was fixed.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import evplan
from evplan.cli import app
from evplan.errors import InputError
from evplan.scenarios import run_sweep
from evplan.scenarios.overrides import parse_catalog

CATALOG = parse_catalog({"parameters": {
    "freight": {"routes": {"scale": "freight_usd_per_vehicle"}},
    "demand": {"demand": {"scale": "volume_vehicles"}}}})


@pytest.fixture(scope="module")
def data() -> evplan.NetworkData:
    return evplan.examples.single_lane()


def test_bad_values_and_unknown_names_on_the_command_line_come_in_one_message() -> None:
    result = CliRunner().invoke(app, ["sweep", "-g", "freight=nan", "-g", "xx=1",
                                      "-g", "frieght=1", "--no-record"])
    assert result.exit_code == 1
    lines = [line.strip() for line in result.output.splitlines() if line.strip()]
    assert lines[0] == "evplan: 3 problems in --grid"
    assert "* freight: 'nan': 'nan' is not a list of finite numbers." in lines[1]
    assert lines[2].startswith("* 'xx=1': 'xx' is not a parameter of scenarios.yaml. Known: ")
    assert lines[3] == ("* 'frieght=1': 'frieght' is not a parameter of scenarios.yaml. Did "
                        "you mean 'freight'?")


def test_unknown_names_given_in_python_are_all_named_as_grid_problems(
        data: evplan.NetworkData) -> None:
    with pytest.raises(InputError) as error:
        run_sweep({"xx": [1.0], "frieght": [2.0]}, data, catalog=CATALOG)
    assert [(problem.file, problem.message) for problem in error.value.problems] == [
        ("--grid", "'xx' is not a parameter of scenarios.yaml. Known: freight, demand."),
        ("--grid", "'frieght' is not a parameter of scenarios.yaml. Did you mean 'freight'?")]


def test_every_parameter_that_breaks_the_inputs_is_named_in_one_error(
        data: evplan.NetworkData) -> None:
    with pytest.raises(InputError) as error:
        run_sweep({"freight": [-1.0, 1.0], "demand": [-2.0]}, data, catalog=CATALOG)
    messages = [problem.message for problem in error.value.problems]
    leads = [message for message in messages if message.startswith("sweep: ")]
    assert leads == ["sweep: freight = -1 makes the inputs invalid; narrow its values.",
                     "sweep: demand = -2 makes the inputs invalid; narrow its values."]
    # the rows behind each, with the value the patch made (single_lane: freight 1,000 and
    # a demand of 600 vehicles)
    assert any("freight_usd_per_vehicle = -1000" in message for message in messages)
    assert any("volume_vehicles = -1200" in message for message in messages)


def test_a_parameter_invalid_alike_at_both_ends_is_not_told_to_narrow_its_values(
        data: evplan.NetworkData) -> None:
    """A quota set without an in-quota rate is invalid at every value: "narrow its values"
    (as it was) sent the user to change values that cannot help."""
    catalog = parse_catalog({"parameters": {
        "quota": {"duties": {"set": "quota_vehicles_per_year"}}}})
    with pytest.raises(InputError) as error:
        run_sweep({"quota": [100.0, 300.0]}, data, catalog=catalog)
    messages = [problem.message for problem in error.value.problems]
    assert messages[0] == (
        "sweep: quota makes the inputs invalid at 100 and at 300 alike, whatever its value: "
        "the rows below need another change too (give it with --scenario) or another "
        "parameter.")
    assert len(messages) == 2  # the row's problem once, not once per end
    assert "quota_vehicles_per_year is given but in_quota_rate is blank" in messages[1]


def test_a_range_that_repeats_a_value_is_refused_as_a_range() -> None:
    """``1:1:3`` made the values 1, 1, 1: refused later as "1 given more than once", a
    value the user never typed twice."""
    from evplan.scenarios import parse_grid

    with pytest.raises(InputError) as error:
        parse_grid(["freight=1:1:3", "demand=0:1e-12:3"])
    assert [problem.message for problem in error.value.problems] == [
        "freight: '1:1:3' makes 3 values but only 1 different ones (a step of 0; values are "
        "kept to 12 decimals), and each value is one case. Give a count of 1, or a start and "
        "stop further apart.",
        "demand: '0:1e-12:3' makes 3 values but only 2 different ones (a step of 5e-13; values "
        "are kept to 12 decimals), and each value is one case. Give a count of 1, or a start "
        "and stop further apart."]
    assert parse_grid(["freight=2:2:1"]) == {"freight": (2.0,)}
