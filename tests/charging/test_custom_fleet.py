"""`evplan charging --survival` sizes charging on the fleet `evplan fleet --survival` projects
(audit s23, helper-78: charging had no such option and replaced a fleet projected on a
user's curves with one on the shipped curves, 421,721 EU BEVs in 2030 becoming 561,953)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.charging.test_report_store import PLAN, evplan_cli


def test_charging_projects_the_fleet_on_the_user_s_survival_curves(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    done = subprocess.run([sys.executable, "-c", PLAN, str(folder)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    survival = tmp_path / "short.csv"
    survival.write_text("market,curve,scale_years,shape,mean_years,sd_years,max_age_years,"
                        "source\n*,weibull,,2.0,3.0,,,a short life\n", encoding="utf-8")
    common = ["--years-after-plan", "6", "--no-record"]

    def in_use() -> pd.Series:
        fleet = pd.read_csv(folder / "fleet.csv")
        return fleet.groupby("year")["vehicles_in_use"].sum()

    evplan_cli("fleet", folder, "--survival", survival, *common)
    projected = in_use()
    evplan_cli("charging", folder, "--survival", survival, *common)
    pd.testing.assert_series_equal(in_use(), projected)
    evplan_cli("charging", folder, *common)  # the shipped curves keep vehicles longer
    shipped = in_use()
    assert (shipped.loc[2029:] > projected.loc[2029:] * 1.2).all(), (shipped, projected)
