"""Commitments and fixed plants' minimums in the strategic model (audit 17).

strategic_lane(): one plant P1 (strategy row), V1 (segment C) sold in M1 at 20,000 a
vehicle, 600 vehicles of demand; a vehicle earns 9,000; the plant's fixed cost is 2 M.
"""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.errors import InfeasibleError
from evplan.examples import strategic_lane
from evplan.examples.strategic_small import with_tables


def _committed(product: str, vehicles: float, market: str = "M1") -> pd.DataFrame:
    return pd.DataFrame({"market": [market], "year": [2025], "product": [product],
                         "min_vehicles": [vehicles]})


def test_a_penalised_shortfall_is_in_the_strategic_certificate() -> None:
    """800 of segment C committed, 600 can be sold: 200 short at 50 USD each. Before, the
    strategic check left the penalty out of its objective, so every such plan failed its
    certificate (exit 4, 'a bug in evplan')."""
    base = evplan.optimize(strategic_lane())
    data = with_tables(strategic_lane(), {"committed_sales": _committed("C", 800.0)},
                       unmet_committed_penalty_usd_per_vehicle=50.0)
    result = evplan.optimize(data)
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(base.objective_usd - 200 * 50.0)
    assert result.objective_usd == pytest.approx(600 * 9_000 - 2_000_000 - 10_000)


def test_a_commitment_no_sale_can_serve_is_explained() -> None:
    """No demand tier sells V1 in M2: the commitment's row had no variable, linopy dropped
    it and the certificate refused the plan (exit 4). Now: infeasible, explained."""
    markets = pd.DataFrame({"market": ["M1", "M2"], "country": ["AA", "AA"]})
    data = with_tables(strategic_lane(), {"markets": markets,
                                          "committed_sales": _committed("V1", 50.0, "M2")})
    with pytest.raises(InfeasibleError) as caught:
        evplan.optimize(data)
    assert caught.value.exit_code == 2
    [line] = caught.value.explanations
    assert line.startswith("committed sales of 50 V1 in M2 in 2025 (committed_sales.csv row "
                           "2) cannot be supplied: short by 50; no flow can serve it")


def test_a_fixed_plants_minimum_with_no_lane_is_explained() -> None:
    """P2 (no strategy row, no kits: it cannot close) must build 40 a year but has no
    route: before, the plan broke its minimum and failed its certificate."""
    data = strategic_lane()
    plants = pd.concat([data.plants.drop(columns="row"), pd.DataFrame({
        "plant": ["P2"], "country": ["AA"], "capacity_vehicles_per_year": [400.0],
        "fixed_cost_usd_per_year": [0.0], "min_utilisation": [0.1]})], ignore_index=True)
    programs = pd.concat([data["plant_programs"].drop(columns="row"), pd.DataFrame({
        "plant": ["P2"], "program": ["V1"], "variable_cost_usd_per_vehicle": [8_000.0]})],
        ignore_index=True)
    with pytest.raises(InfeasibleError) as caught:
        evplan.optimize(with_tables(data, {"plants": plants, "plant_programs": programs}))
    [line] = caught.value.explanations
    assert line == ("minimum production of 40 vehicles at P2 in 2025 (plants.csv row 3) "
                    "cannot be reached: short by 40; no vehicle can be built there: routes.csv "
                    "has no lane from P2. Lower min_utilisation, or give P2 a "
                    "plant_strategy.csv row that lets it close (can_close yes), mothball "
                    "(can_mothball yes) or, with modules_initial above 1, shrink.")


def test_a_strategic_plan_reports_its_commitments_and_the_certificate_checks_them() -> None:
    """The committed_sales table and its KPIs, as an export plan has them (a strategic plan
    had neither: its 200-vehicle shortfall was in the objective only)."""
    from dataclasses import replace

    from evplan.errors import VerificationError
    from evplan.verify import verify_network

    data = with_tables(strategic_lane(), {"committed_sales": _committed("C", 800.0)},
                       unmet_committed_penalty_usd_per_vehicle=50.0)
    result = evplan.optimize(data)
    table = result.tables["committed_sales"]
    assert table[["min_vehicles", "sold_vehicles", "unmet_vehicles", "penalty_usd"]
                 ].to_numpy().tolist() == [[800.0, 600.0, 200.0, 10_000.0]]
    kpis = result.kpis.set_index(["kpi", "year", "key"])["value"]
    assert kpis[("unmet_committed_vehicles", 2025, "all")] == 200.0
    assert kpis[("unmet_committed_penalty_usd", 2025, "all")] == 10_000.0
    wrong = table.assign(unmet_vehicles=[0.0])
    with pytest.raises(VerificationError, match="committed-sales table"):
        verify_network(data, replace(result, tables={**result.tables,
                                                     "committed_sales": wrong}))
