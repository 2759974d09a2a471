"""After the plan: ``fleet``, ``charging`` and ``recycling``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from evplan.cli.app import (
    DebugOption,
    ProgressOption,
    RecordOption,
    StoreOption,
    app,
    console,
    exit_with_error,
    finite,
    long_work,
    one_of,
    refuse_store_early,
    shown_path,
)
from evplan.errors import EvplanError, InfeasibleError, InputError, Problem

if TYPE_CHECKING:
    from evplan.outputs.marker import Marker

T = TypeVar("T")

RunFolderArgument = Annotated[Path | None, typer.Argument(
    help="Run folder written by `evplan run` (default: the latest run in evplan-output, see "
         "evplan-output/latest; the default scenario is planned first if there is none).")]
HistoryOption = Annotated[Path | None, typer.Option(
    "--history", help="CSV of sales before the plan (market, year, powertrain, "
                      "sales_vehicles, ...).")]
SurvivalOption = Annotated[Path | None, typer.Option(
    "--survival", help="Survival-curve CSV (default: the shipped curves).")]
BatteryOption = Annotated[Path | None, typer.Option(
    "--battery", help="Battery CSV (default: the shipped pack sizes).")]
ChemistryOption = Annotated[Path | None, typer.Option(
    "--chemistry", help="Chemistry CSV (default: the shipped shares).")]
YearsAfterOption = Annotated[int, typer.Option(
    "--years-after-plan", help="Years projected after the plan's last year.", min=0, max=200)]
AfterPlanOption = Annotated[str, typer.Option(
    "--after-plan", help="Sales after the plan: flat (held at the last plan year) or zero.",
    callback=one_of("flat", "zero"))]


@app.command()
def fleet(
    run_folder: RunFolderArgument = None,
    history: HistoryOption = None,
    survival: SurvivalOption = None,
    battery: BatteryOption = None,
    chemistry: ChemistryOption = None,
    years_after_plan: YearsAfterOption = 20,
    after_plan: AfterPlanOption = "flat",
    store: StoreOption = None,
    record: RecordOption = True,
    show_progress: ProgressOption = None,
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
    from evplan.outputs import existing_folder_target, write_folder
    from evplan.outputs.marker import new_run_id

    try:
        with long_work("fleet", show_progress):
            folder = run_folder or _latest(default_run_folder)
            target = existing_folder_target(folder, command="evplan fleet")
            store = store or default_store(folder)
            if record:  # before the work: a store that cannot be one, or inside the folder
                refuse_store_early(store, target.path)
            # Charging was sized on the fleet of its own run: that fleet goes, so do they.
            sized = _charging_sized(folder, target.previous)
            result = project_fleet(folder, history=history, survival=survival, battery=battery,
                                   chemistry=chemistry, options=FleetOptions(
                                       years_after_plan, after_plan))  # type: ignore[arg-type]
            stale = _recycling_stale(folder, target.previous, result)
            parameters = {"years_after_plan": years_after_plan, "after_plan": after_plan,
                          **{name: str(path) for name, path in (
                              ("history", history), ("survival", survival), ("battery", battery),
                              ("chemistry", chemistry)) if path is not None}}
            run_id = new_run_id()
            reports: list[str] = []

            def fill(staging: Path) -> None:
                write_fleet(result, staging)
                reports.extend(path.name for path in [refresh_report(staging)] if path)

            def commit(final: Path) -> None:
                record_fleet(result, store, scenario=f"{final.name}:fleet", folder=final,
                             parameters=parameters, run_id=run_id)

            folder = write_folder(target, fill, kind="run", run_id=run_id, command="fleet",
                                  store=store if record else None,
                                  run_ids=[run_id] if record else [],
                                  commit=commit if record else None, drop=_earlier_tables(
                                      folder, "fleet", "charging",
                                      *(("recycling",) if stale else ())))
            report_file = folder / reports[0] if reports else None
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    markets = list(result.export_markets) or result.markets
    years = [y for y in range(result.first_year, result.last_year + 1)
             if y <= (result.plan_last_year or 0) or y % 5 == 0]
    console.print(fleet_table(result, markets, years))
    console.print(*result.assumptions, sep="\n")
    console.print(f"Fleet tables written to {shown_path(folder)}"
                  + _replaced(target.previous, "fleet"))
    if sized is not None:
        console.print(f"The charging tables{sized} were removed: they were sized on the "
                      "fleet this command replaces. Run evplan charging again for charging "
                      "on this fleet.")
    if stale:
        console.print(stale)
    _print_recorded(run_id if record else None, store, report_file, folder)


@app.command()
def charging(
    run_folder: RunFolderArgument = None,
    history: HistoryOption = None,
    markets: Annotated[str | None, typer.Option(
        "--markets", help="Comma-separated markets (default: the plan's export markets).")
                       ] = None,
    last_year: Annotated[int | None, typer.Option(
        "--last-year", help="Last year to size (default: the plan's).", min=1900,
        max=2200)] = None,
    max_wait_probability: Annotated[float, typer.Option(
        "--max-wait-probability", help="Queueing target: probability of waiting.", min=0,
        max=1, callback=finite)] = 0.2,
    max_mean_wait_minutes: Annotated[float | None, typer.Option(
        "--max-mean-wait-minutes", help="Queueing target: mean wait.", min=0,
        callback=finite)] = None,
    zones: Annotated[Path | None, typer.Option(
        "--zones", help="Zones CSV for siting (default: synthetic example).")] = None,
    sites: Annotated[Path | None, typer.Option(
        "--sites", help="Candidate sites CSV (default: synthetic example).")] = None,
    corridor: Annotated[Path | None, typer.Option(
        "--corridor", help="Corridor candidates CSV (site, km; default: synthetic).")] = None,
    siting_market: Annotated[str | None, typer.Option(
        "--siting-market", help="Market whose demand is sited (default: TH).")] = None,
    survival: SurvivalOption = None,
    battery: BatteryOption = None,
    chemistry: ChemistryOption = None,
    years_after_plan: YearsAfterOption = 20,
    after_plan: AfterPlanOption = "flat",
    store: StoreOption = None,
    record: RecordOption = True,
    show_progress: ProgressOption = None,
    debug: DebugOption = False,
) -> None:
    """Fleet, public energy, ports by class (AFIR and benchmark ratios vs Erlang-C queueing),
    cost per market and year, and a siting example; tables into the run folder, the run in
    the results store, the run's report refreshed.

    The fleet is projected again, as ``evplan fleet`` projects it, with this command's
    --history, --survival, --battery, --chemistry, --years-after-plan and --after-plan (the
    shipped tables where not given), and its tables replace the run folder's fleet tables.
    """
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
    from evplan.outputs import existing_folder_target, write_folder
    from evplan.outputs.marker import new_run_id

    chosen = _market_list(markets)  # a usage error before any work
    try:
        with long_work("charging", show_progress):
            folder = run_folder or _latest(default_run_folder)
            target = existing_folder_target(folder, command="evplan charging")
            store = store or default_store(folder)
            if record:  # before the work: a store that cannot be one, or inside the folder
                refuse_store_early(store, target.path)
            fleet_result = _with_siting_problems(
                lambda: project_fleet(folder, history=history, survival=survival,
                                      battery=battery, chemistry=chemistry,
                                      options=FleetOptions(
                                          years_after_plan, after_plan)),  # type: ignore[arg-type]
                zones, sites, corridor)
            options = ChargingOptions(
                markets=chosen,
                last_year=last_year,
                target=QueueTarget(max_wait_probability, max_mean_wait_minutes))
            stale = _recycling_stale(folder, target.previous, fleet_result)
            result = plan_charging(fleet_result, options=options)
            skipped = ""
            try:
                example = siting_example(result, market=siting_market, zones=zones,
                                         sites=sites, corridor=corridor)
            except InfeasibleError as error:
                if (zones, sites, corridor) != (None, None, None):
                    raise  # the user's own tables: explained, exit 2
                # The synthetic example cannot serve this market: the sizing stands alone.
                example, skipped = None, " ".join(error.explanations)
            parameters = {"markets": markets, "last_year": last_year,
                          "max_wait_probability": max_wait_probability,
                          "max_mean_wait_minutes": max_mean_wait_minutes,
                          "siting_market": siting_market, "years_after_plan": years_after_plan,
                          "after_plan": after_plan,
                          **{name: str(path) for name, path in (
                              ("history", history), ("survival", survival),
                              ("battery", battery), ("chemistry", chemistry), ("zones", zones),
                              ("sites", sites), ("corridor", corridor)) if path is not None}}
            run_id = new_run_id()
            reports: list[str] = []

            def fill(staging: Path) -> None:
                write_fleet(fleet_result, staging)
                write_charging(result, staging, example)
                reports.extend(path.name for path in [refresh_report(staging)] if path)

            def commit(final: Path) -> None:
                record_charging(
                    fleet_result, result, store, example, scenario=f"{final.name}:charging",
                    folder=final, parameters={k: v for k, v in parameters.items() if v is not None},
                    run_id=run_id)

            folder = write_folder(target, fill, kind="run", run_id=run_id, command="charging",
                                  store=store if record else None,
                                  run_ids=[run_id] if record else [],
                                  commit=commit if record else None,
                                  drop=_earlier_tables(folder, "fleet", "charging",
                                                       *(("recycling",) if stale else ())))
            report_file = folder / reports[0] if reports else None
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    for table in charging_tables(result, example):
        console.print(table)
    if skipped:
        console.print(f"The siting example (synthetic zones, sites and corridor) was left out: "
                      f"{skipped} Give --zones, --sites and --corridor of your own, or "
                      "--siting-market.")
    console.print(f"Fleet and charging tables written to {shown_path(folder)}"
                  + _replaced(target.previous, "fleet", "charging"))
    if stale:
        console.print(stale)
    _print_recorded(run_id if record else None, store, report_file, folder)


@app.command()
def recycling(
    run_folder: RunFolderArgument = None,
    retired: Annotated[Path | None, typer.Option(
        "--retired", help="Retired packs CSV (collection_point, year, chemistry, kwh[, "
                          "tonnes]) instead of the fleet of a run.")] = None,
    defaults: Annotated[Path | None, typer.Option(
        "--defaults", help="Folder of CSVs replacing recycling defaults (prices.csv, "
                                   "candidate_plants.csv, lanes.csv, ...).")] = None,
    tables: Annotated[Path | None, typer.Option(
        "--tables", hidden=True, help="Deprecated: use --defaults DIR (--tables is "
                                      "the sweep switch --tables/--kpis-only).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Folder for the recycling tables: new or empty, or one evplan "
                               "wrote (default: the run folder; with --retired a new "
                               "evplan-output/recycling[-N]).")
                      ] = None,
    objective: Annotated[str, typer.Option(
        "--objective", help="meet_all (process every tonne) or max_value.")] = "meet_all",
    hard_targets: Annotated[bool, typer.Option(
        "--hard-targets", help="EU targets as hard constraints (default: shortfalls allowed "
                               "at a penalty and reported).")] = False,
    build_every: Annotated[int, typer.Option(
        "--build-every", help="Plants open only every N years.", min=1, max=100)] = 5,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="Seconds per MILP solve (all its parts).", min=0,
        callback=finite)] = 240.0,
    mip_gap: Annotated[float, typer.Option("--mip-gap", help="Relative MIP gap.", min=0,
                                           max=1, callback=finite)] = 0.01,
    history: HistoryOption = None,
    survival: SurvivalOption = None,
    battery: BatteryOption = None,
    chemistry: ChemistryOption = None,
    years_after_plan: YearsAfterOption = 20,
    after_plan: AfterPlanOption = "flat",
    store: StoreOption = None,
    record: RecordOption = True,
    show_progress: ProgressOption = None,
    debug: DebugOption = False,
) -> None:
    """Recycling network for the packs a plan's vehicles retire: plants, process, recovered
    tonnes and value, EU Battery Regulation compliance; tables into the run folder.

    The fleet is projected again, as ``evplan fleet`` projects it, with this command's
    --history, --survival, --battery, --chemistry, --years-after-plan and --after-plan (the
    shipped tables where not given); when the run folder's own fleet tables retire other
    packs, that is an input error before the solve (give the options evplan fleet had).
    """
    from evplan.fleet import FleetOptions
    from evplan.fleet.sales import names_source
    from evplan.highs import SolverOptions
    from evplan.outputs import existing_folder_target, new_folder_target, write_folder
    from evplan.outputs.marker import new_run_id
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
        with long_work("recycling", show_progress):
            options = RecyclingOptions(
                objective=objective,  # type: ignore[arg-type]
                target_penalty_usd_per_tonne=None if hard_targets else 100_000.0,
                build_every_years=build_every,
                solver=SolverOptions(time_limit_s=time_limit, mip_gap=mip_gap))
            sources = table_sources(_recycling_inputs(defaults, tables))
            # The target is settled before the (possibly long) solve.
            fleet_options = FleetOptions(years_after_plan, after_plan)  # type: ignore[arg-type]
            fleet_given = [name for name, value in (
                ("--history", history), ("--survival", survival), ("--battery", battery),
                ("--chemistry", chemistry)) if value is not None] + [name for name, changed in (
                    ("--years-after-plan", years_after_plan != FleetOptions().years_after_plan),
                    ("--after-plan", after_plan != FleetOptions().after_plan)) if changed]
            if retired is not None and fleet_given:
                raise typer.BadParameter(
                    f"{', '.join(fleet_given)} project the fleet of a run folder; with "
                    "--retired the retired packs are given and no fleet is projected. Leave "
                    "out --retired, or these options.")
            run = None if retired is not None else run_folder or _latest(default_run_folder)
            if output is None and run is not None:
                target = existing_folder_target(run, command="evplan recycling")
            else:
                target = new_folder_target(output, "recycling", kind="recycling",
                                           update_kinds=("run", "recycling"))

            store = store or target.path.parent / "evplan.duckdb"
            if record:  # a store that cannot be one is said before the (long) solve
                refuse_store_early(store, target.path)

            def progress(line: str) -> None:
                console.print(f"  {line}", style="dim", highlight=False)

            if run is None:
                result = plan_recycling(load_inputs(retired, **sources), options,
                                        progress=progress)
            else:
                result = plan_from_run(
                    run, options=options, progress=progress, history=history,
                    survival=survival, battery=battery, chemistry=chemistry,
                    fleet_options=fleet_options, **sources)
            run_id = new_run_id()
            reports: list[str] = []

            def fill(staging: Path) -> None:
                write_recycling(result, staging)
                # Into a run folder (the latest, RUN, or -o naming one): its report shows them.
                from evplan.charging.commands import refresh_report

                reports.extend(path.name for path in [refresh_report(staging)] if path)

            def commit(final: Path) -> None:
                record_recycling(result, store, scenario=f"{final.name}:recycling", run_id=run_id)

            folder = write_folder(target, fill, kind="recycling", run_id=run_id,
                                  command="recycling", store=store if record else None,
                                  run_ids=[run_id] if record else [],
                                  commit=commit if record else None, drop=_earlier_tables(
                                      target.path, "recycling"))
            report_file = folder / reports[0] if reports else None
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    console.print(plants_table(result))
    console.print(years_table(result))
    console.print(*closing_note(result), sep="\n")
    # which plan and which fleet tables of the user's own the packs came from
    console.print(*(line for line in result.assumptions if names_source(line)), sep="\n",
                  highlight=False)
    console.print(f"Recycling tables written to {shown_path(folder)}"
                  + _replaced(target.previous, "recycling"))
    _print_recorded(run_id if record else None, store, report_file, folder)


def _with_siting_problems(project: Callable[[], T], zones: Path | None, sites: Path | None,
                          corridor: Path | None) -> T:
    """``project()``, with the problems of the user's siting tables reported beside its own
    (before the charging sizing runs): every bad file in one error."""
    from evplan.charging.api import read_siting_tables

    problems: list[Problem] = []
    if (zones, sites, corridor) != (None, None, None):
        try:
            read_siting_tables(zones, sites, corridor)
        except InputError as error:
            problems = error.problems
    try:
        result = project()
    except InputError as error:
        raise InputError([*error.problems, *problems]) from None
    if problems:
        raise InputError(problems)
    return result


def _recycling_inputs(folder: Path | None, deprecated: Path | None) -> Path | None:
    """The folder of recycling input CSVs: ``--defaults``, or the deprecated
    ``--tables DIR`` (in evplan ``--tables`` is the sweep switch ``--tables/--kpis-only``)."""
    if deprecated is None:
        return folder
    if folder is not None and folder != deprecated:
        raise typer.BadParameter(f"recycling inputs given twice (--defaults {folder} "
                                 f"and --tables {deprecated}); give --defaults once.")
    sys.stderr.write("evplan: `recycling --tables DIR` is deprecated; use "
                     f"--defaults {deprecated}.\n")
    return deprecated


def _earlier_tables(folder: Path, *prefixes: str) -> Callable[[str], bool]:
    """The files a fleet/charging/recycling command replaces in a run ``folder``: those
    the earlier ``<prefix>`` commands wrote, by their manifests (``fleet.json`` ...), except
    the plan's own tables (run.json's, e.g. ``fleet_compliance``). A user's
    ``charging_notes.csv`` or ``fleet_mine.json`` is kept (every ``fleet_*`` file was
    dropped before)."""
    from evplan.fleet.write import written_files
    from evplan.outputs.transaction import plan_tables

    earlier = written_files(folder, *prefixes)
    plan = plan_tables(folder)

    def dropped(name: str) -> bool:
        return name in earlier and name.rpartition(".")[0] not in plan
    return dropped


def _latest(default_run_folder: Callable[[], Path]) -> Path:
    """The latest run folder (planned first if there is none), said on the terminal."""
    folder = default_run_folder()
    console.print(f"Run folder: {shown_path(folder)} (the latest run; pass RUN_FOLDER for "
                  "another).")
    return folder


def _charging_sized(folder: Path, previous: Marker | None) -> str | None:
    """Whether ``folder`` holds charging tables (which ``evplan fleet`` removes: they were
    sized on the fleet it replaces): None when not, else `` of run X`` or ``""`` when no
    marker names the run."""
    from evplan.fleet.write import written_files

    if not written_files(folder, "charging"):
        return None
    runs = [u.get("run_id") for u in (previous.updates if previous else ())
            if u.get("command") == "charging"]
    return f" of run {runs[-1]}" if runs else ""


def _recycling_stale(folder: Path, previous: Marker | None, fleet: object) -> str:
    """The line saying the folder's recycling tables go (planned on other retired packs
    than ``fleet`` sends to recycling), or '' when they stay or there are none."""
    from evplan.recycling.scenario import recycling_on_other_fleet

    other = recycling_on_other_fleet(folder, fleet)
    if other is None:
        return ""
    runs = [u.get("run_id") for u in (previous.updates if previous else ())
            if u.get("command") == "recycling"]
    of_run = f" of run {runs[-1]}" if runs else ""
    return (f"The recycling tables{of_run} were removed: they {other}. Run evplan "
            "recycling again, with this command's fleet options, for recycling on this "
            "fleet.")


def _replaced(previous: Marker | None, *commands: str) -> str:
    """`` (replacing the fleet tables of run X)`` when an earlier command's tables went."""
    if previous is None:
        return ""
    earlier = [u for u in previous.updates if u.get("command") in commands]
    if not earlier:
        return ""
    last = earlier[-1]
    return (f" (replacing the {last.get('command')} tables of run {last.get('run_id')}, "
            f"{str(last.get('at', ''))[:16].replace('T', ' ')} UTC; the results store keeps "
            "them)")


def _market_list(markets: str | None) -> tuple[str, ...] | None:
    """``--markets TH,EU`` as a tuple (blank items dropped); None when not given."""
    if markets is None:
        return None
    chosen = tuple(market.strip() for market in markets.split(",") if market.strip())
    if not chosen:
        raise typer.BadParameter(f"{markets!r} names no market; give ids such as TH,EU.",
                                 param_hint="'--markets'")
    return chosen


def _print_recorded(run_id: str | None, store: Path, report_file: Path | None,
                    folder: Path) -> None:
    """Say where the run was recorded and which report was refreshed, if any (or that the
    folder's report.html is not evplan's and was left as it is)."""
    from evplan.report.api import REPORT_FILE

    if run_id:
        console.print(f"Recorded as run {run_id} in {shown_path(store)}")
    if report_file:
        console.print(f"Report: {shown_path(report_file)}")
    elif (folder / REPORT_FILE).exists() or (folder / REPORT_FILE).is_symlink():
        console.print(f"{shown_path(folder / REPORT_FILE)} is not a page evplan wrote: left as "
                      "it is. Write the report elsewhere with evplan report "
                      f"{shown_path(folder)} -o FILE.")
