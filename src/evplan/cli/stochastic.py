"""``evplan stochastic STUDY [INPUTS]``: the two-stage plan of a study of scenarios.yaml."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evplan.cli.app import (
    DebugOption,
    ForceOption,
    ProgressOption,
    RecordOption,
    SelfContainedOption,
    StoreOption,
    app,
    catalog_problems,
    console,
    exit_with_error,
    finite,
    load_inputs,
    long_work,
    one_of,
    refuse_store_early,
)
from evplan.errors import EvplanError

if TYPE_CHECKING:
    from evplan.data.network import NetworkData


def _money(value: float | None) -> str:
    from evplan.units import unsigned_zero

    return "-" if value is None else unsigned_zero(f"{value / 1e6:,.1f} M")


def _inputs(path: Path) -> NetworkData:
    """The inputs; when their tables have problems, the study file's are listed with them
    (a revelation_year outside the horizon came only after the tables were fixed)."""
    from evplan.errors import InputError

    try:
        return load_inputs(path)
    except InputError as error:
        raise InputError([*error.problems, *catalog_problems(path)]) from None


def _write(result: object, output: Path, regret: bool) -> None:
    from evplan.outputs import write_csv

    with_regret = regret or len(result.regret)  # type: ignore[attr-defined]
    for name in ("first_stage", "scenarios", *(("regret",) if with_regret else ())):
        write_csv(getattr(result, name), output / f"{name}.csv")
    summary = {key: getattr(result, key) for key in (
        "status", "objective_usd", "expected_margin_usd", "cvar_usd", "evpi_usd", "vss_usd")}
    summary["metadata"] = result.metadata  # type: ignore[attr-defined]
    (output / "summary.json").write_text(json.dumps(_strict(summary), indent=2, default=str,
                                                    allow_nan=False) + "\n", encoding="utf-8")


def _strict(value: object) -> object:
    """``value`` with every non-finite float (an unproven bound: inf) as None: summary.json
    is strict JSON (no Infinity or NaN, which json.loads of other languages refuse)."""
    import numpy as np

    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(item) for item in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.ndarray):
        return _strict(value.tolist())
    return value


#: What --frontier takes, for every message about it.
_FRONTIER_RULE = ("The risk weights are finite numbers >= 0, each given once, separated by "
                  "commas, e.g. 0,0.5,1,2.")


def _weights(text: str) -> list[float]:
    """The risk weights of ``--frontier TEXT``; a usage error (exit 64) names each bad item.

    A value typed on the command line is checked as the option is read, before the inputs
    are: ``-1,0`` (below 0), ``nan``, ``inf``, ``1e999`` (not finite), ``abc`` (not a
    number), an empty item (``0,,1``), a repeated weight (``0,1,1``) and no weight at all
    (``''``, ``,``) are refused with the option, the value and the allowed range. The same
    weights given to :func:`evplan.twostage.frontier.efficient_frontier` in Python are an
    :class:`~evplan.errors.InputError`.
    """
    items = [part.strip() for part in text.split(",")]
    if not any(items):
        raise typer.BadParameter(f"{text!r} gives no risk weight. {_FRONTIER_RULE}")
    weights: list[float] = []
    wrong: list[str] = []
    for position, item in enumerate(items, start=1):
        try:
            weight = float(item)
        except ValueError:
            wrong.append(f"item {position} is empty" if not item
                         else f"{item!r} is not a number")
            continue
        if not math.isfinite(weight):
            wrong.append(f"{item} is not a finite number")
        elif weight < 0:
            wrong.append(f"{item} is below 0")
        elif weight in weights:
            wrong.append(f"{item} is given twice")
        else:
            weights.append(weight)
    if wrong:
        raise typer.BadParameter(f"{text!r}: {'; '.join(wrong)}. {_FRONTIER_RULE}")
    return weights


def _frontier_option(value: str | None) -> str | None:
    """Option callback: ``--frontier`` checked as it is read (:func:`_weights`)."""
    if value is not None:
        _weights(value)
    return value


@app.command()
def stochastic(
    study: Annotated[str, typer.Argument(help="A study declared under studies: in "
                                              "scenarios.yaml (e.g. duty-risk).")],
    inputs: Annotated[Path | None, typer.Argument(
        help="Input folder or workbook, or an embedded example (default: china-strategic).")
    ] = None,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", help="Solver time limit in seconds, per solve.", min=0,
        callback=finite)] = None,
    mip_gap: Annotated[float, typer.Option("--mip-gap", help="Relative MIP gap.", min=0,
                                           max=1, callback=finite)] = 1e-4,
    evpi: Annotated[bool, typer.Option("--evpi/--no-evpi", help="Solve each scenario alone "
                                                                "(EVPI).")] = True,
    vss: Annotated[bool, typer.Option("--vss/--no-vss", help="Evaluate the expected-value "
                                                             "plan (VSS).")] = True,
    regret: Annotated[bool, typer.Option("--regret/--no-regret", help="Each scenario's plan "
                                         "in every scenario (scenarios² solves).")] = True,
    objective: Annotated[str | None, typer.Option(
        "--objective", help="expected (E[margin] + λ CVaR, the default) or minimax-regret "
                            "(smallest worst regret); overrides the study's risk: objective.",
        callback=one_of("expected", "minimax-regret"))] = None,
    frontier: Annotated[str | None, typer.Option(
        "--frontier", help="Also solve at these risk weights, e.g. 0,0.5,1,2: expected margin "
                           "against CVaR and how many shared decisions change.",
        callback=_frontier_option)] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write first_stage.csv, scenarios.csv, regret.csv (not with "
                               "--no-regret), summary.json and report.html to this new "
                               "folder.")] = None,
    self_contained: SelfContainedOption = False,
    store: StoreOption = None,
    record: RecordOption = True,
    show_progress: ProgressOption = None,
    method: Annotated[str, typer.Option(
        "--method", help="extensive (one model) or progressive-hedging (scenario "
                         "subproblems; expected margin only).",
        callback=one_of("extensive", "progressive-hedging"))] = "extensive",
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Build and solve the scenario models on this Dask scheduler "
                            "(tcp://HOST:PORT); extensive: builds, completions and checks "
                            "there, the extensive form here.")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", help="The same on a local Dask cluster of N processes (1: in this "
                          "process).", min=1)] = 1,
    gap: Annotated[float, typer.Option(
        "--gap", help="progressive-hedging: stop at this relative bound gap.", min=0,
        callback=finite)] = 0.01,
    force: ForceOption = False,
    debug: DebugOption = False,
) -> None:
    """Decide the network before the uncertainty is known (two-stage, expected margin + CVaR)."""
    from evplan.highs import SolverOptions
    from evplan.twostage import stochastic as solve_study

    # Options that contradict each other are usage errors (exit 64), found before the inputs
    # are read; a contradiction with the study in scenarios.yaml is an input error (exit 1).
    if method == "progressive-hedging" and frontier is not None:
        raise typer.BadParameter("--frontier solves the extensive form at every weight; "
                                 "progressive hedging solves the expected margin only. Drop "
                                 "--frontier or use --method extensive.")
    if method == "progressive-hedging" and objective not in (None, "expected"):
        raise typer.BadParameter(f"--objective {objective} is solved by the extensive form "
                                 "only; drop --method progressive-hedging.")
    if objective == "minimax-regret" and frontier is not None:
        raise typer.BadParameter("--objective minimax-regret minimises the worst regret, which "
                                 "has no risk weight to vary: the frontier trades expected "
                                 "margin against CVaR. Drop --frontier, or give --objective "
                                 "expected.")
    weights = _weights(frontier) if frontier is not None else None  # checked when read
    if objective == "minimax-regret" and (workers > 1 or scheduler is not None):
        raise typer.BadParameter("--objective minimax-regret runs in this process; drop "
                                 "--workers and --scheduler.")
    try:
        with long_work(f"stochastic {study}", show_progress):
            target = None
            if output is not None:  # refused before the solve when it is not evplan's to write
                from evplan.outputs.targets import new_folder_target

                target = new_folder_target(output, f"stochastic-{study}", kind="stochastic",
                                           force=force)
            # Recorded when --store is given, or with -o in evplan.duckdb beside the folder;
            # a store evplan cannot write is refused before the (long) solve.
            store = store or (target.path.parent / "evplan.duckdb" if target is not None else None)
            if record and store is not None:
                refuse_store_early(store, target.path if target is not None else None)
            data = _inputs(inputs or Path("china-strategic"))
            if weights is not None:  # before the solve: a frontier of E + lambda CVaR only
                _check_frontier(data, study, objective)
            if method == "progressive-hedging":  # issue 14: docs/stochastic.md, "Scale"
                from evplan.scenarios.apply import catalog_for
                from evplan.twostage.hedging import HedgingOptions, hedge_on
                from evplan.twostage.models import study_named, with_objective

                catalog = catalog_for(data)
                chosen = study_named(data, study, catalog)  # --objective expected overrides it
                chosen = with_objective(chosen, objective) if objective else chosen
                result = hedge_on(data, chosen, SolverOptions(time_limit_s=time_limit,
                                                              mip_gap=mip_gap),
                                  HedgingOptions(gap=gap), scheduler=scheduler, workers=workers,
                                  catalog=catalog)
            else:
                from evplan.twostage.hedging import study_client

                with study_client(scheduler, workers) as client:
                    result = solve_study(data, study, SolverOptions(time_limit_s=time_limit,
                                                                    mip_gap=mip_gap),
                                         evpi=evpi, vss=vss, regret=regret,
                                         objective_kind=objective, client=client)
            table = None
            if weights is not None:
                from evplan.twostage.frontier import efficient_frontier

                table = efficient_frontier(data, result.study, weights,
                                           SolverOptions(time_limit_s=time_limit, mip_gap=mip_gap))
            entry = None
            if record and store is not None:
                from evplan.store_study import study_record

                entry = study_record(result, data=data, frontier=table)
            recorded = entry.run_id if entry is not None else None
            if target is not None:  # the folder appears whole (evplan.outputs.transaction)
                from evplan.outputs import write_csv
                from evplan.outputs.marker import new_run_id
                from evplan.outputs.transaction import write_folder

                final = target.path

                def fill(staging: Path) -> None:
                    from evplan.report.scripts import shared_src
                    from evplan.report.stochastic import stochastic_report_html

                    _write(result, staging, regret)
                    if table is not None:
                        write_csv(table, staging / "frontier.csv")
                    src = (None if self_contained
                           else shared_src(final.parent, final))
                    (staging / "report.html").write_text(
                        stochastic_report_html(result, table, src), encoding="utf-8")

                def commit(folder: Path) -> None:
                    import dataclasses

                    from evplan.store import ResultsStore

                    assert entry is not None and store is not None
                    ResultsStore(store).record(dataclasses.replace(
                        entry, metadata={**entry.metadata, "run_folder": str(folder)}))

                output = write_folder(target, fill, kind="stochastic",
                                      run_id=recorded or new_run_id(), command="stochastic",
                                      store=store if entry is not None else None,
                                      run_ids=[recorded] if recorded else [],
                                      commit=commit if entry is not None else None)
            elif entry is not None and store is not None:
                from evplan.store import ResultsStore

                ResultsStore(store).record(entry)
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    _show(result)
    if table is not None:
        console.print(table.to_string(index=False))
    if output is not None:
        console.print(f"Tables written to {output}")
    if recorded is not None:
        console.print(f"Recorded as run {recorded} in {store}; list studies with `evplan "
                      f"studies --store {store}`.")


def _check_frontier(data: object, study: str, objective: str | None) -> None:
    """Refuse --frontier for a study solved by minimax regret (from --objective or the
    study's risk: objective): the frontier varies the CVaR weight, which it has not."""
    from evplan.errors import InputError, Problem
    from evplan.scenarios.apply import catalog_for
    from evplan.twostage.models import study_named

    chosen = study_named(data, study, catalog_for(data))  # type: ignore[arg-type]
    if (objective or chosen.objective) == "minimax-regret":
        raise InputError([Problem("--frontier", f"study '{chosen.name}' minimises the worst "
                                  "regret, which has no risk weight to vary: the frontier "
                                  "trades expected margin against CVaR. Drop --frontier, or "
                                  "give --objective expected.")])


def _vss_label(eev_status: str) -> str:
    """The VSS row's label: plain when proven, else what the line below the table says."""
    if eev_status == "optimal":
        return "VSS"
    return ("VSS (not computed, see below)" if eev_status.startswith("not computed")
            else "VSS (not proven, see below)")


def _range(pair: list[float] | None) -> str:
    """``low to high`` of a proven range (USD millions), '' when there is none."""
    if pair is None:
        return ""
    low, high = pair
    return f"{_money(low)} to {'unbounded' if not math.isfinite(high) else _money(high)}"


def _ranges_note(meta: dict[str, object], scale_usd: float | None = None) -> str:
    """What the proven ranges are and why the values are not points; the gap's width is on
    ``scale_usd`` (for minimax regret the largest wait-and-see value: its objective, minus
    the worst regret, is not what the gap is relative to), else on the bound."""
    gap = float(meta["solver_mip_gap"])  # type: ignore[arg-type]
    scale = float(scale_usd if scale_usd is not None else meta["bound_usd"])  # type: ignore[arg-type]
    source = ("each scenario solved alone" if meta.get("bound_from") == "wait-and-see"
              else "progressive hedging's best Lagrangian bound"
              if meta.get("method") == "progressive-hedging" else "the extensive form")
    regrets = ("the regrets (measured from the wait-and-see values found, each within the "
               "gap of its scenario's optimum)" if meta.get("objective") == "minimax-regret"
               else "the regrets (>= 0: each scenario's wait-and-see value is the best plan "
               "known for it)")
    return (f"Every MILP is solved to a relative gap of {gap:g} (--mip-gap), so the objective, "
            f"EVPI and VSS are known only within the proven ranges: from the plans found and "
            f"the solvers' bounds (the plan's bound from {source}). On values of this "
            f"size a gap of {gap:g} is {_width(gap * abs(scale))}"
            f" wide; EVPI, VSS and {regrets} are known only to within it.")


def _width(usd: float) -> str:
    """A width in USD millions, or in dollars below 0.1 M (which would print as 0.0 M)."""
    return _money(usd) if abs(usd) >= 0.05e6 else f"USD {usd:,.0f}"


def _show(result: object) -> None:
    from rich.table import Table

    meta = result.metadata  # type: ignore[attr-defined]
    study = result.study  # type: ignore[attr-defined]
    console.print(f"Study {study.name}: {meta['scenarios']} scenarios, revealed "
                  f"{study.revelation_year or 'after the horizon'}; {meta['shared_elements']} "
                  f"shared decisions, {meta['nonanticipativity_rows']} non-anticipativity rows; "
                  f"status {result.status}, gap "  # type: ignore[attr-defined]
                  f"{meta['mip_gap']:.2%}; plan: {meta.get('plan_from', 'extensive form')}.")
    ranges = meta.get("intervals_usd", {})
    table = Table("value", "USD", *(("proven range, USD",) if ranges else ()))
    for key, label, value in (
            ("objective", "objective (minus the worst regret)"
             if study.objective == "minimax-regret" else "objective (E + λ CVaR)",
             result.objective_usd),  # type: ignore[attr-defined]
            ("", "expected margin", result.expected_margin_usd),  # type: ignore[attr-defined]
            ("", f"CVaR {study.alpha:g}", result.cvar_usd),  # type: ignore[attr-defined]
            ("evpi", "EVPI", result.evpi_usd),  # type: ignore[attr-defined]
            ("vss", _vss_label(str(meta.get("eev_status", "optimal"))),
             result.vss_usd)):  # type: ignore[attr-defined]
        table.add_row(label, _money(value), *((_range(ranges.get(key)),) if ranges else ()))
    console.print(table)
    if ranges:
        scenarios = result.scenarios  # type: ignore[attr-defined]
        console.print(_ranges_note(meta, float(scenarios["wait_and_see_usd"].abs().max())
                                   if study.objective == "minimax-regret" else None))
    scenarios = result.scenarios  # type: ignore[attr-defined]
    per = Table(*scenarios.columns)
    for row in scenarios.itertuples(index=False):
        per.add_row(*[f"{value:.3f}" if name == "probability" else
                      (_money(value) if isinstance(value, float) else str(value))
                      for name, value in zip(scenarios.columns, row, strict=True)])
    console.print(per)
    changed = result.first_stage  # type: ignore[attr-defined]
    console.print(f"First stage: {len(changed)} shared values "
                  f"({int((changed['value'] > 0).sum())} non-zero); --output writes them.")
    if meta.get("method") == "progressive-hedging":
        console.print(f"Progressive hedging: {meta['iterations']} iterations on "
                      f"{meta['workers']} worker(s); bound {_money(meta['bound_usd'])}, gap "
                      f"{meta['mip_gap']:.3%} (target {meta['target_gap']:.2%}).")
    if "eev_status" in meta and meta["eev_status"] != "optimal":
        console.print(f"VSS: {meta['eev_status']}")


@app.command()
def studies(
    run_id: Annotated[str | None, typer.Argument(
        help="A recorded study's run id (a unique prefix is enough): its scenarios.")] = None,
    store: StoreOption = None,
    debug: DebugOption = False,
) -> None:
    """List the two-stage studies recorded in the results store, or one study's scenarios."""
    from evplan.cli.app import default_store
    from evplan.store import ResultsStore, StoreError

    try:
        results = ResultsStore(store or default_store())
        if run_id is None:
            frame = results.studies()
        else:
            (run_id,) = results.resolve([run_id])
            recorded = results.run(run_id)
            if recorded.get("case_label") != "stochastic":
                raise StoreError(
                    f"evplan: run {run_id} is not a two-stage study (it is a run of "
                    f"scenario '{recorded.get('scenario')}'), so it has no study scenarios. "
                    "`evplan studies` lists the recorded studies; `evplan runs`, every "
                    "run.")
            frame = results.table(run_id, "study_scenarios")
    except EvplanError as error:
        exit_with_error(error, debug)
        return
    if frame.empty:
        console.print("No study recorded: run `evplan stochastic STUDY INPUTS --store FILE`.")
        return
    console.print(_frame_table(frame))


def _frame_table(frame: object) -> object:
    import pandas as pd
    from rich.table import Table

    table = Table()
    for column in frame.columns:  # type: ignore[attr-defined]
        table.add_column(str(column), no_wrap=column == "run_id")  # ids are never cut
    for row in frame.itertuples(index=False):  # type: ignore[attr-defined]
        table.add_row(*[_money(value) if isinstance(value, float) and abs(value) >= 1e4
                        else f"{value:.4g}" if isinstance(value, float)
                        else "" if value is pd.NaT
                        else f"{value:%Y-%m-%d %H:%M}" if hasattr(value, "strftime")
                        else str(value) for value in row])
    return table
