"""Two-stage stochastic planning: decide the network before the uncertainty is revealed.

A study of ``scenarios.yaml`` (:mod:`evplan.twostage.tree`) names branches with
probabilities and a revelation year; :func:`stochastic` solves its extensive form
(:mod:`evplan.twostage.extensive`: the strategic model of every scenario, the first-stage
network decisions up to the revelation year shared by explicit non-anticipativity rows,
expected margin plus an optional CVaR term), checks every scenario's plan
(:mod:`evplan.twostage.verify`) and reports EVPI, VSS and regret. ``docs/stochastic.md``
states the formulation and every rule with a worked example.

The package is ``twostage`` (not ``stochastic``) so that ``evplan.stochastic`` stays the
function.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from evplan.twostage.tree import Study, StudyScenario

if TYPE_CHECKING:
    from evplan.twostage.solve import StochasticResult, stochastic

__all__ = ["StochasticResult", "Study", "StudyScenario", "stochastic"]


def __getattr__(name: str) -> Any:
    """Import the solver on first use: reading scenarios.yaml needs only the tree."""
    if name in ("StochasticResult", "stochastic"):
        value = getattr(importlib.import_module("evplan.twostage.solve"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'evplan.twostage' has no attribute {name!r}")
