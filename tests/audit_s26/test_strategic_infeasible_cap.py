"""A strategic model made infeasible by a carbon cap is explained, not called a bug.

The elastic copy of the strategic model has a penalised ``carbon_cap_excess`` (the compliance
family adds it), but ``explain_strategic_infeasibility`` read only the commitment and floor
shortfalls, so a cap that the plants' floors overrun ended in "the elastic copy needs no
shortfall; ... report this as a bug" (exit 2 with no reason).

Case: P1 (400 vehicles a year in two modules of 200, ``min_utilisation`` 0.5, may neither
close nor mothball) must build at least 100 vehicles in 2025 (one module running); each
emits 0.5 t (1,000 kWh at 500 g/kWh, no battery data), so 50 t against a 10 t cap: 40 t over.
"""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.data import validate_tables
from tests.audit_s26.test_strategic_sequence_oracle import YEARS, network


def _tables() -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    tables, scenario = network(0)
    tables["plants"]["min_utilisation"] = [0.5, 0.0]
    tables["plant_strategy"]["can_close"] = "no"
    tables["plant_strategy"]["can_mothball"] = "no"
    tables["program_emissions"] = pd.DataFrame({
        "program": ["V1", "V2"], "co2_g_per_km": [0.0, 150.0],
        "electricity_kwh_per_100km": [16.0, 0.0], "lifetime_km": 150_000.0})
    tables["grid_intensity"] = pd.DataFrame({"country": ["AA", "BB", "DD"],
                                             "grid_g_co2_per_kwh": 500.0})
    tables["plant_emissions"] = pd.DataFrame({"plant": ["P1", "P2"],
                                              "assembly_kwh_per_vehicle": 1_000.0,
                                              "battery_kg_co2_per_kwh": 80.0})
    tables["carbon_prices"] = pd.DataFrame({"year": list(YEARS), "carbon_price_usd_per_t": 0.0,
                                            "cap_t_co2": [10.0, 1e9, 1e9],
                                            "include_use_phase": "no"})
    return tables, scenario


def test_a_carbon_cap_the_floors_overrun_is_named() -> None:
    data = validate_tables(*_tables())
    with pytest.raises(evplan.InfeasibleError) as error:
        evplan.optimize(data)
    text = str(error.value)
    assert "report this as a bug" not in text
    assert ("the carbon cap of 10 t in 2025 (carbon_prices.csv row 2) cannot be met: the "
            "plan's commitments and minimum production emit 40 t more.") in text


@pytest.mark.slow
def test_without_the_cap_the_same_plan_is_feasible() -> None:
    tables, scenario = _tables()
    tables["carbon_prices"]["cap_t_co2"] = 1e9
    result = evplan.optimize(validate_tables(tables, scenario))
    assert result.status == "optimal"
    decisions = result.tables["plant_decisions"].set_index(["plant", "year"])
    emitted = result.tables["co2_by_year"].set_index("year")
    assert decisions.loc[("P1", 2025), "production_vehicles"] >= 100 - 1e-6
    assert emitted.loc[2025].filter(like="t_co2").max() >= 50 - 1e-6
