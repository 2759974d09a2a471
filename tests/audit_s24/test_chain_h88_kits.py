"""A strategic plan's vehicles assembled from kits are on the road (session 24, helper-88).

The fleet read a run's ``shipments`` only. In a strategic plan the vehicles assembled in a
market from CKD/SKD kits are in ``sales`` and ``kit_shipments`` but not in ``shipments``:
``evplan fleet`` on ``china-strategic`` left out 252,646 of its 26,285,580 vehicles sold
(BR, ID, MY and TH from 2026, BEVs and PHEVs with Chinese packs among them), and
``evplan charging`` did not size ID and MY, which receive only kits from China.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from evplan.errors import InputError
from evplan.fleet import FleetOptions, project_fleet


def _folder(tmp_path):
    shipments = pd.DataFrame({
        "plant": ["CN-DL", "CN-DL", "BR-RES"], "origin": ["CN", "CN", "BR"],
        "program": ["N7-BEV", "N7-BEV", "KICKS"], "powertrain": ["BEV", "BEV", "ICE"],
        "market": ["TH", "TH", "BR"], "year": [2026, 2027, 2026],
        "shipment_vehicles": [1000.0, 1200.0, 5000.0], "export": [True, True, False]})
    kits = pd.DataFrame({
        "plant": ["CN-DL", "CN-DL", "CN-DL"], "origin": ["CN", "CN", "CN"],
        "site": ["BR-CKD", "BR-CKD", "ID-CKD"], "kit": ["CKD", "CKD", "CKD"],
        "program": ["N7-BEV", "N7-BEV", "N7-BEV"], "powertrain": ["BEV", "BEV", "BEV"],
        "market": ["BR", "BR", "ID"], "year": [2026, 2027, 2027],
        "kits": [300.0, 400.0, 250.0]})
    shipments.to_parquet(tmp_path / "shipments.parquet")
    kits.to_parquet(tmp_path / "kit_shipments.parquet")
    (tmp_path / "run.json").write_text(json.dumps({
        "run_id": "x", "status": "optimal",
        "scenario": {"name": "t", "first_year": 2026, "last_year": 2027},
        "metadata": {"battery_kwh_by_program": {"N7-BEV": 60.0, "KICKS": 0.0}},
        "tables": ["shipments", "kit_shipments"]}))
    return shipments, kits


def test_kit_vehicles_are_sold_with_the_kits_origin_and_its_markets_are_export_markets(
        tmp_path):
    shipments, kits = _folder(tmp_path)
    fleet = project_fleet(tmp_path, options=FleetOptions(0))
    sales = fleet.tables["fleet_sales"]
    keys = ["market", "year", "program", "origin"]
    expected = (pd.concat([shipments.rename(columns={"shipment_vehicles": "v"})[[*keys, "v"]],
                           kits.rename(columns={"kits": "v"})[[*keys, "v"]]])
                .groupby(keys)["v"].sum())
    got = sales.groupby(keys)["sales_vehicles"].sum().reindex(expected.index)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy())
    assert sales["sales_vehicles"].sum() == 1000 + 1200 + 5000 + 300 + 400 + 250
    # Chinese kits carry the Chinese chemistry (LFP) and the program's pack size
    kit_rows = sales[sales["market"].isin(["BR", "ID"]) & (sales["program"] == "N7-BEV")]
    assert set(kit_rows["chemistry"]) == {"LFP"} and set(kit_rows["battery_kwh"]) == {60.0}
    # BR and ID receive kits from China: export markets as TH, which receives vehicles
    assert fleet.export_markets == ("BR", "ID", "TH")
    # the fleet says which plan it projected (a table written elsewhere says where from)
    assert fleet.assumptions[0] == f"Sales are those of the plan in {tmp_path} (run x: t)."
    in_use = fleet.tables["fleet"].query("market == 'ID' and powertrain == 'BEV'")
    assert in_use["sales_vehicles"].sum() == 250.0


def test_the_fleet_names_its_own_tables_and_the_plans_scenario(tmp_path):
    _folder(tmp_path)
    manifest = json.loads((tmp_path / "run.json").read_text())
    manifest["scenario"]["scenario"] = "trade-war"
    (tmp_path / "run.json").write_text(json.dumps(manifest))
    survival = tmp_path / "my_curves.csv"
    survival.write_text("market,curve,mean_years,shape,source\n*,weibull,10,3,mine\n")
    fleet = project_fleet(tmp_path, survival=survival, options=FleetOptions(0))
    assert fleet.assumptions[0] == (f"Sales are those of the plan in {tmp_path} (run x: t, "
                                    "scenario trade-war).")
    assert "Survival curves from my_curves.csv (not the shipped survival.csv)." in (
        fleet.assumptions)


def test_a_kit_table_with_a_bad_volume_is_an_input_error(tmp_path):
    _, kits = _folder(tmp_path)
    kits.loc[1, "kits"] = -5.0
    kits.to_parquet(tmp_path / "kit_shipments.parquet")
    with pytest.raises(InputError) as raised:
        project_fleet(tmp_path, options=FleetOptions(0))
    assert raised.value.problems[0].file.endswith("kit_shipments.parquet")
    assert "kits" in str(raised.value)


def test_a_kit_table_run_json_lists_but_the_folder_lacks_is_named(tmp_path):
    _folder(tmp_path)
    (tmp_path / "kit_shipments.parquet").unlink()
    with pytest.raises(InputError, match=r"kit_shipments\.parquet is missing, while run\.json"):
        project_fleet(tmp_path, options=FleetOptions(0))
    manifest = json.loads((tmp_path / "run.json").read_text())
    manifest["tables"] = ["shipments"]  # an export plan: no kits, nothing missing
    (tmp_path / "run.json").write_text(json.dumps(manifest))
    assert project_fleet(tmp_path, options=FleetOptions(0)).tables["fleet_sales"][
        "sales_vehicles"].sum() == 7200.0
