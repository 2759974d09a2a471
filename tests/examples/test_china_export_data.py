"""Layer 6: the embedded china-export scenario, its data sanity and its 2023 calibration."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import evplan
from evplan.calibration import read_calibration_inputs
from evplan.data import validate_tables
from evplan.examples import china_export, china_export_path

CHINA_2023 = 793_768          # [S29]
GLOBAL_2023 = 3_374_271       # [S29]


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


def test_2023_base_volumes_add_up_to_nissans_year() -> None:
    base = read_calibration_inputs(china_export_path()).base_demand
    base = base[base["year"] == 2023]
    assert base["volume_vehicles"].sum() == GLOBAL_2023
    assert base.loc[base["market"] == "CN", "volume_vehicles"].sum() == CHINA_2023


def test_calibrated_tiers_below_the_base_volume_add_up_to_it(data: evplan.NetworkData) -> None:
    # demand.csv is the calibration of base_demand.csv: tiers 1-3 end at the base volume.
    demand = data["demand"]
    below = demand[(demand["year"] == 2023) & (demand["tier"] <= 3)]
    assert below["volume_vehicles"].sum() == pytest.approx(GLOBAL_2023, abs=1e-3)
    assert demand["source"].str.startswith("calibration:").all()


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


def test_identity_2023_is_the_calibrated_year(result: evplan.Result) -> None:
    # Identity (calibration), not a model result: see tests/calibration for the backtest.
    assert kpi(result, "global_sales", 2023, "all") == pytest.approx(GLOBAL_2023, abs=1e-3)
    assert kpi(result, "sales_share_by_market", 2023, "CN") == pytest.approx(
        CHINA_2023 / GLOBAL_2023, abs=1e-9)
    assert kpi(result, "exports_by_origin", 2023, "CN") == 0.0


def test_exports_raise_chinese_utilisation_later(data: evplan.NetworkData,
                                                 result: evplan.Result) -> None:
    exports_2026 = kpi(result, "exports_by_origin", 2026, "CN")
    assert 80_000 <= exports_2026 <= 300_000
    assert kpi(result, "utilisation_by_country", 2030, "CN") > kpi(
        result, "utilisation_by_country", 2024, "CN")
    shipments = result["shipments"]
    us_from_china = shipments[(shipments["origin"] == "CN") & (shipments["market"] == "US")
                              & (shipments["year"] >= 2025)]
    # The US duties on Chinese EVs (Section 301 + 232) keep China out of the US but for one
    # thing: a China-built BEV earns NEV production credits (production_credits.csv counts
    # production in China, exports included), which makes the dearest US tier of the N7
    # barely worthwhile. Nothing else crosses; without the credits nothing at all does.
    assert set(us_from_china.loc[us_from_china["shipment_vehicles"] > 0, "powertrain"]) <= {"BEV"}
    demand = data["demand"]
    tier_one = demand[(demand["market"] == "US") & (demand["tier"] == 1)
                      & (demand["product"].isin(set(us_from_china["program"])))
                      & (demand["year"] >= 2025)]["volume_vehicles"].sum()
    assert us_from_china["shipment_vehicles"].sum() <= tier_one + 1e-6
    tables = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    tables["production_credits"] = tables["production_credits"].iloc[0:0]
    without = evplan.optimize(validate_tables(tables, data.scenario))["shipments"]
    assert without.loc[(without["origin"] == "CN") & (without["market"] == "US"),
                       "shipment_vehicles"].sum() == pytest.approx(0.0, abs=1e-6)
    assert isinstance(shipments, pd.DataFrame)
