"""evplan's recycling optimum against an independent scipy MILP on random networks.

``tests/recycling/oracle.py`` writes the model of docs/recycling.md (section 2) with
scipy.optimize.milp straight from the input tables: its own lane rules, distances, mass
shares, values, annuities, discounting, storage window, building years, one tier and
process per site that never closes, EU targets (hard or with a penalty), ``meet_all`` and
``max_value``. Both solve to a 1e-9 gap; the optima must agree, and so must
infeasibility (a collection point without any lane is an input error in evplan).
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.recycling.conftest import EXACT
from tests.recycling.oracle import random_tables, solve_oracle

from evplan.errors import InfeasibleError, InputError
from evplan.recycling import RecyclingOptions, load_inputs, plan_recycling


def _compare(seed: int, n_points: int, n_plants: int, n_years: int) -> str:
    rng = np.random.default_rng(seed)
    retired, tables = random_tables(rng, n_points=n_points, n_plants=n_plants,
                                    n_years=n_years)
    settings = {"objective": str(rng.choice(["meet_all", "max_value"])),
                "discount_rate": float(rng.choice([0.0, 0.08])),
                "max_storage_years": int(rng.integers(0, 3)),
                "storage_usd_per_tonne_year": float(rng.uniform(0, 50)),
                "build_every_years": int(rng.integers(1, 3)),
                "eu_targets": bool(rng.random() < 0.8)}
    penalty = None if rng.random() < 0.4 else float(rng.choice([500.0, 100_000.0]))
    inputs = load_inputs(retired, **tables)
    oracle = solve_oracle(inputs, target_penalty=penalty, **settings)
    options = RecyclingOptions(explain_targets=False, target_penalty_usd_per_tonne=penalty,
                               solver=EXACT, **settings)
    try:
        result = plan_recycling(inputs, options)
    except (InfeasibleError, InputError) as error:
        if isinstance(error, InputError):
            assert "no allowed lane" in str(error), str(error)
        assert oracle.status == "infeasible", f"evplan: {error}; oracle: {oracle}"
        return "infeasible"
    assert oracle.status == "optimal", f"evplan found a plan, the oracle says {oracle}"
    assert result.objective_usd == pytest.approx(oracle.objective, rel=1e-6, abs=1e-3), (
        settings, penalty)
    return "optimal"


def test_random_networks_match_the_independent_milp():
    outcomes = [_compare(seed, 2, 3, 3) for seed in range(8)]
    assert "optimal" in outcomes  # the seeds exercise plans, not only infeasibility


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 140))
def test_larger_random_networks_match_the_independent_milp(seed):
    _compare(seed, 3, 4, 4)


def test_the_oracle_sees_a_hand_optimum():
    """The oracle on conftest's hand network: 500 t, A hydro, -4.1 M (test_hand_networks)."""
    from tests.recycling.conftest import retired, tiny_tables

    inputs = load_inputs(retired(500.0), **tiny_tables())
    found = solve_oracle(inputs, objective="meet_all", discount_rate=0.0,
                         max_storage_years=0, storage_usd_per_tonne_year=0.0,
                         build_every_years=1, eu_targets=False, target_penalty=None)
    assert found.objective == pytest.approx(-4_100_000.0)
