"""Audit s23 (helper-80): an override of a table only ``evplan calibrate`` reads says so.

``elasticities`` (and ``base_demand``, ``actuals``) are calibration inputs: a plan reads the
demand tiers calibrate wrote. An override on them was "not an input table", followed by the
thirty tables there are, with no word on where an elasticity lives.
"""

from __future__ import annotations

import pytest

from evplan.errors import InputError
from evplan.scenarios.overrides import parse_catalog


@pytest.mark.parametrize("table", ["elasticities", "base_demand", "actuals"])
def test_a_calibration_table_names_calibrate_and_what_to_patch_instead(table: str) -> None:
    with pytest.raises(InputError) as error:
        parse_catalog({"overrides": {"x": {table: {"scale": {"volume_vehicles": 2}}}}})
    assert [problem.message for problem in error.value.problems] == [
        f"override 'x': '{table}' is read by `evplan calibrate`, not by a plan (the tiers it "
        "writes to demand.csv carry volumes and elasticities). Calibrate a copy of the inputs "
        f"with the changed {table}.csv, or patch demand (volume_vehicles, "
        "price_usd_per_vehicle)."]


def test_an_unknown_table_still_gets_the_closest_name() -> None:
    with pytest.raises(InputError) as error:
        parse_catalog({"parameters": {"p": {"rutes": {"scale": "freight_usd_per_vehicle"}}}})
    assert [problem.message for problem in error.value.problems] == [
        "parameter 'p': 'rutes' is not an input table. Did you mean 'routes'?"]
