"""The report and workbook commands: ``report`` and ``template``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from evplan.cli.app import (
    DebugOption,
    ForceFileOption,
    SelfContainedOption,
    app,
    console,
    exit_with_error,
    load_inputs,
    shown_path,
)
from evplan.errors import EvplanError


@app.command()
def report(
    folders: Annotated[list[Path] | None, typer.Argument(
        help="Run folder(s) written by `evplan run`; several make a comparison page "
             "(default: the latest run in evplan-output).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="HTML file (default: RUN_FOLDER/report.html, or "
                               "comparison.html beside the first folder).")] = None,
    focus: Annotated[str | None, typer.Option(
        "--focus", help="Producing country the story is about (default: the one whose "
                        "exports grow most).")] = None,
    self_contained: SelfContainedOption = False,
    force: ForceFileOption = False,
    debug: DebugOption = False,
) -> None:
    """Write the offline HTML report of a run, or compare several runs."""
    from evplan.outputs.targets import check_file_target, evplan_html
    from evplan.report import write_report
    from evplan.report.api import report_file

    try:
        if not folders:
            from evplan.examples import default_run_folder

            folders = [default_run_folder()]
        check_file_target(report_file(folders, output), force=force, what="the report page",
                          name="report.html" if len(folders) == 1 else "comparison.html",
                          option=" with -o", replaceable=evplan_html, ours=evplan_html)
        written = write_report(folders, output, focus, self_contained=self_contained)
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    console.print(f"Report: {shown_path(written)}")


@app.command()
def template(
    name: Annotated[str, typer.Argument(
        metavar="FILE.xlsx|DIR/", help="The .xlsx workbook to write, or a new (or empty) "
                                      "folder for CSV files + scenario.yaml + scenarios.yaml.")],
    inputs: Annotated[Path | None, typer.Option(
        "--from", help="Input folder or workbook to fill in (default: the embedded "
                       "china-export scenario).")] = None,
    force: ForceFileOption = False,
    debug: DebugOption = False,
) -> None:
    """Write the inputs to edit: a workbook (one sheet per table, units, validation) or a CSV
    folder (one file per table, scenario.yaml, and the scenarios.yaml of the source)."""
    from evplan.report import write_template

    file = Path(name)  # the text as typed: Path drops the slash of 'v1.2/'
    if file.suffix.lower() != ".xlsx":
        if file.suffix and not name.endswith(("/", "\\")) and not file.is_dir():
            sys.stderr.write(f"{file}: the template is an Excel workbook (something.xlsx) or "
                             "a folder (name it DIR/).\n")
            raise typer.Exit(1)
        from evplan.data.template import write_csv_template

        try:
            written = write_csv_template(file, load_inputs(inputs) if inputs is not None else None)
        except (EvplanError, OSError) as error:
            exit_with_error(error, debug)
            return
        console.print(f"Input folder: {written} ({len(list(written.iterdir()))} files). Edit "
                      f"the CSV files, then: evplan run {file}")
        return
    try:
        written = write_template(file, load_inputs(inputs) if inputs is not None else None,
                                 force=force)  # a user's file or a link is refused
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    console.print(f"Input workbook: {written}. Edit it, then: evplan run {file}")


