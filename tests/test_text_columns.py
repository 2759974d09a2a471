"""The ``evplan`` program keeps text in ``object`` columns (pandas' PANDAS_FUTURE_INFER_STRING=0,
:func:`evplan.cli.python_text_columns`); the library keeps pandas' default. Both must give
the same plan, the same files and the same messages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from evplan.cli import TEXT_DTYPE_ENV, python_text_columns
from evplan.data import write_inputs
from evplan.examples import china_export_path, single_lane


def test_the_program_sets_the_switch_only_when_nobody_else_has() -> None:
    environ: dict[str, str] = {}
    assert python_text_columns(environ, modules={}) is True
    assert environ == {TEXT_DTYPE_ENV: "0"}
    users = {TEXT_DTYPE_ENV: "1"}
    assert python_text_columns(users, modules={}) is False and users == {TEXT_DTYPE_ENV: "1"}
    late: dict[str, str] = {}  # pandas already imported: its children would differ from it
    assert python_text_columns(late, modules={"pandas": object()}) is False and late == {}


def _evplan(*args: str, cwd: Path, text_dtype: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != TEXT_DTYPE_ENV}
    if text_dtype is not None:
        env[TEXT_DTYPE_ENV] = text_dtype
    return subprocess.run([sys.executable, "-m", "evplan.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_the_program_runs_with_object_text_and_writes_what_arrow_text_writes(
        tmp_path: Path) -> None:
    probe = ("import os, sys; sys.argv = ['evplan', '--version']\n"
             "import evplan.cli as c\n"
             "c.python_text_columns(); import pandas as pd\n"
             "print(pd.Series(['CN']).dtype)")
    env = {key: value for key, value in os.environ.items() if key != TEXT_DTYPE_ENV}
    shown = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                           text=True, timeout=600)
    assert shown.stdout.split() == ["object" if _pandas_reads_the_switch() else "str"], (
        shown.stderr)
    folders = {}
    for mode in ("1", None):  # pandas' Arrow text, then the program's default
        where = tmp_path / f"mode-{mode}"
        where.mkdir()
        out = where / "out"
        done = _evplan("run", str(china_export_path()), "-o", "out", "--store", "runs.duckdb",
                       "--no-report", cwd=where, text_dtype=mode)
        assert done.returncode == 0, done.stderr
        folders[mode] = (out, re.sub(r"run \d{8}-\d{6}-[0-9a-f]{8}", "run ID", done.stdout))
    (arrow, arrow_screen), (plain, plain_screen) = folders["1"], folders[None]
    def screen(text: str) -> str:  # the same but for the timings
        return re.sub(r"built in [\d.]+ s, solved in [\d.]+ s", "", text)

    assert screen(plain_screen) == screen(arrow_screen)
    names = sorted(path.name for path in arrow.iterdir() if path.suffix in (".csv", ".parquet"))
    assert names == sorted(path.name for path in plain.iterdir()
                           if path.suffix in (".csv", ".parquet"))
    assert len(names) >= 30
    stored = []
    for out in (arrow, plain):
        with duckdb.connect(str(out.parent / "runs.duckdb"), read_only=True) as connection:
            stored.append((connection.execute("SELECT inputs_hash, status, objective_usd FROM runs"
                                              ).fetchall(),
                           connection.execute("SELECT * EXCLUDE (run_id) FROM result_shipments"
                                              ).df(),
                           connection.execute("SELECT kpi, year, key, value, unit FROM kpis "
                                              "ORDER BY ALL").df()))
    assert stored[0][0] == stored[1][0]
    for arrow_table, plain_table in zip(stored[0][1:], stored[1][1:], strict=True):
        pd.testing.assert_frame_equal(arrow_table, plain_table, check_exact=True)
    for name in names:
        if name.endswith(".csv"):
            assert (plain / name).read_bytes() == (arrow / name).read_bytes(), name
        else:
            pd.testing.assert_frame_equal(pd.read_parquet(plain / name),
                                          pd.read_parquet(arrow / name), check_exact=True)


def test_the_program_reports_bad_inputs_the_same_with_object_text(tmp_path: Path) -> None:
    inputs = write_inputs(single_lane(), tmp_path / "inputs")
    frame = pd.read_csv(inputs / "duties.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "ad_valorem_rate"] = "17"
    frame.loc[0, "origin"] = "С1"  # a Cyrillic С
    frame.to_csv(inputs / "duties.csv", index=False)
    messages = []
    for mode in ("1", None):
        done = _evplan("validate", str(inputs), cwd=tmp_path, text_dtype=mode)
        assert done.returncode == 1
        messages.append(done.stderr)
    assert messages[0] == messages[1]
    assert "17 % -> 0.17" in messages[1]


def _dtype_of_text(mode: str) -> str:
    probe = "import pandas as pd; print(pd.Series(['CN']).dtype)"
    env = {**os.environ, TEXT_DTYPE_ENV: mode}
    return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, timeout=600).stdout.strip()


def _pandas_reads_the_switch() -> bool:
    """pandas >= 3.1 reads the variable; pandas 2 keeps object text, 3.0 Arrow text."""
    return _dtype_of_text("0") != _dtype_of_text("1")


def test_pandas_reads_the_switch_the_program_sets() -> None:
    major, minor = (int(part) for part in pd.__version__.split(".")[:2])
    if (major, minor) < (3, 1):
        pytest.skip(f"pandas {pd.__version__} does not read {TEXT_DTYPE_ENV}")
    assert (_dtype_of_text("0"), _dtype_of_text("1")) == ("object", "str")
