"""The planning commands: ``run``, ``validate`` and ``doctor``."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Annotated

import typer

from evplan import __version__
from evplan.cli.app import (
    DebugOption,
    ForceOption,
    InputsArgument,
    InputsOption,
    ProgressOption,
    RecordOption,
    ScenarioOption,
    SelfContainedOption,
    StoreOption,
    app,
    catalog_problems,
    console,
    default_store,
    exit_with_error,
    finite,
    load_inputs,
    long_work,
    pick_inputs,
    refuse_store_early,
    run_commit,
    shown_path,
    stage_table,
)
from evplan.cli.collector import ImportsAside
from evplan.errors import EvplanError, Problem
from evplan.outputs.names import safe_component


@app.command()
def run(
    path: Annotated[Path | None, typer.Argument(
        metavar="INPUTS",
        help="Input folder (CSV files + scenario.yaml), .xlsx workbook, or an embedded "
             "example's name (china-strategic: the network-design MILP); default: the "
             "embedded china-export scenario.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Run folder to write: new or empty, or a run folder evplan wrote "
                               "with --force (default: a new evplan-output/<scenario>[-N]).")
                      ] = None,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", help="Solver time limit in seconds (a strategic run: for its "
                             "solves together).", min=0, callback=finite)] = None,
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
    self_contained: SelfContainedOption = False,
    force: ForceOption = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Print wall and CPU seconds per stage (start-up, imports, "
                                "load, validate, build, solve, results, write, report, "
                                "record).")] = False,
    show_progress: ProgressOption = None,
    debug: DebugOption = False,
) -> None:
    """Load, validate and optimise a scenario; write the result tables; print the KPIs."""
    from evplan.timing import Stopwatch, cpu_seconds, process_wall_seconds

    watch = Stopwatch()
    watch.add("start-up", process_wall_seconds() or 0.0, cpu_seconds())
    aside = ImportsAside()  # no cyclic collection while importing (evplan.cli.collector)
    try:
        from evplan.highs import SolverOptions
        from evplan.outputs import new_folder_target
        from evplan.report import with_report_tables, write_run_extras
        from evplan.results.write import write_run
        from evplan.solve import optimize
        from evplan.strategic import decision_lines
        from evplan.summary import kpi_summary_tables
    except BaseException:  # a broken install: the collector back as it was, then the error
        aside.release()
        raise
    aside.imported()
    watch.lap("imports")
    try:
        data = load_inputs(path, watch)  # notes on rows that never apply: on stderr
        # Where the run goes is settled before the solve: a refused target costs nothing.
        name = "-".join(filter(None, [data.scenario.name, scenario]))
        target = new_folder_target(output, name, force=force)
        # The run is recorded by default in evplan.duckdb in the folder that holds the run
        # folder; a path that cannot be a store is refused now, before anything is written.
        store = store or (shown_path(target.path.parent / "evplan.duckdb") if output
                          else default_store())
        if record:
            refuse_store_early(store, target.path)
        solver = SolverOptions(time_limit_s=time_limit, mip_gap=mip_gap, threads=threads)
        with long_work(f"run {name}", show_progress):  # progress on stderr; Ctrl-C: exit 130
            if scenario:
                from evplan.scenarios import apply_scenario, solve_applied

                applied = apply_scenario(data, scenario)
                data = applied.data
                result = solve_applied(applied, solver)
            else:
                result = optimize(data, solver)
        watch.lap_parts(result.metadata.get("timings", {}), rest="scenario + other")
        result = with_report_tables(result, data)
        watch.lap("report tables")
        extras: list[str] = []

        def write_extras(staging: Path) -> None:
            watch.lap("write tables")
            extras.extend(path.name for path in write_run_extras(
                result, staging, report=report, excel=excel, self_contained=self_contained,
                assets=None if self_contained else target.path.parent))
            watch.lap("report" + (" + workbook" if excel else ""))

        # The run folder (tables, report, workbook) appears whole, then the run is
        # recorded; a kill in between is settled by the next start (outputs.transaction).
        run_id, commit = run_commit(result, data, store, record)
        written = write_run(result, target, run_id=run_id, extra=write_extras,
                            store=store if record else None, commit=commit)
        watch.lap("record")
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    finally:
        aside.release()
    for line in decision_lines(result):  # strategic plans: the decisions first, in words
        console.print(line, markup=False)
    for table in kpi_summary_tables(result, console.width):
        console.print(table)
    meta = result.metadata
    console.print(f"{meta['variables']:,} variables, {meta['constraints']:,} constraints; built "
                  f"in {meta['build_seconds']:.2f} s, solved in {meta['solve_seconds']:.2f} s.")
    console.print(f"Result tables written to {shown_path(written)}")
    if target.previous is not None:
        console.print(f"Replaced {shown_path(written)}: it held {target.previous.describe()} "
                      "(--force).")
    elif target.auto_name and written.name != safe_component(name):
        console.print(f"{shown_path(written.parent / safe_component(name))} holds an earlier "
                      f"run (kept); this run has a new folder, {written.name}.")
    if record:
        console.print(f"Recorded as run {run_id} in {store}")
    for extra in extras:
        console.print(f"{'Report' if extra.endswith('.html') else 'Workbook'}: "
                      f"{shown_path(written / extra)}")
    if verbose:
        console.print(stage_table(watch, meta["solve_seconds"]))


@app.command()
def validate(
    path: InputsArgument = None,
    inputs: InputsOption = None,
    debug: DebugOption = False,
) -> None:
    """Check inputs and list every problem found (exit code 1 if any)."""
    from evplan.errors import InputError

    try:
        path = pick_inputs(path, inputs, "evplan validate {inputs}")
        problems: list[Problem] = []
        data = None
        try:
            data = load_inputs(path, show_notes=False)  # shown after "is valid"
        except InputError as error:
            problems.extend(error.problems)
        # scenarios.yaml (or the workbook's scenarios sheet) is an input too: its problems
        # are listed with the tables' (it was not read, so `validate` passed a broken one).
        # ... once: a workbook that cannot be opened is the tables' and the catalog's problem
        problems.extend(problem for problem in catalog_problems(path, data)
                        if problem not in problems)
        if data is not None and not problems:
            # What `run --scenario NAME` would refuse of each override and scenario: applied
            # on the typed tables and checked by the loader's rules, cheaply
            # (evplan.scenarios.override_checks).
            from evplan.scenarios.apply import catalog_for
            from evplan.scenarios.override_checks import override_problems

            problems.extend(override_problems(data, catalog_for(data)))
        if problems:
            raise InputError(problems)
    except EvplanError as error:
        exit_with_error(error, debug)
        return
    assert data is not None  # no problem: the inputs loaded
    counts = ", ".join(f"{name} {rows}" for name, rows in data.summary().items())
    shown = path if path is not None else "embedded china-export"
    console.print(f"{shown}: scenario '{data.scenario.name}' "
                  f"{data.scenario.first_year}-{data.scenario.last_year} is valid ({counts}).")
    if data.notes:  # rows that load but never apply: said on clean inputs too
        from evplan.errors import render_problems

        console.print(render_problems(data.notes), markup=False, highlight=False)


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


