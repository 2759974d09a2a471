"""The report in a real headless Chromium: every chart drawn, no console error, no network.

Chromium is Debian's ``chromium`` (``.ci/run`` installs it). Without it these tests skip,
except in CI (``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evplan.report import load_run, write_report
from evplan.report.page import kpi_cards
from evplan.report.scripts import ASSETS_FOLDER, plotlyjs_file_name
from evplan.report.style import pct
from tests.report.chromium import network_requests, open_page
from tests.report.test_report import CHARTS

pytestmark = pytest.mark.slow



def drawn(ids: list[str]) -> str:
    """JavaScript: for each chart id, whether plotly drew it (data, an SVG, traces)."""
    return ("(() => { const out = {}; for (const id of " + json.dumps(ids) + ") { "
            "const el = document.getElementById(id); "
            "out[id] = !!el && !!el._fullData && el._fullData.length > 0 "
            "&& !!el.querySelector('svg.main-svg') "
            "&& el.getBoundingClientRect().height > 100; } return out; })()")


PROBES = {
    "charts": drawn(list(CHARTS)),
    "countries": "(document.querySelector('#chart-map .geo .countries path') || "
                 "{getAttribute: () => ''}).getAttribute('d').length",
    "land": "(document.querySelector('#chart-map .geo .land path') || "
            "{getAttribute: () => ''}).getAttribute('d').length",
    "map_lines": "document.querySelectorAll('#chart-map .scattergeo path.js-line').length",
    "sankey_nodes": "document.querySelectorAll('#chart-sankey .sankey-node').length",
    "sankey_links": "document.querySelectorAll('#chart-sankey .sankey-link').length",
    "heatmaps": "document.querySelectorAll('#chart-utilisation .hm image, "
                "#chart-duties .hm image').length",
    "bars": "document.querySelectorAll('#chart-production .bars .point, "
            "#chart-markets .bars .point').length",
    "cards": "document.querySelectorAll('#kpi-cards .card').length",
    "card_text": "Array.from(document.querySelectorAll('#kpi-cards .card')).map(c => "
                 "[c.querySelector('h3').innerText, c.querySelector('.before').innerText, "
                 "c.querySelector('.after').innerText])",
    "story": "(document.querySelector('.story') || {innerText: ''}).innerText",
    "title": "document.querySelector('h1').textContent",
}


def test_report_draws_every_chart_offline(chromium: str, run_folder: Path) -> None:
    page = open_page(run_folder / "report.html", PROBES, binary=chromium)
    assert page.probes["rendered"] == [str(len(CHARTS)), None]
    assert page.console_errors == []
    assert page.exceptions == []
    assert network_requests(page) == []
    assert page.requests[0] == page.url
    assert page.probes["charts"] == dict.fromkeys(CHARTS, True)
    assert page.probes["countries"] > 10_000  # the embedded world map, not a blank globe
    assert page.probes["land"] > 10_000
    assert page.probes["map_lines"] > 10
    assert page.probes["sankey_nodes"] > 20 and page.probes["sankey_links"] > 40
    assert page.probes["heatmaps"] == 2
    assert page.probes["bars"] > 100
    assert page.probes["cards"] == 7
    # what a reader sees on each card is the KPI table's value, by name (issue 18)
    run = load_run(run_folder)
    assert page.probes["card_text"] == [[card.title.upper(), card.before, card.after]
                                        for card in kpi_cards(run)]
    seen = {title: (before, after) for title, before, after in page.probes["card_text"]}
    first, last = run.years[0], run.years[-1]
    sold = [run.kpis[(run.kpis["kpi"] == "sales_share_by_market") & (run.kpis["key"] == "CN")
                     & (run.kpis["year"] == year)]["value"].item() for year in (first, last)]
    assert seen["SHARE OF GLOBAL SALES SOLD IN CHINA"] == (pct(sold[0], 1), pct(sold[1], 1))
    assert sold[1] < sold[0]
    assert (f"the share of global sales sold in China falls from {pct(sold[0], 1)} to "
            f"{pct(sold[1], 1)}") in page.probes["story"]
    assert page.probes["title"].startswith("china-export: China's plants")


def test_comparison_page_draws_offline(chromium: str, run_folder: Path, variant_folder: Path,
                                       tmp_path: Path) -> None:
    html = write_report([run_folder, variant_folder], tmp_path / "comparison.html")
    ids = ["chart-compare-utilisation", "chart-compare-exports-trend", "chart-compare-margin",
           "chart-compare-exports", "chart-sankey-1", "chart-sankey-2"]
    page = open_page(html, {"charts": drawn(ids),
                            "rows": "document.querySelectorAll('#kpi-deltas tbody tr').length",
                            "first_row": "Array.from(document.querySelectorAll("
                                         "'#kpi-deltas tbody tr td')).slice(0, 3)"
                                         ".map(td => td.textContent)",
                            "story": PROBES["story"]},
                     binary=chromium)
    assert page.probes["rendered"] == [str(len(ids)), None]
    assert page.console_errors == [] and page.exceptions == []
    assert network_requests(page) == []
    assert page.probes["charts"] == dict.fromkeys(ids, True)
    assert page.probes["rows"] == 14
    base = load_run(run_folder)
    sold = base.kpis[(base.kpis["kpi"] == "sales_share_by_market") & (base.kpis["key"] == "CN")
                     & (base.kpis["year"] == base.years[0])]["value"].item()
    assert page.probes["first_row"] == ["Share of global sales sold in China",
                                        str(base.years[0]), pct(sold, 1)]
    assert page.probes["story"].count("the share of global sales sold in China") == 2


def test_report_with_shared_plotlyjs_draws_every_chart_offline(
        chromium: str, shared_run_folder: Path) -> None:
    page = open_page(shared_run_folder / "report.html", PROBES, binary=chromium)
    assert page.probes["rendered"] == [str(len(CHARTS)), None]
    assert page.console_errors == [] and page.exceptions == []
    script = (shared_run_folder.parent / ASSETS_FOLDER / plotlyjs_file_name()).resolve()
    assert network_requests(page) == [script.as_uri()]  # the shared file, nothing else
    assert page.probes["charts"] == dict.fromkeys(CHARTS, True)
    assert page.probes["countries"] > 10_000 and page.probes["sankey_nodes"] > 20
    assert page.probes["cards"] == 7


def test_report_without_its_shared_plotlyjs_says_so(chromium: str, shared_run_folder: Path,
                                                    tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "report.html").write_bytes((shared_run_folder / "report.html").read_bytes())
    page = open_page(moved / "report.html",
                     {"note": "document.querySelector('.load-error').textContent"},
                     binary=chromium)
    assert page.probes["rendered"][0] is None
    assert "keep the _assets folder" in page.probes["rendered"][1]
    assert "--self-contained" in page.probes["note"]
