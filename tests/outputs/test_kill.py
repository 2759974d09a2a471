"""kill -9 at any instant of `evplan run`, `sweep` and `recycling`: folder and store agree.

Each trial copies a prepared working folder (inputs, an earlier run, a results store),
starts the real command in a subprocess, and SIGKILLs it, either when its folder write
reaches step N (the test hook ``EVPLAN_TEST_KILL_AT_STEP``: every step of the protocol of
:mod:`evplan.outputs.transaction`) or at a random instant (seeded): half of them anywhere
in the command's life, half inside its write (from the moment it announces the write,
``EVPLAN_TEST_WRITE_STARTED``), while ``EVPLAN_TEST_WRITE_DELAY_S`` stretches the write
steps.
Then it checks, before and after the repair the next start makes
(:func:`evplan.outputs.reconcile`):

* no half folder is ever visible: every visible result folder is complete;
* no user file is touched, and the earlier run is byte for byte as it was;
* after the repair no staging, retired or half-removed folder is left, no folder is still
  pending, and folder and store agree: every run a folder's marker names is in the store,
  and every run the store says it wrote into a folder is the one that folder holds.

The default run covers a few trials per command; the ``slow`` ones many more.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evplan.examples import china_export_path
from evplan.outputs import read_marker, reconcile
from evplan.outputs.files import WRITE_STARTED_ENV
from evplan.outputs.recover import HIDDEN
from evplan.outputs.transaction import KILL_AT_STEP_ENV, WRITE_DELAY_ENV

from ..recycling.conftest import retired, tiny_tables
from .conftest import evplan, small_inputs, tree

DELAY_S = "0.15"
SEED = 20250112


@dataclass(frozen=True)
class Trial:
    """One command killed at a step or a time; ``returncode`` -9 when the kill landed."""

    folder: Path
    returncode: int
    stderr: str


def _spawn(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "evplan.cli", *args], cwd=cwd,
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def run_trial(prepared: Path, work: Path, args: list[str], *, step: int = 0,
              after_s: float | None = None, after_write_s: float | None = None) -> Trial:
    """Copy ``prepared`` to ``work``, run evplan ARGS there and kill it at ``step``, after
    ``after_s`` seconds, or ``after_write_s`` seconds after it starts writing its results
    (or let it finish)."""
    shutil.copytree(prepared, work, symlinks=True)
    started = work.parent / f"{work.name}.write-started"
    env = {WRITE_DELAY_ENV: DELAY_S, WRITE_STARTED_ENV: str(started)}
    if step:
        env[KILL_AT_STEP_ENV] = str(step)
    process = _spawn(args, work, env)
    if after_s is not None:
        try:
            process.wait(timeout=after_s)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    elif after_write_s is not None:
        while not started.exists() and process.poll() is None:
            time.sleep(0.005)
        try:
            process.wait(timeout=after_write_s)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    _, stderr = process.communicate(timeout=600)
    return Trial(work, process.returncode, stderr)


def _calibrate(prepared: Path, work: Path, args: list[str]) -> tuple[float, float]:
    """Seconds a whole command takes, and seconds from its first write to its exit."""
    started = time.perf_counter()
    trial = run_trial(prepared, work, args)
    ended = time.perf_counter()
    assert trial.returncode == 0, trial.stderr
    write = work.parent / f"{work.name}.write-started"
    write_started = ended - (time.time() - write.stat().st_mtime)
    return ended - started, max(ended - write_started, 0.1)


# ---- what must hold after a kill -------------------------------------------------------

def _store_runs(store: Path) -> pd.DataFrame:
    if not store.exists():
        return pd.DataFrame(columns=["run_id", "scenario", "created_at", "metadata"])
    connection = duckdb.connect(str(store))   # read-write: recovers the WAL like evplan does
    try:
        return connection.execute("SELECT run_id, scenario, created_at, metadata FROM runs"
                                  ).df()
    except duckdb.CatalogException:
        return pd.DataFrame(columns=["run_id", "scenario", "created_at", "metadata"])
    finally:
        connection.close()


def _complete(folder: Path) -> None:
    """A visible result folder holds every table its manifests list."""
    for manifest_name, prefix in (("run.json", ""), ("recycling.json", "recycling_"),
                                  ("fleet.json", None)):
        manifest = folder / manifest_name
        if not manifest.exists() or prefix is None:
            continue
        for table in json.loads(manifest.read_text(encoding="utf-8"))["tables"]:
            for extension in ("parquet", "csv"):
                path = folder / f"{prefix}{table}.{extension}"
                assert path.is_file() and path.stat().st_size > 0, path
    marker = read_marker(folder)
    assert marker is not None
    if marker.kind == "run":
        assert (folder / "run.json").exists()
    if any(u.get("command") == "recycling" for u in marker.updates) or marker.kind == "recycling":
        assert (folder / "recycling.json").exists(), folder


def check(parent: Path, store: Path, untouched: dict[Path, dict[str, str]]) -> None:
    """The invariants of this module's docstring, for result folders in ``parent``."""
    visible = [entry for entry in parent.iterdir()
               if entry.is_dir() and not entry.name.startswith(".")]
    for folder in visible:
        _complete(folder)                       # no half folder, even before the repair
    reconcile(parent)                           # what the next evplan start does
    leftovers = [entry.name for entry in parent.iterdir() if HIDDEN.match(entry.name)]
    assert leftovers == [], leftovers
    for path, before in untouched.items():
        assert tree(path) == before, path
    runs = _store_runs(store)
    recorded = set(runs["run_id"])
    held: dict[str, Path] = {}
    for folder in (e for e in parent.iterdir() if e.is_dir() and not e.name.startswith(".")):
        _complete(folder)
        marker = read_marker(folder)
        assert marker is not None and marker.pending is None, folder
        assert not [p.name for p in folder.iterdir() if p.name.endswith(".part")]
        ids = [marker.run_id, *(str(u["run_id"]) for u in marker.updates)]
        assert set(ids) <= recorded, (folder, set(ids) - recorded)
        held |= {run_id: folder for run_id in ids}
    for row in runs.itertuples():
        metadata = json.loads(row.metadata or "{}")
        if metadata.get("run_folder"):          # a core run: its folder holds it, or a newer run
            folder = Path(metadata["run_folder"])
            marker = read_marker(folder)
            assert marker is not None, (row.run_id, folder)
            if marker.run_id != row.run_id:
                newer = runs[runs["run_id"] == marker.run_id]["created_at"]
                assert len(newer) and newer.iloc[0] >= row.created_at, (row.run_id, folder)
        elif str(row.scenario).endswith((":recycling", ":fleet", ":charging")):
            assert row.run_id in held, (row.run_id, "recorded but in no folder")
    latest = parent / "latest"
    if latest.exists():
        assert read_marker(parent / latest.read_text().strip()) is not None


# ---- evplan run ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def run_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder with inputs and one earlier run (evplan-output/base, the store)."""
    prepared = tmp_path_factory.mktemp("run-prepared")
    small_inputs(prepared / "inputs", name="base")
    done = evplan("run", "inputs", "--no-report", cwd=prepared)
    assert done.returncode == 0, done.stderr
    return prepared


def _check_run(trial: Trial, prepared: Path) -> str:
    output = trial.folder / "evplan-output"
    check(output, output / "evplan.duckdb", {
        trial.folder / "inputs": tree(prepared / "inputs")})
    folders = sorted(p.name for p in output.iterdir() if p.is_dir())
    assert folders in (["base"], ["base", "base-2"]), folders
    return "new run" if len(folders) == 2 else "nothing"


def _check_replace(trial: Trial, prepared: Path, before: dict[str, str]) -> str:
    output = trial.folder / "evplan-output"
    check(output, output / "evplan.duckdb", {
        trial.folder / "inputs": tree(prepared / "inputs")})
    assert sorted(p.name for p in output.iterdir() if p.is_dir()) == ["base"]
    return "old run" if tree(output / "base") == before else "new run"


RUN = ["run", "inputs", "--no-report"]
REPLACE = ["run", "inputs", "--no-report", "-o", "evplan-output/base", "--force"]


def test_run_killed_at_every_step(run_prepared: Path, tmp_path: Path) -> None:
    outcomes = []
    for step in range(1, 9):
        trial = run_trial(run_prepared, tmp_path / f"step-{step}", RUN, step=step)
        assert trial.returncode in (-9, 0), trial.stderr
        outcomes.append((step, trial.returncode, _check_run(trial, run_prepared)))
    killed = [o for o in outcomes if o[1] == -9]
    assert len(killed) == 7 and outcomes[-1][1] == 0          # 7 steps, then it completes
    # killed before its store commit (step 5): rolled back; after: finished
    assert [o[2] for o in outcomes] == ["nothing"] * 4 + ["new run"] * 4


def _random_kills(prepared: Path, tmp_path: Path, args: list[str], trials: int,
                  seed: int, checker) -> list[str]:  # type: ignore[no-untyped-def]
    """Kill ``trials`` runs of ``args``: half at a random instant of the command's life, half
    at a random instant of its write (seeded); check each with ``checker``."""
    duration, writing = _calibrate(prepared, tmp_path / "calibration", args)
    rng = random.Random(seed)
    plans = [("life", rng.uniform(0.2, duration * 1.1)) if number % 2 == 0
             else ("write", rng.uniform(0.0, writing * 2.0)) for number in range(trials)]

    def one(number: int) -> tuple[int, str]:
        kind, instant = plans[number]
        trial = run_trial(prepared, tmp_path / f"kill-{number}", args,
                          **{"after_s" if kind == "life" else "after_write_s": instant})
        assert trial.returncode in (-9, 0), trial.stderr
        return trial.returncode, checker(trial)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, range(trials)))
    summary = [f"{kind} {instant:.2f}s {code}:{what}"
               for (kind, instant), (code, what) in zip(plans, results, strict=True)]
    print(f"\n{args[0]}: whole command {duration:.1f} s, writing {writing:.2f} s; "
          + "; ".join(summary))
    return summary


def test_run_killed_at_random_instants(run_prepared: Path, tmp_path: Path) -> None:
    results = _random_kills(run_prepared, tmp_path, RUN, 4, SEED,
                            lambda trial: _check_run(trial, run_prepared))
    assert len(results) == 4


@pytest.mark.slow
def test_run_replacing_a_run_folder_killed_at_every_step_and_at_random(
        run_prepared: Path, tmp_path: Path) -> None:
    before = tree(run_prepared / "evplan-output" / "base")
    seen = []
    for step in range(1, 11):
        trial = run_trial(run_prepared, tmp_path / f"step-{step}", REPLACE, step=step)
        assert trial.returncode in (-9, 0), trial.stderr
        seen.append(_check_replace(trial, run_prepared, before))
    assert seen[:5] == ["old run"] * 5 and seen[5:] == ["new run"] * 5
    results = _random_kills(run_prepared, tmp_path / "random", REPLACE, 16, SEED + 1,
                            lambda trial: _check_replace(trial, run_prepared, before))
    assert len(results) == 16


@pytest.mark.slow
def test_run_killed_at_many_random_instants(run_prepared: Path, tmp_path: Path) -> None:
    results = _random_kills(run_prepared, tmp_path, RUN, 20, SEED + 2,
                            lambda trial: _check_run(trial, run_prepared))
    assert len(results) == 20


# ---- evplan recycling (into a run folder) ----------------------------------------------

@pytest.fixture(scope="module")
def recycling_prepared(run_prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run working folder plus a tiny recycling case (one collection point, two plants)."""
    prepared = tmp_path_factory.mktemp("recycling-prepared") / "work"
    shutil.copytree(run_prepared, prepared)
    tables = prepared / "tables"
    tables.mkdir()
    for name, frame in tiny_tables().items():
        frame.to_csv(tables / f"{name}.csv", index=False)
    retired(500.0).to_csv(prepared / "packs.csv", index=False)
    return prepared


RECYCLING = ["recycling", "--retired", "packs.csv", "--defaults", "tables", "-o",
             "evplan-output/base", "--mip-gap", "0"]


def _check_recycling(trial: Trial, prepared: Path) -> str:
    output = trial.folder / "evplan-output"
    core = {k: v for k, v in tree(prepared / "evplan-output" / "base").items()
            if k != ".evplan-run"}
    check(output, output / "evplan.duckdb", {
        trial.folder / "inputs": tree(prepared / "inputs"),
        trial.folder / "tables": tree(prepared / "tables")})
    folder = output / "base"
    now = tree(folder)
    assert {k: v for k, v in now.items() if k in core} == core      # the plan is untouched
    marker = read_marker(folder)
    assert marker is not None
    added = [u for u in marker.updates if u.get("command") == "recycling"]
    files = sorted(k for k in now if k.startswith("recycling"))
    assert bool(files) == bool(added), (files, added)
    assert set(now) - set(core) - {".evplan-run"} == set(files)
    return "recycling added" if added else "nothing"


def test_recycling_killed_at_every_step(recycling_prepared: Path, tmp_path: Path) -> None:
    seen = []
    for step in range(1, 11):
        trial = run_trial(recycling_prepared, tmp_path / f"step-{step}", RECYCLING, step=step)
        assert trial.returncode in (-9, 0), trial.stderr
        seen.append((trial.returncode, _check_recycling(trial, recycling_prepared)))
    assert [code for code, _ in seen] == [-9] * 9 + [0]
    # killed before its store commit (step 7): rolled back; after: finished
    assert [what for _, what in seen] == ["nothing"] * 6 + ["recycling added"] * 4


def test_recycling_killed_at_random_instants(recycling_prepared: Path, tmp_path: Path
                                             ) -> None:
    results = _random_kills(recycling_prepared, tmp_path, RECYCLING, 4, SEED + 3,
                            lambda trial: _check_recycling(trial, recycling_prepared))
    assert len(results) == 4


@pytest.mark.slow
def test_recycling_killed_at_many_random_instants(recycling_prepared: Path,
                                                  tmp_path: Path) -> None:
    results = _random_kills(recycling_prepared, tmp_path, RECYCLING, 20, SEED + 4,
                            lambda trial: _check_recycling(trial, recycling_prepared))
    assert len(results) == 20


# ---- evplan sweep (the store and --csv) ------------------------------------------------

@pytest.fixture(scope="module")
def sweep_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    prepared = tmp_path_factory.mktemp("sweep-prepared")
    (prepared / "notes.txt").write_text("a user's file")
    return prepared


SWEEP = ["sweep", "-g", "freight=0.5,1,1.5,2", str(china_export_path()), "--store",
         "sweep.duckdb", "--csv", "kpis.csv"]


def _check_sweep(trial: Trial, prepared: Path) -> str:
    assert (trial.folder / "notes.txt").read_text() == "a user's file"
    visible = sorted(p.name for p in trial.folder.iterdir() if not p.name.startswith("."))
    assert set(visible) <= {"notes.txt", "sweep.duckdb", "sweep.duckdb.wal", "kpis.csv"}
    store = trial.folder / "sweep.duckdb"
    runs = _store_runs(store)
    if len(runs):
        connection = duckdb.connect(str(store), read_only=True)
        try:
            for table in ("kpis", "result_production", "result_shipments"):
                counts = dict(connection.execute(
                    f"SELECT run_id, count(*) FROM {table} GROUP BY run_id").fetchall())
                assert all(counts.get(run_id, 0) > 0 for run_id in runs["run_id"]), table
        finally:
            connection.close()
    assert len(runs) in (0, 4), len(runs)           # one chunk: recorded whole or not at all
    csv = trial.folder / "kpis.csv"
    outcome = f"{len(runs)} runs" + (", csv" if csv.exists() else "")
    if csv.exists():
        assert pd.read_csv(csv)["case"].nunique() == 4   # written whole
    from evplan.outputs import write_csv

    write_csv(pd.DataFrame({"a": [1]}), trial.folder / "kpis.csv")  # a later --csv write ...
    assert not [p.name for p in trial.folder.iterdir() if p.name.endswith(".part")]  # cleans up
    return outcome


def test_sweep_killed_at_random_instants(sweep_prepared: Path, tmp_path: Path) -> None:
    results = _random_kills(sweep_prepared, tmp_path, SWEEP, 4, SEED + 5,
                            lambda trial: _check_sweep(trial, sweep_prepared))
    assert len(results) == 4


@pytest.mark.slow
def test_sweep_killed_at_many_random_instants(sweep_prepared: Path, tmp_path: Path) -> None:
    results = _random_kills(sweep_prepared, tmp_path, SWEEP, 12, SEED + 6,
                            lambda trial: _check_sweep(trial, sweep_prepared))
    assert len(results) == 12


def test_sweep_killed_inside_its_store_transaction(sweep_prepared: Path, tmp_path: Path
                                                   ) -> None:
    work = tmp_path / "work"
    shutil.copytree(sweep_prepared, work)
    announce = tmp_path / "in-transaction"
    process = _spawn(SWEEP, work, {"EVPLAN_STORE_PAUSE_IN_TRANSACTION": str(announce)})
    deadline = time.monotonic() + 300
    while not announce.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert announce.exists(), process.communicate()[1]
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert _check_sweep(Trial(work, -9, ""), sweep_prepared) == "0 runs"
