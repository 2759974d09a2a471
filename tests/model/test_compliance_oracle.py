"""Layer 4 for issue 16: random networks with every compliance table, against scipy.

Hypothesis draws the seeds (derandomized, so every run checks the same cases); each
network is solved by evplan and by the independent formulation in
:mod:`tests.model.compliance_oracle`, and the plan evplan returns must pass its own
compliance certificate.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import evplan
from evplan.examples.compliance import two_powertrains

from .compliance_oracle import compliance_oracle_objective, random_compliance_network


@settings(max_examples=12, deadline=None, derandomize=True)
@given(seed=st.integers(min_value=0, max_value=10_000))
@example(seed=3095)  # no shipment meets a fleet target: the check's empty frames stay numeric
def test_random_compliance_networks_match_independent_scipy_formulation(seed: int) -> None:
    data = random_compliance_network(seed)
    expected = compliance_oracle_objective(data)
    result = evplan.optimize(data)
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(expected, rel=1e-6, abs=1e-3)
    assert result.metadata["compliance_check"] == "passed"
    # The regulation's rule (a penalty settles its own year) gives the same optimum.
    assert result.objective_usd == pytest.approx(compliance_oracle_objective(data, exact=True),
                                                 rel=1e-6, abs=1e-3)


def test_the_exact_oracle_does_not_let_an_early_penalty_be_banked() -> None:
    # The inputs evplan refuses (2025's penalty 1,000 below 2026's 10,000, banking yes),
    # set past validation: the LP relaxation pays 2025's penalty on 10 credits and banks
    # 5 (200,000 - 10 x 1,000); the rule pays each year's own 5 (200,000 - 5,000 - 50,000).
    data = two_powertrains(years=(2025, 2026), bev={"volume": 0.0}, zev_mandates=[
        {"market": "M1", "year": year, "zev_share": 0.5, "penalty_usd_per_vehicle": 10_000.0}
        for year in (2025, 2026)],
        plant_emissions=[{"plant": "P1", "assembly_kwh_per_vehicle": 0.0}],
        grid_intensity=[{"country": country, "grid_g_co2_per_kwh": 0.0}
                        for country in ("AA", "BB")],
        carbon_prices=[{"year": year} for year in (2025, 2026)])
    mandates = data["zev_mandates"].copy()
    mandates.loc[mandates["year"] == 2025, "penalty_usd_per_vehicle"] = 1_000.0
    rising = data.replace(tables={**data.tables, "zev_mandates": mandates})
    assert compliance_oracle_objective(rising) == pytest.approx(190_000.0)
    assert compliance_oracle_objective(rising, exact=True) == pytest.approx(145_000.0)
