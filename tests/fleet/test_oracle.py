"""project_fleet against an independent loop over vintages (tests/fleet/oracle.py) on random
histories: markets with Weibull, logistic and '*' curves, every powertrain, packs of given
and default sizes, given and assigned chemistries, both after-plan rules."""

from __future__ import annotations

import numpy as np
import pytest

from evplan.fleet import FleetOptions, project_fleet
from tests.fleet.oracle import compare, oracle, random_history


def _case(seed: int) -> None:
    rng = np.random.default_rng(seed)
    history = random_history(rng)
    after = str(rng.choice(["flat", "zero"]))
    extra = int(rng.integers(0, 12))
    result = project_fleet(history=history,
                           options=FleetOptions(years_after_plan=extra, after_plan=after))
    assert compare(result, oracle(history, after, extra)) == []


@pytest.mark.parametrize("seed", range(8))
def test_the_fleet_matches_an_independent_loop_over_vintages(seed: int) -> None:
    _case(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(8, 40))
def test_the_fleet_matches_an_independent_loop_over_vintages_more(seed: int) -> None:
    _case(seed)
