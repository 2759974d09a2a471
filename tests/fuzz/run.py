"""Run a fuzz variant through evplan, in this process (the library) or as the CLI does.

:func:`run_in_process` calls what each CLI command calls (``load``, ``apply_scenario``,
``run_sweep``, ``run_montecarlo``) and classifies the outcome; :func:`cli_args` gives the
``evplan`` command lines for the subprocess sample.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evplan.errors import InputError, Problem


@dataclass
class Outcome:
    """What evplan did with a variant."""

    status: str  # "error" (InputError), "ok", "crash" (any other exception)
    seconds: float
    problems: list[Problem] = field(default_factory=list)
    value: Any = None
    text: str = ""


def _execute(command: tuple[str, ...], path: Path) -> Any:
    from evplan.data import load

    kind, *args = command
    if kind == "validate":
        return load(path)
    data = load(path)
    if kind == "scenario":
        from evplan.scenarios import apply_scenario

        return apply_scenario(data, args[0])
    if kind == "sweep":
        from evplan.scenarios import run_sweep

        return run_sweep(args[0], data, workers=1)
    if kind == "grid":
        from evplan.scenarios import parse_grid, run_sweep

        return run_sweep(parse_grid(list(args)), data, workers=1)
    if kind == "montecarlo":
        from evplan.scenarios import run_montecarlo

        options = dict(zip(args[1::2], args[2::2], strict=True))
        return run_montecarlo(args[0], data, workers=1,
                              samples=_int(options.get("--samples")),
                              seed=_int(options.get("--seed")))
    if kind == "scheduler":
        from evplan.scenarios import run_sweep

        return run_sweep("brazil-demand", data, scheduler=args[0])
    raise ValueError(kind)


def _int(text: str | None) -> int | None:
    return None if text is None else int(text)


def run_in_process(command: tuple[str, ...], path: Path) -> Outcome:
    """Run ``command`` on the inputs at ``path``; never raises."""
    started = time.perf_counter()
    try:
        value = _execute(command, path)
    except InputError as error:
        return Outcome("error", time.perf_counter() - started, error.problems, text=str(error))
    except Exception:
        return Outcome("crash", time.perf_counter() - started, text=traceback.format_exc())
    return Outcome("ok", time.perf_counter() - started, value=value)


def cli_args(command: tuple[str, ...], path: Path, output: Path) -> list[list[str]]:
    """The ``evplan`` invocations that reach ``command`` (each must exit 1 on bad input)."""
    kind, *args = command
    if kind == "validate":
        return [["validate", str(path)],
                ["run", str(path), "-o", str(output), "--no-report"]]
    if kind == "scenario":
        return [["run", str(path), "--scenario", args[0], "-o", str(output), "--no-report"]]
    if kind == "sweep":
        return [["sweep", args[0], str(path), "--no-record", "--workers", "1"]]
    if kind == "grid":
        grid = [part for item in args for part in ("-g", item)]
        return [["sweep", *grid, str(path), "--no-record", "--workers", "1"]]
    if kind == "montecarlo":
        return [["montecarlo", *args, str(path), "--no-record", "--workers", "1"]]
    if kind == "scheduler":
        return [["sweep", "brazil-demand", str(path), "--no-record", "--scheduler",
                 args[0]]]
    raise ValueError(kind)
