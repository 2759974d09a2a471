"""The report in a real headless Chromium: every chart drawn, no console error, no network.

Chromium is Debian's ``chromium`` (``.ci/run`` installs it). Without it these tests skip,
except in CI (``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evplan.report import write_report
from evplan.report.scripts import ASSETS_FOLDER, plotlyjs_file_name
from tests.report.chromium import find_chromium, network_requests, open_page
from tests.report.test_report import CHARTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium); the report's "
                    "browser tests need it")
    return binary


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
    assert page.probes["cards"] == 6
    assert page.probes["title"].startswith("china-export: China's plants")


def test_comparison_page_draws_offline(chromium: str, run_folder: Path, variant_folder: Path,
                                       tmp_path: Path) -> None:
    html = write_report([run_folder, variant_folder], tmp_path / "comparison.html")
    ids = ["chart-compare-utilisation", "chart-compare-exports-trend", "chart-compare-margin",
           "chart-compare-exports", "chart-sankey-1", "chart-sankey-2"]
    page = open_page(html, {"charts": drawn(ids),
                            "rows": "document.querySelectorAll('#kpi-deltas tbody tr').length"},
                     binary=chromium)
    assert page.probes["rendered"] == [str(len(ids)), None]
    assert page.console_errors == [] and page.exceptions == []
    assert network_requests(page) == []
    assert page.probes["charts"] == dict.fromkeys(ids, True)
    assert page.probes["rows"] == 12


def test_report_with_shared_plotlyjs_draws_every_chart_offline(
        chromium: str, shared_run_folder: Path) -> None:
    page = open_page(shared_run_folder / "report.html", PROBES, binary=chromium)
    assert page.probes["rendered"] == [str(len(CHARTS)), None]
    assert page.console_errors == [] and page.exceptions == []
    script = (shared_run_folder.parent / ASSETS_FOLDER / plotlyjs_file_name()).resolve()
    assert network_requests(page) == [script.as_uri()]  # the shared file, nothing else
    assert page.probes["charts"] == dict.fromkeys(CHARTS, True)
    assert page.probes["countries"] > 10_000 and page.probes["sankey_nodes"] > 20
    assert page.probes["cards"] == 6


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
