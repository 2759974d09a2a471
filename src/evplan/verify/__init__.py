"""Certificates: re-evaluate a plan from the input tables before a solver path returns it.

One module per solver path; each checks feasibility of every row and recomputes the
objective from scratch; for LPs it also certifies optimality with a dual bound. A failed
check raises :class:`evplan.errors.VerificationError` (a bug, never an input problem; the
plan is never returned; exit code 4).

=================  ===========================================================
module             solver path
=================  ===========================================================
``network``        the export LP (:func:`evplan.optimize`, warm re-solves)
``compliance``     the CO2 and zero-emission rows of an export plan (issue 16)
``duals``          the shadow prices an export LP reports (sign, slackness, reduced cost)
``location``       facility location (:mod:`evplan.location`)
``recycling``      the recycling network MILP (:mod:`evplan.recycling`)
=================  ===========================================================
"""

from __future__ import annotations

from evplan.verify.compliance import check_compliance, compliance_cost_usd
from evplan.verify.location import check_location
from evplan.verify.network import verify_network
from evplan.verify.recycling import check_recycling

__all__ = ["check_compliance", "check_location", "check_recycling", "compliance_cost_usd",
           "verify_network"]
