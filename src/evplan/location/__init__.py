"""One facility-location engine for charging, recycling and greenfield plant siting.

Problems (each takes pandas tables and returns a :class:`LocationResult` with the open
sites, the assignment, the objective, the proven bound and gap, and the solve time):

* :func:`capacitated` — capacitated facility location, splittable or single-source;
* :func:`uncapacitated` — uncapacitated facility location;
* :func:`p_median` — p-median (radius formulation);
* :func:`maximal_covering` and :func:`set_covering` — covering within a service distance.

Readers for the OR-Library test files live here too (:func:`read_capacitated`,
:func:`read_pmedian`, :func:`read_optima`, :func:`default_orlib_dir`). See
``docs/location.md`` for formulations and benchmark figures.
"""

from __future__ import annotations

from evplan.location.covering import maximal_covering, set_covering
from evplan.location.facility import capacitated, uncapacitated
from evplan.location.options import SolveOptions
from evplan.location.orlib import (
    FacilityInstance,
    PMedianInstance,
    default_orlib_dir,
    read_capacitated,
    read_optima,
    read_pmedian,
    shortest_path_distances,
)
from evplan.location.pmedian import p_median
from evplan.location.result import LocationResult

__all__ = [
    "FacilityInstance",
    "LocationResult",
    "PMedianInstance",
    "SolveOptions",
    "capacitated",
    "default_orlib_dir",
    "maximal_covering",
    "p_median",
    "read_capacitated",
    "read_optima",
    "read_pmedian",
    "set_covering",
    "shortest_path_distances",
    "uncapacitated",
]
