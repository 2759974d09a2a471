"""Layer 6: the embedded china-export scenario, its data sanity and its 2023 base year.

The 2023 base year matches Nissan's reported year because the inputs were built from it:
the checks named ``identity`` below are identities of the inputs, asserted exactly, not a
validation (see tests/test_default_scenario.py).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import evplan
from evplan.examples import china_export, china_export_path

CHINA_2023 = 793_768          # [S29]
GLOBAL_2023 = 3_374_271       # [S29]
CHINA_CAPACITY_2023 = 1_600_000  # plants.csv: the six Chinese plants open in 2023 [S2] [S8]


@pytest.fixture(scope="module")
def data() -> evplan.NetworkData:
    return china_export()


@pytest.fixture(scope="module")
def result(data: evplan.NetworkData) -> evplan.Result:
    return evplan.optimize(data)


def kpi(result: evplan.Result, name: str, year: int, key: str) -> float:
    kpis = result.kpis
    row = kpis[(kpis["kpi"] == name) & (kpis["year"] == year) & (kpis["key"] == key)]
    return float(row["value"].iloc[0]) if len(row) else 0.0


def test_identity_2023_tier_one_volumes_are_nissans_reported_sales(
        data: evplan.NetworkData) -> None:
    demand = data["demand"]
    base = demand[(demand["year"] == 2023) & (demand["tier"] == 1)]
    assert base["volume_vehicles"].sum() == GLOBAL_2023
    assert base.loc[base["market"] == "CN", "volume_vehicles"].sum() == CHINA_2023


def test_china_export_lanes_open_in_2025(data: evplan.NetworkData) -> None:
    routes = data["routes"].merge(data.plants[["plant", "country"]], on="plant")
    china_export_lanes = routes[(routes["country"] == "CN") & (routes["market"] != "CN")]
    assert len(china_export_lanes) == 5 * 19
    assert (china_export_lanes["first_year"] == 2025).all()


def test_every_source_id_is_cited_in_scenario_yaml() -> None:
    folder = china_export_path()
    cited = set(re.findall(r"^  (S\d+b?):", (folder / "scenario.yaml").read_text(), re.M))
    for path in folder.glob("*.csv"):
        used = set(re.findall(r"\[(S\d+b?)\]", path.read_text()))
        assert used <= cited, f"{path.name}: {sorted(used - cited)}"


def test_every_row_carries_a_source(data: evplan.NetworkData) -> None:
    for name in ("plants", "programs", "plant_programs", "routes", "duties",
                 "countervailing_duties", "demand"):
        frame = data[name]
        assert (frame["source"].astype(str).str.strip() != "").all(), name


def test_identity_2023_plan_sells_nissans_reported_sales(result: evplan.Result) -> None:
    # Identities of the inputs: every 2023 tier-1 volume sells, nothing more; China's share
    # is its reported sales over the total; Chinese plants build exactly China's sales.
    assert kpi(result, "global_sales", 2023, "all") == pytest.approx(GLOBAL_2023, rel=1e-12)
    assert kpi(result, "sales_share_by_market", 2023, "CN") == pytest.approx(
        CHINA_2023 / GLOBAL_2023, rel=1e-12)
    assert kpi(result, "utilisation_by_country", 2023, "CN") == pytest.approx(
        CHINA_2023 / CHINA_CAPACITY_2023, rel=1e-12)
    assert kpi(result, "exports_by_origin", 2023, "CN") == 0.0


def test_exports_raise_chinese_utilisation_later(result: evplan.Result) -> None:
    exports_2026 = kpi(result, "exports_by_origin", 2026, "CN")
    assert 80_000 <= exports_2026 <= 300_000
    assert kpi(result, "utilisation_by_country", 2030, "CN") > kpi(
        result, "utilisation_by_country", 2024, "CN")
    shipments = result["shipments"]
    us_from_china = shipments[(shipments["origin"] == "CN") & (shipments["market"] == "US")
                              & (shipments["year"] >= 2025)]
    assert us_from_china["shipment_vehicles"].sum() == pytest.approx(0.0, abs=1e-6)
    assert isinstance(shipments, pd.DataFrame)
