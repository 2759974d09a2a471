"""CVaR: the extensive form's Rockafellar-Uryasev value against the sorted definition."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from evplan.twostage.risk import cvar, risk_objective


def _cvar_lp(margins: np.ndarray, probabilities: np.ndarray, alpha: float) -> float:
    """max eta - 1/(1-alpha) sum p u  s.t.  u >= eta - margin, u >= 0 (scipy)."""
    count = len(margins)
    cost = np.concatenate([[-1.0], probabilities / (1 - alpha)])  # minimise the negative
    rows = np.hstack([np.ones((count, 1)), -np.eye(count)])  # eta - u_s <= margin_s
    bounds = [(None, None)] + [(0, None)] * count
    solved = linprog(cost, A_ub=rows, b_ub=margins, bounds=bounds, method="highs")
    assert solved.status == 0
    return -float(solved.fun)


def test_sorted_definition_by_hand() -> None:
    margins = np.array([10.0, -2.0, 4.0, 1.0])
    probabilities = np.array([0.4, 0.1, 0.3, 0.2])
    # alpha 0.7: worst 0.3 = -2 (0.1) and 1 (0.2): (-0.2 + 0.2) / 0.3 = 0.
    assert cvar(margins, probabilities, 0.7) == pytest.approx(0.0)
    # alpha 0.6: worst 0.4 = -2 (0.1), 1 (0.2), 4 (0.1): (-0.2 + 0.2 + 0.4) / 0.4 = 1.
    assert cvar(margins, probabilities, 0.6) == pytest.approx(1.0)
    assert risk_objective(margins, probabilities, 0.5, 0.6) == pytest.approx(
        4.0 - 0.2 + 1.2 + 0.2 + 0.5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(0.01, 1.0)), min_size=1,
                max_size=8), st.floats(0.05, 0.95))
def test_rockafellar_uryasev_equals_sorted(pairs: list[tuple[float, float]],
                                           alpha: float) -> None:
    margins = np.array([pair[0] for pair in pairs])
    probabilities = np.array([pair[1] for pair in pairs])
    probabilities /= probabilities.sum()
    assert _cvar_lp(margins, probabilities, alpha) == pytest.approx(
        cvar(margins, probabilities, alpha), abs=1e-6)
    assert cvar(margins, probabilities, alpha) <= float(probabilities @ margins) + 1e-9


def test_a_stopped_plans_cvar_only_has_to_be_bounded_by_its_checked_margins() -> None:
    """Rockafellar-Uryasev: eta - E[(eta - M)+]/(1 - alpha) <= CVaR_alpha(M) for any eta, equal
    at the value at risk. A plan HiGHS stopped on at a time limit may hold a eta short of it
    (audit 2: such a feasible plan was reported as a bug, exit 4); a proven optimum may not."""
    from evplan.twostage.risk import risk_problems
    from evplan.twostage.tree import Study, StudyScenario

    study = Study("two", (StudyScenario("low", 0.5, ()), StudyScenario("high", 0.5, ())),
                  risk_weight=1.0, alpha=0.5)
    margins, probabilities = np.array([1.0e6, 3.0e6]), np.array([0.5, 0.5])
    exact_cvar, exact_value = 1.0e6, 2.0e6 + 1.0e6  # worst half: the low scenario
    for eta in (0.0, 0.5e6, 1.0e6, 2.0e6):  # any eta: the bracket is at most the CVaR
        bracket = eta - float(probabilities @ np.maximum(eta - margins, 0.0)) / 0.5
        assert bracket <= exact_cvar + 1e-9
    short = 0.0 - float(probabilities @ np.maximum(0.0 - margins, 0.0)) / 0.5  # eta = 0: 0
    assert risk_problems(study, margins, probabilities, exact_cvar, exact_value,
                         proven=True) == []
    assert risk_problems(study, margins, probabilities, short, 2.0e6 + short,
                         proven=False) == []
    assert len(risk_problems(study, margins, probabilities, short, 2.0e6 + short,
                             proven=True)) == 2
    above = risk_problems(study, margins, probabilities, exact_cvar + 1e3, exact_value + 1e3,
                          proven=False)
    assert above == ["the model's CVaR 1,001,000.00 USD is above the sorted-scenario CVaR "
                     "1,000,000.00 USD."]
    # Only the CVaR helper may be short: an expected margin off is caught (review) ...
    assert risk_problems(study, margins, probabilities, exact_cvar, 2.0e6, proven=False) == [
        "the objective less lambda x the model's CVaR, 1,000,000.00 USD, differs from the "
        "checked plans' E[margin] 2,000,000.00 USD."]
    # ... and without a CVaR term (lambda = 0) a stopped plan is checked as a proven one.
    neutral = Study("two", study.scenarios, risk_weight=0.0, alpha=0.5)
    assert risk_problems(neutral, margins, probabilities, None, 1.6e6, proven=False) == [
        "the objective 1,600,000.00 USD differs from the checked plans' E[margin] + lambda x "
        "CVaR = 2,000,000.00 USD."]
