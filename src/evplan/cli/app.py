"""The Typer app every ``evplan`` subcommand registers on, and what the commands share."""

from __future__ import annotations

import math
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from evplan.errors import EvplanError

if TYPE_CHECKING:
    from evplan.data.network import NetworkData

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


def finite(value: float | None) -> float | None:
    """Option callback: NaN and infinity are usage errors (click's ranges let NaN through)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number.")
    return value


def exit_with_error(error: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    sys.stderr.write(f"{error}\n")
    code = error.exit_code if isinstance(error, EvplanError) else 1
    raise typer.Exit(code)




def default_store() -> Path:
    from evplan.store import DEFAULT_STORE

    return DEFAULT_STORE


def load_inputs(path: Path | None) -> NetworkData:
    """Load an input folder or workbook, or the embedded china-export example when None."""
    from evplan.data import load
    from evplan.examples import china_export_path

    return load(path if path is not None else china_export_path())


def record_run(result: object, data: object, store: Path | None, record: bool,
                extra_tables: dict | None = None) -> str | None:
    """Record a finished run in the results store (None when --no-record)."""
    if not record:
        return None
    from evplan.store import ResultsStore, RunRecord

    return ResultsStore(store or default_store()).record(RunRecord.from_result(
        result, data=data, extra_tables=extra_tables))  # type: ignore[arg-type]


