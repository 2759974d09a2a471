r"""Risk measures of a margin distribution over scenarios, from their definitions.

:func:`cvar` is the sorted-scenario definition the extensive form's Rockafellar-Uryasev
value is checked against: sort the margins from worst to best, take probability mass
until :math:`1-\alpha` is reached (the last scenario only in part) and average.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cvar", "empty_regret", "risk_objective"]


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
