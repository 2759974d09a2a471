"""Single files: whole or not at all, ordinary permissions, spreadsheet-safe CSVs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from evplan.outputs.files import (
    OwnerToken,
    atomic_write,
    owner_alive,
    process_start,
    remove_stale_parts,
    spreadsheet_safe,
    write_csv,
    write_table,
)

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
           "\tTAB", "\rCR", "CN", "a=b", ""]


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def dead_token() -> OwnerToken:
    """A token of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return OwnerToken(f"{child.pid}-0-0123abcd")


def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe() -> None:
    frame = pd.DataFrame({"id": HOSTILE, "value": range(len(HOSTILE)),
                          "signed": [-1.5] * len(HOSTILE),
                          "category": pd.Categorical(["=1"] * len(HOSTILE)),
                          "flag": [True] * len(HOSTILE)})
    safe = spreadsheet_safe(frame)
    assert safe["id"].tolist() == ["'" + text for text in HOSTILE[:6]] + ["CN", "a=b", ""]
    assert safe["category"].tolist() == ["'=1"] * len(HOSTILE)
    assert safe["signed"].tolist() == [-1.5] * len(HOSTILE)   # numbers stay numbers
    assert safe["value"].tolist() == list(range(len(HOSTILE)))
    assert frame["id"].tolist() == HOSTILE                      # the input is not changed
    headers = spreadsheet_safe(pd.DataFrame({"=x": [1], "y": [2]}))
    assert list(headers.columns) == ["'=x", "y"]
    plain = pd.DataFrame({"a": ["x", "y"]})
    assert spreadsheet_safe(plain) is plain


def test_csv_is_neutralised_and_parquet_keeps_the_raw_values(tmp_path: Path) -> None:
    frame = pd.DataFrame({"plant": HOSTILE, "vehicles": range(len(HOSTILE))})
    write_table(frame, tmp_path, "production")
    raw = pd.read_parquet(tmp_path / "production.parquet")
    assert raw["plant"].tolist() == HOSTILE
    text = (tmp_path / "production.csv").read_text(encoding="utf-8")
    for line in text.splitlines()[1:]:
        assert not line.startswith(("=", "+", "-", "@")), line
    read = pd.read_csv(tmp_path / "production.csv", keep_default_na=False)
    assert read["plant"].tolist()[:4] == ["'" + text for text in HOSTILE[:4]]


def test_files_get_ordinary_permissions_respecting_the_umask(tmp_path: Path,
                                                             umask_022: None) -> None:
    written = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "a.csv")
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    os.umask(0o077)
    private = atomic_write(tmp_path / "b.txt", lambda path: path.write_text("x"))
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_atomic_write_leaves_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "kpis.csv"
    target.write_text("old")

    def fail(path: Path) -> None:
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, fail)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kpis.csv"]


def test_only_parts_of_dead_writers_are_removed(tmp_path: Path) -> None:
    dead = tmp_path / f".kpis.csv.{dead_token()}.part"
    alive = tmp_path / f".kpis.csv.{OwnerToken.new()}.part"
    lookalike = tmp_path / ".kpis.csv.12-34-notours.part"
    users = tmp_path / "notes.part"
    for path in (dead, alive, lookalike, users):
        path.write_text("x")
    assert remove_stale_parts(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (alive, lookalike, users))


def test_owner_liveness() -> None:
    me = OwnerToken.new()
    assert me.alive() and me.pid == os.getpid()
    assert not dead_token().alive()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        start = process_start(child.pid)
        assert owner_alive(child.pid, start)
        if start is not None:   # Linux: the same pid with another start time is not the owner
            assert not owner_alive(child.pid, start + 1)
    finally:
        child.kill()
        child.wait()
    assert not owner_alive(child.pid, start)
    assert OwnerToken.parse("not-a-token") is None
