"""Many runs: ``sweep``, ``montecarlo``, ``breakeven``, ``runs`` and ``compare``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evplan.cli.app import (
    DebugOption,
    ForceFileOption,
    InputsArgument,
    InputsOption,
    ProgressOption,
    RecordOption,
    ScenarioOption,
    StoreOption,
    app,
    console,
    default_store,
    exit_with_error,
    finite,
    is_inputs,
    load_inputs,
    long_work,
    pick_inputs,
    record_run,
    shown_path,
)
from evplan.errors import EvplanError

if TYPE_CHECKING:
    from evplan.store import ResultsStore


def _study_options(workers: int | None, scheduler: str | None, store: Path | None,
                   record: bool, tables: bool, show_progress: bool | None = None,
                   time_limit: float | None = None) -> dict:
    from evplan.highs import SolverOptions
    from evplan.store import ResultsStore

    return {"workers": workers, "scheduler": scheduler,
            "solver": SolverOptions(time_limit_s=time_limit),
            "progress": sys.stderr.isatty() if show_progress is None else show_progress,
            "store": ResultsStore(store or default_store()) if record else None,
            "with_tables": tables}


TimeLimitOption = Annotated[float | None, typer.Option(
    "--time-limit", help="Solver time limit in seconds, per case (a case it stops is "
                         "reported with its status).", min=0, callback=finite)]
WorkersOption = Annotated[int | None, typer.Option(
    "--workers", help="Local processes that solve cases: this one and N-1 workers (default: "
                      "this process alone below 50 cases per CPU, else the CPU count).",
    min=1)]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: local "
                        "processes).")]
TablesOption = Annotated[bool, typer.Option(
    "--tables/--kpis-only", help="Store every case's result tables, or only its KPIs (a "
                                 "switch: folders of input CSVs are named for what they hold, "
                                 "e.g. recycling --defaults DIR).")]
CsvOption = Annotated[Path | None, typer.Option(
    "--csv", help="Also write the tidy KPIs per case to this CSV file (a new file, or "
                  "--force).")]


STOPPED = ("the cases solved so far are in the results store (their batch is in `evplan runs`); "
           "no --csv written")


def _finish_study(study: object, title: str, csv: Path | None, montecarlo: bool) -> None:
    from evplan.scenarios.display import montecarlo_table, sweep_tables

    tables = ([montecarlo_table(study, title)] if montecarlo  # type: ignore[arg-type]
              else sweep_tables(study, title, width=console.width))  # type: ignore[arg-type]
    for table in tables:
        console.print(table)
    cases = study.cases  # type: ignore[attr-defined]
    failed = cases[~cases["status"].isin(["optimal", "time_limit"])]
    warm = int(cases["solve_mode"].str.startswith("warm").sum())
    console.print(f"{len(cases)} cases in {study.seconds:.1f} s "  # type: ignore[attr-defined]
                  f"({study.cases_per_minute:.1f} cases/min) on "  # type: ignore[attr-defined]
                  f"{study.workers} worker(s), {study.cpu_seconds:.1f} CPU s; "  # type: ignore[attr-defined]
                  f"{warm} solved warm; batch {study.batch_id}.")  # type: ignore[attr-defined]
    for _, row in failed.head(5).iterrows():
        # The error's first lines: its heading and first problem ("evplan: 15 problems in
        # scenarios.yaml" alone did not say which).
        lines = [line.strip() for line in str(row["error"] or "").splitlines() if line.strip()]
        console.print(f"case {row['case']} ({row['label']}): {row['status']}: "
                      + " ".join(lines[:2]) + (" ..." if len(lines) > 2 else ""))
    if len(failed) > 5:
        console.print(f"... and {len(failed) - 5} more cases without a plan (neither the store "
                      "nor --csv holds cases without a plan; in Python, "
                      "evplan.scenarios.run_cases(...).cases lists every case's error).")
    if 0 < len(failed) < len(cases) and montecarlo:
        console.print(f"The statistics above are over the {len(cases) - len(failed)} of "
                      f"{len(cases)} samples that were solved: the {len(failed)} others are "
                      "left out, which biases them if the failures are not random.")
    stopped = int((cases["status"] == "time_limit").sum())
    if stopped and montecarlo:  # the table shows no status: say which plans are unproven
        console.print(f"{stopped} of the samples in the statistics stopped at the time limit "
                      "with a plan not proven optimal (status time_limit); raise --time-limit "
                      "to prove them.")
    if len(cases) and len(failed) == len(cases):  # no case has a plan: not a success
        first = str(failed["status"].iloc[0])
        code = {"infeasible": 2, "solver_limit": 3, "verification_failed": 4}.get(first, 1)
        sys.stderr.write(f"evplan: none of the {len(cases)} cases has a plan (the first: "
                         f"{first}); see the cases above. Nothing was written"
                         + (" (no --csv)" if csv is not None else "") + ".\n")
        raise typer.Exit(code)
    if csv is not None:
        from evplan.outputs import write_csv

        try:  # evplan.outputs writes it whole or not at all
            write_csv(study.kpis, csv)  # type: ignore[attr-defined]
        except OSError as error:  # a full disk: said as evplan says it, not a traceback
            from evplan.cli.app import os_error_message

            sys.stderr.write(f"{os_error_message(error)} The cases above were solved (and "
                             f"recorded, with a store); the KPI table {csv} was not "
                             "written.\n")
            raise typer.Exit(1) from None
        console.print(f"Tidy KPIs written to {csv} (spreadsheet-safe CSV)")


def _check_csv(csv: Path | None, force: bool) -> None:
    """Refuse an existing --csv file before the study runs (one evplan wrote: unless
    --force; any other: always)."""
    if csv is not None:
        from evplan.outputs.targets import check_file_target, evplan_kpi_csv

        check_file_target(csv, force=force, what="the KPI table", option=" for --csv",
                          name="kpis.csv", ours=evplan_kpi_csv)


@app.command()
def sweep(
    name: Annotated[str | None, typer.Argument(
        metavar="NAME", help="A sweep declared in scenarios.yaml (e.g. eu-duty-x-freight); "
                             "without it (and without --grid), the sweeps of INPUTS are "
                             "listed.")] = None,
    path: InputsArgument = None,
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
    force: ForceFileOption = False,
    show_progress: ProgressOption = None,
    time_limit: TimeLimitOption = None,
    debug: DebugOption = False,
) -> None:
    """Run a grid of cases over parameters (warm re-solves; local processes or Dask).

    `evplan sweep [INPUTS]` with no sweep name lists the sweeps of INPUTS."""
    from evplan.scenarios import parse_grid, run_sweep

    if path is None and is_inputs(name):  # `evplan sweep my-inputs/`: list its sweeps
        name, path = None, Path(str(name))
    source = pick_inputs(path, inputs, "evplan sweep NAME {inputs}")
    if not name and not grid:
        _list_catalog(source, debug, sections=("sweeps",))
        return
    try:
        if name and grid:  # the grid would replace the named sweep without a word
            from evplan.errors import InputError, Problem

            raise InputError([Problem("--grid", f"give a sweep name ({name}) or --grid, not "
                                      "both: --grid runs its own grid. Drop one (to change a "
                                      "declared sweep's values, give its parameters with -g).")])
        _check_csv(csv, force)
        data = load_inputs(source)
        if grid:  # the values and the parameters' names, every problem at once
            from evplan.scenarios.apply import catalog_for

            spec: dict | str = parse_grid(grid, known=catalog_for(data).parameters)
        else:
            spec = str(name)
        with long_work(f"sweep {name or 'grid'}", False,
                       STOPPED if record else "nothing written"):
            study = run_sweep(spec, data, scenario=scenario, **_study_options(
                workers, scheduler, store, record, tables, show_progress, time_limit))
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    _finish_study(study, f"sweep {name or 'grid'} on {data.scenario.name}"
                  + (f" + {scenario}" if scenario else ""), csv, montecarlo=False)


@app.command()
def montecarlo(
    name: Annotated[str, typer.Argument(
        metavar="NAME", help="A Monte Carlo study declared in scenarios.yaml.")] = "uncertainty",
    path: InputsArgument = None,
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
    force: ForceFileOption = False,
    show_progress: ProgressOption = None,
    time_limit: TimeLimitOption = None,
    debug: DebugOption = False,
) -> None:
    """Sample demand, duties, freight and prices (N samples, a seed: reproducible)."""
    from evplan.scenarios import run_montecarlo

    if path is None and is_inputs(name):  # `evplan montecarlo my-inputs/`
        name, path = "uncertainty", Path(name)
    source = pick_inputs(path, inputs, "evplan montecarlo NAME {inputs}")
    try:
        _check_csv(csv, force)
        data = load_inputs(source)
        with long_work(f"montecarlo {name}", False,
                       STOPPED if record else "nothing written"):
            study = run_montecarlo(name, data, samples=samples, seed=seed, scenario=scenario,
                                   **_study_options(workers, scheduler, store, record, tables,
                                                    show_progress, time_limit))
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    _finish_study(study, f"Monte Carlo {name} on {data.scenario.name}", csv, montecarlo=True)


@app.command()
def breakeven(
    path: InputsArgument = None,
    inputs: InputsOption = None,
    scenario: ScenarioOption = None,
    year: Annotated[int | None, typer.Option("--year", help="Year to show (default: last).")
                    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Lanes to show.", min=1)] = 30,
    exact: Annotated[bool, typer.Option(
        "--exact", help="Bisect every lane whose ranging value is only a bound (stop rates "
                        "of used lanes, start rates of unused ones, quota lanes).")
    ] = False,
    store: StoreOption = None,
    record: RecordOption = True,
    time_limit: TimeLimitOption = None,
    debug: DebugOption = False,
) -> None:
    """Duty rate at which each used lane stops being used, and each unused one would start."""
    from evplan.highs import SolverOptions
    from evplan.model.strategic import has_strategic
    from evplan.scenarios import WarmModel, apply_scenario, breakeven_duties
    from evplan.scenarios.display import breakeven_summary, breakeven_table

    try:
        data = load_inputs(pick_inputs(path, inputs, "evplan breakeven {inputs}"))
        first, last = data.scenario.first_year, data.scenario.last_year
        if year is not None and not first <= year <= last:  # before the solve
            raise typer.BadParameter(f"{year} is outside the planning horizon {first}-{last}.",
                                     param_hint="'--year'")
        applied = apply_scenario(data, scenario or "base")
        fixed = None
        solver = SolverOptions(time_limit_s=time_limit)
        if has_strategic(applied.data):  # break-even in the plan's network (held fixed)
            from evplan.strategic.milp import network_values

            fixed = network_values(applied.data, solver)
        warm = WarmModel(applied.data, solver, fixed=fixed)
        result = warm.solve(applied.data)
        table = breakeven_duties(applied.data, warm, refine_all=exact)
        from evplan.results import Result

        result = Result(status=result.status, objective_usd=result.objective_usd,
                        tables=result.tables, kpis=result.kpis,
                        scenario={**result.scenario, "scenario": applied.scenario,
                                  "overrides": list(applied.overrides)},
                        metadata=result.metadata)
        run_id = record_run(result, applied.data, store, record, {"breakeven": table})
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    if table.empty:  # every lane is domestic: no duty to break even on
        console.print("No cross-border flow: every lane ships within one country, so no duty "
                      "applies and there is no break-even rate.")
    else:
        console.print(breakeven_table(table, year or int(table["year"].max()), limit))
        console.print(breakeven_summary(table))
    if run_id:
        console.print(f"Recorded with run {run_id} in {store or default_store()} "
                      "(table 'breakeven').")


@app.command()
def scenarios(path: InputsArgument = None, debug: DebugOption = False) -> None:
    """List the scenarios, overrides, sweeps, Monte Carlo and two-stage studies of INPUTS'
    scenarios.yaml, with their descriptions."""
    _list_catalog(path, debug)


def _list_catalog(path: Path | None, debug: bool,
                  sections: tuple[str, ...] = ("scenarios", "overrides", "sweeps",
                                               "montecarlo", "studies")) -> None:
    from evplan.scenarios.listing import catalog_tables, inputs_folder

    try:
        folder, label = inputs_folder(path)
        tables = catalog_tables(folder, sections)
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    if not tables:
        console.print(f"{label}: no scenarios.yaml (or nothing declared in it); see "
                      "docs/scenarios.md to write one.")
        return
    source = ("sheet scenarios" if folder.suffix.lower() in (".xlsx", ".xlsm")
              else "scenarios.yaml")
    console.print(f"{label}: {source}", markup=False)
    for table in tables:
        console.print(table)
    console.print("Run one with `evplan run INPUTS --scenario NAME`, `evplan sweep NAME INPUTS`,"
                  " `evplan montecarlo NAME INPUTS` or `evplan stochastic NAME INPUTS`.",
                  markup=False)


@app.command()
def runs(
    store: StoreOption = None,
    limit: Annotated[int, typer.Option("--limit", help="Runs to show.", min=1)] = 30,
    batch: Annotated[str | None, typer.Option("--batch", help="Only this sweep batch.")
                     ] = None,
    debug: DebugOption = False,
) -> None:
    """List the runs recorded in the results store, newest first."""
    from evplan.scenarios.display import runs_tables
    from evplan.store import ResultsStore

    try:
        results = ResultsStore(store or default_store())
        frame = results.runs(batch)
        if batch is not None and frame.empty:  # a mistyped batch is no empty listing
            _no_batch(batch, results)
    except EvplanError as error:
        exit_with_error(error, debug)
        return
    for table in runs_tables(frame, limit, console.width):
        console.print(table)


def _no_batch(batch: str, results: ResultsStore) -> None:
    """Raise StoreError for a ``--batch`` that no recorded run belongs to, naming the
    batches there are (newest first)."""
    from evplan.store import StoreError

    known = [str(name) for name in results.runs()["batch_id"].dropna().unique() if name]
    shown = ", ".join(known[:5]) + (f" and {len(known) - 5} more" if len(known) > 5 else "")
    there = (f"its batches are {shown}" if known else "no sweep or Monte Carlo batch is "
             "recorded in it")
    raise StoreError(f"evplan: no run of batch {batch!r} in {results.path}; {there}. Give a "
                     "batch id as `evplan sweep` or `evplan montecarlo` printed it, or leave "
                     "--batch out to list every run.")


def _compared_ids(arguments: list[str]) -> list[str]:
    """The run ids ``evplan compare`` was given: two or more, a run folder standing for the
    run its ``.evplan-run`` marker names.

    Raises
    ------
    StoreError
        For fewer than two runs (one run compared with nothing showed every KPI row as
        "differing"), or a folder evplan did not write as a run.
    """
    import json

    from evplan.store import StoreError

    if len(arguments) < 2:
        raise StoreError("evplan: compare needs two or more runs (run ids from `evplan runs`, "
                         f"or run folders); got {len(arguments)}. Add the run to compare "
                         "with, e.g. `evplan compare RUN_A RUN_B`.")
    ids = []
    for argument in arguments:
        folder = Path(argument)
        if not folder.is_dir():
            ids.append(argument)
            continue
        try:
            marker = json.loads((folder / ".evplan-run").read_text(encoding="utf-8"))
            run_id = marker["run_id"] if marker.get("kind") == "run" else None
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            run_id = None
        if not isinstance(run_id, str) or not run_id:
            raise StoreError(f"evplan: {argument} is a folder, not a run id, and not a run "
                             "folder `evplan run` wrote (it has no .evplan-run marker naming "
                             "a run). Give a run id from `evplan runs`, or a run folder.")
        ids.append(run_id)
    return ids


def _store_of_folders(arguments: list[str]) -> Path | None:
    """The results store beside the run folders compared, when every argument is a folder
    and they share one (``evplan run -o runs/base`` records in ``runs/evplan.duckdb``, so
    ``evplan compare runs/base runs/variant`` reads that store, not the default)."""
    folders = [Path(argument) for argument in arguments]
    if not folders or not all(folder.is_dir() for folder in folders):
        return None
    stores = {(folder.resolve().parent / "evplan.duckdb") for folder in folders}
    if len(stores) != 1:
        return None
    beside = next(iter(stores))
    return shown_path(beside) if beside.is_file() else None


def _resolve_compared(results_store: ResultsStore, arguments: list[str]) -> list[str]:
    """The run ids compared, resolved in ``results_store``; a run folder whose run is not
    there is named with the store that records it (the one beside the folder)."""
    from evplan.store import StoreError

    ids = _compared_ids(arguments)
    try:
        return results_store.resolve(ids)
    except StoreError as error:
        for argument, run_id in zip(arguments, ids, strict=True):
            beside = Path(argument).resolve().parent / "evplan.duckdb"
            if (Path(argument).is_dir() and beside.is_file()
                    and beside != Path(results_store.path).resolve()):
                try:
                    results_store.resolve([run_id])
                except StoreError:
                    raise StoreError(
                        f"evplan: the run folder {argument} (run {run_id}) is recorded in "
                        f"{shown_path(beside)}, the store beside it, not in "
                        f"{results_store.path}. Compare runs of one store: --store "
                        f"{shown_path(beside)} with run ids or folders recorded there (`evplan "
                        f"runs --store {shown_path(beside)}` lists them).") from error
        raise


@app.command()
def compare(
    run_ids: Annotated[list[str] | None, typer.Argument(
        metavar="RUN...", show_default=False,
        help="Two or more run ids (unique prefixes are enough) or run folders; `evplan runs` "
             "lists the recorded runs.")] = None,
    store: StoreOption = None,
    limit: Annotated[int, typer.Option("--limit", help="KPI rows to show with --all.",
                                       min=1)] = 60,
    show_all: Annotated[bool, typer.Option(
        "--all", help="After the headline KPIs, every other KPI row that differs.")] = False,
    debug: DebugOption = False,
) -> None:
    """Print the headline KPIs of runs side by side (share sold in and built in the focus
    country, utilisation, exports, margin, duties) with deltas against the first run."""
    from evplan.scenarios.compare_screen import compare_tables
    from evplan.store import ResultsStore

    if not run_ids:  # a usage error (exit 64) that says where the ids come from
        raise typer.BadParameter("give two or more run ids or run folders to compare; "
                                 "`evplan runs` lists the recorded runs.", param_hint="RUN...")
    try:
        results_store = ResultsStore(store or _store_of_folders(run_ids) or default_store())
        ids = _resolve_compared(results_store, run_ids)
        wide = results_store.compare(ids)
        objectives = [float(results_store.run(run_id)["objective_usd"]) for run_id in ids]
        market_country = _market_countries(results_store, ids)
    except EvplanError as error:
        exit_with_error(error, debug)
        return
    tables, note = compare_tables(wide, ids, objectives, show_all=show_all, limit=limit,
                                  width=console.width, market_country=market_country)
    for table in tables:
        console.print(table)
    if note:
        console.print(note)


def _market_countries(store: ResultsStore, ids: list[str]) -> dict[str, str] | None:
    """Market -> country from the runs' ``network_sites`` tables (None when a run has none,
    e.g. a sweep's case, or two runs disagree)."""
    from evplan.store import StoreError

    found: dict[str, str] = {}
    for run_id in ids:
        try:
            sites = store.table(run_id, "network_sites")
        except StoreError:
            return None
        markets = sites[sites["kind"] == "market"]
        if markets.empty:
            return None
        for market, country in zip(markets["site"], markets["country"], strict=True):
            if found.setdefault(str(market), str(country)) != str(country):
                return None
    return found
