"""Strategic network design: solve the MILP, explain it, check it, report it.

The model's variables and families live in :mod:`evplan.model.strategic`; this package
runs them (:func:`optimize_strategic`, called by :func:`evplan.optimize` when a strategic
table has rows), turns the solution into tables and plain-word decisions, compares the
plan with today's network, checks the plan against the input tables and draws the
report's "Network decisions" section (:mod:`evplan.strategic.report`, drawn for a run
folder that holds ``network_decisions``).
"""

from __future__ import annotations

from evplan.strategic.decisions import decision_lines
from evplan.strategic.solve import StrategicOptions, optimize_strategic

__all__ = ["StrategicOptions", "decision_lines", "optimize_strategic"]
