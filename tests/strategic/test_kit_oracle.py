"""Random strategic networks with kits: evplan's MILP optimum equals an independent one.

``kit_oracle.py`` formulates each instance for scipy.optimize.milp straight from the input
tables, as docs/formulation.md states the rules: transfer prices, countervailing duties,
inventory in transit and exchange rates on built-up vehicles and on kits, a plant that may
close, a site that may open and a preferential kit duty gated by rules of origin.
"""

from __future__ import annotations

from functools import cache

import pytest

import evplan
from tests.strategic.kit_oracle import oracle_objective, random_kit_network

EXACT = evplan.SolverOptions(mip_gap=1e-9)


@cache
def _solved(seed: int, years: int) -> tuple[evplan.NetworkData, evplan.Result]:
    data = random_kit_network(seed, years=years)
    return data, evplan.optimize(data, EXACT)


def _agrees(seed: int, years: int) -> None:
    data, result = _solved(seed, years)
    assert result.metadata["strategic_check"] == "passed"
    assert result.objective_usd == pytest.approx(oracle_objective(data), rel=1e-8, abs=1.0)


@pytest.mark.parametrize("seed", range(10))
def test_kit_milp_matches_the_scipy_oracle(seed: int) -> None:
    _agrees(seed, years=2)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 120))
def test_kit_milp_matches_the_scipy_oracle_over_three_years(seed: int) -> None:
    _agrees(seed, years=3)


def test_a_closed_plant_ships_no_kits_even_without_a_capacity_share() -> None:
    """Seed 8 over three years: CKD kits (plant_capacity_share 0) were not tied to P0
    running; the MILP closed P0 in 2030-2032 and still shipped 361 CKD kits a year, and the
    certificate passed it. Now the plan keeps P0 running and matches the oracle, which
    links every kit to its plant running."""
    _, result = _solved(8, 3)
    states = result["plant_decisions"].set_index("year")["state"]
    kits = result["kit_shipments"].groupby("year")["kits"].sum()
    for year, sent in kits.items():
        assert sent <= 1e-6 or states[year] == "running", (year, sent, states[year])
    assert kits.sum() > 1.0
    _agrees(8, 3)


def test_the_instances_exercise_every_term() -> None:
    """The fast seeds hold kits, preferential kits, transfer prices, countervailing duties,
    exchange rates and a closure or an opening decision (a test that could not fail on
    kits would prove nothing)."""
    seen = {"kits": 0, "preferential": 0, "transfer": 0, "cvd": 0, "fx": 0}
    for seed in range(10):
        data, result = _solved(seed, 2)
        kits = result["kit_shipments"]
        seen["kits"] += bool(kits["kits"].sum() > 1)
        seen["preferential"] += bool(kits["preferential_kits"].sum() > 1)
        seen["transfer"] += not data["transfer_prices"].empty
        seen["cvd"] += bool((kits["cvd_rate"] * kits["kits"]).sum() > 0)
        seen["fx"] += not data["exchange_rates"].empty
    assert min(seen.values()) >= 2, seen
