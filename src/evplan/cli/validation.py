"""The validation commands: ``calibrate`` (an identity, said out loud) and ``backtest``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from evplan.cli.app import DebugOption, ForceOption, app, console, exit_with_error, load_inputs
from evplan.errors import EvplanError

if TYPE_CHECKING:  # pandas only when a command runs, not for --help
    from collections.abc import Callable

    import pandas as pd

    from evplan.outputs.targets import Target

PathArgument = Annotated[Path | None, typer.Argument(
    help="Input folder with base_demand.csv, elasticities.csv (and actuals.csv); default: the "
         "embedded china-export scenario.")]


def _folder(path: Path | None) -> Path:
    """The inputs folder: ``path``; an embedded example's name (``china-export``) that is
    no path here is that example's folder, as every command that reads inputs takes it;
    None is the embedded china-export."""
    from evplan.examples import china_export_path, example_path

    if path is None:
        return china_export_path()
    if not path.exists() and (embedded := example_path(str(path))) is not None:
        return embedded
    return path


def _target(output: Path | None, kind: str, force: bool) -> Target:
    """Where the command's folder goes (refused before any work when it is not evplan's to
    write): ``-o`` new or empty, or a ``kind`` folder evplan wrote (replaced with --force);
    without ``-o``, the next free ``evplan-output/<kind>``."""
    from evplan.outputs.targets import new_folder_target

    return new_folder_target(output, kind, force=force, kind=kind)


def _write(target: Target, kind: str, fill: Callable[[Path], object]) -> Path:
    """Write the folder whole (evplan.outputs.transaction) and return where it went."""
    from evplan.outputs.marker import new_run_id
    from evplan.outputs.transaction import write_folder

    return write_folder(target, fill, kind=kind, run_id=new_run_id(), command=kind)


OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", show_default=False,
    help="A new or empty folder for the files, or one this command wrote (with --force); "
         "default: the next free evplan-output/<command> folder.")]


def _number(value: float, unit: str) -> str:
    import pandas as pd

    if pd.isna(value):
        return "n/a"
    if unit == "fraction":
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}"


def backtest_table(table: pd.DataFrame, base_year: int, target_year: int) -> Table:
    """The backtest as a rich table: calibrated base year, prediction, actual, error."""

    out = Table(title=f"BACKTEST · calibrated on {base_year} (identity) · {target_year} "
                      f"predicted from the {target_year} inputs, without its actuals",
                title_justify="left")
    for name in ("", f"{base_year} calibrated", f"{target_year} predicted",
                 f"{target_year} actual", "error", "error %", "persistence error"):
        out.add_column(name, justify="left" if not name else "right", no_wrap=True)
    for _, row in table.iterrows():
        unit = str(row["unit"])
        error_text, pct = _error_texts(row["error"], row["error_pct"], unit)
        out.add_row(str(row["row"]), _number(row[f"calibrated_{base_year}"], unit),
                    _number(row[f"predicted_{target_year}"], unit),
                    _number(row[f"actual_{target_year}"], unit), error_text, pct,
                    _persistence_text(row, unit, target_year))
    return out


def _error_texts(error: float, error_pct: float, unit: str) -> tuple[str, str]:
    """An error as text (points for a share) and its percentage (blank when none)."""
    import pandas as pd

    error_text = "n/a" if pd.isna(error) else (
        f"{error * 100:+.1f} pts" if unit == "fraction" else f"{error:+,.0f}")
    return error_text, "" if pd.isna(error_pct) else f"{error_pct * 100:+.1f}%"


def _persistence_text(row: pd.Series, unit: str, target_year: int) -> str:
    """The error of "the target year is like the base year" (its actual as the forecast):
    in points for a share, else in % of the actual; n/a without a base-year actual."""
    import pandas as pd

    error = row.get("persistence_error", float("nan"))
    actual = row[f"actual_{target_year}"]
    if pd.isna(error):
        return "n/a"
    if unit == "fraction":
        return f"{error * 100:+.1f} pts"
    return f"{error / actual * 100:+.1f}%" if actual else f"{error:+,.0f}"


def backtest_markdown(table: pd.DataFrame, base_year: int, target_year: int) -> str:
    """The backtest table as Markdown (for README and docs)."""

    lines = [f"| | {base_year} calibrated | {target_year} predicted | {target_year} actual | "
             "error | error % | persistence error |", "|---|---:|---:|---:|---:|---:|---:|"]
    for _, row in table.iterrows():
        unit = str(row["unit"])
        error_text, pct = _error_texts(row["error"], row["error_pct"], unit)
        lines.append(f"| {row['row']} | {_number(row[f'calibrated_{base_year}'], unit)} | "
                     f"{_number(row[f'predicted_{target_year}'], unit)} | "
                     f"{_number(row[f'actual_{target_year}'], unit)} | {error_text} | {pct} | "
                     f"{_persistence_text(row, unit, target_year)} |")
    return "\n".join(lines) + "\n"


@app.command()
def calibrate(
    path: PathArgument = None,
    base_year: Annotated[int | None, typer.Option(
        "--base-year", help="Observed year to fit (default: the scenario's first year).")] = None,
    output: OutputOption = None,
    force: ForceOption = False,
    debug: DebugOption = False,
) -> None:
    """Fit demand tiers so the observed base year is the optimum (calibration, not a forecast).

    Writes demand.csv (the calibrated tiers, an input table), calibration_fit.csv and
    calibration_pools.csv into a folder of its own.
    """
    from evplan.calibration import calibrate as run_calibration
    from evplan.calibration import read_calibration_inputs

    try:
        target = _target(output, "calibration", force)
        folder = _folder(path)
        data = load_inputs(path)
        inputs = read_calibration_inputs(folder, actuals=False, data=data)  # ids: one report
        result = run_calibration(data, inputs.base_demand, inputs.elasticities, base_year)
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    table = Table(title=f"CALIBRATION · fitted to {result.base_year} · an identity, not a "
                        "prediction", title_justify="left")
    for name in ("market", "observed", "solved", "residual", "wedge USD/veh", "wedge % price"):
        table.add_column(name, justify="left" if name == "market" else "right")
    for _, row in result.fit.iterrows():
        table.add_row(str(row["market"]), f"{row['observed_vehicles']:,.0f}",
                      f"{row['solved_vehicles']:,.0f}", f"{row['residual_vehicles']:+,.3f}",
                      f"{row['wedge_usd_per_vehicle']:+,.0f}",
                      f"{row['wedge_share_of_price'] * 100:+.1f}%")

    def fill(staging: Path) -> None:
        from evplan.calibration.check import recheck_calibration
        from evplan.outputs import write_csv
        from evplan.outputs.files import write_input_csv

        recheck_calibration(result, inputs.base_demand)  # before any file is written

        # demand.csv is an input table, quoted as evplan template's are (read back as
        # written, and never run by a spreadsheet); the fit tables are results.
        write_input_csv(result.demand, staging / "demand.csv")
        write_csv(result.fit, staging / "calibration_fit.csv")
        write_csv(result.pools, staging / "calibration_pools.csv")

    try:
        written = _write(target, "calibration", fill)
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    console.print(table)
    console.print(f"Residuals are solved - observed base-year volumes (zero: the identity holds). "
                  f"The wedge is the calibrated gap between marginal landed cost and marginal "
                  f"revenue. Calibrated demand written to {written / 'demand.csv'}.")


@app.command()
def backtest(
    path: PathArgument = None,
    base_year: Annotated[int | None, typer.Option(
        "--base-year", help="Year to calibrate on (default: the scenario's first year).")
                         ] = None,
    target_year: Annotated[int | None, typer.Option(
        "--target-year", help="Year to predict (default: the year after the base year).")
                           ] = None,
    output: OutputOption = None,
    force: ForceOption = False,
    debug: DebugOption = False,
) -> None:
    """Calibrate on one year, predict the next from what changed, compare with the actuals.

    Writes backtest.csv and backtest.md into a folder of its own.
    """
    from evplan.calibration import backtest as run_backtest
    from evplan.calibration import read_calibration_inputs

    try:
        target = _target(output, "backtest", force)
        data = load_inputs(path)
        # As calibrate: the scenario's first year, and the year after it, unless given.
        base_year = data.scenario.first_year if base_year is None else base_year
        target_year = base_year + 1 if target_year is None else target_year
        inputs = read_calibration_inputs(_folder(path), data=data)  # keys in one report
        result = run_backtest(data, inputs, base_year, target_year)
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return

    def fill(staging: Path) -> None:
        from evplan.calibration.check import verify_backtest, verify_markdown
        from evplan.outputs import write_csv

        # Every cell is re-derived from the plan and actuals.csv once more, right before it
        # is written: a VerificationError leaves nothing on disk.
        verify_backtest(result.table, result.calibration.data, result.result, inputs.actuals,
                        base_year, target_year)
        markdown = backtest_markdown(result.table, base_year, target_year)
        verify_markdown(markdown, result.table, base_year, target_year)  # the text shown too
        write_csv(result.table, staging / "backtest.csv")
        (staging / "backtest.md").write_text(markdown, encoding="utf-8")

    try:
        written = _write(target, "backtest", fill)
    except (EvplanError, OSError) as error:
        exit_with_error(error, debug)
        return
    console.print(backtest_table(result.table, base_year, target_year))
    console.print(f"error = predicted - actual. The {base_year} column is the calibrated "
                  "plan (its sales reproduce base_demand.csv; production, utilisation and "
                  f"exports are not fitted); the {target_year} column is the prediction, made "
                  f"without the {target_year} actuals but from the {target_year} inputs "
                  f"(exchange rates, duties, capacity: a conditional forecast). Persistence "
                  f"error: the error of taking the {base_year} actual as the {target_year} "
                  f"forecast, the benchmark a forecast has to beat. Written to {written}.")
