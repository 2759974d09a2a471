"""Options shared by every facility-location solve, as one frozen dataclass."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

from evplan.errors import InputError, Problem

__all__ = ["Formulation", "SolveOptions"]

Formulation = Literal["strong", "textbook"]


@dataclass(frozen=True)
class SolveOptions:
    """How to solve a facility-location problem.

    Attributes
    ----------
    time_limit : float
        Seconds for the whole solve, > 0 (``inf`` for none): one budget
        (:mod:`evplan.location.budget`) for reading the tables, the checks, heuristics,
        reductions, every HiGHS run and the result check; each HiGHS run gets what is
        left when it starts. On the limit the best solution found is returned with
        ``status="time_limit"``, its bound and gap. Facility problems keep a tenth of it
        for the final MILP (see docs/location.md).
    mip_rel_gap, mip_abs_gap : float
        HiGHS stops when the relative or absolute gap is below these (finite, >= 0). The
        defaults prove optimality to the OR-Library's 3 decimals. For p-median with
        integer weighted distances the absolute gap is raised to just under 1.
    threads : int
        HiGHS threads.
    formulation : {"strong", "textbook"}
        ``"strong"`` (default): heuristics, Lagrangian bounds and reductions, strong
        linking and the cover cut; for p-median the Lagrangian tree and the radius
        formulation. ``"textbook"``: the plain MILP (aggregated
        capacity linking; assignment p-median), handed to HiGHS as is — kept for
        comparison and benchmarks.
    warm_start : bool
        Give HiGHS the incumbent's value as a cutoff (never a MIP start: see the HiGHS
        pitfall in docs/location.md).
    seed : int
        Random seed for HiGHS and the heuristics.
    verbose : bool
        Print the HiGHS log.
    highs_options : tuple of (name, value)
        Further HiGHS options, applied last, e.g. ``(("presolve", "off"),)``.
    verify : bool
        Check the result against the input tables before returning it
        (:func:`evplan.verify.location.check_location`); a broken rule raises
        :class:`~evplan.errors.VerificationError`. On by default; it costs a few
        milliseconds (``details["verify_seconds"]``).
    tree_max_medians : int
        p-median: up to this many medians the Lagrangian branch-and-bound
        (:mod:`evplan.location.pmedian_tree`) tries first, with half the time left (all
        of it when the rest could not cover the radius MILP's presolve); above it (or
        when the tree runs out of time) the radius MILP goes to HiGHS.
        ``0`` sends every instance to the radius MILP.
    """

    time_limit: float = 600.0
    mip_rel_gap: float = 1e-9
    mip_abs_gap: float = 1e-6
    threads: int = 1
    formulation: Formulation = "strong"
    warm_start: bool = True
    seed: int = 0
    verbose: bool = False
    highs_options: tuple[tuple[str, bool | int | float | str], ...] = ()
    tree_max_medians: int = 20
    verify: bool = True

    def __post_init__(self) -> None:
        """Refuse values that would be ignored or misread (a misspelt ``formulation`` ran
        the textbook MILP for facility problems and the radius model for p-median; a
        negative or NaN ``time_limit`` or gap was dropped by HiGHS without a word)."""
        problems = []
        if not _real(self.time_limit) or not self.time_limit > 0:
            problems.append(
                f"time_limit = {self.time_limit!r} must be a number of seconds > 0 (inf for "
                "no limit)."
            )
        for name in ("mip_rel_gap", "mip_abs_gap"):
            value = getattr(self, name)
            if not _real(value) or not (math.isfinite(value) and value >= 0):
                problems.append(f"{name} = {value!r} must be a finite number >= 0.")
        for name in ("threads", "tree_max_medians", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                problems.append(f"{name} = {value!r} must be a whole number >= 0.")
        if self.formulation not in ("strong", "textbook"):
            problems.append(
                f"formulation = {self.formulation!r} must be 'strong' or 'textbook'."
            )
        if problems:
            raise InputError([Problem(file="SolveOptions", message=text) for text in problems])


def _real(value: object) -> bool:
    """A real number, not a bool (``True`` would read as 1) and not NaN."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and not math.isnan(float(value))
    )
