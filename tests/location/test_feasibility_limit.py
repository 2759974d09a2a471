"""The reachable-capacity pre-check claims demand short only from a proven maximum flow: a
time limit that stops its LP claims nothing (audit s23, helper-78: a feasible siting with a
1e-6 s limit was reported infeasible, '12 short at customers x, y')."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evplan.errors import InfeasibleError
from evplan.location import SolveOptions, capacitated
from evplan.location.feasibility import short_of_capacity


def _tables(capacity: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sites = pd.DataFrame({"site": ["A", "B"], "fixed_cost": [1.0, 1.0],
                          "capacity": [capacity, capacity]})
    customers = pd.DataFrame({"customer": ["x", "y"], "demand": [6.0, 6.0]})
    costs = pd.DataFrame({"site": ["A", "B"], "customer": ["x", "y"], "cost": [1.0, 1.0]})
    return sites, customers, costs


@pytest.mark.parametrize("limit", [60.0, 1e-6])
def test_a_feasible_siting_is_never_called_infeasible_by_a_time_limit(limit: float) -> None:
    result = capacitated(*_tables(10.0), options=SolveOptions(time_limit=limit))
    assert result.status in ("optimal", "time_limit")
    if result.status == "optimal":
        assert result.objective == pytest.approx(4.0)  # both open, each serves its own


def test_a_short_network_is_still_infeasible_when_the_flow_is_proven() -> None:
    with pytest.raises(InfeasibleError, match=r"short|capacity"):
        capacitated(*_tables(5.0), options=SolveOptions(time_limit=60.0))


def test_an_unproven_maximum_flow_claims_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from evplan.location import feasibility

    stopped = type("Stopped", (), {"status": "time_limit", "values": np.zeros(2)})()
    monkeypatch.setattr(feasibility, "solve_milp", lambda *_args, **_kwargs: stopped)
    instance = type("Instance", (), {
        "value": np.array([[1.0, np.inf], [np.inf, 1.0]]), "capacity": np.array([10.0, 10.0]),
        "demand": np.array([6.0, 6.0]), "site_ids": np.array(["A", "B"]),
        "customer_ids": np.array(["x", "y"])})()
    assert short_of_capacity(instance, SolveOptions()) is None  # type: ignore[arg-type]
