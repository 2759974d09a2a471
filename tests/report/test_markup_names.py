"""Names from the inputs are shown as typed in the charts, never read as plotly.js markup.

plotly.js reads chart text as a small HTML dialect: a plant id ``<a href="https://...">P2</a>``
was a clickable link to the network in an offline report, and a market ``<b>M3</b>`` a bold
``M3``. The report writes such names as entities (plotly.js decodes them when it draws).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import evplan
from evplan.data import NetworkData
from evplan.examples import random_network
from evplan.report import with_report_tables, write_report, write_run_extras
from evplan.report.style import plotly_text
from tests.report.chromium import network_requests, open_page

LINK = '<a href="https://evil.example/">P2</a>'
BOLD = "<b>M3</b>%{y}"
SCRIPT = "<script>alert(1)</script>"


def _renamed(data: NetworkData, column: str, old: str, new: str) -> NetworkData:
    """``data`` with id ``old`` of ``column`` renamed ``new`` in every table that has it."""
    tables = {}
    for name, frame in data.tables.items():
        if column in frame.columns:
            frame = frame.copy()
            frame[column] = frame[column].replace({old: new})
        tables[name] = frame
    return data.replace(tables=tables)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small plan whose plant, market and folder names are markup."""
    data = random_network(3)
    data = _renamed(data, "plant", "P2", LINK)
    data = _renamed(data, "market", "M3", BOLD)
    data = _renamed(data, "market", "M1", SCRIPT)
    result = with_report_tables(evplan.optimize(data), data)
    assert result.status == "optimal"
    folder = evplan.write_result(result, tmp_path_factory.mktemp("markup") / "<i>run</i>")
    write_run_extras(result, folder)
    return folder


def _figures(html: str) -> list[dict]:
    match = re.search(r"var figures = (\[.*?\]);\n", html, re.S)
    assert match
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_plotly_text_writes_markup_as_entities() -> None:
    assert plotly_text(LINK) == '&lt;a href="https://evil.example/"&gt;P2&lt;/a&gt;'
    assert plotly_text("P&G 5%") == "P&amp;G 5&#37;"
    assert plotly_text("CN-HUA") == "CN-HUA"


def test_chart_data_holds_names_as_entities(hostile_run: Path) -> None:
    html = (hostile_run / "report.html").read_text(encoding="utf-8")
    text = json.dumps(_figures(html))
    for name in (LINK, BOLD, SCRIPT):
        assert json.dumps(name)[1:-1] not in text  # never raw in a chart
    assert json.dumps(plotly_text(LINK))[1:-1] in text
    assert json.dumps(plotly_text(BOLD))[1:-1] in text



PROBES = {
    "links": "document.querySelectorAll('svg a').length",
    "texts": "Array.from(document.querySelectorAll('svg text')).map(t => t.textContent)",
}


@pytest.mark.slow
def test_report_and_comparison_show_names_as_typed(chromium: str, hostile_run: Path,
                                                   tmp_path: Path) -> None:
    comparison = write_report([hostile_run, hostile_run], tmp_path / "comparison.html")
    for page_path in (hostile_run / "report.html", comparison):
        page = open_page(page_path, PROBES, binary=chromium)
        assert page.console_errors == [] and page.exceptions == []
        assert network_requests(page) == []
        assert page.probes["links"] == 0  # the plant id is no link
        texts = page.probes["texts"]
        assert LINK in texts and SCRIPT in texts  # axis and Sankey labels as typed
        assert any(BOLD in text for text in texts)
