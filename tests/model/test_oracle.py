"""Layer 4: random networks solved by evplan and by an independent scipy formulation."""

from __future__ import annotations

import pytest

import evplan
from evplan.examples import random_network

from .generate import default_scenario_cut
from .oracle import assert_duties_match, oracle_check, oracle_lp, oracle_objective

SEEDS = list(range(12))


@pytest.mark.parametrize("seed", SEEDS)
def test_random_network_matches_independent_scipy_formulation(seed: int) -> None:
    data = random_network(seed, plants=3 + seed % 3, programs=2 + seed % 3, markets=3 + seed % 2,
                          years=1 + seed % 3, tiers=1 + seed % 3)
    expected = oracle_objective(data)
    result = evplan.optimize(data)
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(expected, rel=1e-6)
    assert oracle_check(data, result) == []


@pytest.mark.parametrize("seed", [100, 101, 102])
def test_plain_transport_networks_match_oracle(seed: int) -> None:
    data = random_network(seed, plants=4, programs=3, markets=5, years=2, tiers=2,
                          features=False)
    assert evplan.optimize(data).objective_usd == pytest.approx(oracle_objective(data), rel=1e-6)


@pytest.mark.slow
def test_the_default_scenarios_duty_mechanics_match_the_oracle() -> None:
    """Time-varying BEV/PHEV rows over '*' rows, Turkiye's minimum, the EU CVD ('*' maker),
    Canada's shared EV quota at a non-zero in-quota rate, FTAs at 0 %, domestic lanes."""
    data = default_scenario_cut((2025, 2026), {"CN", "JP", "CA", "TR", "EU", "BR", "MX", "US",
                                                "TH"})
    lp = oracle_lp(data)
    result = evplan.optimize(data)
    shipments = result["shipments"]
    assert_duties_match(lp, shipments)
    # The mechanics are really there: a quota with a non-zero in-quota rate shared by two
    # powertrains, Turkiye's US$7,000 minimum (the ad valorem part is higher for these
    # programs), a CVD, rates that change from year to year.
    ca = shipments[(shipments["market"] == "CA") & (shipments["year"] == 2026)
                   & (shipments["origin"] == "CN") & shipments["powertrain"].isin(["BEV", "PHEV"])]
    assert set(ca["powertrain"]) == {"BEV", "PHEV"}
    assert (ca["in_quota_duty_usd_per_vehicle"] < ca["full_duty_usd_per_vehicle"]).all()
    assert (ca["in_quota_duty_usd_per_vehicle"] > 0).all()
    turkey = shipments[(shipments["market"] == "TR") & (shipments["origin"] == "CN")
                       & (shipments["powertrain"] != "BEV")]
    assert len(turkey) and (turkey["full_duty_usd_per_vehicle"] >= 7_000).all()
    eu_bev = shipments[(shipments["market"] == "EU") & (shipments["origin"] == "CN")
                       & (shipments["powertrain"] == "BEV")]
    assert len(eu_bev)  # priced with the 20.7 % CVD of maker '*' on top of the 10 % duty
    brazil = shipments[(shipments["market"] == "BR") & (shipments["origin"] == "CN")
                       & (shipments["powertrain"] == "BEV")].groupby("year")
    assert brazil["full_duty_usd_per_vehicle"].max().is_monotonic_increasing
    assert result.objective_usd == pytest.approx(oracle_objective(data), rel=1e-6)
    assert oracle_check(data, result) == []
