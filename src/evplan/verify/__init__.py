"""Certificates: re-evaluate a plan from the input tables before a solver path returns it.

One module per solver path; each checks feasibility of every row, recomputes the
objective from scratch and, for LPs, certifies optimality with a dual bound. A failed
check raises :class:`evplan.errors.VerificationError` (a bug, never an input problem).

=================  ===========================================================
module             solver path
=================  ===========================================================
``network``        the export LP (:func:`evplan.optimize`, warm re-solves)
=================  ===========================================================
"""

from __future__ import annotations

from evplan.verify.network import verify_network

__all__ = ["verify_network"]
