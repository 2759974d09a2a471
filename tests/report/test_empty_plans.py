"""Plans that ship nothing, in one year or in every year, still give a whole report.

plotly.js throws on a Sankey without a link; the page drew the charts before it and stopped
(no map, no heatmaps, no ``data-rendered``). A year without flows now has no Sankey trace
and is named in the caption; a plan without any has a note in the Sankey's place.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import evplan
from evplan.data import NetworkData
from evplan.examples import random_network
from evplan.report import RunData, with_report_tables, write_run_extras
from evplan.report.figures import run_charts, sankey
from tests.report.chromium import network_requests, open_page


def _unsold(data: NetworkData, years: set[int]) -> NetworkData:
    """``data`` with every price of ``years`` at a few dollars (nothing worth selling) and no
    committed sales."""
    demand = data["demand"].copy()
    cheap = demand["year"].isin(years)
    demand.loc[cheap, "price_usd_per_vehicle"] = 10.0 - demand.loc[cheap, "tier"]
    committed = data["committed_sales"].head(0)
    return data.replace(tables=dict(data.tables) | {"demand": demand,
                                                    "committed_sales": committed})


def _run(data: NetworkData) -> RunData:
    result = evplan.optimize(data)
    assert result.status == "optimal"
    return RunData.from_result(with_report_tables(result, data))


def test_a_year_without_flows_is_left_out_of_the_sankey_and_named() -> None:
    data = random_network(3)
    run = _run(_unsold(data, {2030}))
    assert run.years == [2030, 2031]
    chart = sankey(run)
    assert [trace["name"] for trace in chart.figure["data"]] == ["2031"]
    assert all(len(trace["link"]["value"]) > 0 for trace in chart.figure["data"])
    buttons = chart.figure["layout"]["updatemenus"][0]["buttons"]
    assert [button["label"] for button in buttons] == ["2031"]
    assert chart.caption.endswith("No vehicle is shipped in 2030.")


def test_a_plan_without_flows_has_a_note_in_place_of_the_sankey() -> None:
    run = _run(_unsold(random_network(3), {2030, 2031}))
    assert float(run.tables["shipments"]["shipment_vehicles"].sum()) == 0.0
    chart = sankey(run)
    assert chart.figure["data"] == []
    assert "no flows to draw" in chart.caption



@pytest.mark.slow
@pytest.mark.parametrize("unsold", [{2030}, {2030, 2031}])
def test_reports_of_plans_that_ship_little_draw_every_chart(chromium: str, tmp_path: Path,
                                                            unsold: set[int]) -> None:
    data = _unsold(random_network(3), unsold)
    result = with_report_tables(evplan.optimize(data), data)
    folder = evplan.write_result(result, tmp_path / "run")
    write_run_extras(result, folder)
    page = open_page(folder / "report.html", binary=chromium)
    charts = len(run_charts(RunData.from_result(result)))  # a plan without rules: 7
    assert page.probes["rendered"] == [str(charts), None]
    assert page.exceptions == [] and page.console_errors == []
    assert network_requests(page) == []
