"""Bad values of ``evplan stochastic``'s options: a usage error (exit 64) for a value typed
on the command line, an input error (exit 1) for one in scenarios.yaml; never a traceback.

Before, ``--frontier -1,0`` exited 64 while docs/stochastic.md called it an InputError,
``--frontier ""`` was silently ignored (the study solved without a frontier), ``0,1,1``
solved the weight 1 twice, and ``--objective foo`` was found only after the inputs were read
(exit 1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evplan.data import write_inputs
from evplan.examples import strategic_lane
from evplan.twostage.frontier import efficient_frontier
from evplan.twostage.tree import Study, StudyScenario
from tests.twostage.test_cli import STUDY  # the hand-solved two-outcome study

RULE = ("The risk weights are finite numbers >= 0, each given once, separated by commas, "
        "e.g. 0,0.5,1,2.")


def _evplan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evplan.cli", "stochastic", *args,
                           "--no-record"], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={"COLUMNS": "400", **os.environ})


def _said(done: subprocess.CompletedProcess[str]) -> str:
    """The error box's text as one line."""
    lines = [line.strip(" │╭╮╰╯─") for line in done.stderr.splitlines()]
    return " ".join(line for line in lines if line and not line.startswith("Try ")
                    and line != "Error")


@pytest.mark.parametrize(("value", "why"), [
    ("-1,0", "'-1,0': -1 is below 0."),
    ("nan", "'nan': nan is not a finite number."),
    ("0,inf", "'0,inf': inf is not a finite number."),
    ("1e999", "'1e999': 1e999 is not a finite number."),
    ("0,1,1", "'0,1,1': 1 is given twice."),
    ("0,,1", "'0,,1': item 2 is empty."),
    ("0,abc", "'0,abc': 'abc' is not a number."),
    ("", "'' gives no risk weight."),
    (",", "',' gives no risk weight."),
])
def test_a_bad_frontier_is_a_usage_error_naming_option_value_and_rule(
        tmp_path: Path, value: str, why: str) -> None:
    # no inputs folder: the option is refused as it is read, before any input is
    done = _evplan("demand", str(tmp_path / "missing"), "--frontier", value, cwd=tmp_path)
    assert done.returncode == 64, done.stderr
    assert "Traceback" not in done.stderr
    assert f"Invalid value for '--frontier': {why} {RULE}" in _said(done)


@pytest.mark.parametrize(("args", "said"), [
    (("--objective", "foo"), "Invalid value for '--objective': 'foo' is not one of "
                             "'expected', 'minimax-regret'."),
    (("--method", "hedging"), "Invalid value for '--method': 'hedging' is not one of "
                              "'extensive', 'progressive-hedging'."),
    (("--objective", "minimax-regret", "--frontier", "0,1"),
     "--objective minimax-regret minimises the worst regret, which has no risk weight to "
     "vary"),
    (("--method", "progressive-hedging", "--objective", "minimax-regret"),
     "--objective minimax-regret is solved by the extensive form only"),
    (("--time-limit", "nan"), "Invalid value for '--time-limit': nan is not a finite number."),
    (("--mip-gap", "-0.5"), "Invalid value for '--mip-gap': -0.5 is not in the range "
                            "0<=x<=1."),
])
def test_other_bad_option_values_are_usage_errors_before_the_inputs(
        tmp_path: Path, args: tuple[str, ...], said: str) -> None:
    done = _evplan("demand", str(tmp_path / "missing"), *args, cwd=tmp_path)
    assert done.returncode == 64, done.stderr
    assert "Traceback" not in done.stderr
    assert said in _said(done)


@pytest.mark.parametrize(("risk", "said"), [
    ("{alpha: 1.0}", "study 'demand': risk alpha = 1.0 is not a number in (0, 1)."),
    ("{alpha: .nan}", "study 'demand': risk alpha = nan is not a number in (0, 1)."),
    ("{weight: -1}", "study 'demand': risk weight = -1 is not a number >= 0."),
])
def test_a_bad_risk_setting_in_scenarios_yaml_is_an_input_error(
        tmp_path: Path, risk: str, said: str) -> None:
    inputs = write_inputs(strategic_lane(), tmp_path / "inputs")
    (inputs / "scenarios.yaml").write_text(STUDY + f"    risk: {risk}\n", encoding="utf-8")
    done = _evplan("demand", str(inputs), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert said in done.stderr


@pytest.mark.parametrize(("weights", "said"), [
    ([0.0, 1.0, 1.0], "(1 is given twice)"),
    ([-1.0, 2.0, 2], "(-1.0 is not; 2 is given twice)"),
])
def test_python_frontier_weights_each_once(weights: list[float], said: str) -> None:
    from evplan.errors import InputError

    study = Study("one", (StudyScenario("base", 1.0, ()),))
    with pytest.raises(InputError) as caught:
        efficient_frontier(strategic_lane(), study, weights)
    assert said in caught.value.problems[0].message
