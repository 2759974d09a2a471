"""`evplan studies` (ResultsStore.studies) lists EVPI and VSS with the ranges the study
proved for them (recorded as KPI rows since session 27); NULL for a store recorded before."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

import evplan
from evplan.examples import strategic_lane
from evplan.store import ResultsStore
from evplan.store_study import study_record
from tests.test_store_study import CATALOG


def test_the_listing_gives_the_proven_ranges_of_evpi_and_vss(tmp_path: Path) -> None:
    data = strategic_lane()
    result = evplan.stochastic(data, "demand", catalog=CATALOG)
    store = ResultsStore(tmp_path / "evplan.duckdb")
    run_id = store.record(study_record(result, data=data))
    row = store.studies().set_index("run_id").loc[run_id]
    proven = result.metadata["intervals_usd"]
    for quantity in ("evpi", "vss"):
        low, high = proven[quantity]
        assert row[f"{quantity}_low_usd"] == low and row[f"{quantity}_high_usd"] == high
        assert low <= row[f"{quantity}_usd"] <= high
    # a study recorded without range rows (an older store) lists NULL ranges, not an error
    with duckdb.connect(str(tmp_path / "evplan.duckdb")) as connection:
        connection.execute("DELETE FROM kpis WHERE kpi LIKE 'study_%_low' "
                           "OR kpi LIKE 'study_%_high'")
    older = store.studies().set_index("run_id").loc[run_id]
    assert pd.isna(older["evpi_low_usd"]) and pd.isna(older["vss_high_usd"])
    assert older["evpi_usd"] == row["evpi_usd"]
