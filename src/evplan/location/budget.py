"""One time budget for every step of a facility-location solve.

``SolveOptions.time_limit`` bounds the whole solve: reading the tables, the feasibility
checks, heuristics, Lagrangian bounds, the p-median tree, every HiGHS run and the check
of the result. A :class:`Budget` is started when a public solve is called; each step
asks it for its seconds (:meth:`Budget.share` for a step with a share of the limit,
:meth:`Budget.for_highs` for a HiGHS run), so a step never gets more than what is left,
less a small reserve for the steps after the last HiGHS run (pricing the plan, building
the tables, :func:`evplan.verify.location.certify`).

Before session 25 each HiGHS run of a feasibility check (maximum flow, set cover,
single-source packing), of covering and of the textbook p-median got the full limit, and
the p-median radius MILP got what was left although HiGHS' presolve checks its clock too
rarely to stop on time on a large radius model (see :data:`RADIUS_PRESOLVE_SECONDS`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

__all__ = ["POST_SOLVE_SHARE", "Budget"]

POST_SOLVE_SHARE = 0.02
"""Share of the limit (at most :data:`POST_SOLVE_MAX_SECONDS`) kept for the steps after
the last HiGHS run: pricing, tables and the result check (a few milliseconds to a tenth
of a second on pmed36)."""
POST_SOLVE_MAX_SECONDS = 0.5


@dataclass(frozen=True)
class Budget:
    """``limit_seconds`` from ``started`` (a :func:`time.perf_counter` reading).

    Examples
    --------
    >>> budget = Budget.start(10.0)
    >>> 9.0 < budget.left() <= 10.0
    True
    >>> budget.share(0.2) <= 2.0
    True
    """

    started: float
    limit_seconds: float

    @classmethod
    def start(cls, limit_seconds: float) -> Budget:
        """A budget of ``limit_seconds`` (``inf``: none) from now."""
        return cls(time.perf_counter(), float(limit_seconds))

    def elapsed(self) -> float:
        """Seconds since the solve started."""
        return time.perf_counter() - self.started

    def left(self) -> float:
        """Seconds left of the limit, >= 0."""
        return max(0.0, self.limit_seconds - self.elapsed())

    def share(self, fraction: float) -> float:
        """At most ``fraction`` of the limit, and never more than :meth:`for_highs`."""
        return min(fraction * self.limit_seconds, self.for_highs())

    def until(self, fraction: float) -> float:
        """Seconds until ``fraction`` of the limit has elapsed (>= 0), at most
        :meth:`for_highs`: a step that must leave the rest of the limit to later steps."""
        return max(0.0, min(fraction * self.limit_seconds - self.elapsed(), self.for_highs()))

    def for_highs(self) -> float:
        """Seconds a HiGHS run (or any step before the last) may take: what is left, less
        the reserve for the steps after the solve (:data:`POST_SOLVE_SHARE`)."""
        reserve = min(POST_SOLVE_SHARE * self.limit_seconds, POST_SOLVE_MAX_SECONDS)
        return max(0.0, self.left() - reserve)

    def spent(self) -> bool:
        """True when no time is left for another HiGHS run (under 1 ms)."""
        return self.for_highs() < 1e-3
