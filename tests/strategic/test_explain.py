"""Infeasible strategic models are explained by the rows that break, in plain words."""

from __future__ import annotations

import pytest

import evplan
from evplan.errors import InfeasibleError
from tests.strategic.networks import two_plants


def test_a_commitment_in_a_market_not_yet_open_is_explained() -> None:
    data = two_plants(years=2, fixed=(0.0, 0.0), extra={
        "committed_sales": {"market": ["M1"], "year": [2025], "product": ["V1"],
                            "min_vehicles": [100.0]},
        "market_entry": {"market": ["M1"], "entry_cost_usd": [1e6], "first_year": [2026]}})
    with pytest.raises(InfeasibleError) as caught:
        evplan.optimize(data)
    [line] = caught.value.explanations
    assert line.startswith("committed sales of 100 V1 in M1 in 2025 (committed_sales.csv row "
                           "2) cannot be supplied: short by 100;")
    assert "the automaker cannot be present in M1 before 2026 (market_entry.csv row 2)" in line


def test_a_plant_that_must_run_full_lines_below_its_floor_is_explained() -> None:
    # P1 must keep its 2 lines (1,000) in 2025 and build 80 %; demand is 600.
    data = two_plants(capacities=(1_000.0, 0.0), extra={
        "plant_strategy": {"plant": ["P1"], "modules_initial": [2], "can_close": ["no"],
                           "earliest_change_year": [2026]}})
    plants = data.plants.assign(min_utilisation=[0.8, 0.0])
    data = evplan.data.validate_tables(
        {**{name: frame.drop(columns="row") for name, frame in data.tables.items()
            if len(frame)}, "plants": plants.drop(columns="row")}, data.scenario)
    with pytest.raises(InfeasibleError) as caught:
        evplan.optimize(data)
    [line] = caught.value.explanations
    assert line.startswith("P1 in 2025 cannot reach its min_utilisation 0.8 of the 1,000 "
                           "capacity it must keep running")
    assert "short by 200" in line
