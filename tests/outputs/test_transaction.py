"""The folder write protocol and the repair after a kill (real files, real DuckDB store).

The kill -9 tests in subprocesses are in test_kill.py; here each state a kill can leave is
built by hand, with the token of a process that has really exited.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from evplan.examples import single_lane
from evplan.outputs import OutputError, new_folder_target, read_marker, reconcile, write_folder
from evplan.outputs.files import OwnerToken
from evplan.outputs.marker import Marker, Pending, write_marker
from evplan.outputs.targets import existing_folder_target
from evplan.results import write_result
from evplan.solve import optimize
from evplan.store import ResultsStore, RunRecord


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return optimize(single_lane())


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def dead_token() -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{child.pid}-0-0123abcd"


def record(store: Path, run_id: str) -> None:
    kpis = pd.DataFrame({"kpi": ["x"], "year": [2025], "key": ["all"], "value": [1.0],
                         "unit": ["-"]})
    ResultsStore(store).record(RunRecord(run_id=run_id, scenario="s", status="optimal",
                                         objective_usd=1.0, kpis=kpis))


def folder_with(path: Path, run_id: str, files: dict[str, str],
                pending: Pending | None = None) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text)
    write_marker(path, Marker(kind="run", run_id=run_id, pending=pending,
                              files=tuple(sorted(files))))  # as evplan lists what it wrote
    return path


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_run_folder_is_marked_complete_and_shareable(tmp_path: Path, result,  # type: ignore[no-untyped-def]
                                                       umask_022: None) -> None:
    folder = write_result(result, tmp_path / "run")
    marker = read_marker(folder)
    assert marker is not None and marker.kind == "run" and marker.pending is None
    assert '"run_id": "' + marker.run_id in (folder / "run.json").read_text()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o644}
    assert names(tmp_path) == ["run"]
    with pytest.raises(OutputError, match="Pass --force"):
        write_result(result, folder)
    again = write_result(result, folder, force=True)
    replaced = read_marker(again)
    assert replaced is not None and replaced.run_id != marker.run_id
    assert names(tmp_path) == ["run"]


def test_a_failed_commit_leaves_the_old_folder_and_no_record(tmp_path: Path) -> None:
    store = tmp_path / "evplan.duckdb"
    old = folder_with(tmp_path / "run", "old", {"a.csv": "old"})
    target = new_folder_target(old, "run", force=True)

    def commit(folder: Path) -> None:
        record(store, "new")
        raise RuntimeError("store failed after the insert")   # e.g. disk full at COMMIT

    with pytest.raises(RuntimeError):
        write_folder(target, lambda staging: (staging / "a.csv").write_text("new"),
                     kind="run", run_id="new", store=store, run_ids=["new"], commit=commit)
    assert (old / "a.csv").read_text() == "old"
    assert read_marker(old).run_id == "old"  # type: ignore[union-attr]
    assert names(tmp_path) == ["evplan.duckdb", "run"]


def test_an_update_keeps_other_files_and_replaces_its_own(tmp_path: Path) -> None:
    run = folder_with(tmp_path / "run", "core", {"shipments.csv": "core", "fleet.csv": "old",
                                                  "fleet_stock.csv": "old", "fleet.json": "{}",
                                                  "fleetwood.csv": "user-named"})
    inode = (run / "shipments.csv").stat().st_ino

    def fill(staging: Path) -> None:
        (staging / "fleet.csv").write_text("new")

    written = write_folder(existing_folder_target(run), fill, kind="run", run_id="f1",
                           command="fleet",
                           drop={"fleet.csv", "fleet_stock.csv", "fleet.json"}.__contains__)
    assert names(written) == [".evplan-run", "fleet.csv", "fleetwood.csv", "shipments.csv"]
    assert (written / "fleet.csv").read_text() == "new"
    assert (written / "shipments.csv").stat().st_ino == inode   # linked, not copied
    marker = read_marker(written)
    assert marker is not None and marker.run_id == "core" and marker.pending is None
    assert [u["run_id"] for u in marker.updates] == ["f1"]
    assert names(tmp_path) == ["run"]


def test_an_update_racing_another_writer_is_refused(tmp_path: Path) -> None:
    run = folder_with(tmp_path / "run", "core", {"shipments.csv": "core"})
    target = existing_folder_target(run)

    def fill(staging: Path) -> None:   # another evplan command finishes meanwhile
        write_marker(run, Marker(kind="run", run_id="core").with_update("charging", "c1"))

    with pytest.raises(OutputError, match=r"changed .* while this one ran"):
        write_folder(target, fill, kind="run", run_id="f1", command="fleet")
    assert names(tmp_path) == ["run"] and (run / "shipments.csv").read_text() == "core"


def test_repair_after_a_kill_before_the_swap(tmp_path: Path) -> None:
    token = dead_token()
    folder_with(tmp_path / f".run.{token}.tmp", "new", {"half.csv": "x"},
                Pending(token=token, host=""))
    (tmp_path / f".gone.{token}.tmp").mkdir()   # killed right after mkdir
    marker_part = tmp_path / f".gone2.{token}.tmp"
    marker_part.mkdir()
    (marker_part / f"..evplan-run.{token}.part").write_text("")   # killed writing the marker
    assert len(reconcile(tmp_path)) == 3
    assert names(tmp_path) == [".evplan-lock"]


def test_repair_between_the_two_renames_of_a_replace(tmp_path: Path) -> None:
    token = dead_token()
    folder_with(tmp_path / f".run.{token}.old", "old", {"a.csv": "old"})
    folder_with(tmp_path / f".run.{token}.tmp", "new", {"a.csv": "new"},
                Pending(token=token, host=""))
    reconcile(tmp_path)
    assert names(tmp_path) == [".evplan-lock", "run"]
    assert (tmp_path / "run" / "a.csv").read_text() == "old"


@pytest.mark.parametrize("committed", [False, True])
def test_repair_of_a_visible_pending_folder(tmp_path: Path, committed: bool) -> None:
    token = dead_token()
    store = tmp_path / "evplan.duckdb"
    record(store, "earlier")
    if committed:
        record(store, "new")
    folder_with(tmp_path / f".run.{token}.old", "old", {"a.csv": "old"})
    folder_with(tmp_path / "run", "new", {"a.csv": "new"},
                Pending(token=token, host="", store=str(store), run_ids=("new",), latest=True))
    notes = reconcile(tmp_path)
    assert len(notes) == 1
    assert names(tmp_path) == sorted([".evplan-lock", "evplan.duckdb", "run"]
                                     + (["latest"] if committed else []))
    marker = read_marker(tmp_path / "run")
    assert marker is not None and marker.pending is None
    assert marker.run_id == ("new" if committed else "old")
    assert (tmp_path / "run" / "a.csv").read_text() == ("new" if committed else "old")
    if committed:
        assert (tmp_path / "latest").read_text() == "run\n"


def test_repair_leaves_live_writers_and_other_peoples_folders_alone(tmp_path: Path) -> None:
    live = OwnerToken.new()
    folder_with(tmp_path / f".run.{live}.tmp", "new", {"a.csv": "x"},
                Pending(token=live, host=""))
    folder_with(tmp_path / "busy", "new", {"a.csv": "x"}, Pending(token=live, host=""))
    token = dead_token()
    foreign = tmp_path / f".notes.{token}.tmp"   # a lookalike without the marker
    foreign.mkdir()
    (foreign / "mine.txt").write_text("not evplan's")
    folder_with(tmp_path / "elsewhere", "new", {"a.csv": "x"},
                Pending(token=token, host="another-machine"))
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert reconcile(tmp_path) == []
    after = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert [p for p in after if p != ".evplan-lock"] == before
    with pytest.raises(OutputError, match=r"another evplan .* is writing"):
        new_folder_target(tmp_path / "busy", "run", force=True)


def test_a_clean_folder_is_only_read(tmp_path: Path) -> None:
    folder_with(tmp_path / "run", "r", {"a.csv": "x"})
    (tmp_path / "notes.txt").write_text("mine")
    assert reconcile(tmp_path) == []
    assert names(tmp_path) == ["notes.txt", "run"]


@pytest.mark.parametrize("fails", [False, True])
def test_the_users_empty_folder_keeps_its_permissions_and_is_never_removed(
        tmp_path: Path, fails: bool) -> None:
    """``-o`` naming an empty folder the user made (private, 0o700): the run fills it with
    the folder's permissions; a failed commit leaves it empty, not deleted (audit: it came
    back 0o755, or was removed with the failed run)."""
    store = tmp_path / "evplan.duckdb"
    users = tmp_path / "mine"
    users.mkdir()
    os.chmod(users, 0o700)
    target = new_folder_target(users, "run")

    def commit(folder: Path) -> None:
        if fails:
            raise RuntimeError("the store refused the run")

    def fill(staging: Path) -> None:
        (staging / "a.csv").write_text("new")

    if fails:
        with pytest.raises(RuntimeError):
            write_folder(target, fill, kind="run", run_id="r", store=store, run_ids=["r"],
                         commit=commit)
        assert users.is_dir() and list(users.iterdir()) == []
    else:
        write_folder(target, fill, kind="run", run_id="r", store=store, run_ids=["r"],
                     commit=commit)
        assert (users / "a.csv").read_text() == "new"
    assert stat.S_IMODE(users.stat().st_mode) == 0o700
    assert names(tmp_path) == ["mine"]


KILLED_AT_COMMIT = """
import os, sys
from pathlib import Path
from evplan.outputs import new_folder_target, write_folder
write_folder(new_folder_target(Path(sys.argv[1]), "run"),
             lambda staging: (staging / "a.csv").write_text("new"), kind="run", run_id="r",
             store=Path(sys.argv[2]), run_ids=["r"], commit=lambda folder: os._exit(9))
"""


def test_a_kill_before_the_commit_puts_the_users_empty_folder_back(tmp_path: Path) -> None:
    """Killed after the run folder took the place of the user's empty folder and before the
    store commit: the next start rolls the run back and leaves the empty folder with its
    permissions (audit: it was removed with the run)."""
    users = tmp_path / "mine"
    users.mkdir()
    os.chmod(users, 0o700)
    killed = subprocess.run([sys.executable, "-c", KILLED_AT_COMMIT, str(users),
                             str(tmp_path / "evplan.duckdb")], check=False)
    assert killed.returncode == 9
    marker = read_marker(users)
    assert marker is not None and marker.pending is not None
    assert marker.pending.empty_mode == 0o700
    notes = reconcile(tmp_path)
    assert notes == ["rolled back mine, left by an evplan stopped before its run was recorded "
                     "(the empty folder it was filling is back)"]
    assert users.is_dir() and list(users.iterdir()) == []
    assert stat.S_IMODE(users.stat().st_mode) == 0o700
    assert names(tmp_path) == [".evplan-lock", "mine"]  # the repair's advisory lock


@pytest.mark.parametrize("stop_at", [1, 2, 3, 4, 5, 6])
def test_an_interrupt_at_any_step_of_an_update_leaves_the_folder_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop_at: int) -> None:
    """Second read: a Ctrl-C right after the run folder was moved aside (step 5) left only
    `.run.<token>.old`: the folder was gone and the terminal said nothing was written."""
    from evplan.outputs import transaction

    run = folder_with(tmp_path / "run", "core", {"shipments.csv": "core", "notes.txt": "mine"})
    calls = {"n": 0}
    real = transaction._Steps.__call__

    def interrupting(self: object) -> None:
        calls["n"] += 1
        if calls["n"] == stop_at:
            raise KeyboardInterrupt
        real(self)  # type: ignore[arg-type]

    monkeypatch.setattr(transaction._Steps, "__call__", interrupting)
    with pytest.raises(KeyboardInterrupt):
        write_folder(existing_folder_target(run), lambda staging: (staging / "fleet.csv")
                     .write_text("new"), kind="run", run_id="f1", command="fleet")
    assert names(tmp_path) == ["run"]
    assert (run / "notes.txt").read_text() == "mine" and not (run / "fleet.csv").exists()
