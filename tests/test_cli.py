"""Layer 7: the CLI end to end, in a subprocess, with its documented exit codes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd

from evplan.data import write_inputs
from evplan.examples import random_network, single_lane


def evplan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evplan.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_run_writes_tables_and_prints_kpis(tmp_path: Path) -> None:
    inputs = write_inputs(random_network(5), tmp_path / "inputs")
    done = evplan("run", str(inputs), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.search(r"Global sales \((k |M )?vehicles\)", done.stdout)
    assert "Running HiGHS" not in done.stdout
    written = {path.name for path in (tmp_path / "out").iterdir()}
    for table in ("production", "shipments", "sales", "duties", "utilisation",
                  "margin_by_market", "margin_by_plant", "demand_shadow_prices", "kpis"):
        assert f"{table}.parquet" in written and f"{table}.csv" in written
    assert "run.json" in written
    kpis = pd.read_parquet(tmp_path / "out" / "kpis.parquet")
    assert set(kpis.columns) == {"kpi", "year", "key", "value", "unit"}


def test_bad_input_exits_1_without_traceback_and_writes_nothing(tmp_path: Path) -> None:
    inputs = write_inputs(single_lane(), tmp_path / "inputs")
    frame = pd.read_csv(inputs / "duties.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "ad_valorem_rate"] = "17"
    frame.to_csv(inputs / "duties.csv", index=False)
    done = evplan("run", str(inputs), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 1
    assert "Rates are fractions (17 % -> 0.17)." in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
    assert [path.name for path in tmp_path.iterdir()] == ["inputs"]
    debug = evplan("validate", str(inputs), "--debug", cwd=tmp_path)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_infeasible_exits_2_and_explains(tmp_path: Path) -> None:
    inputs = write_inputs(single_lane(capacity=500, committed=700), tmp_path / "inputs")
    done = evplan("run", str(inputs), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2
    assert "committed sales of 700 V1 in M1 in 2025" in done.stderr
    assert not (tmp_path / "out").exists()


def test_validate_and_doctor(tmp_path: Path) -> None:
    inputs = write_inputs(single_lane(), tmp_path / "inputs")
    done = evplan("validate", str(inputs), cwd=tmp_path)
    assert done.returncode == 0 and "is valid" in done.stdout
    missing = evplan("validate", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    doctor = evplan("doctor", cwd=tmp_path)
    assert doctor.returncode == 0 and "-> ok" in doctor.stdout


def test_rerun_onto_a_run_folder_needs_force_and_then_replaces_it_whole(tmp_path: Path) -> None:
    inputs = write_inputs(single_lane(), tmp_path / "inputs")
    out = tmp_path / "out"
    assert evplan("run", str(inputs), "-o", str(out), cwd=tmp_path).returncode == 0
    (out / "stale.txt").write_text("from an older run")
    refused = evplan("run", str(inputs), "-o", str(out), cwd=tmp_path)
    assert refused.returncode == 1 and "Pass --force to replace it" in refused.stderr
    assert (out / "stale.txt").exists()
    kept = evplan("run", str(inputs), "-o", str(out), "--force", cwd=tmp_path)
    assert kept.returncode == 1 and "and also stale.txt, which evplan did not write" in \
        " ".join(kept.stderr.split())  # --force never deletes a user's file
    assert (out / "stale.txt").read_text() == "from an older run"
    (out / "stale.txt").unlink()
    forced = evplan("run", str(inputs), "-o", str(out), "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "Replaced out: it held run" in forced.stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == ["_assets", "evplan.duckdb",
                                                                 "inputs", "out"]


def test_names_are_printed_as_written_not_as_rich_markup(tmp_path: Path) -> None:
    """Audit: a market id ``[/]`` made the terminal summary raise rich's MarkupError (exit 1,
    a traceback) after the run was written and recorded; ``[b]`` and ``:cn:`` would have
    been styled or replaced by an emoji."""
    inputs = write_inputs(single_lane(), tmp_path / "inputs")
    for path in inputs.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\bP1\b", ":cn:[b]", re.sub(r"\bM1\b", "[/]", text)),
                        encoding="utf-8")
    done = evplan("run", str(inputs), "-o", str(tmp_path / "out"), "--no-record",
                  cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "sold in [/] (%)" in done.stdout
    listed = evplan("scenarios", str(inputs), cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr


def test_solver_limit_without_a_plan_exits_3(tmp_path: Path) -> None:
    inputs = write_inputs(random_network(1, plants=10, programs=10, markets=20, years=3),
                          tmp_path / "inputs")
    done = evplan("run", str(inputs), "--time-limit", "1e-9", "-o", str(tmp_path / "out"),
                  cwd=tmp_path)
    assert done.returncode == 3
    assert "without a feasible plan. Raise --time-limit." in done.stderr
    assert not (tmp_path / "out").exists()


CONSOLE = """
import atexit, sys, threading, time
atexit.register(lambda: print("exit handlers ran", flush=True))
if {thread!r}:
    threading.Thread(target=time.sleep, args=(0.2,), daemon=True).start()
sys.argv = ["evplan", *{argv!r}]
from evplan.cli import console
console()
"""


def test_the_program_keeps_exit_codes_and_exit_handlers_when_it_skips_teardown(
        tmp_path: Path) -> None:
    """``console`` ends by os._exit when no other thread runs: the exit code and the atexit
    handlers (temporary folders, child processes, logging) must be those of a normal exit."""
    inputs = write_inputs(single_lane(), tmp_path / "inputs")
    for argv, thread, code in ((["validate", str(inputs)], False, 0),
                               (["run", str(tmp_path / "missing")], False, 1),
                               (["run", "--no-such-option"], False, 64),
                               (["validate", str(inputs)], True, 0)):
        done = subprocess.run([sys.executable, "-c", CONSOLE.format(argv=argv, thread=thread)],
                              cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert done.returncode == code, (argv, done.stderr)
        assert done.stdout.rstrip().endswith("exit handlers ran"), (argv, done.stdout)
    # Started with stderr closed (`2>&-`): sys.stderr is None, the exit code still 0.
    closed = subprocess.run([sys.executable, "-m", "evplan.cli", "validate", str(inputs)],
                            cwd=tmp_path, stdout=subprocess.PIPE, text=True, timeout=600,
                            preexec_fn=lambda: os.close(2))
    assert closed.returncode == 0 and "valid" in closed.stdout.lower(), closed.stdout


def test_an_operating_system_error_names_the_folder_not_evplans_staging_file() -> None:
    """Audit: a read-only target printed only "[Errno 30] Read-only file system:
    '.../.run.<token>.tmp'", a hidden path the user never chose, and no fix."""
    from evplan.cli.app import os_error_message

    said = os_error_message(OSError(30, "Read-only file system", "/mnt/ro/.run.ab12.tmp"))
    assert said == ("evplan: Read-only file system (/mnt/ro). Check that the folder exists, "
                    "that you may read and write there and that it has space, or choose "
                    "another.")
    assert os_error_message(OSError(13, "Permission denied", "runs/a.csv")).startswith(
        "evplan: Permission denied (runs/a.csv).")
