"""The strategic plan end to end: ``evplan run`` prints the decisions first, writes the
strategic tables, and the report gains its "Network decisions" section."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

import evplan
from evplan.data import write_inputs
from evplan.report import report_html
from evplan.report.run import RunData
from evplan.strategic.report import network_decision_charts
from tests.strategic.networks import two_plants
from tests.strategic.test_hand_solvable import kit_network


def closing_plant() -> evplan.NetworkData:
    return two_plants(years=2, extra={"plant_strategy": {
        "plant": ["P2"], "modules_initial": [1], "closure_cost_usd": [1e6]}})


def test_run_prints_the_decisions_first_and_writes_their_tables(tmp_path: Path) -> None:
    inputs = write_inputs(closing_plant(), tmp_path / "inputs")
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "run", str(inputs), "-o",
                           str(tmp_path / "out"), "--no-record"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Network decisions:"
    assert lines[1] == "  - close P2 for good in 2025 (its 1 module stops) (one-off US$ 1 M)"
    assert lines[2].startswith("Value US$ 6 M (consolidated, discounted), US$ 2 M more than "
                               "keeping today's network")
    written = {path.stem for path in (tmp_path / "out").iterdir()}
    assert {"network_decisions", "plant_decisions", "network_costs", "network_comparison",
            "equity_margin", "kit_shipments", "assembly"} <= written
    decisions = pd.read_csv(tmp_path / "out" / "network_decisions.csv")
    assert decisions["kind"].tolist() == ["close"]
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Network decisions" in report and "network-timeline" in report


def test_the_section_draws_timeline_capacity_map_and_value() -> None:
    result = evplan.optimize(kit_network(0.3))
    charts = network_decision_charts(result.tables)
    assert [chart["id"] for chart in charts] == ["network-timeline", "network-value"]
    result = evplan.optimize(closing_plant())
    charts = network_decision_charts(result.tables)
    assert [chart["id"] for chart in charts] == ["network-timeline", "network-capacity",
                                                 "network-map", "network-value"]
    html = report_html([RunData.from_result(evplan.report.with_report_tables(
        result, closing_plant()))])
    assert "Capacity and utilisation before and in 2026" in html
    plain = evplan.optimize(two_plants())
    assert network_decision_charts(plain.tables) == []
