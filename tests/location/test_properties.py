"""Property-based tests: every location problem against the independent scipy formulation.

Hypothesis generates small instances with unlimited capacities, sparse and empty
allowed pairs, zero and fractional weights, ties and infeasible cases. evplan and
``tests/location/oracle.py`` (scipy.optimize.milp, strong disaggregated model) must
agree on infeasibility and on the optimal objective, and evplan's plan must pass the
oracle's own checker. Runs are derandomized (the same examples on every CI run).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from tests.location.oracle import FACILITY, Instance, oracle_objective, solution_problems

from evplan.errors import InfeasibleError
from evplan.location import (
    SolveOptions,
    capacitated,
    maximal_covering,
    p_median,
    set_covering,
    uncapacitated,
)

INTEGER_VALUES = [0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0]  # few values: many ties
FRACTIONAL_VALUES = [0.0, 0.25, 1.5, 2.75, 3.2, 7.125, 12.6]
DEMANDS = [0.0, 0.5, 1.0, 2.0, 3.0, 4.5, 7.0]
CAPACITIES = [0.0, 2.0, 4.0, 6.5, 10.0, 16.0, np.inf]
DENSITIES = [1.0, 1.0, 0.8, 0.55, 0.3, 0.1, 0.0]


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@st.composite
def instances(draw: st.DrawFn, kind: str, max_sites: int = 5, max_customers: int = 7) -> Instance:
    """One small instance of ``kind``; every corner the issue names is reachable."""
    site_count = draw(st.integers(1, max_sites))
    customer_count = draw(st.integers(1, max_customers))
    shape = (site_count, customer_count)
    pool = draw(st.sampled_from([INTEGER_VALUES, FRACTIONAL_VALUES]))
    value = draw(arrays(float, shape, elements=st.sampled_from(pool)))
    density = draw(st.sampled_from(DENSITIES))
    keep = draw(arrays(float, shape, elements=st.floats(0.0, 0.999))) < density
    value = np.where(keep, value, np.inf)
    demand = draw(arrays(float, customer_count, elements=st.sampled_from(DEMANDS)))
    capacity = draw(arrays(float, site_count, elements=st.sampled_from(CAPACITIES)))
    fixed = draw(arrays(float, site_count, elements=st.sampled_from(pool)))
    return Instance(
        kind=kind,
        value=value,
        demand=demand,
        capacity=capacity
        if kind in ("capacitated", "single_source")
        else np.full(site_count, np.inf),
        fixed=fixed,
        medians=draw(st.integers(1, site_count)),
        service_distance=draw(st.sampled_from(pool)),
        sites_to_open=draw(st.integers(0, site_count)),
    )


def _solve(instance: Instance, options: SolveOptions):  # type: ignore[no-untyped-def]
    sites, customers, pairs = instance.tables()
    if instance.kind == "capacitated":
        return capacitated(sites, customers, pairs, options=options)
    if instance.kind == "single_source":
        return capacitated(sites, customers, pairs, single_source=True, options=options)
    if instance.kind == "uncapacitated":
        return uncapacitated(sites, customers, pairs, options=options)
    if instance.kind == "p_median":
        return p_median(sites[["site"]], customers, pairs, instance.medians, options=options)
    if instance.kind == "maximal_covering":
        return maximal_covering(
            sites[["site"]],
            customers,
            pairs,
            instance.service_distance,
            instance.sites_to_open,
            options=options,
        )
    return set_covering(
        sites[["site"]], customers, pairs, instance.service_distance, options=options
    )


def _agree(instance: Instance, options: SolveOptions | None = None) -> None:
    options = options or SolveOptions(time_limit=60.0)
    expected = oracle_objective(instance)
    event("infeasible" if expected is None else "feasible")
    if expected is None:
        with pytest.raises(InfeasibleError):
            _solve(instance, options)
        return
    result = _solve(instance, options)
    assert result.status == "optimal", (result.status, result.gap)
    assert result.objective == pytest.approx(expected, rel=1e-7, abs=1e-6)
    assert solution_problems(instance, result) == []
    if instance.kind == "maximal_covering":
        assert result.bound >= result.objective - 1e-9
    else:
        assert result.bound <= result.objective + 1e-9


@_settings(120)
@given(instances("capacitated"))
def test_capacitated_splittable_matches_oracle(instance: Instance) -> None:
    _agree(instance)


@_settings(50)
@given(instances("capacitated"))
def test_capacitated_textbook_matches_oracle(instance: Instance) -> None:
    _agree(instance, SolveOptions(time_limit=60.0, formulation="textbook"))


@_settings(80)
@given(instances("single_source"))
def test_single_source_matches_oracle(instance: Instance) -> None:
    _agree(instance)


@_settings(60)
@given(instances("uncapacitated"))
def test_uncapacitated_matches_oracle(instance: Instance) -> None:
    _agree(instance)


@_settings(100)
@given(instances("p_median"))
def test_p_median_matches_oracle(instance: Instance) -> None:
    _agree(instance)


@_settings(40)
@given(instances("p_median"))
def test_p_median_textbook_and_radius_only_match_oracle(instance: Instance) -> None:
    _agree(instance, SolveOptions(time_limit=60.0, formulation="textbook"))
    _agree(instance, SolveOptions(time_limit=60.0, tree_max_medians=0))


@_settings(60)
@given(instances("maximal_covering"))
def test_maximal_covering_matches_oracle(instance: Instance) -> None:
    _agree(instance)


@_settings(60)
@given(instances("set_covering"))
def test_set_covering_matches_oracle(instance: Instance) -> None:
    _agree(instance)


@pytest.mark.slow
@_settings(200)
@given(st.sampled_from([*FACILITY, "p_median"]).flatmap(lambda kind: instances(kind, 9, 14)))
def test_larger_instances_match_oracle(instance: Instance) -> None:
    _agree(instance)


def test_generator_reaches_every_corner() -> None:
    """The strategy can produce each corner the issue lists (a sanity check of the tests)."""
    seen: set[str] = set()

    @settings(max_examples=150, derandomize=True, deadline=None, database=None)
    @given(instances("capacitated"))
    def collect(instance: Instance) -> None:
        allowed = np.isfinite(instance.value)
        if np.isinf(instance.capacity).any() and np.isfinite(instance.capacity).any():
            seen.add("unlimited and limited capacity")
        if not allowed.all():
            seen.add("sparse pairs")
        if not allowed.any():
            seen.add("no pairs")
        if (instance.demand == 0).any():
            seen.add("zero demand")
        if (instance.demand % 1 != 0).any():
            seen.add("fractional demand")
        finite = instance.value[allowed]
        if len(finite) != len(np.unique(finite)):
            seen.add("ties")
        if oracle_objective(replace(instance)) is None:
            seen.add("infeasible")

    collect()
    assert seen == {
        "unlimited and limited capacity",
        "sparse pairs",
        "no pairs",
        "zero demand",
        "fractional demand",
        "ties",
        "infeasible",
    }
