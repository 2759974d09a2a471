"""The MIP start of the extensive form: the expected-value plan completed in every scenario.

The start's columns are checked against the stacked rows (block rows, non-anticipativity,
CVaR rows) and its objective against the sorted-scenario definition of
E[margin] + lambda x CVaR_alpha, so a start HiGHS would reject, or one whose CVaR columns
misstate the plan's value, fails here rather than silently costing speed.
"""

from __future__ import annotations

import numpy as np
import pytest

import evplan
from evplan.examples import random_strategic_network
from evplan.twostage.extensive import SCALE, _matrix, start_columns
from evplan.twostage.risk import risk_objective
from evplan.twostage.solve import _build, _expected_value_plan

from .test_bruteforce import _catalog

EXACT = evplan.SolverOptions(mip_gap=1e-9)


@pytest.mark.parametrize("seed", [0, 4])
def test_the_start_is_a_feasible_plan_worth_its_risk_objective(seed: int) -> None:
    data = random_strategic_network(seed, features=("plants",))
    catalog = _catalog(seed)
    study = catalog.studies["random"]  # type: ignore[attr-defined]
    scenarios, _ = _build(data, study, catalog)  # type: ignore[arg-type]
    blocks = [scenario.block for scenario in scenarios]
    plans: list[np.ndarray] = []
    metadata: dict[str, object] = {}
    margins = _expected_value_plan(scenarios, blocks, EXACT, metadata, plans)
    assert margins is not None and np.isfinite(margins).all()
    risk = study.risk_weight > 0
    values = start_columns(blocks, plans, risk_weight=study.risk_weight, alpha=study.alpha)
    a, row_lower, row_upper, _ = _matrix(blocks, risk)
    assert a.shape[1] == len(values)
    activity = a @ values
    slack = 1e-6 * np.maximum(1.0, np.abs(activity))
    assert (activity >= row_lower - slack).all()
    assert (activity <= row_upper + slack).all()
    lower = np.concatenate([b.runner.lower for b in blocks])
    upper = np.concatenate([b.runner.upper for b in blocks])
    n = len(lower)
    assert (values[:n] >= lower - 1e-9).all() and (values[:n] <= upper + 1e-9).all()
    if risk:
        assert (values[n + 1:] >= 0).all()
    # the extensive form's objective at the start = E[M] + lambda x CVaR by sorting
    probabilities = np.array([b.probability for b in blocks])
    objective = sum(b.probability * float(b.runner.cost @ plan)
                    for b, plan in zip(blocks, plans, strict=True))
    objective -= float(probabilities @ [b.constant_usd for b in blocks])
    if risk:
        eta, u = values[n] / SCALE, values[n + 1:] / SCALE
        objective += study.risk_weight * (eta - float(probabilities @ u) / (1 - study.alpha))
    expected = risk_objective(margins, probabilities, study.risk_weight, study.alpha)
    assert objective == pytest.approx(expected, rel=1e-9, abs=1e-3)


def test_a_start_of_the_wrong_size_is_refused() -> None:
    data = random_strategic_network(0, features=("plants",))
    catalog = _catalog(0)
    study = catalog.studies["random"]  # type: ignore[attr-defined]
    scenarios, _ = _build(data, study, catalog)  # type: ignore[arg-type]
    blocks = [scenario.block for scenario in scenarios]
    from evplan.twostage.extensive import solve_extensive

    with pytest.raises(ValueError, match="the start has"):
        solve_extensive(blocks, EXACT, start=[np.zeros(3)] * len(blocks))
