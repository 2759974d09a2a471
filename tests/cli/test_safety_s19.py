"""Safety audit s19: what evplan's commands refuse to touch, and what they write as text.

Each test reproduces a finding of the audit on the old code (see the commit messages).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from evplan.store import ResultsStore, RunRecord, StoreError

KPIS = pd.DataFrame({"kpi": ["margin"], "year": [2025], "key": ["all"], "value": [1.0],
                     "unit": ["USD"]})


def _record(path: Path) -> None:
    ResultsStore(path, lock_timeout_s=1.0).record(RunRecord(
        run_id="r-1", scenario="s", status="optimal", objective_usd=1.0, kpis=KPIS))


def _snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def test_recording_into_a_sqlite_file_is_refused_by_its_header(tmp_path: Path) -> None:
    """A user's SQLite database given as --store to fleet/charging/recycling/sweep/... (every
    writer but `run`, which checked the header early) made DuckDB try to download and load
    its sqlite extension, to write evplan's tables into the user's file."""
    user = tmp_path / "user.db"
    with sqlite3.connect(user) as connection:
        connection.execute("PRAGMA user_version = 3")
    before = _snapshot(user)
    with pytest.raises(StoreError, match="is not a DuckDB database"):
        _record(user)
    assert _snapshot(user) == before


def test_recording_into_a_text_file_names_it_as_not_a_database(tmp_path: Path) -> None:
    """A CSV file given as --store to a writer was called 'a DuckDB database that evplan did
    not make (it holds file, userfile)': DuckDB read it as a table."""
    user = tmp_path / "userfile.csv"
    user.write_text("data\n", encoding="utf-8")
    before = _snapshot(user)
    with pytest.raises(StoreError, match="is not a DuckDB database"):
        _record(user)
    assert _snapshot(user) == before


def test_recording_through_a_dangling_link_is_refused(tmp_path: Path) -> None:
    """--store naming a link to a file that does not exist made the file the link points
    to (a file the user did not name)."""
    link = tmp_path / "store.duckdb"
    link.symlink_to(tmp_path / "elsewhere" / "target.duckdb")
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(StoreError, match="link to something that does not exist"):
        _record(link)
    assert not (tmp_path / "elsewhere" / "target.duckdb").exists()
    assert link.is_symlink()


def test_recording_through_a_link_to_a_store_still_works(tmp_path: Path) -> None:
    real = tmp_path / "real.duckdb"
    _record(real)
    link = tmp_path / "link.duckdb"
    link.symlink_to(real)
    ResultsStore(link, lock_timeout_s=1.0).record(RunRecord(
        run_id="r-2", scenario="s", status="optimal", objective_usd=1.0, kpis=KPIS))
    assert set(ResultsStore(real).runs()["run_id"]) == {"r-1", "r-2"}


def test_recycling_refuses_an_unusable_store_before_it_reads_and_solves(tmp_path: Path
                                                                       ) -> None:
    """`evplan recycling --store user.db` solved its MILPs (35 s for a run's fleet) and only
    then found that the store could not be one. Now the store is refused first: with a
    retired-packs file that is wrong too, the store is what the error names (the retired
    packs are read after the check), and nothing is written."""
    from typer.testing import CliRunner

    from evplan.cli import app

    user = tmp_path / "user.db"
    user.write_text("my notes\n", encoding="utf-8")
    retired = tmp_path / "retired.csv"
    retired.write_text("collection_point,year,chemistry,kwh\nNOWHERE,2031,LFP,1000\n",
                       encoding="utf-8")
    result = CliRunner().invoke(app, ["recycling", "--retired", str(retired), "-o",
                                      str(tmp_path / "out"), "--store", str(user),
                                      "--no-progress"])
    assert result.exit_code == 1, result.output
    assert "is not a DuckDB database" in result.output
    assert "NOWHERE" not in result.output
    assert user.read_text(encoding="utf-8") == "my notes\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["retired.csv", "user.db"]


def test_runs_of_a_batch_no_run_belongs_to_is_an_error_naming_the_batches(tmp_path: Path
                                                                          ) -> None:
    """`evplan runs --batch swep-1` (a typo) printed an empty table and exit code 0, as if
    the batch had no runs; an unknown run id is an error everywhere else."""
    from typer.testing import CliRunner

    from evplan.cli import app

    path = tmp_path / "runs.duckdb"
    ResultsStore(path).record(RunRecord(run_id="r-1", scenario="s", status="optimal",
                                        objective_usd=1.0, kpis=KPIS, batch_id="sweep-1"))
    typo = CliRunner().invoke(app, ["runs", "--batch", "swep-1", "--store", str(path)])
    assert typo.exit_code == 1
    assert "no run of batch 'swep-1'" in typo.output and "sweep-1" in typo.output
    found = CliRunner().invoke(app, ["runs", "--batch", "sweep-1", "--store", str(path)])
    assert found.exit_code == 0 and "r-1" in found.output


def test_validate_lists_the_problems_of_scenarios_yaml_with_the_tables(tmp_path: Path
                                                                       ) -> None:
    """`evplan validate` read the tables only: a scenarios.yaml whose study had a negative
    probability (and a table with a bad cell beside it) passed as valid, exit 0, until
    `evplan stochastic` refused it."""
    from typer.testing import CliRunner

    from evplan.cli import app
    from evplan.data.write import write_inputs
    from evplan.examples import single_lane

    folder = write_inputs(single_lane(), tmp_path / "inputs")
    (folder / "scenarios.yaml").write_text(
        "overrides:\n  up:\n    demand: {scale: {volume_vehicles: 1.1}}\n"
        "studies:\n  risky:\n    branches:\n      demand:\n"
        "        low: {probability: -0.2}\n        high: {probability: 1.2, overrides: [up]}\n",
        encoding="utf-8")
    clean = CliRunner().invoke(app, ["validate", str(folder)])
    assert clean.exit_code == 1, clean.output
    assert "scenarios.yaml" in clean.output and "probability = -0.2" in clean.output
    plants = folder / "plants.csv"
    frame = pd.read_csv(plants)
    frame.loc[0, "capacity_vehicles_per_year"] = -5
    frame.to_csv(plants, index=False)
    both = CliRunner().invoke(app, ["validate", str(folder)])
    assert both.exit_code == 1
    assert "probability = -0.2" in both.output and "plants.csv" in both.output
    (folder / "scenarios.yaml").unlink()
    tables = CliRunner().invoke(app, ["validate", str(folder)])
    assert tables.exit_code == 1 and "plants.csv" in tables.output
    assert "scenarios.yaml" not in tables.output
