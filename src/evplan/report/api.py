"""Write reports: one run's story, or several runs compared."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path

from evplan.errors import InputError, Problem
from evplan.outputs.files import atomic_write
from evplan.report.compare import comparison_charts, comparison_story, kpi_delta_table
from evplan.report.figures import Chart, run_charts
from evplan.report.page import ChartGroup, kpi_cards, render_page, story
from evplan.report.run import RunData, load_run
from evplan.report.scripts import shared_src
from evplan.report.style import country_name
from evplan.results.result import Result
from evplan.summary import run_title

__all__ = ["REPORT_FILE", "report_file", "report_html", "uses_shared_plotlyjs", "write_report",
           "write_run_extras"]

REPORT_FILE = "report.html"
# Result tables written only by runs with CO2 and zero-emission rules (issue 16).
COMPLIANCE_RESULT_TABLES = ("fleet_compliance", "zev_compliance", "production_credit_compliance",
                            "co2_by_year")
COMPARISON_FILE = "comparison.html"
RESULT_WORKBOOK = "results.xlsx"


def _footer(run: RunData) -> list[str]:
    meta = run.manifest.get("metadata", {}) or {}
    status = run.manifest.get("status", "?")
    parts = [f"Run '{run.label}': status {status}"]
    if meta.get("integer_variables") and "mip_gap" in meta:  # a MILP: how far from proven
        gap, bound = float(meta["mip_gap"]), meta.get("mip_bound_usd")
        parts[0] += (f", MIP gap {gap:.3%}" + (f" (bound {float(bound):,.0f} USD)"
                                               if bound is not None and math.isfinite(
                                                   float(bound)) else "")
                     if math.isfinite(gap) else ", MIP gap unknown (no bound proven)")
    if "objective_usd" in run.manifest:
        parts.append(f"objective {float(run.manifest['objective_usd']):,.0f} USD (discounted)")
    if "variables" in meta:
        parts.append(f"{meta['variables']:,} variables, {meta['constraints']:,} constraints")
    if meta.get("origin"):
        parts.append(f"inputs {inputs_label(str(meta['origin']))}")
    return ["; ".join(parts) + "."]


def inputs_label(origin: str) -> str:
    """How a shared page names the inputs: the file or folder name, never its full path
    (the embedded examples are named as such, not by their install path)."""
    path = Path(origin)
    try:
        from evplan.examples import china_export_path

        if path.resolve() == china_export_path().resolve():
            return "the embedded china-export example"
    except (OSError, ValueError):
        pass
    return path.name or origin


def _single(run: RunData, plotlyjs_src: str | None = None) -> str:
    scenario = run.scenario
    name = run_title(scenario) or run.label  # "china-export · trade-war" for a scenario run
    first, last = run.years[0], run.years[-1]
    span = str(first) if first == last else f"{first}–{last}"  # a one-year plan: its year
    title = f"{name}: {country_name(run.focus)}'s plants and their markets, {span}"
    charts = run_charts(run)
    groups = [ChartGroup([charts[0]]), ChartGroup([charts[1]]), ChartGroup([charts[2]]),
              ChartGroup(charts[3:5]), ChartGroup([charts[5]]), ChartGroup([charts[6]])]
    names = list(run.tables)
    recycling: list[Chart] = []
    if any(name.startswith("recycling_") for name in names):  # run folders with recycling
        from evplan.recycling.report import recycling_charts_of_run

        recycling = [Chart(**chart) for chart in recycling_charts_of_run(run.tables)]
    if recycling:
        groups.append(ChartGroup(recycling, "Battery recycling (evplan recycling)"))
    if any(name in COMPLIANCE_RESULT_TABLES for name in names):  # runs with CO2 rules
        from evplan.results.compliance_report import compliance_charts_of_run

        compliance = [Chart(**chart) for chart in compliance_charts_of_run(run.tables)]
        if compliance:
            groups.append(ChartGroup(compliance, "Compliance and CO2"))
    charging: list[Chart] = []
    if any(name == "fleet" or name.startswith("charging_") for name in names):  # a fleet
        from evplan.charging.report import charging_charts_of_run

        charging = [Chart(**chart) for chart in charging_charts_of_run(run.tables)]
    if charging:
        groups.append(ChartGroup(charging, "Fleet and charging (evplan fleet / evplan "
                                           "charging)"))
    if "network_decisions" in names:  # a strategic run (evplan.strategic)
        from evplan.strategic.report import network_decision_charts

        decisions = [Chart(**chart) for chart in network_decision_charts(run.tables)]
        if decisions:
            groups.append(ChartGroup(decisions, "Network decisions"))
    return render_page(title=title, subtitle=str(scenario.get("description") or ""),
                       groups=groups, story_lines=story(run), cards=kpi_cards(run),
                       footer=_footer(run), plotlyjs_src=plotlyjs_src)


def _comparison(runs: Sequence[RunData], plotlyjs_src: str | None = None) -> str:
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
                       story_lines=comparison_story(runs),
                       kpi_table=kpi_delta_table(runs), footer=footer,
                       plotlyjs_src=plotlyjs_src)


def report_html(runs: Sequence[RunData], focus: str | None = None,
                plotlyjs_src: str | None = None) -> str:
    """Return the report of one run, or the comparison page of several, as HTML text.

    Parameters
    ----------
    runs : sequence of RunData
        One run (its report) or several (a comparison against the first).
    focus : str, optional
        Producing country the story is about (default: the first run's largest exporter).
    plotlyjs_src : str, optional
        Relative URL of a shared plotly.js file (see :mod:`evplan.report.scripts`); by
        default plotly.js is embedded and the page is self-contained.
    """
    if not runs:
        raise ValueError("report_html needs at least one run")
    if focus:
        countries = sorted(set(runs[0].tables["production"]["country"]))
        if focus not in countries:
            raise InputError([Problem("--focus", f"--focus {focus}: no plant of the run is in "
                                      f"'{focus}'. Use one of {', '.join(countries)}.")])
        runs = [dataclasses.replace(run, focus_country=focus) for run in runs]
    return (_single(runs[0], plotlyjs_src) if len(runs) == 1
            else _comparison(runs, plotlyjs_src))


def _page_target(path: Path) -> Path:
    """``path`` when a report page may be written there: new, or a page evplan wrote; a
    link, a folder or another file raise OutputError (as ``evplan report`` refuses them)."""
    from evplan.outputs.targets import check_file_target, evplan_html

    return check_file_target(path, force=False, what="the report page", name=path.name,
                             replaceable=evplan_html, ours=evplan_html)


def _workbook_target(path: Path) -> Path:
    """``path`` when ``results.xlsx`` may be written there: new, or a workbook evplan wrote
    (its creator property); a link, a folder or a user's file raise OutputError."""
    from evplan.outputs.targets import (
        check_file_target,
        evplan_result_workbook,
        evplan_workbook,
    )

    return check_file_target(path, force=False, what="the result workbook", name=path.name,
                             replaceable=evplan_result_workbook, ours=evplan_workbook)


def _write_text_atomically(text: str, path: Path) -> Path:
    return atomic_write(path.resolve(), lambda file: file.write_text(text, encoding="utf-8"))


def write_report(folders: Sequence[str | Path], output: str | Path | None = None,
                 focus: str | None = None, *, self_contained: bool = True) -> Path:
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
    self_contained : bool
        Embed plotly.js (the default). False loads the output folder's shared copy: for a
        run's own ``report.html``, ``_assets/`` beside the run folder; for any other page,
        ``_assets/`` beside the page.

    Returns
    -------
    Path
        The file written.
    """
    runs = [load_run(folder, label=None if len(folders) == 1 else Path(folder).name)
            for folder in folders]
    output = _page_target(report_file(folders, output))
    src = None
    if not self_contained:
        own_report = (len(folders) == 1 and output.name == REPORT_FILE
                      and output.resolve().parent == Path(folders[0]).resolve())
        root = output.resolve().parent.parent if own_report else output.resolve().parent
        src = shared_src(root, output.resolve().parent)
    html = report_html(runs, focus, src)
    return _write_text_atomically(html, output)


def uses_shared_plotlyjs(page: str | Path) -> bool:
    """Whether an existing report page loads a shared plotly.js (not self-contained)."""
    return b'data-evplan-plotlyjs="shared"' in Path(page).read_bytes()


def report_file(folders: Sequence[str | Path], output: str | Path | None = None) -> Path:
    """The file :func:`write_report` writes: ``output``, else ``<folder>/report.html`` for
    one run and ``comparison.html`` beside the first folder for several."""
    if output is not None:
        return Path(output)
    first = Path(folders[0])
    if len(folders) == 1:
        return first / REPORT_FILE
    # beside the folder also when it is given as "." or "..", whose parent is itself
    beside = first.parent if first.name not in ("", ".", "..") else first.resolve().parent
    return beside / COMPARISON_FILE


def write_run_extras(result: Result, folder: str | Path, *, report: bool = True,
                     excel: bool = False, focus: str | None = None,
                     self_contained: bool = True, assets: str | Path | None = None
                     ) -> list[Path]:
    """Write ``report.html`` (and with ``excel``, ``results.xlsx``) into a written run folder.

    ``result`` should carry the report tables (see
    :func:`~evplan.report.with_report_tables`); each file appears whole or not at all.
    With ``self_contained=False`` the report loads plotly.js from
    ``<assets>/_assets/plotly-<version>.min.js`` (``assets`` defaults to the folder that
    holds the run folder), written there once. An existing ``report.html`` or
    ``results.xlsx`` is replaced only when evplan wrote it (its generator tag, its creator
    property); a user's file of that name, a folder or a link raises OutputError before
    anything is written.
    """
    target = Path(folder)
    # both files checked before either is written: a user's page or workbook there (or a
    # link) is refused, and nothing is written
    page = _page_target(target / REPORT_FILE) if report else None
    workbook = _workbook_target(target / RESULT_WORKBOOK) if excel else None
    written = []
    if page is not None:
        src = None
        if not self_contained:
            root = Path(assets) if assets is not None else target.resolve().parent
            src = shared_src(root, target)
        html = report_html([RunData.from_result(result)], focus, src)
        written.append(_write_text_atomically(html, page))
    if workbook is not None:
        from evplan.report.excel import write_result_workbook  # openpyxl only for --excel

        info = {**_run_id(target), "scenario": result.scenario.get("name", ""),
                "status": result.status, "objective_usd": result.objective_usd,
                **{f"scenario.{key}": value for key, value in result.scenario.items()
                   if key != "name" and value is not None}}
        tables = dict(result.tables) | {"kpis": result.kpis}
        written.append(write_result_workbook(tables, workbook, info))
    return written


def _run_id(folder: Path) -> dict[str, str]:
    """``{"run_id": ...}`` of the folder's ``run.json`` (the id in the results store), so a
    workbook that travels alone still names its run; empty when the folder has none."""
    try:
        run_id = json.loads((folder / "run.json").read_text(encoding="utf-8")).get("run_id")
    except (OSError, ValueError, AttributeError):
        return {}
    return {"run_id": run_id} if isinstance(run_id, str) and run_id else {}
