"""The exceptions evplan raises, and the exit codes the CLI maps them to.

::

    EvplanError                     base class; never raised itself
    ├── InputError                  bad input tables or options   (exit code 1)
    │     carries ``problems``: every problem found, each naming file, row, id,
    │     column, the value found, what was expected and a fix
    ├── InfeasibleError             the model has no solution      (exit code 2)
    │     carries ``explanations``: the rows an elastic re-solve had to break
    ├── SolverLimitError            time or iteration limit reached without a
    │                               feasible solution               (exit code 3)
    ├── VerificationError           a plan failed its certificate: evplan's own bug,
    │                               never an input problem          (exit code 4)
    │     carries ``violations``: each names the row (plant, lane, market, quota,
    │     commitment, objective ...) and the amount by which the plan breaks it
    └── OutputError                 refused to write over a user's file or folder,
                                    or a result folder could not be written (exit code 1)

A solver that stops on a limit *with* a feasible solution does not raise: the
``Result`` carries ``status="time_limit"`` and the proven gap.

The command line adds one code of its own: a usage error (an unknown option, a missing
argument, an option value of the wrong type or out of range) exits with
``EXIT_USAGE`` = 64 (``EX_USAGE`` of BSD's sysexits.h), so that scripts can tell "I called
evplan wrongly" from "the model is infeasible" (2); Ctrl-C during a long command exits
``EXIT_INTERRUPTED`` = 130 (128 + SIGINT, as a shell reports it) with nothing written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EXIT_INFEASIBLE",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_SOLVER_LIMIT",
    "EXIT_USAGE",
    "EXIT_VERIFICATION",
    "EvplanError",
    "InfeasibleError",
    "InputError",
    "OutputError",
    "Problem",
    "SolverLimitError",
    "VerificationError",
    "render_problems",
]

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_INFEASIBLE = 2
EXIT_SOLVER_LIMIT = 3
EXIT_VERIFICATION = 4
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Problem:
    """One problem found in the inputs.

    Attributes
    ----------
    file : str
        File (or workbook sheet) the problem is in, e.g. ``"routes.csv"``.
    message : str
        The full sentence: where (row, id, column), the value found, what was
        expected, and a concrete fix.
    row : int or None
        1-based data row number as a spreadsheet user sees it (the header is row 1,
        so the first data row is row 2); None for file-level problems.
    count : int
        How many problems the line stands for: 1, or N for a summary line such as
        "... and N more rows with the same problem".
    """

    file: str
    message: str
    row: int | None = None
    count: int = 1

    def __str__(self) -> str:
        return self.message


class EvplanError(Exception):
    """Base class of every error evplan raises on purpose.

    Errors pickle with what they were made from (a worker process or a Dask worker sends
    them back): an exception pickles its message by default, which the subclasses below
    would read as their list of problems, explanations or violations.
    """

    exit_code = 1

    def _made_from(self) -> tuple[Any, ...]:
        return self.args

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), self._made_from(), self.__dict__


class InputError(EvplanError):
    """The inputs are wrong; ``problems`` lists every problem found, grouped by file."""

    exit_code = EXIT_INPUT

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.render())

    def _made_from(self) -> tuple[Any, ...]:
        return (self.problems,)

    def render(self) -> str:
        """Return the problems as the CLI prints them, grouped by file."""
        return render_problems(self.problems)


def render_problems(problems: Sequence[Problem]) -> str:
    """``problems`` as the CLI prints them, grouped by file: a file's problems under
    "evplan: N problems in FILE", a file with notes only (``count`` 0: rows that load but
    never apply) under "evplan: N notes on FILE (not problems)".

    Parameters
    ----------
    problems : Sequence of Problem
        Problems and notes, in the order to show them (grouped by file).

    Returns
    -------
    str

    Examples
    --------
    >>> print(render_problems([Problem("routes.csv", "note: row 5 lies outside the horizon.",
    ...                                5, count=0)]))
    evplan: 1 note on routes.csv (not problems)
      * note: row 5 lies outside the horizon.
    """
    lines: list[str] = []
    files = list(dict.fromkeys(problem.file for problem in problems))
    for file in files:
        in_file = [problem for problem in problems if problem.file == file]
        total = sum(problem.count for problem in in_file)
        if total == 0:  # only notes (count 0): rows that load but never apply
            noun = "note" if len(in_file) == 1 else "notes"
            lines.append(f"evplan: {len(in_file)} {noun} on {file} (not problems)")
        else:
            noun = "problem" if total == 1 else "problems"
            lines.append(f"evplan: {total} {noun} in {file}")
        lines.extend(f"  * {problem.message}" for problem in in_file)
    return "\n".join(lines)


class InfeasibleError(EvplanError):
    """The model is infeasible; ``explanations`` name the rows that break and by how much."""

    exit_code = EXIT_INFEASIBLE

    def __init__(self, explanations: Sequence[str],
                 headline: str = "the model is infeasible") -> None:
        self.explanations = list(explanations)
        self.headline = headline
        body = "\n".join(f"  * {line}" for line in self.explanations)
        super().__init__(f"evplan: {headline}.\n{body}")

    def _made_from(self) -> tuple[Any, ...]:
        return self.explanations, self.headline


class SolverLimitError(EvplanError):
    """The solver hit a limit before it found any feasible solution."""

    exit_code = EXIT_SOLVER_LIMIT


class VerificationError(EvplanError):
    """A plan the solver returned breaks the model's rules: a bug in evplan, not in the inputs.

    Raised by the certificate checks of :mod:`evplan.verify` before a plan is returned;
    the plan is never returned. ``violations`` name each broken row and by how much.
    """

    exit_code = EXIT_VERIFICATION

    def __init__(self, violations: Sequence[str]) -> None:
        self.violations = list(violations)
        body = "\n".join(f"  * {line}" for line in self.violations)
        super().__init__("evplan: the plan failed its certificate check; this is a bug in "
                         "evplan, not in your inputs. Please report it with the inputs.\n"
                         + body)

    def _made_from(self) -> tuple[Any, ...]:
        return (self.violations,)


class OutputError(EvplanError):
    """evplan refused a target (a user's file or folder, a run folder without --force), or
    could not write a result folder. Nothing was written or removed."""

    exit_code = EXIT_INPUT
