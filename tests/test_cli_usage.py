"""Layer 7: usage errors exit 64 (EX_USAGE), not 2, which means "infeasible"; bad study
options are input errors (exit 1) that name the option; neither prints a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evplan.errors import EXIT_INFEASIBLE, EXIT_USAGE

ROOT = Path(__file__).parents[1]


def evplan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evplan.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_exit_usage_is_its_own_documented_code() -> None:
    assert EXIT_USAGE == 64 and EXIT_USAGE != EXIT_INFEASIBLE
    import evplan.cli
    import evplan.errors

    assert "EXIT_USAGE`` = 64" in (evplan.errors.__doc__ or "")
    assert "64 usage error" in (evplan.cli.__doc__ or "")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| 64 | usage error" in readme


@pytest.mark.parametrize("args", [
    ("run", "--bogus"), ("validate", "a", "b"), ("frobnicate",), (), ("run", "--threads", "abc"),
    ("run", "--threads", "0"), ("run", "--mip-gap", "nan"), ("recycling", "--build-every", "0"),
    ("sweep", "a", "b", "c"), ("compare",),
    # audit 2: a typo silently planned "zero" sales; workers 0 raised ZeroDivisionError
    ("fleet", "--after-plan", "Flat"), ("charging", "--after-plan", "bogus"),
    ("sweep", "eu-duty-x-freight", "--workers", "0"),
    ("montecarlo", "uncertainty", "--workers", "-1"),
    # audit 2: an empty table after a solve; a bad --frontier only after the main solve
    ("breakeven", "--year", "1999", "--no-record"),
    ("stochastic", "duty-risk-small", "china-strategic", "--frontier", "abc"),
    ("charging", "--markets", ",,"),
], ids=lambda args: " ".join(args) or "bare")
def test_usage_errors_exit_64(args: tuple[str, ...], tmp_path: Path) -> None:
    done = evplan(*args, cwd=tmp_path)
    assert done.returncode == EXIT_USAGE, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "Usage: " in done.stdout + done.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_exits_0(tmp_path: Path) -> None:
    assert evplan("--help", cwd=tmp_path).returncode == 0
    assert evplan("run", "--help", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(("args", "said"), [
    (("sweep", "--grid", "freight=0.5:2:0", "--no-record"),
     "'0.5:2:0': count 0 is not a whole number from 1 to 1,000."),
    (("sweep", "brazil-demand", "--scheduler", "not a url", "--no-record"),
     "'not a url' is not a Dask scheduler address."),
    (("montecarlo", "--samples", "0", "--no-record"),
     "samples = 0 is not a whole number from 1 to 100,000."),
], ids=["zero-steps", "scheduler", "samples"])
def test_bad_study_options_are_input_errors(args: tuple[str, ...], said: str,
                                            tmp_path: Path) -> None:
    done = evplan(*args, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert said in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_study_without_any_solved_case_does_not_exit_0(tmp_path: Path) -> None:
    """Audit 2: a Monte Carlo study whose every sample broke the inputs (a CVD drawn above
    the 5 ceiling) exited 0 with an empty table, and each failure said only "15 problems in
    scenarios.yaml"; now each names its first problem and the study exits 1."""
    import shutil

    from evplan.examples import china_export_path

    inputs = Path(shutil.copytree(china_export_path(), tmp_path / "inputs"))
    catalog = inputs / "scenarios.yaml"
    text = catalog.read_text(encoding="utf-8")
    drawn = "eu-bev-cvd: {distribution: uniform, low: 0.0, high: 0.4}"
    assert drawn in text
    catalog.write_text(text.replace(drawn, "eu-bev-cvd: {distribution: uniform, low: 10, "
                                           "high: 20}"), encoding="utf-8")
    done = evplan("montecarlo", "uncertainty", str(inputs), "-n", "3", "--no-record",
                  cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "none of the 3 cases has a plan (the first: input_error)" in done.stderr
    out = " ".join(done.stdout.split())
    assert "case 0 (sample 0): input_error: evplan: 15 problems in scenarios.yaml * " in out
    assert "is outside [0, 5]" in out and "Traceback" not in done.stderr


def test_template_takes_an_embedded_examples_name(tmp_path: Path) -> None:
    """README: every command that reads inputs accepts an embedded example's name (audit 2:
    `template --from china-strategic` said it does not exist)."""
    made = evplan("template", "t/", "--from", "china-strategic", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    checked = evplan("validate", "t", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "plant_strategy 17" in " ".join(checked.stdout.split())
