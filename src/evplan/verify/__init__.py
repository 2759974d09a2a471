"""Certificate checks: every solver path re-evaluates its plan from the input tables.

A violation raises :class:`evplan.errors.SolutionCheckError` (a bug; the plan is never
returned).

* :func:`check_location` — facility-location results (:mod:`evplan.verify.location`);
* :func:`check_recycling` — recycling network plans (:mod:`evplan.verify.recycling`).
"""

from __future__ import annotations

from evplan.verify.location import check_location
from evplan.verify.recycling import check_recycling

__all__ = ["check_location", "check_recycling"]
