"""Warm cases with no plan are reported as a cold run reports them (helper-94, session 25).

A warm re-solve (``scenarios/warm.py``) of inputs that are infeasible must raise what
:func:`evplan.optimize` raises on the same inputs, with the same explanation; a feasible
case after an infeasible one (and a feasible case on a warm model built on infeasible
inputs) must get the cold answer.
"""

from __future__ import annotations

import pytest

import evplan
from evplan.errors import InfeasibleError
from evplan.examples import single_lane
from evplan.scenarios import Patch, WarmModel, apply_patches

from .warm_compare import Audit, attempt


def test_committed_volume_above_capacity_is_infeasible_with_the_cold_explanation() -> None:
    base = single_lane(capacity=500, committed=100.0)
    audit = Audit(base)
    too_much = apply_patches(base, [Patch("committed_sales", set={"min_vehicles": 800.0})]).data
    warm = attempt(lambda: audit.warm.solve(too_much))
    cold = attempt(lambda: evplan.optimize(too_much))
    assert cold.kind == "InfeasibleError"
    assert (warm.kind, warm.error) == (cold.kind, cold.error)
    # the warm model still answers a feasible case exactly as cold afterwards
    fine = apply_patches(base, [Patch("committed_sales", set={"min_vehicles": 450.0})]).data
    assert audit.check_data(fine, "after infeasible") == []
    assert audit.check_data(base, "base again") == []


def test_plant_floor_without_demand_is_infeasible_with_the_cold_explanation() -> None:
    base = single_lane(capacity=500, min_utilisation=0.5)
    audit = Audit(base)
    no_demand = apply_patches(base, [Patch("demand", set={"volume_vehicles": 0.0})]).data
    warm = attempt(lambda: audit.warm.solve(no_demand))
    cold = attempt(lambda: evplan.optimize(no_demand))
    assert cold.kind == "InfeasibleError"
    assert (warm.kind, warm.error) == (cold.kind, cold.error)
    cheap = apply_patches(base, [Patch("routes", set={"freight_usd_per_vehicle": 0.0})]).data
    assert audit.check_data(cheap, "after infeasible") == []


@pytest.mark.slow
def test_a_warm_model_built_on_infeasible_inputs_solves_a_feasible_case_as_cold() -> None:
    base = single_lane(capacity=500, committed=800.0, tiers=((1000.0, 20_000.0),))
    with pytest.raises(InfeasibleError):
        evplan.optimize(base)
    warm = WarmModel(base)
    with pytest.raises(InfeasibleError):
        warm.solve(base)
    feasible = apply_patches(base, [Patch("plants", set={"capacity_vehicles_per_year": 900.0})]
                             ).data
    hot, cold = warm.solve(feasible), evplan.optimize(feasible)
    # by hand: 900 built and sold at 20,000 - 10,000 - 1,000 freight = 9,000 a vehicle
    assert cold.objective_usd == pytest.approx(8_100_000.0)
    assert (hot.status, hot.objective_usd) == (cold.status, pytest.approx(cold.objective_usd))
    assert float(hot["sales"]["sales_vehicles"].sum()) == pytest.approx(900.0)
