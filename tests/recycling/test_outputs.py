"""Run-folder files, store record, KPIs, report charts and the CLI on a small network."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from tests.recycling.conftest import retired, tiny_tables

from evplan.recycling import load_inputs, plan_recycling
from evplan.recycling.output import (
    read_recycling,
    record_recycling,
    recycling_kpis,
    write_recycling,
)
from evplan.recycling.report import recycling_charts
from evplan.recycling.summary import closing_note


@pytest.fixture(scope="module")
def result():
    from tests.recycling.conftest import EXACT

    from evplan.recycling import RecyclingOptions

    targets = [("recycling_efficiency", "*", 2025, 0.5)]
    inputs = load_inputs(retired(1500.0), **tiny_tables(eu=True, targets=targets))
    return plan_recycling(inputs, RecyclingOptions(discount_rate=0.0, solver=EXACT))


def test_write_read_and_record(result, tmp_path):
    written = write_recycling(result, tmp_path)
    assert (tmp_path / "recycling_plants.parquet") in written
    tables, manifest = read_recycling(tmp_path)
    assert set(tables) == set(result.tables)
    assert manifest["binding"]["processing_target"] is None  # hydro wins on its own
    pd.testing.assert_frame_equal(tables["economics"], result["economics"])
    run_id = record_recycling(result, tmp_path / "store.duckdb", scenario="tiny:recycling")
    from evplan.store import ResultsStore

    store = ResultsStore(tmp_path / "store.duckdb")
    assert store.table(run_id, "recycling_plants")["plant"].tolist() == sorted(
        result["plants"]["plant"].tolist())
    kpis = recycling_kpis(result.tables)
    nickel = kpis.query("kpi == 'recycling_recovered_tonnes' and key == 'nickel'")
    assert nickel["value"].sum() == pytest.approx(1500 * 0.5 * 0.9)


def test_charts_and_note(result):
    points = pd.DataFrame({"collection_point": ["P"], "lat": [0.0], "lon": [0.0]})
    charts = recycling_charts(result.tables, points)
    assert [chart["id"] for chart in charts] == ["recycling-recovered", "recycling-map",
                                                 "recycling-compliance"]
    assert json.dumps(charts)  # plain JSON for the offline page
    from evplan.recycling.report import recycling_charts_of_run

    prefixed = {f"recycling_{name}": table for name, table in result.tables.items()}
    assert len(recycling_charts_of_run(prefixed)) == 3
    assert recycling_charts_of_run({"shipments": pd.DataFrame()}) == []
    lanes = [trace for trace in recycling_charts_of_run(prefixed)[1]["figure"]["data"]
             if trace.get("mode") == "lines"]
    assert lanes  # collection points travel with the result, so lanes are drawn
    note = closing_note(result)
    assert note[0].startswith("2030-2030: 2 kt of packs processed")


def test_cli_with_a_retired_csv(tmp_path):
    tables = tiny_tables()
    folder = tmp_path / "tables"
    folder.mkdir()
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    retired(500.0).to_csv(tmp_path / "packs.csv", index=False)
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "recycling", "--retired",
                           str(tmp_path / "packs.csv"), "--defaults", str(folder), "-o",
                           str(tmp_path / "out"), "--no-record", "--mip-gap", "0"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Revenue 0.00 bn USD" in done.stdout
    assert (tmp_path / "out" / "recycling_summary.csv").exists()
    bad = subprocess.run([sys.executable, "-m", "evplan.cli", "recycling", "--retired",
                          str(tmp_path / "missing.csv"), "--no-record"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "missing.csv does not exist" in bad.stderr


def test_a_users_file_of_a_table_name_is_refused_and_kept(result, tmp_path):
    """Audit fcr-2: write_recycling (what `evplan recycling` writes with) overwrote a
    user's ``recycling_summary.csv`` that no recycling.json lists; `evplan fleet` and
    `evplan charging` refuse such a file. Now recycling does too, writing nothing."""
    from evplan.errors import OutputError

    mine = tmp_path / "recycling_summary.csv"
    mine.write_text("my own notes\n", encoding="utf-8")
    notes = tmp_path / "recycling_notes.csv"
    notes.write_text("kept\n", encoding="utf-8")
    with pytest.raises(OutputError, match=r"recycling_summary\.csv, which evplan did not write"):
        write_recycling(result, tmp_path)
    assert mine.read_text(encoding="utf-8") == "my own notes\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["recycling_notes.csv",
                                                                 "recycling_summary.csv"]
    # evplan's own earlier tables (listed by its recycling.json) are replaced
    mine.unlink()
    write_recycling(result, tmp_path)
    again = write_recycling(result, tmp_path)
    assert tmp_path / "recycling.json" in again
    assert notes.read_text(encoding="utf-8") == "kept\n"


def test_the_closing_note_says_one_plant_not_one_plants():
    """'1 plants opened.' was printed for a plan with one plant (audit s18)."""
    from tests.recycling.test_certify import _stored

    from evplan.recycling.summary import closing_note

    result, _ = _stored()
    assert len(result["plants"]) == 1
    assert "; 1 plant opened." in closing_note(result)[1]
