"""The siting example against independent scipy.optimize.milp formulations (and the corridor
against a shortest chain of pools) on random instances (tests/charging/siting_oracle.py):
maximal covering covers the same demand with at most p sites and sends each zone to its
nearest open site; capacitated siting has the same cost (1e-6 relative), and its plan is
feasible in the independent model (every zone served within the radius, no site over the
arrivals its ports serve at the target, the reported cost recomputed); both say infeasible
on the same instances; the corridor uses as few pools as the chain."""

from __future__ import annotations

import pytest

from tests.charging.siting_oracle import check_case


@pytest.mark.parametrize("seed", range(12))
def test_siting_matches_independent_formulations(seed: int) -> None:
    _, disagreements = check_case(seed)
    assert disagreements == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12, 90))
def test_siting_matches_independent_formulations_more(seed: int) -> None:
    _, disagreements = check_case(seed)
    assert disagreements == []


def test_enough_instances_are_feasible_to_compare() -> None:
    """At least 40 capacitated instances of the 90 solve (the rest are infeasible in both)."""
    solved = sum(check_case(seed)[0]["cap"] for seed in range(90))
    assert solved >= 40
