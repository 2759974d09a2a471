"""A WarmModel's base changed in place after the model was built (Python users do this)."""

from __future__ import annotations

import pytest

import evplan
from evplan.errors import InputError
from evplan.scenarios import WarmModel


def test_an_id_changed_in_the_base_in_place_is_an_input_error_not_a_bug() -> None:
    # Before: the warm path took the base's own tables as unchanged, solved on the old
    # index, and the certificate failed the plan as "a bug in evplan, not in your inputs".
    data = evplan.examples.single_lane()
    warm = WarmModel(data)
    routes = data["routes"]
    routes.loc[routes.index[0], "market"] = "ZZ"
    with pytest.raises(InputError, match=r"market 'ZZ' is not in markets\.market"):
        warm.solve(data)


def test_a_value_changed_in_the_base_in_place_is_solved_as_a_cold_solve_would() -> None:
    data = evplan.examples.single_lane(capacity=500)
    warm = WarmModel(data)
    before = warm.solve(data).objective_usd
    demand = data["demand"]
    demand["price_usd_per_vehicle"] = demand["price_usd_per_vehicle"] * 0.5
    after = warm.solve(data)
    assert after.metadata["solve_mode"] == "warm"
    assert after.objective_usd == pytest.approx(evplan.optimize(data).objective_usd, rel=1e-9)
    assert after.objective_usd < before
