"""The HTML report: self-contained, every chart, a story told from the numbers, from a folder."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evplan.errors import InputError
from evplan.examples import single_lane
from evplan.report import (
    REPORT_TABLES,
    RunData,
    duty_schedule,
    load_run,
    report_html,
    write_report,
)
from evplan.report.figures import run_charts
from evplan.report.page import kpi_cards, story
from evplan.report.style import centroids
from evplan.results import Result

CHARTS = ("chart-production", "chart-sankey", "chart-map", "chart-utilisation",
          "chart-utilisation-country", "chart-markets", "chart-duties",
          # the default scenario carries the CO2 and zero-emission rules (issue 16)
          "compliance-fleet", "compliance-zev", "compliance-bev-value", "compliance-co2",
          "compliance-plants")


def figures_of(html: str) -> list[dict]:
    match = re.search(r"var figures = (\[.*?\]);\n", html, re.S)
    assert match, "no figure data in the page"
    return json.loads(match.group(1))


def test_run_folder_holds_what_the_report_needs(run_folder: Path) -> None:
    written = {path.name for path in run_folder.iterdir()}
    for table in REPORT_TABLES:
        assert f"{table}.parquet" in written
    assert "report.html" in written
    manifest = json.loads((run_folder / "run.json").read_text())
    assert set(REPORT_TABLES) <= set(manifest["tables"])


def test_duty_schedule_is_what_the_inputs_say(china_result: Result) -> None:
    schedule = china_result["duty_schedule"]
    eu_bev = schedule[(schedule["origin"] == "CN") & (schedule["market"] == "EU")
                      & (schedule["powertrain"] == "BEV")].set_index("year")
    assert eu_bev.loc[2023, "total_rate"] == pytest.approx(0.10)
    assert eu_bev.loc[2026, "cvd_rate"] == pytest.approx(0.207)
    assert eu_bev.loc[2026, "total_rate"] == pytest.approx(0.307)
    assert eu_bev.loc[2026, "source"].startswith("[S85]")
    assert not ((schedule["origin"] == "CN") & (schedule["market"] == "CN")).any()
    lanes = duty_schedule(single_lane())
    assert lanes[["origin", "market"]].drop_duplicates().values.tolist() == [["AA", "M1"]]


def test_duty_schedule_of_a_duty_row_split_by_from_year() -> None:
    """Audit 3: a scenario whose from_year splits a duties.csv row (two rows sharing the
    spreadsheet row) made the schedule's merge on the row number duplicate rows, and
    `evplan run --scenario` ended in a traceback."""
    from evplan.examples import china_export
    from evplan.scenarios import apply_scenario, parse_catalog

    catalog = parse_catalog({"overrides": {"up": {"duties": {
        "where": {"origin": "CN", "market": "EU"}, "set": {"ad_valorem_rate": 0.3},
        "from_year": 2026}}}, "scenarios": {"eu-up": ["up"]}})
    data = china_export()
    applied = apply_scenario(data, "eu-up", catalog)
    (record,) = applied.overrides
    assert record["split_rows"]  # the row was split
    schedule = duty_schedule(applied.data)
    keys = ["origin", "market", "powertrain", "maker", "year"]
    assert not schedule.duplicated(keys).any()
    assert len(schedule) == len(duty_schedule(data))
    lane = schedule[(schedule["origin"] == "CN") & (schedule["market"] == "EU")
                    & (schedule["powertrain"] == "ICE")].set_index("year")
    assert lane.loc[2025, "ad_valorem_rate"] == pytest.approx(0.10)
    assert lane.loc[2026, "ad_valorem_rate"] == pytest.approx(0.30)
    assert lane.loc[2025, "duty_row"] == lane.loc[2026, "duty_row"] == 19
    assert lane["source"].str.startswith("[S85]").all()
    assert str(schedule["duty_row"].dtype) == "Int64"


def test_duty_schedule_without_any_duty_row() -> None:
    """Every lane falls back (no duties.csv rows): no row number, 'no duty row' as source."""
    import dataclasses

    data = single_lane()
    empty = dataclasses.replace(data, tables={**data.tables,
                                              "duties": data["duties"].iloc[:0]})
    schedule = duty_schedule(empty)
    assert len(schedule) == len(duty_schedule(data)) > 0
    assert schedule["duty_row"].isna().all() and str(schedule["duty_row"].dtype) == "Int64"
    assert set(schedule["source"]) == {"no duty row"}


def test_report_is_one_self_contained_file_with_every_chart(run_folder: Path) -> None:
    html = (run_folder / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=", html, re.I)
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?https?:", html)
    assert "window.PlotlyGeoAssets = {topojson: {\"world_110m\"" in html
    figures = figures_of(html)
    assert [figure["id"] for figure in figures] == list(CHARTS)
    for chart in CHARTS:
        assert f'id="{chart}"' in html
    kinds = {figure["id"]: {trace["type"] for trace in figure["data"]} for figure in figures}
    assert kinds["chart-sankey"] == {"sankey"} and kinds["chart-map"] == {"scattergeo"}
    assert kinds["chart-utilisation"] == {"heatmap"} and kinds["chart-duties"] == {"heatmap"}


def test_story_and_cards_tell_the_china_export_story(china_result: Result) -> None:
    run = RunData.from_result(china_result)
    assert run.focus == "CN"
    cards = {card.title: card for card in kpi_cards(run)}
    sold = cards["Share of global sales sold in China"]
    assert (sold.before, sold.years) == ("23.5 %", "2023 → 2030")
    built = cards["Share of global sales built in China"]
    assert built.before == "23.5 %"
    # the seed's core fact: China's own market shrinks as a share of global sales, while
    # Chinese plants build a growing share of them (for export)
    assert float(sold.after.split()[0]) < 20.0 < float(built.after.split()[0])
    assert cards["China plant utilisation"].before == "50 %"
    assert cards["Exports from China"].before == "0"
    text = " ".join(story(run))
    # china-export is calibrated to 2023: the story says its 2023 figures restate the inputs.
    assert text.startswith("In 2023 (calibration: demand was fitted so that 2023 reproduces "
                           "the observed sales; these figures restate the inputs), of the "
                           "3.37 M vehicles sold worldwide 23.5 % are sold in China, 23.5 % "
                           "are built in China, and its plants run 50 % full.")
    assert f"the share of global sales sold in China falls from 23.5 % to {sold.after}" in text
    assert "By 2030, exports from China go from 0 to" in text
    assert f"{built.after} of global sales are then built in China" in text
    assert "Figures after 2023 are the plan on the scenario's projected inputs, not a " \
        "forecast" in text


def test_calibrated_year_only_labels_the_first_year_when_it_is_that_year(
        china_result: Result) -> None:
    """calibrated_year is a label (docs/inputs.md): a base year before the horizon, or none,
    leaves the story's first sentence without the calibration remark."""
    import dataclasses

    run = RunData.from_result(china_result)
    for year in (2021, None):
        other = dataclasses.replace(run, manifest={
            **run.manifest, "scenario": {**run.scenario, "calibrated_year": year}})
        assert story(other)[0].startswith("In 2023, of the 3.37 M vehicles sold worldwide")
    assert story(run)[0].startswith("In 2023 (calibration: ")


def test_every_map_place_has_a_centroid(china_result: Result) -> None:
    places = set(china_result["network_sites"]["country"])
    assert places <= set(centroids().index)
    map_figure = next(chart for chart in run_charts(RunData.from_result(china_result))
                      if chart.id == "chart-map")
    assert "Not on the map" not in map_figure.caption


def test_report_from_the_folder_alone(run_folder: Path, tmp_path: Path) -> None:
    written = write_report([run_folder], tmp_path / "again.html")
    figures = figures_of(written.read_text(encoding="utf-8"))
    assert [figure["id"] for figure in figures] == list(CHARTS)
    duties = next(figure for figure in figures if figure["id"] == "chart-duties")
    assert [trace["name"] for trace in duties["data"]] == ["BEV", "PHEV", "HEV", "ICE"]


def test_report_of_an_old_folder_without_report_tables(run_folder: Path, tmp_path: Path
                                                       ) -> None:
    old = tmp_path / "old"
    old.mkdir()
    for file in run_folder.glob("*.parquet"):
        if file.stem not in REPORT_TABLES:
            (old / file.name).write_bytes(file.read_bytes())
    html = report_html([load_run(old)])
    duties = next(figure for figure in figures_of(html) if figure["id"] == "chart-duties")
    assert duties["data"][0]["colorbar"]["title"]["text"] == "USD/vehicle"


def test_comparison_page_shows_kpi_deltas_and_flows_side_by_side(
        run_folder: Path, variant_folder: Path) -> None:
    page = write_report([run_folder, variant_folder])
    assert page == run_folder.parent / "comparison.html"
    html = page.read_text(encoding="utf-8")
    assert 'id="kpi-deltas"' in html
    ids = [figure["id"] for figure in figures_of(html)]
    assert ids == ["chart-compare-utilisation", "chart-compare-exports-trend",
                   "chart-compare-margin", "chart-compare-exports", "chart-sankey-1",
                   "chart-sankey-2"]
    base = load_run(run_folder)
    variant = load_run(variant_folder)
    assert variant.kpi("duties_paid", 2030) != base.kpi("duties_paid", 2030)
    row = re.search(r"<td>Exports from China</td><td>2030</td>(.*?)</tr>", html, re.S)
    assert row and row.group(1).count("<td") == 3


def test_load_run_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a run folder"):
        load_run(tmp_path / "nowhere")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "production.parquet")
    with pytest.raises(InputError, match="has no shipments, utilisation, margin_by_market, "
                                         "kpis tables"):
        load_run(tmp_path)


def evplan_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evplan.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_cli_template_run_workbook_and_report(tmp_path: Path, run_folder: Path) -> None:
    from evplan.data import write_inputs
    from evplan.examples import random_network

    inputs = write_inputs(random_network(5), tmp_path / "inputs")
    done = evplan_cli("template", "book.xlsx", "--from", str(inputs), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Edit it, then: evplan run book.xlsx" in done.stdout
    done = evplan_cli("run", "book.xlsx", "--excel", "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "report.html").exists()
    assert (tmp_path / "out" / "results.xlsx").exists()
    assert "Report: " in done.stdout
    assert (tmp_path / "_assets").is_dir()  # plotly.js shared beside the run folder
    assert (tmp_path / "out" / "report.html").stat().st_size < 1_000_000
    done = evplan_cli("run", "book.xlsx", "-o", "whole/run", "--self-contained", "--no-record",
                      cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "whole" / "run" / "report.html").stat().st_size > 4_000_000
    assert not (tmp_path / "whole" / "_assets").exists()
    done = evplan_cli("report", str(run_folder), "-o", "copy.html", "--self-contained",
                      cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "copy.html").stat().st_size > 4_000_000
    assert b"data-evplan-plotlyjs" not in (tmp_path / "copy.html").read_bytes()
    done = evplan_cli("report", str(run_folder), "-o", "shared.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "shared.html").stat().st_size < 1_000_000
    assert b'src="_assets/plotly-' in (tmp_path / "shared.html").read_bytes()
    done = evplan_cli("report", "missing-folder", cwd=tmp_path)
    assert done.returncode == 1 and "is not a run folder" in done.stderr
    done = evplan_cli("template", "book.csv", cwd=tmp_path)
    assert done.returncode == 1 and "an Excel workbook (something.xlsx) or a folder" in done.stderr


def test_focus_can_be_chosen_and_must_be_a_producing_country(china_result: Result) -> None:
    run = RunData.from_result(china_result)
    html = report_html([run], focus="JP")
    assert "<h1>china-export: Japan&#39;s plants and their markets, 2023–2030</h1>" in html
    with pytest.raises(InputError, match=r"--focus XX: no plant of the run is in 'XX'\. Use "
                                         r"one of BR, CN, GB, IN, JP, MX, TH, US\."):
        report_html([run], focus="XX")
