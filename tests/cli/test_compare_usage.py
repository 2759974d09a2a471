"""`evplan compare` without run ids is a usage error that says where the ids come from (it
said only "Missing argument 'run_ids'")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from evplan.errors import EXIT_USAGE


def test_compare_without_ids_points_to_evplan_runs(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "compare"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    said = done.stdout + done.stderr
    assert done.returncode == EXIT_USAGE, said
    assert "Usage: " in said and "`evplan runs` lists the recorded runs" in said, said
    assert list(tmp_path.iterdir()) == []  # no store made
