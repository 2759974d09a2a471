"""The results store: whole runs, concurrent writers, a writer killed mid-transaction."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import evplan
from evplan.examples import single_lane
from evplan.store import PAUSE_ENV, ResultsStore, StoreError, inputs_hash

WRITER = textwrap.dedent("""
    import sys
    import evplan
    from evplan.examples import single_lane
    from evplan.store import ResultsStore, RunRecord
    store = ResultsStore(sys.argv[1], lock_timeout_s=120)
    result = evplan.optimize(single_lane(capacity=500))
    for number in range(int(sys.argv[3])):
        store.record(RunRecord.from_result(result, scenario=f"{sys.argv[2]}-{number}"))
""")


@pytest.fixture(scope="module")
def result() -> evplan.Result:
    return evplan.optimize(single_lane(capacity=500))


def test_record_read_and_compare(tmp_path: Path, result: evplan.Result) -> None:
    store = ResultsStore(tmp_path / "runs.duckdb")
    first = store.record(result, scenario="base", data=single_lane(capacity=500),
                         overrides=[{"override": "x", "rows": [2]}])
    cheaper = evplan.optimize(single_lane(capacity=600))
    second = store.record(cheaper, scenario="more capacity")
    runs = store.runs()
    assert list(runs["run_id"]) == [second, first]
    row = store.run(first[:-3])  # a unique prefix is enough
    assert row["scenario"] == "base" and row["overrides"] == [{"override": "x", "rows": [2]}]
    assert row["inputs_hash"] == inputs_hash(single_lane(capacity=500))
    assert row["objective_usd"] == pytest.approx(result.objective_usd)
    shipments = store.table(first, "shipments")
    assert shipments["shipment_vehicles"].sum() == pytest.approx(500)
    wide = store.compare([first, second])
    margin = wide.loc[("margin", 2025, "all")]
    assert margin[f"delta {second}"] == pytest.approx(100 * 9_000)
    with pytest.raises(StoreError, match="matches no run"):
        store.run("nope")


def test_a_table_with_a_new_column_widens_the_stored_table(tmp_path: Path,
                                                           result: evplan.Result) -> None:
    """A run whose table has a column the store's table lacks (a newer evplan, or a
    strategic run after a plain one) adds it: earlier runs read NULL there."""
    store = ResultsStore(tmp_path / "runs.duckdb")
    first = store.record(result, scenario="base")
    shipments = result.tables["shipments"].assign(kit_vehicles=7.0, kit_route="CN>MX")
    wider = dataclasses.replace(result, tables={**result.tables, "shipments": shipments})
    second = store.record(wider, scenario="wider")
    assert store.table(second, "shipments")["kit_vehicles"].eq(7.0).all()
    assert store.table(second, "shipments")["kit_route"].eq("CN>MX").all()
    assert store.table(first, "shipments")["kit_vehicles"].isna().all()


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.duckdb"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "6"])
               for name in ("a", "b")]
    for writer in writers:
        assert writer.wait(timeout=300) == 0
    store = ResultsStore(path)
    runs = store.runs()
    assert len(runs) == 12 and runs["run_id"].is_unique
    assert set(runs["scenario"]) == {f"{name}-{n}" for name in "ab" for n in range(6)}
    kpis = store.kpis(list(runs["run_id"]))
    counts = kpis.groupby("run_id").size()
    assert len(counts) == 12 and counts.nunique() == 1  # every run recorded whole
    for run_id in runs["run_id"]:
        assert len(store.table(run_id, "shipments")) == 1


def test_killed_writer_leaves_no_partial_record(tmp_path: Path) -> None:
    path = tmp_path / "killed.duckdb"
    ResultsStore(path).record(evplan.optimize(single_lane(capacity=500)), scenario="before")
    marker = tmp_path / "inside-transaction"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), "killed", "1"],
                              env={**os.environ, PAUSE_ENV: str(marker)})
    deadline = time.monotonic() + 240
    while not marker.exists():
        assert writer.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=60)
    killed_id = marker.read_text()
    store = ResultsStore(path)
    assert list(store.runs()["scenario"]) == ["before"]
    with store.connect(read_only=True) as connection:
        for table in ("kpis", "result_shipments", "result_sales"):
            (count,) = connection.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?",
                                          [killed_id]).fetchone()  # type: ignore[misc]
            assert count == 0
    store.record(evplan.optimize(single_lane(capacity=500)), scenario="after")
    assert sorted(store.runs()["scenario"]) == ["after", "before"]
