"""The planning commands: ``run``, ``validate`` and ``doctor``."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Annotated

import typer

from evplan import __version__
from evplan.cli.app import (
    DebugOption,
    RecordOption,
    ScenarioOption,
    StoreOption,
    app,
    console,
    default_store,
    exit_with_error,
    finite,
    load_inputs,
    record_run,
)
from evplan.errors import EvplanError


@app.command()
def run(
    path: Annotated[Path | None, typer.Argument(
        help="Input folder (CSV files + scenario.yaml) or .xlsx workbook; default: the "
             "embedded china-export scenario.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Run folder to write (default: evplan-output/<scenario>).")] = None,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", help="Solver time limit in seconds.", min=0, callback=finite)] = None,
    mip_gap: Annotated[float, typer.Option("--mip-gap", help="Relative MIP gap.", min=0,
                                           max=1, callback=finite)] = 1e-4,
    threads: Annotated[int | None, typer.Option("--threads", help="Solver threads.", min=1,
                                                max=1024)] = None,
    excel: Annotated[bool, typer.Option(
        "--excel", help="Also write the result tables as results.xlsx in the run folder.")] = False,
    report: Annotated[bool, typer.Option(
        "--report/--no-report", help="Write report.html in the run folder.")] = True,
    scenario: ScenarioOption = None,
    store: StoreOption = None,
    record: RecordOption = True,
    debug: DebugOption = False,
) -> None:
    """Load, validate and optimise a scenario; write the result tables; print the KPIs."""
    from evplan.highs import SolverOptions
    from evplan.report import with_report_tables, write_run_extras
    from evplan.results import write_result
    from evplan.solve import optimize
    from evplan.summary import kpi_summary_table

    try:
        data = load_inputs(path)
        solver = SolverOptions(time_limit_s=time_limit, mip_gap=mip_gap, threads=threads)
        if scenario:
            from evplan.scenarios import apply_scenario, solve_applied

            applied = apply_scenario(data, scenario)
            data = applied.data
            result = solve_applied(applied, solver)
        else:
            result = optimize(data, solver)
        folder = output or Path("evplan-output") / "-".join(
            filter(None, [data.scenario.name, scenario]))
        result = with_report_tables(result, data)
        extras: list[Path] = []

        def write_extras(staging: Path) -> None:
            extras.extend(folder / path.name for path in write_run_extras(
                result, staging, report=report, excel=excel))

        # The run folder (tables, report, workbook) appears whole; only then is the run
        # recorded, by default in evplan.duckdb in the folder that holds the run folder.
        written = write_result(result, folder, extra=write_extras)
        store = store or (output.parent / "evplan.duckdb" if output else default_store())
        run_id = record_run(result, data, store, record)
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    console.print(kpi_summary_table(result))
    meta = result.metadata
    console.print(f"{meta['variables']:,} variables, {meta['constraints']:,} constraints; built "
                  f"in {meta['build_seconds']:.2f} s, solved in {meta['solve_seconds']:.2f} s.")
    console.print(f"Result tables written to {written}")
    if run_id:
        console.print(f"Recorded as run {run_id} in {store}")
    for extra in extras:
        console.print(f"{'Report' if extra.suffix == '.html' else 'Workbook'}: {extra}")


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="Input folder or .xlsx workbook.")],
    debug: DebugOption = False,
) -> None:
    """Check inputs and list every problem found (exit code 1 if any)."""
    from evplan.data import load

    try:
        data = load(path)
    except EvplanError as error:
        exit_with_error(error, debug)
        return
    counts = ", ".join(f"{name} {rows}" for name, rows in data.summary().items())
    console.print(f"{path}: scenario '{data.scenario.name}' "
                  f"{data.scenario.first_year}-{data.scenario.last_year} is valid ({counts}).")




@app.command()
def doctor(debug: DebugOption = False) -> None:
    """Print versions and solve a tiny model to show the solver works."""
    import highspy
    import linopy
    import pandas

    from evplan.examples import single_lane
    from evplan.solve import optimize

    console.print(f"evplan {__version__} · Python {platform.python_version()} · "
                  f"linopy {linopy.__version__} · highspy {_version('highspy')} · "
                  f"pandas {pandas.__version__}")
    del highspy
    try:
        result = optimize(single_lane(capacity=500))
    except EvplanError as error:
        exit_with_error(error, debug)
        return
    expected = 500 * (20_000 - 10_000 - 1_000)
    ok = abs(result.objective_usd - expected) < 1e-6 * expected
    console.print(f"tiny model: {result.status}, margin {result.objective_usd:,.0f} USD "
                  f"(expected {expected:,.0f}) -> {'ok' if ok else 'WRONG'}")
    if not ok:
        raise typer.Exit(1)




def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


