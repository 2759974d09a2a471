"""The result every facility-location solve returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["LocationResult"]


@dataclass(frozen=True)
class LocationResult:
    """Open sites, assignment, objective, proven bound and gap of one solve.

    Attributes
    ----------
    problem : str
        ``"capacitated"``, ``"single_source"``, ``"uncapacitated"``, ``"p_median"``,
        ``"maximal_covering"`` or ``"set_covering"``.
    status : str
        ``"optimal"`` (gap within the tolerances) or ``"time_limit"`` (the best solution
        found, with the gap still open).
    objective : float
        Objective of the returned solution (for maximal covering: demand covered).
    bound : float
        Proven bound on the optimum: a lower bound when minimising, an upper bound for
        maximal covering.
    gap : float
        ``|objective - bound| / |objective|``.
    open_sites : list
        Ids of the open sites, in the order of the ``sites`` table.
    assignment : pandas.DataFrame
        ``site``, ``customer``, ``fraction`` (share of the customer's demand) and ``cost``
        (or ``distance``) of that share. For covering problems: the covering site nearest
        to each covered customer.
    seconds : float
        Wall time of the solve from the call (reading the tables, checks, heuristics,
        reductions, HiGHS), before the result check (``details["verify_seconds"]``).
    details : dict
        Formulation statistics: columns, rows, sites fixed by reductions, heuristic and
        Lagrangian values, HiGHS nodes.
    """

    problem: str
    status: str
    objective: float
    bound: float
    gap: float
    open_sites: list[Any]
    assignment: pd.DataFrame
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        """True when the solve proved optimality."""
        return self.status == "optimal"
