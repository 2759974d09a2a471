"""Report polish in headless Chromium (issue 18, item 10): the heatmap's mode bar clears its
first row, every export origin on the map has a label and the map's extent holds every lane,
Sankey labels never overlap (report and comparison page), and a run folder that gains
recycling tables shows the recycling section."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evplan.charging.commands import refresh_report
from evplan.recycling import RecyclingOptions, load_inputs, plan_recycling
from evplan.recycling.output import write_recycling
from evplan.report import load_run, write_report
from evplan.report.figures import export_map, great_circle_latitudes
from tests.recycling.conftest import EXACT, retired, tiny_tables
from tests.report.chromium import open_page
from tests.report.test_browser import drawn

pytestmark = pytest.mark.slow

#: JavaScript: [labels found, pairs of labels whose boxes overlap] for a CSS selector.
OVERLAPS = """((selector) => {
  const boxes = Array.from(document.querySelectorAll(selector))
    .filter(e => e.textContent.trim()).map(e => e.getBoundingClientRect())
    .filter(r => r.width > 0);
  let pairs = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
        && b.top < a.bottom - 1) pairs++;
  }
  return [boxes.length, pairs];
})"""

PROBES = {
    # the mode bar's bottom edge and the top of the heatmap's plot area (its first row)
    "modebar": "(() => { const chart = document.getElementById('chart-utilisation'); "
               "const bar = chart.querySelector('.modebar').getBoundingClientRect(); "
               "const plot = chart.querySelector('.draglayer .xy .nsewdrag')"
               ".getBoundingClientRect(); return [bar.height, bar.bottom, plot.top]; })()",
    "map_labels": "Array.from(document.querySelectorAll('#chart-map .scattergeo text'))"
                  ".map(t => t.textContent).filter(t => t)",
    "sankey": OVERLAPS + "('#chart-sankey .sankey-node text')",
}


def test_heatmap_toolbar_map_labels_and_sankey_labels(chromium: str, run_folder: Path
                                                      ) -> None:
    page = open_page(run_folder / "report.html", PROBES, binary=chromium)
    assert page.console_errors == [] and page.exceptions == []
    height, bar_bottom, plot_top = page.probes["modebar"]
    assert height > 10 and bar_bottom <= plot_top
    run = load_run(run_folder)
    shipments = run.tables["shipments"]
    last = shipments[(shipments["year"] == run.years[-1]) & shipments["export"]
                     & (shipments["shipment_vehicles"] > 0.5)]
    origins = set(last["origin"])
    assert run.focus in origins and origins <= set(page.probes["map_labels"])
    labels, overlapping = page.probes["sankey"]
    assert labels > 20 and overlapping == 0


def test_the_map_extent_holds_every_lane(run_folder: Path) -> None:
    run = load_run(run_folder)
    figure = export_map(run).figure
    low, high = figure["layout"]["geo"]["lataxis"]["range"]
    lines = [trace for trace in figure["data"] if trace["mode"] == "lines"]
    assert lines
    for trace in lines:
        (lat1, lat2), (lon1, lon2) = trace["lat"], trace["lon"]
        path = great_circle_latitudes((lat1, lon1), (lat2, lon2))
        assert low <= path.min() and path.max() <= high, trace["text"][0]
    assert high > 72  # the old fixed band cut lanes over the Arctic


def test_comparison_sankey_labels_do_not_overlap(chromium: str, run_folder: Path,
                                                 variant_folder: Path, tmp_path: Path) -> None:
    html = write_report([run_folder, variant_folder], tmp_path / "comparison.html")
    page = open_page(html, {name: OVERLAPS + f"('#{name} .sankey-node text')"
                            for name in ("chart-sankey-1", "chart-sankey-2")}, binary=chromium)
    assert page.console_errors == [] and page.exceptions == []
    for name in ("chart-sankey-1", "chart-sankey-2"):
        labels, overlapping = page.probes[name]
        assert labels > 20 and overlapping == 0, name


def test_recycling_tables_bring_the_recycling_section(chromium: str, run_folder: Path,
                                                      tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    before = (folder / "report.html").read_text(encoding="utf-8")
    assert "Battery recycling" not in before
    targets = [("recycling_efficiency", "*", 2025, 0.5)]
    result = plan_recycling(load_inputs(retired(1500.0), **tiny_tables(eu=True,
                                                                        targets=targets)),
                            RecyclingOptions(discount_rate=0.0, solver=EXACT))
    write_recycling(result, folder)
    assert refresh_report(folder) == folder / "report.html"  # what `evplan recycling` calls
    ids = ["recycling-recovered", "recycling-map", "recycling-compliance"]
    page = open_page(folder / "report.html", {
        "headings": "Array.from(document.querySelectorAll('h2')).map(h => h.textContent)",
        "charts": drawn(ids)}, binary=chromium)
    assert page.console_errors == [] and page.exceptions == []
    assert "Battery recycling (evplan recycling)" in page.probes["headings"]
    assert page.probes["charts"] == dict.fromkeys(ids, True), json.dumps(page.probes["charts"])
