"""The ``evplan`` command: one entry point, each subcommand parses, calls the library, formats.

Commands are registered on :data:`evplan.cli.app.app` by the modules of this package:
``plan`` (run, validate, doctor), ``reporting`` (report, template), ``study`` (sweep,
montecarlo, breakeven, runs, compare), ``endoflife`` (fleet, charging, recycling) and
``validation`` (calibrate, backtest).

Exit codes: 0 ok; 1 input error (or a refused output); 2 infeasible model; 3 solver limit
without a plan; 4 a plan failed its certificate (a bug in evplan); 64 usage error (unknown
option, missing argument, bad option value: ``EXIT_USAGE``); 130 interrupted by Ctrl-C
(``EXIT_INTERRUPTED``; nothing written).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from collections.abc import Mapping, MutableMapping
from typing import NoReturn

from evplan.cli.app import app
from evplan.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

# Modules register their commands on import, in the order `evplan --help` lists them.
# isort: off
from evplan.cli import plan, reporting, study, endoflife, validation
from evplan.cli import stochastic
# isort: on

__all__ = ["app", "console", "main", "one_blas_thread", "python_text_columns"]

COMMAND_MODULES = (plan, reporting, study, endoflife, validation, stochastic)


def _listed_in_one_paragraph() -> None:
    """Give each command's line in ``evplan --help`` its docstring's first paragraph as one
    line: typer's rich listing keeps the docstring's line breaks there ("units, validation)
    or a CSV" / "folder ..." on two lines in a wide terminal), though a command's own
    ``--help`` page joins them."""
    import inspect

    for command in app.registered_commands:
        if command.short_help is None and command.callback is not None:
            doc = inspect.getdoc(command.callback) or ""
            command.short_help = " ".join(doc.split("\n\n")[0].split())


_listed_in_one_paragraph()

# Below this many columns typer's rich help panels cut long option names and paths with
# "…" (``--years-after-pl…``, ``evplan-output/<sc…`` at 80 columns); click's plain help wraps
# them instead, so every option name and default stays readable.
RICH_HELP_MIN_COLUMNS = 110


def _plain_help_when_narrow() -> None:
    """Use click's plain help layout in a terminal narrower than ``RICH_HELP_MIN_COLUMNS``
    (the width rich would use: ``COLUMNS``, else the terminal's, else 80)."""
    import shutil

    if shutil.get_terminal_size((80, 24)).columns < RICH_HELP_MIN_COLUMNS:
        app.rich_markup_mode = None


def main() -> None:
    """Console-script entry point: run the app; usage errors exit with ``EXIT_USAGE`` (64).

    Click exits 2 on a usage error, which evplan reserves for an infeasible model, so the
    app runs with ``standalone_mode=False`` and the errors are shown and mapped here.
    """
    import typer

    # typer >= 0.22 ships its own copy of click: take the classes from what typer raises.
    usage_error: type[Exception] = next(
        cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "UsageError")
    click_error: type[Exception] = next(
        cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException")
    kept = app.rich_markup_mode  # put back after the command (main may run again in-process)
    _plain_help_when_narrow()
    try:
        try:
            code = app(standalone_mode=False)
        except usage_error as error:  # also a bare `evplan`, which prints the help
            _show(error)
            raise SystemExit(EXIT_USAGE) from None
        except click_error as error:
            _show(error)
            raise SystemExit(getattr(error, "exit_code", 1)) from None
        except typer.Abort:
            sys.stderr.write("Aborted!\n")
            raise SystemExit(1) from None
        except SystemExit as exit_:
            if exit_.code == EXIT_INTERRUPTED:
                _exit_interrupted()
            raise SystemExit(exit_.code if exit_.code is not None else EXIT_OK) from None
    finally:
        app.rich_markup_mode = kept
    if code == EXIT_INTERRUPTED:  # typer's answer to a Ctrl-C outside long_work
        from evplan.cli.app import say_interrupted

        say_interrupted()
        _exit_interrupted()
    raise SystemExit(code if isinstance(code, int) else EXIT_OK)


def console() -> NoReturn:
    """The ``evplan`` program (console script and ``python -m evplan.cli``): :func:`main`,
    then leave without the interpreter's teardown when that is safe.

    Freeing every module a plan loaded (pandas, xarray, linopy, polars, pyarrow...) one object
    at a time takes about 0.15 s of CPU after the run has written, recorded and printed
    everything; ``evplan run`` is about 2 s in all. So when the command has ended and no
    other thread runs, this process runs its exit handlers (``atexit``: logging, temporary
    folders, child processes), flushes the streams and ends with the command's exit code.
    With another thread alive (a Dask cluster closing, a pool) it exits the normal way.
    :func:`main` itself raises ``SystemExit`` (for callers in a Python process of their own).

    The cyclic garbage collector runs every 10,000 new objects instead of every 700: a plan
    allocates millions of small objects that are not garbage (module imports, pandas and
    linopy internals), and at the default its collections took about 0.13 s of CPU of an
    ``evplan run`` (0.07 s at 10,000; the peak memory is the same).
    """
    gc.set_threshold(10_000, 10, 10)
    python_text_columns()
    one_blas_thread()
    try:
        main()
    except SystemExit as exit_:
        code = exit_.code
    else:  # pragma: no cover - main always raises SystemExit
        code = EXIT_OK
    if not isinstance(code, int) or threading.active_count() > 1:
        raise SystemExit(code)
    atexit._run_exitfuncs()
    _flush_streams()
    os._exit(code)


BLAS_THREADS_ENV = "OPENBLAS_NUM_THREADS"
"""OpenBLAS's thread count (read when numpy, which ships OpenBLAS, is imported)."""
BLAS_THREADS_READ = (BLAS_THREADS_ENV, "GOTO_NUM_THREADS", "OMP_NUM_THREADS")
"""Every variable OpenBLAS reads its thread count from, first found first."""


def one_blas_thread(environ: MutableMapping[str, str] = os.environ,
                    modules: Mapping[str, object] = sys.modules) -> bool:
    """Have numpy's OpenBLAS run on one thread in this process and its children.

    OpenBLAS starts one worker thread per core when numpy is imported, and after each call
    its workers spin, waiting for the next one, before they sleep. evplan's BLAS calls are
    dot products and matrix-vector products of at most a few thousand entries (a plan's
    solver is HiGHS, which has threads of its own), too small to share between threads, so
    the spinning is all the workers do: about 0.18 s of the 1.85 s CPU of an ``evplan run``
    on a 2-core machine (five runs each way, medians 1.85 s and 1.67 s; the wall time did
    not change), CPU taken from the main thread when the machine is busy. So the ``evplan``
    program sets ``OPENBLAS_NUM_THREADS=1`` before numpy is imported; its worker processes
    (sweeps, Dask) inherit it, which also keeps two workers from starting four BLAS threads
    on two cores. The library itself never sets it: a notebook keeps its numpy as it is.

    Nothing is set when the user has set it, or ``OMP_NUM_THREADS`` or
    ``GOTO_NUM_THREADS``, which OpenBLAS also reads (their choice stands), or when numpy is
    already imported (too late for this process).

    Returns
    -------
    bool
        Whether the variable was set.
    """
    if any(name in environ for name in BLAS_THREADS_READ):
        return False
    return _set_before_import(environ, modules, BLAS_THREADS_ENV, "1", "numpy")


def _set_before_import(environ: MutableMapping[str, str], modules: Mapping[str, object],
                       name: str, value: str, module: str) -> bool:
    """Set ``name=value`` unless the user set it or ``module`` (which reads it) is imported."""
    if name in environ or module in modules:
        return False
    environ[name] = value
    return True


TEXT_DTYPE_ENV = "PANDAS_FUTURE_INFER_STRING"
"""pandas' switch (read when pandas is imported) for inferring its Arrow ``str`` dtype."""


def python_text_columns(environ: MutableMapping[str, str] = os.environ,
                        modules: Mapping[str, object] = sys.modules) -> bool:
    """Have pandas keep text in plain ``object`` columns in this process and its children.

    pandas 3 stores text in Arrow-backed ``str`` columns. On evplan's tables (thousands of
    rows of short ids) the Arrow round trips cost more than they save: every join, index
    look-up and ``take`` converts, and an ``evplan run`` spent about 0.25 s of its 2.3 s
    CPU on them (measured A/B, the default scenario with report and store). So the
    ``evplan`` program sets pandas' own switch, ``PANDAS_FUTURE_INFER_STRING=0``, before
    pandas is imported; its worker processes (sweeps, Dask) inherit it. The values, the
    tables written and the messages are the same either way: the suite runs the library
    with ``str`` text and the program with ``object`` text, and
    ``tests/test_text_columns.py`` checks that both give the same files. The library
    itself never changes a pandas option: a notebook keeps its pandas as it is.

    Nothing is set when the user has set the variable (their choice stands) or when pandas
    is already imported (this process could not follow it; its children would differ).
    pandas 2 keeps text as ``object`` anyway; pandas 4 will drop the switch.

    Returns
    -------
    bool
        Whether the variable was set.
    """
    return _set_before_import(environ, modules, TEXT_DTYPE_ENV, "0", "pandas")


def _flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with that descriptor closed (`2>&-`)
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to say
            pass


def _exit_interrupted() -> NoReturn:
    """Leave with ``EXIT_INTERRUPTED`` (130) after a Ctrl-C that evplan has handled.

    After a handled Ctrl-C, CPython sometimes still ends the process by SIGINT at exit
    (status -2, not 130): seen when the signal came a few seconds into ``evplan
    stochastic``, while Python code was running (CPython flags a KeyboardInterrupt that
    escaped code it ran through its C API, even when evplan later caught it). Everything is
    cleaned up by then (nothing written, staging folders removed, solvers and clusters
    closed), so flush the streams and leave at once.
    """
    _flush_streams()
    os._exit(EXIT_INTERRUPTED)


def _show(error: Exception) -> None:
    """Print a click error as typer does: boxed with rich, or click's plain text where the
    help is plain (a narrow terminal, see :func:`_plain_help_when_narrow`)."""
    if app.rich_markup_mode is None:
        error.show()  # type: ignore[attr-defined]
        return
    try:
        from typer import rich_utils

        rich_utils.rich_format_error(error)  # type: ignore[arg-type]
    except ImportError:  # pragma: no cover - rich is a dependency
        error.show()  # type: ignore[attr-defined]
