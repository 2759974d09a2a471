"""A results store inside the run folder being written is refused before any work (audit
s23, helper-81: `run -o X --store X/st.duckdb` put the store in the run folder, and a later
`--force` refused the folder for a file evplan had not listed there)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.charging.test_report_store import PLAN


def _evplan(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evplan.cli", *arguments], cwd=cwd,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.parametrize("store", ["X/st.duckdb", "./X/../X/deeper/st.duckdb", "X"])
def test_run_refuses_a_store_inside_its_run_folder(tmp_path: Path, store: str) -> None:
    done = _evplan("run", "-o", "X", "--store", store, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "is inside the run folder X" in said and "--store ./evplan.duckdb" in said, said
    assert list(tmp_path.iterdir()) == []  # nothing written, no store made


def test_fleet_refuses_a_store_inside_the_run_folder_and_leaves_it(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    made = subprocess.run([sys.executable, "-c", PLAN, str(folder)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert made.returncode == 0, made.stderr
    before = sorted((path.name, path.stat().st_mtime_ns) for path in folder.iterdir())
    done = _evplan("fleet", "tiny", "--store", "tiny/fleet.duckdb", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "is inside the run folder tiny" in done.stdout + done.stderr
    assert sorted((path.name, path.stat().st_mtime_ns) for path in folder.iterdir()) == before
    beside = _evplan("fleet", "tiny", "--store", "fleet.duckdb", cwd=tmp_path)
    assert beside.returncode == 0, beside.stdout + beside.stderr


@pytest.mark.parametrize("command", ["fleet", "charging"])
def test_the_store_is_refused_before_the_fleet_is_projected(tmp_path: Path,
                                                            command: str) -> None:
    """Before any work: a history file that does not exist is not even read."""
    folder = tmp_path / "tiny"
    made = subprocess.run([sys.executable, "-c", PLAN, str(folder)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert made.returncode == 0, made.stderr
    done = _evplan(command, "tiny", "--store", "tiny/x.duckdb", "--history", "missing.csv",
                   cwd=tmp_path)
    said = done.stdout + done.stderr
    assert done.returncode == 1 and "is inside the run folder tiny" in said, said
    assert "missing.csv" not in said, said
