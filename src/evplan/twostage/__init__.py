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

from evplan.twostage.solve import StochasticResult, stochastic
from evplan.twostage.tree import Study, StudyScenario

__all__ = ["StochasticResult", "Study", "StudyScenario", "stochastic"]
