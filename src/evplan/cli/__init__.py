"""The ``evplan`` command: one entry point, each subcommand parses, calls the library, formats.

Commands are registered on :data:`evplan.cli.app.app` by the modules of this package:
``plan`` (run, validate, doctor), ``reporting`` (report, template), ``study`` (sweep,
montecarlo, breakeven, runs, compare), ``endoflife`` (fleet, charging, recycling) and
``validation`` (calibrate, backtest).

Exit codes: 0 ok; 1 input error; 2 infeasible model; 3 solver limit without a plan; 4 a
plan failed its certificate (a bug in evplan).
"""

from __future__ import annotations

from evplan.cli.app import app
from evplan.errors import EXIT_OK

# Modules register their commands on import, in the order `evplan --help` lists them.
# isort: off
from evplan.cli import plan, reporting, study, endoflife, validation
# isort: on

__all__ = ["app", "main"]

COMMAND_MODULES = (plan, reporting, study, endoflife, validation)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exit_:
        raise SystemExit(exit_.code if exit_.code is not None else EXIT_OK) from None
