"""An unmet commitment's explanation called a plant with no capacity "full (P2 at 100 %)"
(0 built of 0); it now says the plant has no capacity that year (helper-112's finding)."""

from __future__ import annotations

import pytest

import evplan
from evplan.errors import InfeasibleError
from tests.strategic.networks import two_plants


def test_a_plant_without_capacity_is_not_called_full() -> None:
    data = two_plants(capacities=(1_000.0, 0.0), years=2, demand=2000.0, fixed=(0.0, 0.0),
                      extra={"plant_strategy": {"plant": ["P1"], "modules_initial": [1],
                                                "modules_max": [2],
                                                "earliest_change_year": [2026]},
                             "committed_sales": {"market": ["M1"], "year": [2025],
                                                 "product": ["V1"], "min_vehicles": [1500.0]}})
    with pytest.raises(InfeasibleError) as caught:
        evplan.optimize(data)
    (line,) = [text for text in caught.value.explanations if "committed sales" in text]
    assert "short by 500" in line and "P2 has no capacity in 2025" in line
    assert "P2 at 100 %" not in line
