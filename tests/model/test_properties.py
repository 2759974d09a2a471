"""Property-based: generated export networks, evplan against an independent scipy LP.

Hypothesis builds small networks with every mechanism the model has (time-varying and
powertrain rows, '*' rows, CVDs by maker and powertrain with wildcards, minimum and
specific duties, CIF/FOB, quota groups, non-zero in-quota rates, lane capacities, plant
minimums and years, hard and penalised commitments -- some impossible --, domestic
lanes, discounting, fixed costs, a default duty rate). For each, evplan and the oracle of
tests/model/oracle.py must agree on infeasibility or on the optimal objective, and the
oracle's own rows must find evplan's plan feasible with that objective. The runs are
derandomized, so CI sees the same networks every time.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import evplan
from evplan.data import validate_tables

from .generate import FEATURES, generated_tables
from .oracle import oracle_check, oracle_objective

EXAMPLES = int(os.environ.get("EVPLAN_PROPERTY_EXAMPLES", "200"))


@st.composite
def networks(draw: Any) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Tables and scenario of one small valid network (tests/model/generate.py).

    Hypothesis draws the sizes, which mechanisms are on, and a seed; the seed fills in the
    rows uniformly (so every mechanism shows up often, whatever Hypothesis favours). The
    trade terms stay off here (tests/model/test_trade_oracle.py turns them on).
    """
    return generated_tables(
        draw(st.integers(0, 2**32 - 1)), trade=False, year_count=draw(st.integers(1, 3)),
        sizes={kind: draw(st.integers(1, 3)) for kind in ("plants", "programs", "markets")},
        on={feature: draw(st.booleans()) for feature in FEATURES})


@pytest.mark.slow
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks())
def test_generated_networks_match_the_independent_lp(
        network: tuple[dict[str, pd.DataFrame], dict[str, Any]]) -> None:
    frames, scenario = network
    data = validate_tables(frames, scenario)
    expected = oracle_objective(data)
    try:
        result = evplan.optimize(data)
    except evplan.InfeasibleError as error:
        event("infeasible")
        assert expected is None, f"evplan says infeasible ({error}), the oracle finds {expected}"
        return
    event("optimal")
    assert expected is not None, "evplan found a plan for a model the oracle finds infeasible"
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(expected, rel=1e-6, abs=1e-3)
    assert oracle_check(data, result) == []
