"""The "Decisions under uncertainty" report of a study: every card tied to the result by
name, every table to the result's tables, and the page drawn in headless Chromium.

The study is the hand-solved tree of docs/stochastic.md (tests/twostage/test_hand_solvable):
demand high (0.3) or low (0.7), one plant with two modules; at lambda 2 (alpha 0.5) the plan
drops a module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import evplan
from evplan.examples import strategic_lane
from evplan.report.stochastic import (
    HEADING,
    max_regret_usd,
    stochastic_cards,
    stochastic_report_html,
    stochastic_tables,
)
from evplan.report.style import usd
from evplan.scenarios.overrides import parse_catalog
from evplan.twostage.frontier import efficient_frontier
from tests.report.chromium import network_requests, open_page

M = 1e6
CATALOG = parse_catalog({
    "overrides": {"high": {"demand": {"set": {"volume_vehicles": 1000}}},
                  "low": {"demand": {"set": {"volume_vehicles": 300}}}},
    "studies": {"demand": {"risk": {"alpha": 0.5}, "scenarios": {
        "high": {"probability": 0.3, "overrides": ["high"]},
        "low": {"probability": 0.7, "overrides": ["low"]}}}}})


@pytest.fixture(scope="module")
def solved() -> tuple[Any, pd.DataFrame]:
    data = strategic_lane()
    result = evplan.stochastic(data, "demand", catalog=CATALOG)
    frontier = efficient_frontier(data, "demand", [0, 2], catalog=CATALOG)
    return result, frontier


def _value(result: Any, name: str) -> float:
    return max_regret_usd(result) if name == "max_regret_usd" else getattr(result, name)


def test_every_card_shows_the_result_field_it_names(solved: tuple[Any, pd.DataFrame]) -> None:
    result, _ = solved
    cards = stochastic_cards(result)
    assert [card.kpi for card in cards] == ["objective_usd", "expected_margin_usd", "cvar_usd",
                                            "evpi_usd", "vss_usd", "max_regret_usd"]
    for card in cards:
        assert card.after == usd(_value(result, card.kpi)), card.title
    by_name = {card.kpi: card.after for card in cards}
    # the hand-solved values (docs/stochastic.md, worked example)
    assert by_name["evpi_usd"] == usd(0.42 * M) == "USD 420,000"
    assert by_name["vss_usd"] == usd(0.75 * M) == "USD 750,000"
    assert by_name["cvar_usd"] == usd(0.7 * M)
    assert by_name["max_regret_usd"] == usd(0.6 * M)  # 2 modules in 'low': 1.3 - 0.7


def test_tables_are_the_result_tables(solved: tuple[Any, pd.DataFrame]) -> None:
    result, _ = solved
    first, regret = stochastic_tables(result)
    assert [[cell["text"] for cell in row] for row in first["rows"]] == [
        [row.variable, row.element, str(row.year), "2" if row.variable == "plant_modules"
         else "yes"] for row in result.first_stage.itertuples()]
    assert regret["header"] == ["plan", "high", "low", "worst"]
    cells = {row[0]["text"]: [cell["text"] for cell in row[1:]] for row in regret["rows"]}
    table = result.regret.set_index(["plan", "scenario"])["regret_usd"]
    for plan, texts in cells.items():
        assert texts[:2] == [usd(table[(plan, s)]) for s in ("high", "low")]
        assert texts[2] == usd(max(table[(plan, "high")], table[(plan, "low")]))
    assert cells["low"] == [usd(3.9 * M), "USD 0", usd(3.9 * M)]


def test_the_frontier_names_the_decision_that_changes(solved: tuple[Any, pd.DataFrame]
                                                      ) -> None:
    _, frontier = solved
    assert frontier["changed_decisions"].tolist() == ["", "plant_modules P1 2025: 2 -> 1"]
    html = stochastic_report_html(solved[0], frontier)
    assert "λ 2: plant_modules P1 2025: 2 -&gt; 1" in html



CHARTS = ("chart-scenario-margins", "chart-regret", "chart-frontier")
PROBES = {
    "heading": "document.getElementById('decisions-under-uncertainty').innerText",
    "cards": "Array.from(document.querySelectorAll('#kpi-cards .card')).map(c => "
             "[c.querySelector('h3').innerText, c.querySelector('.after').innerText])",
    "arrows": "document.querySelectorAll('#kpi-cards .arrow').length",
    "tables": "Array.from(document.querySelectorAll('section table')).map(t => "
              "t.closest('section').id)",
    "drawn": "(() => { const out = {}; for (const id of " + str(list(CHARTS)).replace("'", '"')
             + ") { const el = document.getElementById(id); out[id] = !!el && "
               "!!el._fullData && el._fullData.length > 0 && "
               "!!el.querySelector('svg.main-svg'); } return out; })()",
    "heatmap": "document.querySelectorAll('#chart-regret .hm image').length",
}


def test_the_section_draws_in_chromium(solved: tuple[Any, pd.DataFrame], chromium: str,
                                       tmp_path: Path) -> None:
    result, frontier = solved
    page = tmp_path / "report.html"
    page.write_text(stochastic_report_html(result, frontier), encoding="utf-8")
    report = open_page(page, PROBES, binary=chromium)
    assert report.probes["rendered"] == [str(len(CHARTS)), None]
    assert report.console_errors == [] and report.exceptions == []
    assert network_requests(report) == []
    assert report.probes["heading"] == HEADING
    assert report.probes["cards"] == [[card.title.upper(), usd(_value(result, card.kpi))]
                                      for card in stochastic_cards(result)]
    assert ["EVPI", "USD 420,000"] in report.probes["cards"]
    assert ["VSS", "USD 750,000"] in report.probes["cards"]
    assert report.probes["arrows"] == 0
    assert report.probes["tables"] == ["first-stage", "regret-table"]
    assert report.probes["drawn"] == dict.fromkeys(CHARTS, True)
    assert report.probes["heatmap"] == 1


def test_a_negative_regret_is_explained_as_solver_tolerance(
        solved: tuple[Any, pd.DataFrame]) -> None:
    import dataclasses

    result, _ = solved
    assert "A negative regret" not in stochastic_report_html(result)  # exact solves here
    regret = result.regret.copy()
    regret.loc[0, "regret_usd"] = -5e6
    noisy = dataclasses.replace(result, regret=regret)
    assert "A negative regret means a plan beat a scenario&#39;s own optimum" in \
        stochastic_report_html(noisy)
