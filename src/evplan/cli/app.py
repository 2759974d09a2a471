"""The Typer app every ``evplan`` subcommand registers on, and what the commands share."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from evplan.errors import EXIT_INTERRUPTED, EvplanError

if TYPE_CHECKING:
    from rich.table import Table

    from evplan.data.network import NetworkData
    from evplan.errors import Problem
    from evplan.timing import Stopwatch

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Plan an automaker's export network: which plant builds what for "
                       "which market, year by year.")
# A terminal's width (rich reads COLUMNS or asks the terminal); 160 when piped. Names from
# the inputs are printed as written: no rich markup ([b], [/]) and no :emoji: codes in them.
console = Console(width=None if sys.stdout.isatty() else 160, markup=False,
                  emoji=False)


def _print_version(value: bool) -> None:
    if value:
        from evplan import __version__

        console.print(f"evplan {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the version and exit.")] = False) -> None:
    """Plan an automaker's export network: which plant builds what for which market, year by
    year. Every command takes its inputs (a folder, a workbook or an embedded example's name)
    as its first argument; without it, the embedded china-export scenario."""

DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
ScenarioOption = Annotated[str | None, typer.Option(
    "--scenario", help="Apply a scenario or override from scenarios.yaml beside the inputs.")]
StoreOption = Annotated[Path | None, typer.Option(
    "--store", help="Results store file (default: evplan-output/evplan.duckdb; for run -o DIR: "
                    "evplan.duckdb beside DIR).")]
RecordOption = Annotated[bool, typer.Option(
    "--record/--no-record", help="Record the run(s) in the results store.")]
ForceOption = Annotated[bool, typer.Option(
    "--force", help="Replace the output when it is one evplan wrote (never a user's file or "
                    "folder).")]
ForceFileOption = Annotated[bool, typer.Option(
    "--force", help="Replace an existing output file that evplan wrote (it may hold your "
                    "edits, so it is refused without --force); a file evplan did not write "
                    "is never replaced.")]
InputsOption = Annotated[Path | None, typer.Option(
    "--inputs", "-i", hidden=True,
    help="Deprecated: give the inputs as the positional INPUTS argument.")]
InputsArgument = Annotated[Path | None, typer.Argument(
    metavar="INPUTS", show_default=False,
    help="Input folder (CSV files + scenario.yaml), .xlsx workbook, or an embedded example's "
         "name; default: the embedded china-export.")]


def pick_inputs(positional: Path | None, option: Path | None, usage: str) -> Path | None:
    """The inputs of a command: the positional INPUTS, or the deprecated ``--inputs``.

    ``usage`` is the command line the warning suggests, with ``{inputs}`` where the inputs
    go (e.g. ``"evplan sweep NAME {inputs}"``).
    """
    if option is None:
        return positional
    if positional is not None and positional != option:
        raise typer.BadParameter(f"inputs given twice ({positional} and --inputs {option}); "
                                 "give them once, as the positional INPUTS.")
    sys.stderr.write("evplan: --inputs is deprecated; give the inputs as the positional "
                     f"argument: `{usage.format(inputs=option)}`.\n")
    return option


def is_inputs(text: str | None) -> bool:
    """Whether a command's first word names inputs (an existing path or an embedded example)
    rather than a sweep or study: ``evplan sweep my-inputs/`` lists that folder's sweeps."""
    if text is None:
        return False
    from evplan.examples import example_path

    return Path(text).exists() or example_path(text) is not None
ProgressOption = Annotated[bool | None, typer.Option(
    "--progress/--no-progress", show_default=False,
    help="Show a progress line (step, solver gap, elapsed time) on standard error; default: "
         "when standard error is a terminal.")]


@contextlib.contextmanager
def long_work(title: str, show: bool | None = None, stopped: str = "nothing written"
              ) -> Iterator[object]:
    """Run a command's long part: progress on standard error, Ctrl-C stops it promptly.

    On Ctrl-C the solve stops, one line says so on standard error (``stopped`` says what
    is left; default: nothing written) and the command exits 130 (128 + SIGINT). Output
    folders are written by :func:`evplan.outputs.write_folder`, which removes its staging
    folder when interrupted: nothing is left half written.
    """
    from evplan.progress import Work, work

    progress: Work | None = None
    try:
        with work(title, show=show) as progress:
            yield progress
    except KeyboardInterrupt:
        written = progress.written if progress is not None else []
        say_interrupted(stopped if not written else
                        f"{' and '.join(written)} had been written whole before it")
        raise SystemExit(EXIT_INTERRUPTED) from None  # not typer.Exit: main() says nothing more


def say_interrupted(stopped: str = "nothing written") -> None:
    """The one line a Ctrl-C leaves on standard error."""
    from evplan.timing import process_wall_seconds

    sys.stderr.write(f"evplan: interrupted after {process_wall_seconds() or 0.0:.0f} s; "
                     f"{stopped}.\n")


SelfContainedOption = Annotated[bool, typer.Option(
    "--self-contained", help="Embed plotly.js in report.html (one 5 MB file that opens "
                             "anywhere) instead of sharing one copy per output folder "
                             "(_assets/plotly-VERSION.min.js beside the run folders).")]


def finite(value: float | None) -> float | None:
    """Option callback: NaN and infinity are usage errors (click's ranges let NaN through)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number.")
    return value


def one_of(*choices: str) -> Callable[[str | None], str | None]:
    """Option callback: a value not among ``choices`` is a usage error (exit 64)."""
    def check(value: str | None) -> str | None:
        if value is not None and value not in choices:
            from evplan.data.suggest import did_you_mean, quoted_list

            raise typer.BadParameter(f"{value!r} is not one of {quoted_list(choices)}."
                                     + (did_you_mean(value, choices) or ""))
        return value
    return check


def exit_with_error(error: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    sys.stderr.write(f"{os_error_message(error) if isinstance(error, OSError) else error}\n")
    code = error.exit_code if isinstance(error, EvplanError) else 1
    raise typer.Exit(code)


def os_error_message(error: OSError) -> str:
    """An operating-system error in the user's words: the reason, the place and what to
    check. A file evplan stages beside its target (``.run.<token>.tmp``) is named by its
    folder, the one the user chose.

    Examples
    --------
    >>> print(os_error_message(OSError(30, "Read-only file system", "out/.run.ab12.tmp"))[:44])
    evplan: Read-only file system (out). Check t
    """
    where = Path(error.filename) if error.filename else None
    if where is not None and where.name.startswith(".") and where.name.endswith(".tmp"):
        where = where.parent
    place = f" ({where})" if where is not None else ""
    return (f"evplan: {error.strerror or error}{place}. Check that the folder exists, that "
            "you may read and write there and that it has space, or choose another.")




def default_store() -> Path:
    from evplan.store import DEFAULT_STORE

    return DEFAULT_STORE


def load_inputs(path: Path | None, watch: Stopwatch | None = None,
                show_notes: bool = True) -> NetworkData:
    """Load an input folder or workbook, or the embedded china-export example when None.

    A name that is not a path but an embedded example (``china-strategic``) loads that
    example. With ``watch``, reading and validating are timed as the stages ``load`` and
    ``validate`` (``evplan.load`` is the same two calls). With ``show_notes`` the notes on
    inputs that load (rows that never apply) are written to stderr, for every command that
    plans from them (``validate`` prints its own, after "is valid").
    """
    data = _loaded(path, watch)
    if show_notes and data.notes:
        from evplan.errors import render_problems

        sys.stderr.write(render_problems(data.notes) + "\n")
    return data


def _loaded(path: Path | None, watch: Stopwatch | None) -> NetworkData:
    from evplan.data import load
    from evplan.examples import china_export_path, example_path

    if path is not None and not path.exists():
        if example_path(str(path)) is None:
            raise _missing_inputs(path)
        path = example_path(str(path)) or path
    source = path if path is not None else china_export_path()
    if watch is None:
        return load(source)
    from evplan.data import validate_inputs
    from evplan.data.read import read_inputs

    raw = read_inputs(source)
    watch.lap("load")
    data = validate_inputs(raw)
    watch.lap("validate")
    return data


EXAMPLE_NAMES = ("china-export", "china-strategic")


def _missing_inputs(path: Path) -> EvplanError:
    """An input error for inputs that do not exist, naming the embedded examples and, for a
    name close to one (``china-strategc``, ``china_strategic``), that example."""
    import difflib

    from evplan.errors import InputError, Problem

    near = difflib.get_close_matches(str(path).strip("/").lower().replace("_", "-"),
                                     EXAMPLE_NAMES, n=1, cutoff=0.75)
    hint = f" Did you mean the embedded example '{near[0]}'?" if near else ""
    return InputError([Problem(str(path), f"{path} does not exist. Pass a folder of CSV files "
                               "with a scenario.yaml, an .xlsx workbook or an embedded "
                               f"example's name ({', '.join(EXAMPLE_NAMES)}).{hint}")])


def catalog_problems(path: Path | None, data: NetworkData | None = None) -> list[Problem]:
    """The problems of the scenarios.yaml (or scenarios sheet) that belongs to the inputs
    ``path``, and of each study's ``revelation_year`` against the planning horizon: that of
    ``data`` (the inputs loaded), else of the folder's scenario.yaml when it names both years
    (so the year is listed with the tables' problems, not after they are fixed)."""
    from evplan.errors import InputError
    from evplan.scenarios.listing import inputs_folder
    from evplan.scenarios.overrides import load_catalog
    from evplan.scenarios.workbook import read_workbook_catalog
    from evplan.twostage.tree import horizon_problems

    try:
        folder, _ = inputs_folder(path)
    except InputError:
        return []  # no such inputs: the tables' problem says so
    try:
        if folder.suffix.lower() in (".xlsx", ".xlsm") and folder.is_file():
            catalog = read_workbook_catalog(folder)
        else:
            catalog = load_catalog(folder)
    except InputError as error:
        return list(error.problems)
    first: object
    last: object
    if data is not None:
        first, last = data.scenario.first_year, data.scenario.last_year
    else:
        from evplan.data.files import read_scenario_file

        config = read_scenario_file(folder)[0] if folder.is_dir() else {}
        first, last = config.get("first_year"), config.get("last_year")
        if type(first) is not int or type(last) is not int:
            return []  # the tables' problems say what is wrong with the years
    assert isinstance(first, int) and isinstance(last, int)
    return [problem for study in catalog.studies.values()
            for problem in horizon_problems(study, first, last)]


def stage_table(watch: Stopwatch, highs_seconds: float | None = None) -> Table:
    """Wall and CPU seconds per stage, with each stage's share of the CPU total."""
    from rich.table import Table

    rows = watch.rows()
    total_wall = sum(wall for _, wall, _ in rows)
    total_cpu = sum(cpu for _, _, cpu in rows)
    table = Table(title="Where the time went (this process; CPU = user + system, all "
                        "threads)")
    for name, justify in (("stage", "left"), ("wall s", "right"), ("CPU s", "right"),
                          ("CPU share", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for name, wall, cpu in rows:
        table.add_row(name, f"{wall:.3f}", f"{cpu:.3f}",
                      f"{cpu / total_cpu:.0%}" if total_cpu > 0 else "")
    table.add_row("total", f"{total_wall:.3f}", f"{total_cpu:.3f}", "100%", style="bold")
    if highs_seconds is not None:
        table.caption = (f"of 'solve': HiGHS itself ran {highs_seconds:.3f} s; the rest hands "
                         "the model to HiGHS and reads the solution back.")
    return table


def record_run(result: object, data: object, store: Path | None, record: bool,
                extra_tables: dict | None = None) -> str | None:
    """Record a finished run in the results store (None when --no-record)."""
    if not record:
        return None
    from evplan.store import ResultsStore, RunRecord

    return ResultsStore(store or default_store()).record(RunRecord.from_result(
        result, data=data, extra_tables=extra_tables))  # type: ignore[arg-type]


def run_commit(result: object, data: object, store: Path, record: bool
               ) -> tuple[str, Callable[[Path], object] | None]:
    """The run id of a run about to be written, and the store commit that records it with
    its folder (None when --no-record)."""
    from evplan.outputs.marker import new_run_id

    if not record:
        return new_run_id(), None
    from evplan.store import ResultsStore, RunRecord

    run = RunRecord.from_result(result, data=data)  # type: ignore[arg-type]

    def commit(folder: Path) -> None:
        ResultsStore(store).record(dataclasses.replace(
            run, metadata={**run.metadata, "run_folder": str(folder)}))

    return run.run_id, commit


def refuse_store_early(store: Path | str, folder: Path | None) -> None:
    """Before the solve, refuse a results store that cannot be one (a folder, a file that is
    not a DuckDB database) or that lies inside ``folder``, the run folder being written: a
    run folder holds what evplan writes into it, and the store outlives its runs (a later
    ``--force`` would refuse the folder for the store evplan did not list there)."""
    from evplan.store import ResultsStore, StoreError

    if folder is not None:
        place, inside = Path(store).resolve(), folder.resolve()
        if place == inside or inside in place.parents:
            raise StoreError(
                f"evplan: the results store {store} is inside the run folder "
                f"{shown_path(folder)}, which holds only what evplan writes for the run. Put "
                f"the store beside it (e.g. --store {shown_path(folder.parent)}/evplan.duckdb),"
                " or pass --no-record.")
    ResultsStore(store).refuse_early()


def shown_path(path: Path) -> Path:
    """``path`` relative to the current folder when it is inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve())
    except ValueError:
        return resolved
