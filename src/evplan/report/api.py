"""Write reports: one run's story, or several runs compared."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from evplan.errors import InputError, Problem
from evplan.report.compare import comparison_charts, kpi_delta_table
from evplan.report.excel import write_result_workbook
from evplan.report.figures import Chart, run_charts
from evplan.report.page import ChartGroup, kpi_cards, render_page, story
from evplan.report.run import RunData, load_run
from evplan.report.style import country_name
from evplan.results.result import Result

__all__ = ["REPORT_FILE", "report_html", "write_report", "write_run_extras"]

REPORT_FILE = "report.html"
COMPARISON_FILE = "comparison.html"
RESULT_WORKBOOK = "results.xlsx"


def _footer(run: RunData) -> list[str]:
    meta = run.manifest.get("metadata", {}) or {}
    status = run.manifest.get("status", "?")
    parts = [f"Run '{run.label}': status {status}"]
    if "objective_usd" in run.manifest:
        parts.append(f"objective {float(run.manifest['objective_usd']):,.0f} USD (discounted)")
    if "variables" in meta:
        parts.append(f"{meta['variables']:,} variables, {meta['constraints']:,} constraints")
    if "origin" in meta:
        parts.append(f"inputs {meta['origin']}")
    return ["; ".join(parts) + "."]


def _single(run: RunData) -> str:
    scenario = run.scenario
    name = str(scenario.get("name") or run.label)
    first, last = run.years[0], run.years[-1]
    title = f"{name}: {country_name(run.focus)}'s plants and their markets, {first}–{last}"
    charts = run_charts(run)
    groups = [ChartGroup([charts[0]]), ChartGroup([charts[1]]), ChartGroup([charts[2]]),
              ChartGroup(charts[3:5]), ChartGroup([charts[5]]), ChartGroup([charts[6]])]
    from evplan.recycling.report import recycling_charts_of_run  # run folders with recycling

    recycling = [Chart(**chart) for chart in recycling_charts_of_run(run.tables)]
    if recycling:
        groups.append(ChartGroup(recycling, "Battery recycling (evplan recycling)"))
    from evplan.charging.report import charging_charts_of_run  # run folders with a fleet

    charging = [Chart(**chart) for chart in charging_charts_of_run(run.tables)]
    if charging:
        groups.append(ChartGroup(charging, "Fleet and charging (evplan fleet / evplan "
                                           "charging)"))
    from evplan.sections import registered_sections  # sections the domain packages provide

    for section in registered_sections():
        charts = [Chart(**chart) for chart in section.charts(run.tables)]
        if charts:
            groups.append(ChartGroup(charts, section.title))
    return render_page(title=title, subtitle=str(scenario.get("description") or ""),
                       groups=groups, story_lines=story(run), cards=kpi_cards(run),
                       footer=_footer(run))


def _comparison(runs: Sequence[RunData]) -> str:
    labels = [run.label for run in runs]
    if len(set(labels)) < len(labels):
        runs = [dataclasses.replace(run, label=f"{run.label} ({number})")
                for number, run in enumerate(runs, start=1)]
    focus = runs[0].focus
    runs = [dataclasses.replace(run, focus_country=focus) for run in runs]
    across, flows = comparison_charts(runs)
    title = f"Comparing {len(runs)} runs: {', '.join(run.label for run in runs)}"
    groups = [ChartGroup(across[:2]), ChartGroup(across[2:]),
              ChartGroup(flows, f"Flows side by side, {runs[0].years[-1]} (pick a year in "
                                "each)")]
    footer = [line for run in runs for line in _footer(run)]
    return render_page(title=title, subtitle=f"Focus: {country_name(focus)}. The first run, "
                       f"{runs[0].label}, is the reference.", groups=groups,
                       kpi_table=kpi_delta_table(runs), footer=footer)


def report_html(runs: Sequence[RunData], focus: str | None = None) -> str:
    """Return the report of one run, or the comparison page of several, as HTML text.

    Parameters
    ----------
    runs : sequence of RunData
        One run (its report) or several (a comparison against the first).
    focus : str, optional
        Producing country the story is about (default: the first run's largest exporter).
    """
    if not runs:
        raise ValueError("report_html needs at least one run")
    if focus:
        countries = sorted(set(runs[0].tables["production"]["country"]))
        if focus not in countries:
            raise InputError([Problem("--focus", f"--focus {focus}: no plant of the run is in "
                                      f"'{focus}'. Use one of {', '.join(countries)}.")])
        runs = [dataclasses.replace(run, focus_country=focus) for run in runs]
    return _single(runs[0]) if len(runs) == 1 else _comparison(runs)


def _write_text_atomically(text: str, path: Path) -> Path:
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(staging, 0o644)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return path


def write_report(folders: Sequence[str | Path], output: str | Path | None = None,
                 focus: str | None = None) -> Path:
    """Write the report of one run folder, or a comparison page of several.

    Parameters
    ----------
    folders : sequence of str or Path
        Run folders written by ``evplan run``.
    output : str or Path, optional
        The HTML file; default ``<folder>/report.html`` for one run and
        ``comparison.html`` beside the first folder for several.
    focus : str, optional
        Producing country the story is about.

    Returns
    -------
    Path
        The file written.
    """
    runs = [load_run(folder, label=None if len(folders) == 1 else Path(folder).name)
            for folder in folders]
    html = report_html(runs, focus)
    if output is None:
        first = Path(folders[0])
        output = first / REPORT_FILE if len(folders) == 1 else first.parent / COMPARISON_FILE
    return _write_text_atomically(html, Path(output))


def write_run_extras(result: Result, folder: str | Path, *, report: bool = True,
                     excel: bool = False, focus: str | None = None) -> list[Path]:
    """Write ``report.html`` (and with ``excel``, ``results.xlsx``) into a written run folder.

    ``result`` should carry the report tables (see
    :func:`~evplan.report.with_report_tables`); each file appears whole or not at all.
    """
    target = Path(folder)
    written = []
    if report:
        html = report_html([RunData.from_result(result)], focus)
        written.append(_write_text_atomically(html, target / REPORT_FILE))
    if excel:
        info = {"scenario": result.scenario.get("name", ""), "status": result.status,
                "objective_usd": result.objective_usd,
                **{f"scenario.{key}": value for key, value in result.scenario.items()
                   if key != "name" and value is not None}}
        tables = dict(result.tables) | {"kpis": result.kpis}
        written.append(write_result_workbook(tables, target / RESULT_WORKBOOK, info))
    return written
