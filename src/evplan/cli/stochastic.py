"""``evplan stochastic STUDY [INPUTS]``: the two-stage plan of a study of scenarios.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from evplan.cli.app import DebugOption, app, console, exit_with_error, finite, load_inputs
from evplan.errors import EvplanError


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:,.1f} M"


def _write(result: object, output: Path) -> None:
    from evplan.outputs import write_csv

    for name in ("first_stage", "scenarios", "regret"):
        write_csv(getattr(result, name), output / f"{name}.csv")
    summary = {key: getattr(result, key) for key in (
        "status", "objective_usd", "expected_margin_usd", "cvar_usd", "evpi_usd", "vss_usd")}
    summary["metadata"] = result.metadata  # type: ignore[attr-defined]
    (output / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n",
                                         encoding="utf-8")


def _weights(text: str) -> list[float]:
    try:
        weights = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        weights = []
    if not weights or any(not weight >= 0 or weight == float("inf") for weight in weights):
        raise typer.BadParameter(f"--frontier {text!r}: give risk weights >= 0 separated by "
                                 "commas, e.g. 0,0.5,1,2.")
    return weights


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
                                           callback=finite)] = 1e-4,
    evpi: Annotated[bool, typer.Option("--evpi/--no-evpi", help="Solve each scenario alone "
                                                                "(EVPI).")] = True,
    vss: Annotated[bool, typer.Option("--vss/--no-vss", help="Evaluate the expected-value "
                                                             "plan (VSS).")] = True,
    regret: Annotated[bool, typer.Option("--regret/--no-regret", help="Each scenario's plan "
                                         "in every scenario (scenarios² solves).")] = True,
    frontier: Annotated[str | None, typer.Option(
        "--frontier", help="Also solve at these risk weights, e.g. 0,0.5,1,2: expected margin "
                           "against CVaR and how many shared decisions change.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write first_stage.csv, scenarios.csv, regret.csv and "
                               "summary.json to this new folder.")] = None,
    method: Annotated[str, typer.Option(
        "--method", help="extensive (one model) or progressive-hedging (scenario "
                         "subproblems; expected margin only).")] = "extensive",
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="progressive-hedging: run the subproblems on this Dask "
                            "scheduler (tcp://HOST:PORT).")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", help="progressive-hedging: a local Dask cluster of N processes "
                          "(1: in this process).", min=1)] = 1,
    gap: Annotated[float, typer.Option(
        "--gap", help="progressive-hedging: stop at this relative bound gap.", min=0,
        callback=finite)] = 0.01,
    debug: DebugOption = False,
) -> None:
    """Decide the network before the uncertainty is known (two-stage, expected margin + CVaR)."""
    from evplan.highs import SolverOptions
    from evplan.twostage import stochastic as solve_study

    try:
        target = None
        if output is not None:  # refused before the solve when it is not evplan's to write
            from evplan.outputs.targets import new_folder_target

            target = new_folder_target(output, f"stochastic-{study}", kind="stochastic")
        data = load_inputs(inputs or Path("china-strategic"))
        if method not in ("extensive", "progressive-hedging"):
            raise typer.BadParameter(f"--method {method!r}: give extensive or "
                                     "progressive-hedging.")
        if method == "progressive-hedging":  # issue 14: docs/stochastic.md, "Scale"
            from evplan.twostage.hedging import HedgingOptions, hedge_on

            result = hedge_on(data, study, SolverOptions(time_limit_s=time_limit,
                                                         mip_gap=mip_gap),
                              HedgingOptions(gap=gap), scheduler=scheduler, workers=workers)
        else:
            result = solve_study(data, study, SolverOptions(time_limit_s=time_limit,
                                                            mip_gap=mip_gap),
                                 evpi=evpi, vss=vss, regret=regret)
        table = None
        if frontier:
            from evplan.twostage.frontier import efficient_frontier

            table = efficient_frontier(data, study, _weights(frontier),
                                       SolverOptions(time_limit_s=time_limit, mip_gap=mip_gap))
        if target is not None:  # the folder appears whole (evplan.outputs.transaction)
            from evplan.outputs import write_csv
            from evplan.outputs.marker import new_run_id
            from evplan.outputs.transaction import write_folder

            def fill(staging: Path) -> None:
                _write(result, staging)
                if table is not None:
                    write_csv(table, staging / "frontier.csv")

            output = write_folder(target, fill, kind="stochastic", run_id=new_run_id(),
                                  command="stochastic")
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    _show(result)
    if table is not None:
        console.print(table.to_string(index=False))
    if output is not None:
        console.print(f"Tables written to {output}")


def _show(result: object) -> None:
    from rich.table import Table

    meta = result.metadata  # type: ignore[attr-defined]
    study = result.study  # type: ignore[attr-defined]
    console.print(f"Study {study.name}: {meta['scenarios']} scenarios, revealed "
                  f"{study.revelation_year or 'after the horizon'}; {meta['shared_elements']} "
                  f"shared decisions, {meta['nonanticipativity_rows']} non-anticipativity rows; "
                  f"status {result.status}, gap {meta['mip_gap']:.2%}.")  # type: ignore[attr-defined]
    table = Table("value", "USD")
    for label, value in (
            ("objective (E + λ CVaR)", result.objective_usd),  # type: ignore[attr-defined]
            ("expected margin", result.expected_margin_usd),  # type: ignore[attr-defined]
            (f"CVaR {study.alpha:g}", result.cvar_usd),  # type: ignore[attr-defined]
            ("EVPI", result.evpi_usd), ("VSS", result.vss_usd)):  # type: ignore[attr-defined]
        table.add_row(label, _money(value))
    console.print(table)
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
