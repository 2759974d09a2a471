"""A warm re-solve of a fixed network (``WarmModel(fixed=...)``, as studies and break-even
use) hands the kit-assembled cars to the compliance certificate (helper-99's review: no test
ran this path; without ``kit_plan`` a right plan failed its certificate)."""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.scenarios import WarmModel
from evplan.strategic.milp import network_values

from .test_kit_compliance_hand import kit_market


@pytest.mark.parametrize("rules", [
    {"carbon_prices": {"year": [2025], "carbon_price_usd_per_t": [0.0]}},
    {"fleet_targets": {"market": ["M1"], "year": [2025], "target_g_per_km": [100.0],
                       "premium_usd_per_g_km": [300.0]}},
])
def test_a_fixed_network_warm_solve_counts_kit_cars(rules: dict[str, dict[str, list]]) -> None:
    data = kit_market(**{name: pd.DataFrame(frame) for name, frame in rules.items()})
    cold = evplan.optimize(data)
    warm = WarmModel(data, fixed=network_values(data))
    for _ in range(2):  # the first solve makes the templates; the second is warm
        result = warm.solve(data)
        assert result.status == "optimal"
        assert result.metadata["compliance_check"] == "passed"
        assert result.objective_usd == pytest.approx(cold.objective_usd, rel=1e-9)
    fleet = result.tables.get("fleet_compliance")
    if "fleet_targets" in rules:
        assert fleet is not None and fleet["kit_vehicles"].sum() == pytest.approx(120.0)
