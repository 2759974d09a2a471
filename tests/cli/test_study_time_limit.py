"""`--time-limit` on sweep, montecarlo and breakeven (the README promises the same option name
everywhere; they answered "No such option", exit 64, while break-even's own message said
"Raise --time-limit"; audit s22, helper-76)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def evplan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "evplan.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, env=environment)


def test_a_sweep_holds_each_case_to_the_limit(tmp_path: Path) -> None:
    done = evplan("sweep", "eu-duty-x-freight", "--time-limit", "0.001", "--no-record",
                  cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert "solver_limit" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_breakeven_stops_at_the_limit_and_says_so(tmp_path: Path) -> None:
    done = evplan("breakeven", "--time-limit", "0.001", "--no-record", cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert "the solver stopped" in done.stderr and "Traceback" not in done.stderr


def test_the_option_is_listed_and_refuses_a_negative_limit(tmp_path: Path) -> None:
    for command in ("sweep", "montecarlo", "breakeven"):
        assert "--time-limit" in evplan(command, "--help", cwd=tmp_path).stdout
    done = evplan("montecarlo", "--time-limit", "-1", cwd=tmp_path)
    assert done.returncode == 64 and "--time-limit" in done.stderr
