"""The fleet-target check at large volumes (audit s25, helper-94's finding 2).

``verify/compliance.py`` compared a fleet target's net sum of (g/km - target) x vehicles with
the reported excess + pooled within a tolerance scaled by the *net* sum. With demand x 1000
the terms are about 1e9 g/km x vehicles each and cancel to about 0, so their rounding error
(about 1e-6) exceeded a tolerance of 1e-6 x max(1, 0): ``evplan.optimize`` raised
``VerificationError: fleet target EU year 2028: sum (g/km - target) x vehicles = 0.000
exceeds excess + pooled = 0.000`` on a plan HiGHS had solved. The tolerance now scales with
the magnitude of what was summed.
"""

from __future__ import annotations

import pytest

import evplan
from evplan.examples import china_export
from evplan.scenarios import apply_patches
from evplan.scenarios.overrides import Patch


@pytest.mark.slow
def test_a_thousandfold_demand_with_unbounded_plants_is_certified() -> None:
    data = china_export()
    big = apply_patches(data, [
        Patch("demand", scale={"volume_vehicles": 1e3}),
        Patch("plants", set={"capacity_vehicles_per_year": 1e9})]).data
    result = evplan.optimize(big)
    assert result.status == "optimal"
    assert result.metadata["compliance_check"] == "passed"
    fleet = result.tables["fleet_compliance"]
    assert fleet["vehicles"].sum() > 1e8  # the case is as large as it claims
