"""Notes on inputs that load are shown by `validate`, `run` and `sweep` (helper-101, s26).

A duty row wholly before the horizon is a note (docs/formulation.md, rules table): it loads
and never applies. `validate` printed notes only beside problems, and `run` never, so on
clean inputs the user was not told that a row does nothing.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import evplan.examples

ROOT = Path(__file__).resolve().parents[2]


def _inputs_with_an_old_duty_row(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs"
    shutil.copytree(evplan.examples.china_export_path(), folder)
    path = folder / "duties.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    old = {**rows[0], "first_year": "2001", "last_year": "2002"}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([*rows, old])
    return folder


def _evplan(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    return subprocess.run([sys.executable, "-m", "evplan.cli", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def test_validate_and_run_show_a_note_on_clean_inputs(tmp_path: Path) -> None:
    folder = _inputs_with_an_old_duty_row(tmp_path)
    row = len((folder / "duties.csv").read_text(encoding="utf-8").splitlines())
    checked = _evplan("validate", str(folder))
    assert checked.returncode == 0, checked.stderr
    assert "is valid" in checked.stdout
    assert "evplan: 1 note on duties.csv (not problems)" in checked.stdout
    assert f"row {row}," in checked.stdout and "wholly outside the horizon" in checked.stdout
    ran = _evplan("run", str(folder), "-o", str(tmp_path / "run"), "--no-record",
                  "--no-report")
    assert ran.returncode == 0, ran.stderr
    assert "evplan: 1 note on duties.csv (not problems)" in ran.stderr
    assert (tmp_path / "run" / "run.json").exists()
    swept = _evplan("sweep", "eu-duty-x-freight", str(folder), "--store",
                    str(tmp_path / "sweep.duckdb"), "--workers", "1")
    assert swept.returncode == 0, swept.stderr
    assert swept.stderr.count("evplan: 1 note on duties.csv (not problems)") == 1
