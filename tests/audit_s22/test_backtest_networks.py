"""Audit s22 (helper-73): `evplan backtest` on a network without a Chinese market or plant.

Before, the China rows (share, utilisation, exports) were asked of every network: a user's
network without a market or plant country 'CN' ended in a ResultKeyError traceback ("KPI
'sales_share_by_market' has no key 'CN'"), by the API and by the CLI. Now those rows are
left out, and the rows that remain are still re-derived before they are written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evplan.calibration import CalibrationInputs, backtest
from evplan.data.write import write_inputs
from evplan.examples import single_lane

ELASTICITY = pd.DataFrame({"market": ["*"], "segment": ["C"], "own_price_elasticity": [5.0]})
BASE = pd.DataFrame({"market": ["M1", "M1"], "year": [2025, 2026], "product": ["V1", "V1"],
                     "volume_vehicles": [600.0, 900.0], "price_usd_per_vehicle": [20_000.0] * 2,
                     "row": [2, 3]})
ACTUALS = pd.DataFrame({"kpi": ["sales", "sales", "global_sales", "production"],
                        "key": ["M1", "M1", "all", "AA"], "year": [2025, 2026, 2026, 2026],
                        "value": [600.0, 640.0, 640.0, 640.0], "source": ["x"] * 4,
                        "row": [2, 3, 4, 5]})


def test_backtest_api_on_a_network_without_cn_reports_its_own_rows() -> None:
    data = single_lane(capacity=1e6, first_year=2025, last_year=2026)
    table = backtest(data, CalibrationInputs(BASE, ELASTICITY, ACTUALS), 2025, 2026).table
    assert list(table["row"]) == ["sales M1", "sales rest of world (not M1)", "global sales",
                                  "production AA"]
    row = table.set_index("row").loc["sales M1"]
    # nothing changed in 2026 and the 2026 base row (900) is not read: 600 again, persistence
    assert row["predicted_2026"] == pytest.approx(600.0)
    assert row["error"] == pytest.approx(600.0 - 640.0)
    assert row["error_pct"] == pytest.approx(-40.0 / 640.0)
    assert row["persistence_error"] == pytest.approx(600.0 - 640.0)


def _backtest_cli(tmp_path: Path, base_rows: str, actuals: bool
                  ) -> subprocess.CompletedProcess[str]:
    """`evplan backtest` 2025 -> 2026 on single_lane's inputs with these base_demand rows
    (and ACTUALS when ``actuals``), written to ``tmp_path / "out"``."""
    folder = write_inputs(single_lane(capacity=1e6, first_year=2025, last_year=2026),
                          tmp_path / "inputs")
    (folder / "base_demand.csv").write_text(
        "market,year,product,volume_vehicles,price_usd_per_vehicle,source\n" + base_rows,
        encoding="utf-8")
    (folder / "elasticities.csv").write_text(
        "market,segment,own_price_elasticity,source\n*,C,5,x\n", encoding="utf-8")
    if actuals:
        ACTUALS.drop(columns="row").to_csv(folder / "actuals.csv", index=False)
    return subprocess.run([sys.executable, "-m", "evplan.cli", "backtest", str(folder),
                           "--base-year", "2025", "--target-year", "2026", "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)


def test_backtest_cli_on_a_network_without_cn_writes_its_table(tmp_path: Path) -> None:
    done = _backtest_cli(tmp_path, "M1,2025,V1,600,20000,x\nM1,2026,V1,900,20000,x\n",
                         actuals=True)
    assert done.returncode == 0, done.stderr
    written = pd.read_csv(tmp_path / "out" / "backtest.csv")
    assert list(written["row"]) == ["sales M1", "sales rest of world (not M1)", "global sales",
                                    "production AA"]
    assert "| sales M1 | 600 | 600 | 640 | -40 | -6.2% | -6.2% |" in (
        tmp_path / "out" / "backtest.md").read_text(encoding="utf-8")


def test_a_missing_actuals_file_is_named_as_missing(tmp_path: Path) -> None:
    """Without actuals.csv the backtest said only "no actual figures for 2026"."""
    done = _backtest_cli(tmp_path, "M1,2025,V1,600,20000,x\n", actuals=False)
    assert done.returncode == 1
    assert ("actuals.csv is missing or empty: no actual figures for 2026. Add rows "
            "kpi,key,year,value,source") in " ".join(done.stderr.split())
    assert not (tmp_path / "out").exists()
