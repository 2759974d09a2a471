"""The "Fleet and charging" report section and the results store, on a one-market plan.

The plan (one plant selling to Thailand, 2023-2026, with its report) is written by a child
process, and `evplan charging` / `evplan fleet` run as commands on its folder, as a user runs
them; the tests then read the folder, its report and the stores.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from evplan.charging.output import charging_kpis, fleet_kpis
from evplan.charging.report import charging_charts_of_run
from evplan.report.api import report_html
from evplan.report.run import load_run
from evplan.store import ResultsStore

IDS = ["charging-fleet", "charging-ports", "charging-cost", "charging-map"]
GROUP = "Fleet and charging (evplan fleet / evplan charging)"

PLAN = textwrap.dedent("""
    import sys
    from pathlib import Path

    import evplan
    from evplan.data import validate_tables
    from evplan.examples import single_lane
    from evplan.report import with_report_tables, write_run_extras

    base = single_lane(first_year=2023, last_year=2026, capacity=5000.0,
                       tiers=((3000.0, 30000.0),))
    tables = {name: table.drop(columns=["row", "source"], errors="ignore")
              for name, table in base.tables.items()}
    for table in tables.values():
        if "market" in table.columns:
            table["market"] = table["market"].replace({"M1": "TH"})
    tables["markets"]["country"] = "TH"
    data = validate_tables(tables, base.scenario.as_dict() | {"name": "tiny-th"})
    result = with_report_tables(evplan.optimize(data), data)
    write_run_extras(result, evplan.write_result(result, Path(sys.argv[1])))
""")


def evplan_cli(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "evplan.cli", *map(str, arguments)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A run folder with its report, then `evplan charging` on it with a small history."""
    root = tmp_path_factory.mktemp("charging-report")
    folder = root / "tiny"
    done = subprocess.run([sys.executable, "-c", PLAN, str(folder)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "charging-" not in (folder / "report.html").read_text(encoding="utf-8")
    history = pd.DataFrame([{"market": "TH", "year": year, "powertrain": powertrain,
                             "sales_vehicles": sales}
                            for year in (2020, 2021, 2022)
                            for powertrain, sales in (("BEV", 2000.0), ("PHEV", 500.0),
                                                      ("ICE", 8000.0))])
    history.to_csv(root / "history.csv", index=False)
    store = root / "charging.duckdb"
    charging = evplan_cli("charging", folder, "--history", root / "history.csv",
                          "--years-after-plan", "2", "--store", store)
    assert "Recorded as run" in charging.stdout and "Report:" in charging.stdout
    return {"root": root, "folder": folder, "store": store, "history": root / "history.csv"}


def test_charts_from_the_run_folder_tables(planned: dict[str, Path]) -> None:
    run = load_run(planned["folder"])
    charts = charging_charts_of_run(run.tables)
    assert [chart["id"] for chart in charts] == IDS
    assert json.loads(json.dumps(charts)) == charts  # plain JSON for the offline page
    by_id = {chart["id"]: chart for chart in charts}

    fleet = run.tables["fleet"]
    stacked = sum(trace["y"][trace["x"].index(2026)]
                  for trace in by_id["charging-fleet"]["figure"]["data"])
    assert stacked == pytest.approx(fleet.query("year == 2026")["vehicles_in_use"].sum(), abs=3)
    assert {trace["name"] for trace in by_id["charging-fleet"]["figure"]["data"]} == {
        "BEV", "PHEV", "ICE"}

    summary = run.tables["charging_summary"]
    last = summary[summary["year"] == 2026].set_index("method")["ports"].to_dict()
    ports = by_id["charging-ports"]
    afir = [trace for trace in ports["figure"]["data"] if trace["xaxis"] == "x"]
    assert sum(trace["y"][-1] for trace in afir) == pytest.approx(last["afir"])
    assert {trace["xaxis"] for trace in ports["figure"]["data"]} == {"x", "x2", "x3"}
    assert f"AFIR ratio {last['afir']:,.0f} ports" in ports["caption"]

    cost = by_id["charging-cost"]
    queueing = summary.query("method == 'queueing'")["capex_usd"].sum() / 1e6
    assert f"queueing (Erlang-C) {queueing:,.1f} M USD" in cost["caption"]

    site_map = by_id["charging-map"]
    sites = run.tables["charging_sites"]
    chosen = next(trace for trace in site_map["figure"]["data"]
                  if trace["name"] == "chosen sites")
    assert len(chosen["lon"]) == int(sites["open"].sum()) > 0
    assert all(trace["type"] == "scattergeo" for trace in site_map["figure"]["data"])
    geo = site_map["figure"]["layout"]["geo"]
    assert (geo["scope"], geo["resolution"]) == ("world", 110)  # the embedded world map
    assert site_map["caption"].startswith(f"{int(sites['open'].sum())} of {len(sites)} "
                                          "candidate sites chosen for TH's DC150 demand in 2026")


def test_charts_need_their_tables(planned: dict[str, Path]) -> None:
    tables = load_run(planned["folder"]).tables
    assert charging_charts_of_run({}) == []
    core = {name: table for name, table in tables.items()
            if name != "fleet" and not name.startswith("charging_")}
    assert charging_charts_of_run(core) == []
    only_fleet = core | {"fleet": tables["fleet"]}
    assert [chart["id"] for chart in charging_charts_of_run(only_fleet)] == ["charging-fleet"]


def test_report_has_the_section_only_with_the_tables(planned: dict[str, Path]) -> None:
    written = (planned["folder"] / "report.html").read_text(encoding="utf-8")
    assert GROUP in written  # `evplan charging` re-rendered the run's report
    for chart_id in IDS:
        assert f'"{chart_id}"' in written
    assert '"world_110m"' in written
    run = load_run(planned["folder"])
    core = dataclasses.replace(run, tables={
        name: table for name, table in run.tables.items()
        if name != "fleet" and not name.startswith("charging_")})
    html = report_html([core])
    assert GROUP not in html
    assert not any(chart_id in html for chart_id in IDS)
    assert all(chart_id in report_html([run]) for chart_id in IDS)


def test_charging_run_in_the_store(planned: dict[str, Path]) -> None:
    store = ResultsStore(planned["store"])
    runs = store.runs()
    assert runs["scenario"].tolist() == ["tiny:charging"]
    run_id = str(runs["run_id"].iloc[0])
    recorded = store.run(run_id)
    assert recorded["metadata"]["kind"] == "charging"
    assert {"fleet", "fleet_packs_retired", "charging_summary", "charging_sites",
            "charging_zones"} <= set(recorded["tables"])
    kpis = store.kpis([run_id])
    assert {"fleet_vehicles_in_use", "charging_public_energy_mwh_per_day", "charging_ports",
            "charging_public_power_mw", "charging_capex_usd"} <= set(kpis["kpi"])
    tables = load_run(planned["folder"]).tables

    def value(kpi: str, year: int, key: str) -> float:
        rows = kpis[(kpis["kpi"] == kpi) & (kpis["year"] == year) & (kpis["key"] == key)]
        assert len(rows) == 1, (kpi, year, key)
        return float(rows["value"].iloc[0])

    energy = tables["charging_energy"].set_index("year")["public_energy_kwh_per_day"].to_dict()
    assert value("charging_public_energy_mwh_per_day", 2026, "TH") == pytest.approx(
        energy[2026] / 1000)
    summary = tables["charging_summary"].set_index(["year", "method"])
    assert value("charging_ports", 2026, "TH:queueing") == value(
        "charging_ports", 2026, "all:queueing") == summary.at[(2026, "queueing"), "ports"]
    fleet = tables["fleet"].set_index(["year", "powertrain"])
    assert value("fleet_vehicles_in_use", 2028, "TH:BEV") == pytest.approx(
        fleet.at[(2028, "BEV"), "vehicles_in_use"])
    assert len(store.table(run_id, "charging_summary")) == len(tables["charging_summary"])
    assert set(charging_kpis(tables)["kpi"]) | set(fleet_kpis(tables)["kpi"]) == set(
        kpis["kpi"])


def test_fleet_command_records_in_the_default_store(planned: dict[str, Path]) -> None:
    default = planned["root"] / "evplan.duckdb"  # beside the run folder, as `evplan run -o`
    evplan_cli("fleet", planned["folder"], "--history", planned["history"],
               "--years-after-plan", "2", "--no-record")
    assert not default.exists()
    done = evplan_cli("fleet", planned["folder"], "--history", planned["history"],
                      "--years-after-plan", "2")
    assert f"in {default}" in done.stdout
    runs = ResultsStore(default).runs()
    assert runs["scenario"].tolist() == ["tiny:fleet"]
    kpis = ResultsStore(default).kpis([str(runs["run_id"].iloc[0])])
    assert set(kpis["kpi"]) == {"fleet_vehicles_in_use", "fleet_retired_vehicles",
                                "fleet_packs_retired_tonnes"}
    assert GROUP in (planned["folder"] / "report.html").read_text(encoding="utf-8")


def test_fleet_and_charging_keep_the_plans_tables_named_like_theirs(
        planned: dict[str, Path], tmp_path: Path) -> None:
    """The plan's `fleet_compliance` (EU fleet CO2) starts like fleet's own tables: fleet and
    charging replaced it as theirs, so it vanished from the run folder (audit)."""
    import shutil

    folder = Path(shutil.copytree(planned["folder"], tmp_path / "run", symlinks=True))
    pd.DataFrame({"market": ["TH"], "year": [2023]}).to_csv(folder / "fleet_compliance.csv",
                                                            index=False)
    manifest = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    manifest["tables"] = [*manifest["tables"], "fleet_compliance"]
    (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    for command in ("fleet", "charging"):
        evplan_cli(command, folder, "--history", planned["history"], "--years-after-plan",
                   "2", "--no-record")
        assert (folder / "fleet_compliance.csv").read_text(encoding="utf-8") == (
            "market,year\nTH,2023\n"), command
        assert (folder / "fleet_packs_retired.csv").exists()


def test_fleet_charging_and_recycling_keep_a_users_files_named_like_their_tables(
        planned: dict[str, Path], tmp_path: Path) -> None:
    """Audit: every ``fleet_*``/``charging_*`` file a run folder held was dropped when fleet
    or charging replaced its tables, so a user's ``charging_notes.csv`` or ``fleet_mine.json``
    vanished. Only the files the earlier commands' manifests list are replaced now; a table
    an earlier run wrote and this one does not is still removed."""
    import shutil

    folder = Path(shutil.copytree(planned["folder"], tmp_path / "run", symlinks=True))
    evplan_cli("charging", folder, "--history", planned["history"], "--years-after-plan", "2",
               "--no-record")
    stale = folder / "fleet_gone_table.csv"  # as if an older fleet run had written it
    stale.write_text("a\n1\n", encoding="utf-8")
    manifest = json.loads((folder / "fleet.json").read_text(encoding="utf-8"))
    manifest["tables"] = [*manifest["tables"], "gone_table"]
    (folder / "fleet.json").write_text(json.dumps(manifest), encoding="utf-8")
    mine = {"charging_notes.csv": "my,notes\n", "fleet_mine.json": "{}",
            "recycling_plan.txt": "keep"}
    for name, text in mine.items():
        (folder / name).write_text(text, encoding="utf-8")
    for command in ("fleet", "charging"):
        evplan_cli(command, folder, "--history", planned["history"], "--years-after-plan",
                   "2", "--no-record")
        for name, text in mine.items():
            assert (folder / name).read_text(encoding="utf-8") == text, (command, name)
        assert (folder / "fleet_packs_retired.csv").exists()
        assert not stale.exists(), command


def test_a_synthetic_siting_example_too_small_for_the_market_is_left_out_not_fatal(
        planned: dict[str, Path], tmp_path: Path) -> None:
    """Audit 2: `charging --markets EU` failed whole (exit 2, nothing written) because the
    synthetic siting example's 14 sites could not take the EU's demand; the sizing stands
    without it, and the terminal says why it is left out."""
    import shutil

    folder = Path(shutil.copytree(planned["folder"], tmp_path / "big"))
    history = pd.DataFrame([{"market": "TH", "year": year, "powertrain": "BEV",
                             "sales_vehicles": 3_000_000.0} for year in (2020, 2021, 2022)])
    history.to_csv(tmp_path / "history.csv", index=False)
    done = evplan_cli("charging", folder, "--history", tmp_path / "history.csv",
                      "--years-after-plan", "2", "--no-record")
    said = " ".join(done.stdout.split())
    assert ("The siting example (synthetic zones, sites and corridor) was left out: siting: "
            "the zones'") in said
    assert "so it ignores coverage." in said
    assert (folder / "charging_summary.csv").exists()
    assert not (folder / "charging_sites.csv").exists()


def test_fleet_after_charging_removes_the_charging_tables_sized_on_the_fleet_it_replaces(
        planned: dict[str, Path], tmp_path: Path) -> None:
    """Audit (session 19): `evplan fleet` after `evplan charging` replaced the fleet tables
    and left the charging tables sized on the earlier fleet beside them (a folder whose two
    halves disagree). fleet now removes them too, says so, and keeps a user's files."""
    import shutil

    folder = Path(shutil.copytree(planned["folder"], tmp_path / "run", symlinks=True))
    evplan_cli("charging", folder, "--history", planned["history"], "--years-after-plan", "2",
               "--no-record")
    charging = json.loads((folder / "charging.json").read_text(encoding="utf-8"))["tables"]
    assert charging and (folder / "charging_summary.csv").exists()
    (folder / "charging_notes.csv").write_text("my,notes\n", encoding="utf-8")
    done = evplan_cli("fleet", folder, "--history", planned["history"], "--years-after-plan",
                      "3", "--no-record")
    said = " ".join(done.stdout.split())
    assert "The charging tables of run " in said and "were removed: they were sized on the " \
        "fleet this command replaces. Run evplan charging again" in said
    left = sorted(path.name for path in folder.iterdir() if path.name.startswith("charging"))
    assert left == ["charging_notes.csv"]
    assert (folder / "fleet_packs_retired.csv").exists()
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="charging-fleet"' in report and 'id="charging-ports"' not in report
    again = evplan_cli("fleet", folder, "--history", planned["history"], "--no-record")
    assert "charging tables" not in " ".join(again.stdout.split())
