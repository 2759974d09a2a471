"""A two-stage study in the results store: one run row, its scenarios, margins, first
stage, EVPI and VSS, in a real DuckDB file, read back through ResultsStore and plain SQL.

The study is the hand-solved tree of docs/stochastic.md (RP 2.59 M, EVPI 0.42 M, VSS 0.75 M).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import evplan
from evplan.examples import strategic_lane
from evplan.scenarios.overrides import parse_catalog
from evplan.store import ResultsStore
from evplan.store_study import study_record

M = 1e6
CATALOG = parse_catalog({
    "overrides": {"high": {"demand": {"set": {"volume_vehicles": 1000}}},
                  "low": {"demand": {"set": {"volume_vehicles": 300}}}},
    "studies": {"demand": {"risk": {"alpha": 0.5}, "scenarios": {
        "high": {"probability": 0.3, "overrides": ["high"]},
        "low": {"probability": 0.7, "overrides": ["low"]}}}}})


def test_a_study_is_one_run_with_its_scenarios(tmp_path: Path) -> None:
    data = strategic_lane()
    result = evplan.stochastic(data, "demand", catalog=CATALOG)
    store = ResultsStore(tmp_path / "evplan.duckdb")
    run_id = store.record(study_record(result, data=data))
    other = store.record(evplan.optimize_strategic(data))  # an ordinary run beside it

    assert set(store.runs()["run_id"]) == {run_id, other}
    studies = store.studies()
    assert studies["run_id"].tolist() == [run_id]  # only the study
    row = studies.iloc[0]
    assert row["study"] == "demand" and row["scenarios"] == 2
    assert row["objective_usd"] == pytest.approx(2.59 * M)
    assert row["evpi_usd"] == pytest.approx(0.42 * M)
    assert row["vss_usd"] == pytest.approx(0.75 * M)
    assert row["cvar_usd"] == pytest.approx(0.7 * M)

    run = store.run(run_id)
    assert run["scenario"] == "study:demand" and run["case_label"] == "stochastic"
    assert run["overrides"] == [{"scenario": "high", "probability": 0.3, "overrides": ["high"]},
                                {"scenario": "low", "probability": 0.7, "overrides": ["low"]}]
    assert run["parameters"]["alpha"] == 0.5 and run["parameters"]["evpi_usd"] == \
        pytest.approx(0.42 * M)

    scenarios = store.table(run_id, "study_scenarios").set_index("scenario")
    assert scenarios["probability"].to_dict() == {"high": 0.3, "low": 0.7}
    assert json.loads(scenarios.loc["low", "overrides"]) == ["low"]
    assert scenarios["margin_usd"].to_dict() == pytest.approx({"high": 7.0 * M,
                                                               "low": 0.7 * M})
    first = store.table(run_id, "study_first_stage").set_index("variable")["value"]
    assert first["plant_modules"] == 2
    regret = store.table(run_id, "study_regret").set_index(["plan", "scenario"])
    assert regret.loc[("low", "high"), "regret_usd"] == pytest.approx(3.9 * M)

    kpis = store.kpis([run_id]).set_index(["kpi", "key"])["value"]
    assert kpis[("study_margin", "low")] == pytest.approx(0.7 * M)
    assert kpis[("study_evpi", "all")] == pytest.approx(0.42 * M)

    # the file is plain DuckDB: any SQL client reads it
    with duckdb.connect(str(tmp_path / "evplan.duckdb"), read_only=True) as connection:
        total = connection.execute(
            "SELECT sum(probability * margin_usd) FROM result_study_scenarios "
            "WHERE run_id = ?", [run_id]).fetchone()
    assert total is not None and total[0] == pytest.approx(2.59 * M)


def test_without_evpi_and_vss_the_values_are_null(tmp_path: Path) -> None:
    data = strategic_lane()
    result = evplan.stochastic(data, "demand", catalog=CATALOG, evpi=False, vss=False,
                               regret=False)
    store = ResultsStore(tmp_path / "evplan.duckdb")
    run_id = store.record(study_record(result))
    row = store.studies().iloc[0]
    assert row["run_id"] == run_id
    assert row["expected_margin_usd"] == pytest.approx(2.59 * M)
    assert row[["evpi_usd", "vss_usd"]].isna().all()
    assert store.table(run_id, "study_regret").empty


def test_a_study_without_regret_first_does_not_block_later_regret_tables(tmp_path: Path
                                                                         ) -> None:
    # The first study recorded in a store has no regret rows (--no-regret, or progressive
    # hedging); the table it creates must keep typed columns for the next study's rows.
    data = strategic_lane()
    store = ResultsStore(tmp_path / "evplan.duckdb")
    bare = evplan.stochastic(data, "demand", catalog=CATALOG, regret=False)
    assert bare.regret.empty
    store.record(study_record(bare, data=data))
    full = evplan.stochastic(data, "demand", catalog=CATALOG)
    run_id = store.record(study_record(full, data=data))
    assert len(store.table(run_id, "study_regret")) == len(full.regret) > 0


def test_a_study_without_a_time_or_objective_is_listed_with_blanks(tmp_path: Path) -> None:
    """Audit B: a NULL created_at ended `evplan studies` in "NaTType does not support
    strftime"; a study's time that is missing, and an objective and KPI values changed to
    text, are listed blank (NULL) instead, and the file is not changed by reading it."""
    from typer.testing import CliRunner

    from evplan.cli import app

    data = strategic_lane()
    path = tmp_path / "evplan.duckdb"
    store = ResultsStore(path)
    run_id = store.record(study_record(evplan.stochastic(data, "demand", catalog=CATALOG,
                                                         evpi=False, vss=False, regret=False)))
    with duckdb.connect(str(path)) as connection:
        connection.execute("UPDATE runs SET created_at = NULL")
        connection.execute("ALTER TABLE runs ALTER COLUMN objective_usd TYPE VARCHAR")
        connection.execute("UPDATE runs SET objective_usd = 'abc'")
        connection.execute("ALTER TABLE kpis ALTER COLUMN value TYPE VARCHAR")
        connection.execute("UPDATE kpis SET value = 'x' WHERE kpi = 'study_cvar'")
    before = path.read_bytes()
    row = store.studies().iloc[0]
    assert row["run_id"] == run_id and pd.isna(row["created_at"])
    assert pd.isna(row["objective_usd"]) and pd.isna(row["cvar_usd"])
    assert row["expected_margin_usd"] == pytest.approx(2.59 * M)
    done = CliRunner().invoke(app, ["studies", "--store", str(path)])
    assert done.exit_code == 0 and run_id in done.output, done.output
    assert path.read_bytes() == before


def test_studies_of_an_ordinary_run_says_it_is_not_a_study(tmp_path: Path) -> None:
    """`evplan studies RUN_ID` of a plain run listed the run's tables as if a table were
    missing; it now says the run is not a two-stage study and where the studies are."""
    from typer.testing import CliRunner

    from evplan.cli import app

    path = tmp_path / "evplan.duckdb"
    run_id = ResultsStore(path).record(evplan.optimize_strategic(strategic_lane()))
    done = CliRunner().invoke(app, ["studies", run_id[:12], "--store", str(path)])
    assert done.exit_code == 1, done.output
    message = " ".join(done.output.split())
    assert (f"run {run_id} is not a two-stage study (it is a run of scenario "
            f"'{strategic_lane().scenario.name}'), so it has no study scenarios") in message
    assert "`evplan studies` lists the recorded studies" in message
    assert "has no 'study_scenarios' table" not in message
