"""The ``evplan`` command: one entry point, each subcommand parses, calls the library, formats.

Exit codes: 0 ok; 1 input error; 2 infeasible model; 3 solver limit without a plan.
"""

from __future__ import annotations

import platform
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from evplan import __version__
from evplan.errors import EXIT_OK, EvplanError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Plan an automaker's export network: which plant builds what for "
                       "which market, year by year.")
console = Console(width=None if sys.stdout.isatty() else 160)

DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
ScenarioOption = Annotated[str | None, typer.Option(
    "--scenario", help="Apply a scenario or override from scenarios.yaml beside the inputs.")]
StoreOption = Annotated[Path | None, typer.Option(
    "--store", help="Results store file (default: evplan-output/evplan.duckdb; for run -o DIR: "
                    "evplan.duckdb beside DIR).")]
RecordOption = Annotated[bool, typer.Option(
    "--record/--no-record", help="Record the run(s) in the results store.")]
InputsOption = Annotated[Path | None, typer.Option(
    "--inputs", "-i", help="Input folder or workbook (default: the embedded china-export).")]


def _fail(error: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    sys.stderr.write(f"{error}\n")
    code = error.exit_code if isinstance(error, EvplanError) else 1
    raise typer.Exit(code)


@app.command()
def run(
    path: Annotated[Path | None, typer.Argument(
        help="Input folder (CSV files + scenario.yaml) or .xlsx workbook; default: the "
             "embedded china-export scenario.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Run folder to write (default: evplan-output/<scenario>).")] = None,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", help="Solver time limit in seconds.")] = None,
    mip_gap: Annotated[float, typer.Option("--mip-gap", help="Relative MIP gap.")] = 1e-4,
    threads: Annotated[int | None, typer.Option("--threads", help="Solver threads.")] = None,
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
    from evplan.data import load
    from evplan.examples import china_export_path
    from evplan.highs import SolverOptions
    from evplan.report import with_report_tables, write_run_extras
    from evplan.results import write_result
    from evplan.solve import optimize
    from evplan.summary import kpi_summary_table

    try:
        data = load(path if path is not None else china_export_path())
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
        store = store or (output.parent / "evplan.duckdb" if output else _default_store())
        run_id = _record_run(result, data, store, record)
    except (EvplanError, OSError) as error:
        _fail(error, debug)
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
        _fail(error, debug)
        return
    counts = ", ".join(f"{name} {rows}" for name, rows in data.summary().items())
    console.print(f"{path}: scenario '{data.scenario.name}' "
                  f"{data.scenario.first_year}-{data.scenario.last_year} is valid ({counts}).")


@app.command()
def report(
    folders: Annotated[list[Path], typer.Argument(
        help="Run folder(s) written by `evplan run`; several make a comparison page.")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="HTML file (default: RUN_FOLDER/report.html, or "
                               "comparison.html beside the first folder).")] = None,
    focus: Annotated[str | None, typer.Option(
        "--focus", help="Producing country the story is about (default: the one whose "
                        "exports grow most).")] = None,
    debug: DebugOption = False,
) -> None:
    """Write the offline HTML report of a run, or compare several runs."""
    from evplan.report import write_report

    try:
        written = write_report(folders, output, focus)
    except (EvplanError, OSError) as error:
        _fail(error, debug)
        return
    console.print(f"Report: {written}")


@app.command()
def template(
    file: Annotated[Path, typer.Argument(help="The .xlsx workbook to write.")],
    inputs: Annotated[Path | None, typer.Option(
        "--from", help="Input folder or workbook to fill in (default: the embedded "
                       "china-export scenario).")] = None,
    debug: DebugOption = False,
) -> None:
    """Write an input workbook (one sheet per table, units, validation), ready to edit."""
    from evplan.data import load
    from evplan.report import write_template

    if file.suffix.lower() != ".xlsx":
        sys.stderr.write(f"{file}: the template is an Excel workbook; name it something.xlsx.\n")
        raise typer.Exit(1)
    try:
        written = write_template(file, load(inputs) if inputs is not None else None)
    except (EvplanError, OSError) as error:
        _fail(error, debug)
        return
    console.print(f"Input workbook: {written}. Edit it, then: evplan run {file}")


RunFolderArgument = Annotated[Path | None, typer.Argument(
    help="Run folder written by `evplan run` (default: evplan-output/china-export, planned "
         "first if missing).")]
HistoryOption = Annotated[Path | None, typer.Option(
    "--history", help="CSV of sales before the plan (market, year, powertrain, "
                      "sales_vehicles, ...).")]
YearsAfterOption = Annotated[int, typer.Option(
    "--years-after-plan", help="Years projected after the plan's last year.")]
AfterPlanOption = Annotated[str, typer.Option(
    "--after-plan", help="Sales after the plan: flat (held at the last plan year) or zero.")]


@app.command()
def fleet(
    run_folder: RunFolderArgument = None,
    history: HistoryOption = None,
    survival: Annotated[Path | None, typer.Option("--survival", help="Survival-curve CSV.")
                        ] = None,
    battery: Annotated[Path | None, typer.Option("--battery", help="Battery CSV.")] = None,
    chemistry: Annotated[Path | None, typer.Option("--chemistry", help="Chemistry CSV.")
                         ] = None,
    years_after_plan: YearsAfterOption = 20,
    after_plan: AfterPlanOption = "flat",
    store: StoreOption = None,
    record: RecordOption = True,
    debug: DebugOption = False,
) -> None:
    """Vehicles in use by vintage, retirements and battery packs retired; tables into the run
    folder (fleet_*.parquet/csv), the run in the results store, the run's report refreshed."""
    from evplan.charging.commands import (
        default_run_folder,
        default_store,
        fleet_table,
        refresh_report,
    )
    from evplan.charging.output import record_fleet
    from evplan.fleet import FleetOptions, project_fleet, write_fleet

    try:
        folder = run_folder or default_run_folder()
        result = project_fleet(folder, history=history, survival=survival, battery=battery,
                               chemistry=chemistry, options=FleetOptions(
                                   years_after_plan, after_plan))  # type: ignore[arg-type]
        write_fleet(result, folder)
        store = store or default_store(folder)
        parameters = {"years_after_plan": years_after_plan, "after_plan": after_plan,
                      **{name: str(path) for name, path in (
                          ("history", history), ("survival", survival), ("battery", battery),
                          ("chemistry", chemistry)) if path is not None}}
        run_id = record_fleet(result, store, scenario=f"{folder.resolve().name}:fleet",
                              folder=folder, parameters=parameters) if record else None
        report_file = refresh_report(folder)
    except (EvplanError, OSError) as error:
        _fail(error, debug)
        return
    markets = list(result.export_markets) or result.markets
    years = [y for y in range(result.first_year, result.last_year + 1)
             if y <= (result.plan_last_year or 0) or y % 5 == 0]
    console.print(fleet_table(result, markets, years))
    console.print(*result.assumptions, sep="\n")
    console.print(f"Fleet tables written to {folder}")
    if run_id:
        console.print(f"Recorded as run {run_id} in {store}")
    if report_file:
        console.print(f"Report: {report_file}")


@app.command()
def charging(
    run_folder: RunFolderArgument = None,
    history: HistoryOption = None,
    markets: Annotated[str | None, typer.Option(
        "--markets", help="Comma-separated markets (default: the plan's export markets).")
                       ] = None,
    last_year: Annotated[int | None, typer.Option(
        "--last-year", help="Last year to size (default: the plan's).")] = None,
    max_wait_probability: Annotated[float, typer.Option(
        "--max-wait-probability", help="Queueing target: probability of waiting.")] = 0.2,
    max_mean_wait_minutes: Annotated[float | None, typer.Option(
        "--max-mean-wait-minutes", help="Queueing target: mean wait.")] = None,
    zones: Annotated[Path | None, typer.Option(
        "--zones", help="Zones CSV for siting (default: synthetic example).")] = None,
    sites: Annotated[Path | None, typer.Option(
        "--sites", help="Candidate sites CSV (default: synthetic example).")] = None,
    corridor: Annotated[Path | None, typer.Option(
        "--corridor", help="Corridor candidates CSV (site, km; default: synthetic).")] = None,
    siting_market: Annotated[str | None, typer.Option(
        "--siting-market", help="Market whose demand is sited (default: TH).")] = None,
    years_after_plan: YearsAfterOption = 20,
    after_plan: AfterPlanOption = "flat",
    store: StoreOption = None,
    record: RecordOption = True,
    debug: DebugOption = False,
) -> None:
    """Fleet, public energy, ports by class (AFIR and benchmark ratios vs Erlang-C queueing),
    cost per market and year, and a siting example; tables into the run folder, the run in
    the results store, the run's report refreshed."""
    from evplan.charging import (
        ChargingOptions,
        QueueTarget,
        plan_charging,
        siting_example,
        write_charging,
    )
    from evplan.charging.commands import (
        charging_tables,
        default_run_folder,
        default_store,
        refresh_report,
    )
    from evplan.charging.output import record_charging
    from evplan.fleet import FleetOptions, project_fleet, write_fleet

    try:
        folder = run_folder or default_run_folder()
        fleet_result = project_fleet(folder, history=history, options=FleetOptions(
            years_after_plan, after_plan))  # type: ignore[arg-type]
        options = ChargingOptions(
            markets=tuple(m.strip() for m in markets.split(",")) if markets else None,
            last_year=last_year, target=QueueTarget(max_wait_probability, max_mean_wait_minutes))
        result = plan_charging(fleet_result, options=options)
        example = siting_example(result, market=siting_market, zones=zones, sites=sites,
                                 corridor=corridor)
        write_fleet(fleet_result, folder)
        write_charging(result, folder, example)
        store = store or default_store(folder)
        parameters = {"markets": markets, "last_year": last_year,
                      "max_wait_probability": max_wait_probability,
                      "max_mean_wait_minutes": max_mean_wait_minutes,
                      "siting_market": siting_market, "years_after_plan": years_after_plan,
                      "after_plan": after_plan,
                      **{name: str(path) for name, path in (
                          ("history", history), ("zones", zones), ("sites", sites),
                          ("corridor", corridor)) if path is not None}}
        run_id = record_charging(
            fleet_result, result, store, example, scenario=f"{folder.resolve().name}:charging",
            folder=folder, parameters={k: v for k, v in parameters.items() if v is not None}
        ) if record else None
        report_file = refresh_report(folder)
    except (EvplanError, OSError) as error:
        _fail(error, debug)
        return
    for table in charging_tables(result, example):
        console.print(table)
    console.print(f"Fleet and charging tables written to {folder}")
    if run_id:
        console.print(f"Recorded as run {run_id} in {store}")
    if report_file:
        console.print(f"Report: {report_file}")


@app.command()
def recycling(
    run_folder: RunFolderArgument = None,
    retired: Annotated[Path | None, typer.Option(
        "--retired", help="Retired packs CSV (collection_point, year, chemistry, kwh[, "
                          "tonnes]) instead of the fleet of a run.")] = None,
    tables: Annotated[Path | None, typer.Option(
        "--tables", help="Folder of CSVs replacing recycling defaults (prices.csv, "
                         "candidate_plants.csv, lanes.csv, ...).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Folder for the recycling tables (default: the run folder).")
                      ] = None,
    objective: Annotated[str, typer.Option(
        "--objective", help="meet_all (process every tonne) or max_value.")] = "meet_all",
    hard_targets: Annotated[bool, typer.Option(
        "--hard-targets", help="EU targets as hard constraints (default: shortfalls allowed "
                               "at a penalty and reported).")] = False,
    build_every: Annotated[int, typer.Option(
        "--build-every", help="Plants open only every N years.")] = 5,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="Seconds per MILP solve.")] = 240.0,
    mip_gap: Annotated[float, typer.Option("--mip-gap", help="Relative MIP gap.")] = 0.01,
    store: StoreOption = None,
    record: RecordOption = True,
    debug: DebugOption = False,
) -> None:
    """Recycling network for the packs a plan's vehicles retire: plants, process, recovered
    tonnes and value, EU Battery Regulation compliance; tables into the run folder."""
    from evplan.highs import SolverOptions
    from evplan.recycling import RecyclingOptions, load_inputs, plan_recycling
    from evplan.recycling.output import record_recycling, write_recycling
    from evplan.recycling.scenario import plan_from_run
    from evplan.recycling.summary import (
        closing_note,
        default_run_folder,
        plants_table,
        table_sources,
        years_table,
    )

    try:
        options = RecyclingOptions(
            objective=objective,  # type: ignore[arg-type]
            target_penalty_usd_per_tonne=None if hard_targets else 100_000.0,
            build_every_years=build_every,
            solver=SolverOptions(time_limit_s=time_limit, mip_gap=mip_gap))
        sources = table_sources(tables)
        if retired is not None:
            result = plan_recycling(load_inputs(retired, **sources), options)
            folder = output or Path("evplan-output") / "recycling"
        else:
            run = run_folder or default_run_folder()
            result = plan_from_run(run, options=options, **sources)
            folder = output or run
        write_recycling(result, folder)
        run_id = record_recycling(result, store or folder.parent / "evplan.duckdb",
                                  scenario=f"{folder.name}:recycling") if record else None
    except (EvplanError, OSError) as error:
        _fail(error, debug)
        return
    console.print(plants_table(result))
    console.print(years_table(result))
    console.print(*closing_note(result), sep="\n")
    console.print(f"Recycling tables written to {folder}")
    if run_id:
        console.print(f"Recorded as run {run_id}")


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
        _fail(error, debug)
        return
    expected = 500 * (20_000 - 10_000 - 1_000)
    ok = abs(result.objective_usd - expected) < 1e-6 * expected
    console.print(f"tiny model: {result.status}, margin {result.objective_usd:,.0f} USD "
                  f"(expected {expected:,.0f}) -> {'ok' if ok else 'WRONG'}")
    if not ok:
        raise typer.Exit(1)


def _default_store() -> Path:
    from evplan.store import DEFAULT_STORE

    return DEFAULT_STORE


def _record_run(result: object, data: object, store: Path | None, record: bool,
                extra_tables: dict | None = None) -> str | None:
    """Record a finished run in the results store (None when --no-record)."""
    if not record:
        return None
    from evplan.store import ResultsStore, RunRecord

    return ResultsStore(store or _default_store()).record(RunRecord.from_result(
        result, data=data, extra_tables=extra_tables))  # type: ignore[arg-type]


def _study_options(workers: int | None, scheduler: str | None, store: Path | None,
                   record: bool, tables: bool) -> dict:
    from evplan.store import ResultsStore

    return {"workers": workers, "scheduler": scheduler, "progress": True,
            "store": ResultsStore(store or _default_store()) if record else None,
            "with_tables": tables}


WorkersOption = Annotated[int | None, typer.Option(
    "--workers", help="Local worker processes (default: this process below 50 cases per "
                      "CPU, else the CPU count).")]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: local "
                        "processes).")]
TablesOption = Annotated[bool, typer.Option(
    "--tables/--kpis-only", help="Store every case's result tables, or only its KPIs.")]
CsvOption = Annotated[Path | None, typer.Option(
    "--csv", help="Also write the tidy KPIs per case to this CSV file.")]


def _finish_study(study: object, title: str, csv: Path | None, montecarlo: bool) -> None:
    from evplan.scenarios.display import montecarlo_table, sweep_table

    console.print(montecarlo_table(study, title) if montecarlo  # type: ignore[arg-type]
                  else sweep_table(study, title))  # type: ignore[arg-type]
    cases = study.cases  # type: ignore[attr-defined]
    failed = cases[~cases["status"].isin(["optimal", "time_limit"])]
    warm = int(cases["solve_mode"].str.startswith("warm").sum())
    console.print(f"{len(cases)} cases in {study.seconds:.1f} s "  # type: ignore[attr-defined]
                  f"({study.cases_per_minute:.1f} cases/min) on "  # type: ignore[attr-defined]
                  f"{study.workers} worker(s); {warm} solved warm; "  # type: ignore[attr-defined]
                  f"batch {study.batch_id}.")  # type: ignore[attr-defined]
    for _, row in failed.head(5).iterrows():
        console.print(f"case {row['case']} ({row['label']}): {row['status']}: "
                      f"{str(row['error']).splitlines()[0] if row['error'] else ''}")
    if csv is not None:
        study.kpis.to_csv(csv, index=False)  # type: ignore[attr-defined]
        console.print(f"Tidy KPIs written to {csv}")


@app.command()
def sweep(
    name: Annotated[str | None, typer.Argument(
        help="A sweep declared in scenarios.yaml (e.g. eu-duty-x-freight).")] = None,
    grid: Annotated[list[str] | None, typer.Option(
        "--grid", "-g", help="PARAMETER=start:stop:count or PARAMETER=v1,v2,... (repeat for a "
                             "grid), e.g. -g eu-bev-cvd=0:0.5:6 -g freight=0.5,1,2.")] = None,
    inputs: InputsOption = None,
    scenario: ScenarioOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    store: StoreOption = None,
    record: RecordOption = True,
    tables: TablesOption = True,
    csv: CsvOption = None,
    debug: DebugOption = False,
) -> None:
    """Run a grid of cases over parameters (warm re-solves; local processes or Dask)."""
    from evplan.data import load
    from evplan.examples import china_export_path
    from evplan.scenarios import parse_values, run_sweep

    try:
        data = load(inputs if inputs is not None else china_export_path())
        if grid:
            spec: dict | str = {}
            for item in grid:
                parameter, _, values = item.partition("=")
                spec[parameter.strip()] = parse_values(values)  # type: ignore[index]
        elif name:
            spec = name
        else:
            raise typer.BadParameter("give a sweep name or --grid PARAMETER=VALUES")
        study = run_sweep(spec, data, scenario=scenario,
                          **_study_options(workers, scheduler, store, record, tables))
    except (EvplanError, OSError) as error:
        _fail(error, debug)
        return
    _finish_study(study, f"sweep {name or ''} on {data.scenario.name}"
                  + (f" + {scenario}" if scenario else ""), csv, montecarlo=False)


@app.command()
def montecarlo(
    name: Annotated[str, typer.Argument(
        help="A Monte Carlo study declared in scenarios.yaml.")] = "uncertainty",
    samples: Annotated[int | None, typer.Option("--samples", "-n", help="Samples.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    inputs: InputsOption = None,
    scenario: ScenarioOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    store: StoreOption = None,
    record: RecordOption = True,
    tables: TablesOption = True,
    csv: CsvOption = None,
    debug: DebugOption = False,
) -> None:
    """Sample demand, duties, freight and prices (N samples, a seed: reproducible)."""
    from evplan.data import load
    from evplan.examples import china_export_path
    from evplan.scenarios import run_montecarlo

    try:
        data = load(inputs if inputs is not None else china_export_path())
        study = run_montecarlo(name, data, samples=samples, seed=seed, scenario=scenario,
                               **_study_options(workers, scheduler, store, record, tables))
    except (EvplanError, OSError) as error:
        _fail(error, debug)
        return
    _finish_study(study, f"Monte Carlo {name} on {data.scenario.name}", csv, montecarlo=True)


@app.command()
def breakeven(
    inputs: InputsOption = None,
    scenario: ScenarioOption = None,
    year: Annotated[int | None, typer.Option("--year", help="Year to show (default: last).")
                    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Lanes to show.")] = 30,
    exact: Annotated[bool, typer.Option(
        "--exact", help="Bisect the used lanes whose ranging value is only a lower bound.")
    ] = False,
    store: StoreOption = None,
    record: RecordOption = True,
    debug: DebugOption = False,
) -> None:
    """Duty rate at which each used lane stops being used, and each unused one would start."""
    from evplan.data import load
    from evplan.examples import china_export_path
    from evplan.scenarios import WarmModel, apply_scenario, breakeven_duties
    from evplan.scenarios.display import breakeven_table

    try:
        data = load(inputs if inputs is not None else china_export_path())
        applied = apply_scenario(data, scenario or "base")
        warm = WarmModel(applied.data)
        result = warm.solve(applied.data)
        table = breakeven_duties(applied.data, warm, refine_all=exact)
        from evplan.results import Result

        result = Result(status=result.status, objective_usd=result.objective_usd,
                        tables=result.tables, kpis=result.kpis,
                        scenario={**result.scenario, "scenario": applied.scenario,
                                  "overrides": list(applied.overrides)},
                        metadata=result.metadata)
        run_id = _record_run(result, applied.data, store, record, {"breakeven": table})
    except (EvplanError, OSError) as error:
        _fail(error, debug)
        return
    console.print(breakeven_table(table, year or int(table["year"].max()), limit))
    console.print(f"{int(table['used'].sum())} used and {int((~table['used']).sum())} unused "
                  f"cross-border flows; {int((~table['exact']).sum())} stop rates are lower "
                  "bounds from cost ranging (--exact bisects them).")
    if run_id:
        console.print(f"Recorded with run {run_id} in {store or _default_store()} "
                      "(table 'breakeven').")


@app.command()
def runs(
    store: StoreOption = None,
    limit: Annotated[int, typer.Option("--limit", help="Runs to show.")] = 30,
    batch: Annotated[str | None, typer.Option("--batch", help="Only this sweep batch.")
                     ] = None,
    debug: DebugOption = False,
) -> None:
    """List the runs recorded in the results store, newest first."""
    from evplan.scenarios.display import runs_table
    from evplan.store import ResultsStore

    try:
        frame = ResultsStore(store or _default_store()).runs(batch)
    except EvplanError as error:
        _fail(error, debug)
        return
    console.print(runs_table(frame, limit))


@app.command()
def compare(
    run_ids: Annotated[list[str], typer.Argument(help="Two or more run ids (unique prefixes "
                                                      "are enough).")],
    store: StoreOption = None,
    limit: Annotated[int, typer.Option("--limit", help="KPI rows to show.")] = 60,
    debug: DebugOption = False,
) -> None:
    """Print the KPI deltas of runs against the first one."""
    from evplan.scenarios.display import compare_table
    from evplan.store import ResultsStore

    try:
        results_store = ResultsStore(store or _default_store())
        ids = results_store.resolve(run_ids)
        wide = results_store.compare(ids)
        objectives = [float(results_store.run(run_id)["objective_usd"]) for run_id in ids]
    except EvplanError as error:
        _fail(error, debug)
        return
    console.print(compare_table(wide, ids, objectives, limit))


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exit_:
        raise SystemExit(exit_.code if exit_.code is not None else EXIT_OK) from None


if __name__ == "__main__":
    main()
