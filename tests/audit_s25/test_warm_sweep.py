"""A sweep on 2 local processes answers as serial, and as cold (helper-94, session 25).

``run_cases`` (scenarios/runners.py, worker.py) hands a warm model's state to a child
process; each case's status, objective and KPIs there must be the serial sweep's and a
cold :func:`evplan.optimize`'s, and the tables the child records in the store must be
those of a cold solve of the same patched inputs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.examples import random_network
from evplan.scenarios import Case, Patch, apply_patches
from evplan.scenarios.runners import run_cases
from evplan.store import ResultsStore

from .warm_compare import DUALS, frame_differences


def _cases() -> list[Case]:
    grid = [(freight, rate) for freight in (0.5, 1.0, 3.0) for rate in (0.0, 0.3)]
    return [Case(number, f"freight={freight} duty={rate}", {"freight": freight, "duty": rate},
                 (Patch("routes", scale={"freight_usd_per_vehicle": freight}),
                  Patch("duties", where={"origin": ("C0",)}, set={"ad_valorem_rate": rate})))
            for number, (freight, rate) in enumerate(grid)]


@pytest.mark.slow
def test_two_processes_equal_serial_and_cold(tmp_path: Path) -> None:
    data = random_network(4, plants=3, markets=3, years=2)
    cases = _cases()
    serial = run_cases(data, cases, workers=1)
    store = ResultsStore(tmp_path / "sweep.duckdb")
    parallel = run_cases(data, cases, workers=2, store=store, chunk_size=1)
    assert parallel.workers == 2
    key = ["case", "kpi", "year", "key"]
    left = serial.kpis.sort_values(key).reset_index(drop=True)
    right = parallel.kpis.sort_values(key).reset_index(drop=True)
    assert len(left) == len(right) > 0
    assert (left[key].astype(str).to_numpy() == right[key].astype(str).to_numpy()).all()
    assert np.allclose(left["value"].astype(float), right["value"].astype(float),
                       rtol=1e-7, atol=1e-6, equal_nan=True)
    cases_table = parallel.cases.set_index("case")
    for case in cases:
        patched = apply_patches(data, list(case.patches), case.label).data
        cold = evplan.optimize(patched)
        row = cases_table.loc[case.number]
        assert row["status"] == cold.status
        assert row["objective_usd"] == pytest.approx(cold.objective_usd, rel=1e-7)
        assert serial.cases.set_index("case").loc[case.number, "objective_usd"] == (
            pytest.approx(cold.objective_usd, rel=1e-7))
        for name in ("shipments", "sales", "duties", "margin_by_market", "utilisation"):
            stored = store.table(row["run_id"], name)
            stored = stored.drop(columns=[c for c in ("run_id",) if c in stored.columns])
            assert frame_differences(name, pd.DataFrame(stored)[list(cold[name].columns)],
                                     cold[name], ignore=DUALS) == [], case.label
