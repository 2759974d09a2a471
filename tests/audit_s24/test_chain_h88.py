"""The chain fleet -> recycling: recycling plans the packs the run folder's fleet retires.

Session 24 audit (helper-88). ``evplan recycling RUN`` projected the fleet again with the
shipped survival, battery and chemistry tables, whatever ``evplan fleet RUN --battery ...``
had written into the folder: a folder whose fleet sent 1,505 kt of packs to recycling got a
recycling plan of 1,111 kt, without a word. Recycling now takes the fleet's options and
refuses, before its solve, a folder whose fleet tables retire other packs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evplan.errors import InputError
from evplan.fleet import FleetOptions, project_fleet, write_fleet
from evplan.recycling.scenario import folder_fleet_problem, inputs_from_fleet, plan_from_run

SHIPPED_BATTERY = Path(__file__).resolve().parents[2] / "src/evplan/fleet/data/battery.csv"


def _history() -> pd.DataFrame:
    return pd.DataFrame({
        "market": ["EU", "EU", "TH"], "year": [2015, 2016, 2015],
        "powertrain": ["BEV", "BEV", "BEV"], "sales_vehicles": [1000.0, 2000.0, 500.0],
        "battery_kwh": [50.0, 60.0, 40.0], "chemistry": ["NMC622", "LFP", "LFP"]})


def _no_second_life() -> pd.DataFrame:
    battery = pd.read_csv(SHIPPED_BATTERY)
    return battery.assign(second_life_share=0.0)


def test_recycling_inflow_is_the_fleets_recycling_route_in_pack_tonnes():
    """Retired packs of the recycling inputs: the fleet's recycling route, tonnes = kWh x
    the chemistry's pack kg/kWh of battery.csv / 1,000; with no second life, all packs."""
    battery = _no_second_life()
    fleet = project_fleet(history=_history(), battery=battery, options=FleetOptions(10))
    retired = inputs_from_fleet(fleet).retired
    kg_per_kwh = battery.set_index("chemistry")["pack_kg_per_kwh"]
    expected = retired["kwh"].to_numpy() * kg_per_kwh.loc[retired["chemistry"]].to_numpy() / 1e3
    np.testing.assert_allclose(retired["tonnes"].to_numpy(), expected, rtol=1e-9)
    everything = fleet.tables["packs_retired"]
    assert retired["kwh"].sum() == pytest.approx(everything["kwh"].sum(), rel=1e-9)
    assert retired["tonnes"].sum() == pytest.approx(everything["tonnes"].sum(), rel=1e-9)


def test_a_folder_whose_fleet_retires_other_packs_is_named(tmp_path):
    shipped = project_fleet(history=_history(), options=FleetOptions(10))
    other = project_fleet(history=_history(), battery=_no_second_life(),
                          options=FleetOptions(10))
    write_fleet(other, tmp_path)
    assert folder_fleet_problem(tmp_path, other) is None
    problem = folder_fleet_problem(tmp_path, shipped)
    assert problem is not None and problem.file == "fleet_pack_end_of_life.parquet"
    # Independent totals: the folder's fleet sends every retired tonne to recycling, the
    # shipped one half of the packs up to 12 years old.
    folder_t = other.tables["packs_retired"]["tonnes"].sum()
    routes = shipped.tables["pack_end_of_life"]
    shipped_t = routes.loc[routes["route"] == "recycling", "tonnes"].sum()
    assert f"sends {folder_t:,.1f} t" in problem.message
    assert f"this plan {shipped_t:,.1f} t" in problem.message
    first = (other.tables["packs_retired"].sort_values(["market", "year", "chemistry"])
             .iloc[0])
    assert f"market {first['market']}, {first['year']}, {first['chemistry']}" in problem.message
    assert "--battery" in problem.message and "evplan fleet" in problem.message


def test_a_users_table_or_no_fleet_is_not_read(tmp_path):
    fleet = project_fleet(history=_history(), options=FleetOptions(10))
    assert folder_fleet_problem(tmp_path, fleet) is None
    # a file of the table's name that no fleet.json lists is the user's, not a fleet's
    pd.DataFrame({"market": ["EU"], "year": [2015], "chemistry": ["LFP"],
                  "route": ["recycling"], "packs": [1.0], "kwh": [9.0], "tonnes": [9.0]}
                 ).to_csv(tmp_path / "fleet_pack_end_of_life.csv", index=False)
    assert folder_fleet_problem(tmp_path, fleet) is None


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    from typer.testing import CliRunner

    from evplan.cli import app

    folder = tmp_path_factory.mktemp("h88") / "run"
    result = CliRunner().invoke(app, ["run", "-o", str(folder), "--no-report", "--no-record"])
    assert result.exit_code == 0, result.output
    return folder


def test_cli_refuses_before_the_solve_and_accepts_the_same_options(run_folder, tmp_path):
    from typer.testing import CliRunner

    from evplan.cli import app

    battery = tmp_path / "nosl.csv"
    _no_second_life().to_csv(battery, index=False)
    runner = CliRunner()
    fleet = runner.invoke(app, ["fleet", str(run_folder), "--battery", str(battery),
                                "--no-record"])
    assert fleet.exit_code == 0, fleet.output
    refused = runner.invoke(app, ["recycling", str(run_folder), "--no-record",
                                  "--time-limit", "1"])
    assert refused.exit_code == 1, refused.output
    text = " ".join(refused.output.split())
    routes = pd.read_parquet(run_folder / "fleet_pack_end_of_life.parquet")
    folder_t = routes.loc[routes["route"] == "recycling", "tonnes"].sum()
    assert f"sends {folder_t:,.1f} t of packs to recycling" in text
    assert "(fleet.json: Pack parameters from nosl.csv (not the shipped battery.csv))" in text
    assert "Traceback" not in refused.output
    assert not (run_folder / "recycling.json").exists()
    # The same --battery passes the check (the plan's own inputs agree with the folder's).
    fleet_again = project_fleet(run_folder, battery=battery)
    assert folder_fleet_problem(run_folder, fleet_again) is None
    with pytest.raises(InputError, match="differ first at market"):
        plan_from_run(run_folder)


def test_cli_fleet_options_with_retired_packs_are_a_usage_error(tmp_path):
    from typer.testing import CliRunner

    from evplan.cli import app

    packs = tmp_path / "packs.csv"
    packs.write_text("collection_point,year,chemistry,kwh\nEU,2030,LFP,1000\n")
    result = CliRunner().invoke(app, ["recycling", "--retired", str(packs), "--battery",
                                      str(SHIPPED_BATTERY), "--no-record"])
    assert result.exit_code == 2
    assert "--battery project the fleet of a run folder" in " ".join(result.output.split())


def _fake_recycling_tables(folder: Path, fleet) -> None:
    """recycling.json and recycling_material_flows as `evplan recycling` writes them, for
    the packs ``fleet`` sends to recycling (all material counted as `other`)."""
    import json

    retired = inputs_from_fleet(fleet).retired
    flows = retired.assign(material="other")[
        ["collection_point", "year", "chemistry", "material", "tonnes"]]
    flows.to_parquet(folder / "recycling_material_flows.parquet")
    flows.to_csv(folder / "recycling_material_flows.csv", index=False)
    (folder / "recycling.json").write_text(json.dumps({"tables": ["material_flows"]}))


def test_fleet_removes_recycling_tables_planned_on_another_fleet(run_folder, tmp_path):
    import shutil

    from typer.testing import CliRunner

    from evplan.cli import app

    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    for name in folder.glob("fleet*"):  # the other test's fleet tables, if it ran first
        if name.name not in ("fleet_compliance.csv", "fleet_compliance.parquet"):
            name.unlink()
    shipped = project_fleet(folder)
    _fake_recycling_tables(folder, shipped)
    runner = CliRunner()
    same = runner.invoke(app, ["fleet", str(folder), "--no-record"])
    assert same.exit_code == 0, same.output
    assert (folder / "recycling.json").exists()  # planned on this very fleet: kept
    assert "recycling tables" not in same.output
    battery = tmp_path / "nosl.csv"
    _no_second_life().to_csv(battery, index=False)
    other = runner.invoke(app, ["fleet", str(folder), "--battery", str(battery),
                                "--no-record"])
    assert other.exit_code == 0, other.output
    text = " ".join(other.output.split())
    routes = shipped.tables["pack_end_of_life"]
    planned_t = routes.loc[routes["route"] == "recycling", "tonnes"].sum()
    everything_t = project_fleet(folder, battery=battery).tables["packs_retired"]["tonnes"].sum()
    assert (f"were planned on {planned_t:,.1f} t of retired packs; this fleet sends "
            f"{everything_t:,.1f} t to recycling") in text
    assert not (folder / "recycling.json").exists()
    assert not list(folder.glob("recycling_*"))


@pytest.mark.slow  # the default plan's recycling MILPs: ~25 s
def test_recycling_says_which_plan_and_tables_its_packs_came_from(run_folder, tmp_path):
    import shutil

    from typer.testing import CliRunner

    from evplan.cli import app

    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    for name in folder.glob("fleet*"):  # the other tests' fleet tables, if they ran first
        if name.name not in ("fleet_compliance.csv", "fleet_compliance.parquet"):
            name.unlink()
    (folder / "fleet.json").unlink(missing_ok=True)
    battery = tmp_path / "nosl.csv"
    _no_second_life().to_csv(battery, index=False)
    done = CliRunner().invoke(app, ["recycling", str(folder), "--battery", str(battery),
                                    "-o", str(tmp_path / "out"), "--no-record",
                                    "--time-limit", "60"])
    assert done.exit_code == 0, done.output
    text = " ".join(done.output.split())
    assert f"Sales are those of the plan in {folder} (run " in text
    assert "Pack parameters from nosl.csv (not the shipped battery.csv)." in text
