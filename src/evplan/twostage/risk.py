r"""Risk measures of a margin distribution over scenarios, from their definitions.

:func:`cvar` is the sorted-scenario definition the extensive form's Rockafellar-Uryasev
value is checked against: sort the margins from worst to best, take probability mass
until :math:`1-\alpha` is reached (the last scenario only in part) and average.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from evplan.twostage.extensive import ExtensiveRun
    from evplan.twostage.tree import Study

__all__ = ["TOLERANCE", "cvar", "empty_regret", "restated", "risk_objective", "risk_problems"]

#: Relative tolerance of the CVaR and expected-margin checks of a returned plan.
TOLERANCE = 1e-6


def cvar(margins: np.ndarray, probabilities: np.ndarray, alpha: float) -> float:
    """CVaR_alpha of a margin: the mean margin of its worst ``1 - alpha`` of probability.

    Examples
    --------
    >>> cvar(np.array([10.0, 0.0, 4.0]), np.array([0.5, 0.25, 0.25]), 0.5)
    2.0
    >>> cvar(np.array([10.0, 0.0]), np.array([0.5, 0.5]), 0.25)
    3.3333333333333335
    """
    order = np.argsort(np.asarray(margins, dtype=float), kind="stable")
    tail = 1.0 - alpha
    taken = 0.0
    total = 0.0
    for position in order:
        mass = min(float(probabilities[position]), tail - taken)
        if mass <= 0:
            break
        total += mass * float(margins[position])
        taken += mass
    return total / tail


def risk_objective(margins: np.ndarray, probabilities: np.ndarray, weight: float,
                   alpha: float) -> float:
    """E[margin] + weight x CVaR_alpha(margin) (just E[margin] when weight is 0)."""
    expected = float(np.dot(probabilities, margins))
    return expected + (weight * cvar(margins, probabilities, alpha) if weight > 0 else 0.0)


def empty_regret() -> pd.DataFrame:
    """A regret table with no rows but typed columns (a store table is created from it)."""
    return pd.DataFrame({"plan": pd.Series(dtype=str), "scenario": pd.Series(dtype=str),
                         "margin_usd": pd.Series(dtype=float),
                         "regret_usd": pd.Series(dtype=float)})


def restated(run: ExtensiveRun, study: Study, margins: np.ndarray,
             probabilities: np.ndarray) -> ExtensiveRun:
    """``run`` at the value of its checked margins, E + lambda x CVaR (sorted definition),
    with the gap to HiGHS's bound recomputed; the status as it is.

    A plan HiGHS stopped on may hold a CVaR helper short of the value at risk
    (:func:`risk_problems`), so its model objective can understate it; a proven optimum's
    model objective agrees with this value to the check's tolerance (10⁻⁵ relative).
    Stating every plan at the value of its margins lets every reported number (objective,
    EVPI, VSS) be re-derived exactly from the reported margins
    (:func:`evplan.twostage.verify.study_problems`).
    """
    objective = risk_objective(margins, probabilities, study.risk_weight, study.alpha)
    bound = run.bound_usd
    return dataclasses.replace(run, objective_usd=objective, mip_gap=(
        max(0.0, bound - objective) / max(abs(objective), 1e-9) if np.isfinite(bound)
        else float("inf")))


def risk_problems(study: Study, margins: np.ndarray, probabilities: np.ndarray,
                  model_cvar_usd: float | None, model_objective_usd: float, *, proven: bool
                  ) -> list[str]:
    """The CVaR and objective of a returned plan against its checked scenario margins.

    The model's CVaR, eta - sum p u / (1 - alpha), is at most the sorted-scenario CVaR of the
    plan's margins for any feasible eta and u (Rockafellar-Uryasev), and equal to it once
    eta and u are optimal for the plan. A proven optimum (``proven``) must have them equal,
    and its objective equal to E + lambda x CVaR of the checked margins. A plan the solver
    stopped on (a time limit) may still hold a eta short of the value at risk: then only the
    bound must hold (the model's CVaR and objective not above the plan's), and the plan is
    reported at the value of its checked margins (:func:`stochastic`).
    """
    problems = []
    scale = max(1.0, float(np.max(np.abs(margins))))
    tolerance = TOLERANCE * scale * 10
    sorted_cvar = cvar(margins, probabilities, study.alpha)
    weight = study.risk_weight
    # Only the CVaR helper may be short in a stopped plan: with no helper (lambda = 0, or
    # no CVaR row) the plan is checked as a proven one.
    bounded = not proven and model_cvar_usd is not None and weight > 0
    if model_cvar_usd is not None:
        excess = model_cvar_usd - sorted_cvar
        if (excess if bounded else abs(excess)) > tolerance:
            problems.append(f"the model's CVaR {model_cvar_usd:,.2f} USD "
                            + ("is above" if bounded else "differs from")
                            + f" the sorted-scenario CVaR {sorted_cvar:,.2f} USD.")
    value = risk_objective(margins, probabilities, weight, study.alpha)
    if bounded:  # the expected margin exactly; the CVaR part is checked above
        assert model_cvar_usd is not None
        expected = float(probabilities @ margins)
        stated = model_objective_usd - weight * model_cvar_usd
        if abs(stated - expected) > tolerance:
            problems.append(f"the objective less lambda x the model's CVaR, "
                            f"{stated:,.2f} USD, differs from the checked plans' "
                            f"E[margin] {expected:,.2f} USD.")
    elif abs(model_objective_usd - value) > tolerance:
        problems.append(f"the objective {model_objective_usd:,.2f} USD differs from the "
                        f"checked plans' E[margin] + lambda x CVaR = {value:,.2f} USD.")
    return problems
