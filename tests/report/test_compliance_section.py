"""The report's "Compliance and CO2" section, drawn from the run folder's own tables."""

from __future__ import annotations

from pathlib import Path

from evplan.report import load_run
from evplan.results.compliance_report import COMPLIANCE_RESULT_TABLES, compliance_charts_of_run


def test_run_folder_holds_the_compliance_tables(run_folder: Path) -> None:
    for name in COMPLIANCE_RESULT_TABLES:
        assert (run_folder / f"{name}.parquet").exists(), name


def test_report_has_a_compliance_and_co2_section(run_folder: Path) -> None:
    html = (run_folder / "report.html").read_text(encoding="utf-8")
    assert "Compliance and CO2" in html
    for chart in ("compliance-fleet", "compliance-zev", "compliance-bev-value",
                  "compliance-co2", "compliance-plants"):
        assert chart in html, chart


def test_charts_come_from_the_folder_alone(run_folder: Path) -> None:
    run = load_run(run_folder)
    charts = compliance_charts_of_run(run.tables)
    fleet = next(chart for chart in charts if chart["id"] == "compliance-fleet")
    names = [trace["name"] for trace in fleet["figure"]["data"]]
    assert names == ["EU fleet", "EU target"]
    target = fleet["figure"]["data"][1]["y"]
    assert target[0] == 93.6 and target[-1] == 49.5
    assert compliance_charts_of_run({}) == []
