"""The embedded china-strategic example: loads over china-export, solves to its gap, checks."""

from __future__ import annotations

import pytest

import evplan
from evplan.examples import china_strategic, example_path


def test_the_example_overlays_china_export() -> None:
    data = china_strategic()
    base = evplan.examples.china_export()
    assert data.scenario.name == "china-strategic"
    assert len(data["plant_programs"]) == len(base["plant_programs"]) + 4
    assert data["demand"].equals(base["demand"])
    assert example_path("china-strategic") == evplan.examples.china_strategic_path()
    assert example_path("nowhere") is None


@pytest.mark.slow
def test_the_example_solves_to_its_gap_and_beats_todays_network() -> None:
    result = evplan.optimize(china_strategic(), evplan.SolverOptions(mip_gap=1e-3,
                                                                     time_limit_s=600))
    meta = result.metadata
    assert result.status == "optimal" and meta["mip_gap"] <= 1e-3
    assert meta["strategic_check"] == "passed"
    assert meta["plan_gain_over_today_usd"] > 0
    assert len(result["network_decisions"]) > 0
    assert meta["objective_attributable_usd"] < meta["objective_consolidated_usd"]
