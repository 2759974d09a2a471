"""Session-25 audit of evplan.location (helper-96): one time budget for every step.

Every HiGHS run of a solve is handed at most the time limit less what the solve has
already spent (the limit is read off the HiGHS object at ``run()``, where HiGHS' clock
starts), and every other timed step at most what is left. A stopped solve says
``time_limit`` and reports a bound that an independent scipy ``milp`` optimum respects.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from evplan.location import (
    SolveOptions,
    capacitated,
    maximal_covering,
    p_median,
    set_covering,
    uncapacitated,
)

SLOW_READ_S = 0.3  # reading the tables made slow: time the old code did not count
SLACK_S = 0.005  # between the budget's reading and the spy's reading


def _tables(cost: np.ndarray, demand: np.ndarray, column: str,
            capacity: np.ndarray | None = None, fixed: np.ndarray | None = None):
    sites = pd.DataFrame({"site": [f"S{i}" for i in range(cost.shape[0])]})
    if capacity is not None:
        sites["capacity"] = capacity
    if fixed is not None:
        sites["fixed_cost"] = fixed
    customers = pd.DataFrame({"customer": [f"c{j}" for j in range(cost.shape[1])],
                              "demand": demand})
    site, customer = np.nonzero(np.isfinite(cost))
    pairs = pd.DataFrame({"site": [f"S{i}" for i in site],
                          "customer": [f"c{j}" for j in customer], column: cost[site, customer]})
    return sites, customers, pairs


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], list]]:
    """Record (step, seconds spent, seconds handed) for every HiGHS run and timed step;
    reading the tables is made 0.3 s slower, as on a loaded machine."""
    from evplan.location import covering, facility, feasibility, highs, linking, pmedian
    from evplan.location import tables as tables_module

    records: list[tuple[str, float, float]] = []
    clock = {"start": time.perf_counter()}

    def spent() -> float:
        return time.perf_counter() - clock["start"]

    def run_spy(original: Callable) -> Callable:
        def run(h, *args, **kwargs):
            limit = float(h.getOptionValue("time_limit")[1]) - float(h.getRunTime())
            records.append(("highs", spent(), limit))
            return original(h, *args, **kwargs)
        return run

    def step_spy(name: str, original: Callable, weak: bool = False) -> Callable:
        def step(*args, **kwargs):
            records.append((name, spent(), float(kwargs["time_limit"])))
            if weak:  # a weak bound, so that HiGHS is needed (this tests time, not bounds)
                kwargs["max_iterations"] = 2
            return original(*args, **kwargs)
        return step

    slow_to_dense = tables_module.to_dense

    def to_dense(*args, **kwargs):
        time.sleep(SLOW_READ_S)
        return slow_to_dense(*args, **kwargs)

    for module in (highs, linking):
        monkeypatch.setattr(module, "run_solver", run_spy(module.run_solver))
    for module in (facility, pmedian, covering):
        monkeypatch.setattr(module, "to_dense", to_dense)
    monkeypatch.setattr(facility, "lagrangian_cflp",
                        step_spy("lagrangian", facility.lagrangian_cflp))
    monkeypatch.setattr(pmedian, "lagrangian_pmedian",
                        step_spy("lagrangian", pmedian.lagrangian_pmedian, weak=True))
    monkeypatch.setattr(pmedian, "branch_and_bound", step_spy("tree", pmedian.branch_and_bound))
    assert feasibility.solve_milp is highs.solve_milp  # its runs go through highs.run_solver

    def start() -> list:
        records.clear()
        clock["start"] = time.perf_counter()
        return records

    yield start


def _check(records: list, limit: float, steps: set[str]) -> None:
    assert steps <= {name for name, _, _ in records}, records
    for name, spent, given in records:
        assert given <= max(limit - spent, 0.0) + SLACK_S, (name, spent, given, limit)


def _random_pmedian(seed: int, sites: int, customers: int, sparse: float = 0.0):
    rng = np.random.default_rng(seed)
    site_xy, customer_xy = rng.random((sites, 2)), rng.random((customers, 2))
    distance = np.round(100 * np.sqrt(((site_xy[:, None] - customer_xy[None]) ** 2).sum(-1)))
    if sparse:
        distance[distance > sparse] = np.inf
    return _tables(distance, rng.integers(1, 5, customers).astype(float), "distance")


def test_p_median_radius_milp_gets_what_is_left(handed) -> None:
    """30 medians (above tree_max_medians): straight to the radius MILP, which was handed
    the limit less the heuristics but not less the tables' reading."""
    tables = _random_pmedian(1, 120, 120)
    records = handed()
    result = p_median(*tables, 30, options=SolveOptions(time_limit=3.0))
    assert "rounds" in result.details
    _check(records, 3.0, {"highs", "lagrangian"})
    assert result.seconds >= SLOW_READ_S


def test_p_median_textbook_and_set_cover_start_get_what_is_left(handed) -> None:
    """Both were handed the full limit: the textbook MILP after the tables and the
    covering start, the covering start's set-cover MILP after the tables. Greedy covers
    the six customers with three sites (``S`` first, four customers); two suffice."""
    allowed = {"T1": [1, 2, 3], "T2": [4, 5, 6], "S": [1, 2, 4, 5]}
    sites = pd.DataFrame({"site": list(allowed)})
    customers = pd.DataFrame({"customer": range(1, 7), "demand": 1.0})
    distances = pd.DataFrame([(site, customer, 1.0) for site, served in allowed.items()
                              for customer in served], columns=["site", "customer", "distance"])
    for formulation in ("textbook", "strong"):
        records = handed()
        result = p_median(sites, customers, distances, 2,
                          options=SolveOptions(time_limit=2.0, formulation=formulation))
        assert sorted(result.open_sites) == ["T1", "T2"]
        _check(records, 2.0, {"highs"})
        assert len([name for name, _, _ in records if name == "highs"]) == (
            2 if formulation == "textbook" else 1)


@pytest.mark.parametrize("single_source", [False, True])
def test_capacitated_steps_get_what_is_left(handed, single_source: bool) -> None:
    """The maximum-flow check (sparse pairs) was handed the full limit; the final MILP at
    least a tenth of the limit even when less was left."""
    rng = np.random.default_rng(3)
    cost = np.round(rng.uniform(1, 50, (12, 30)), 2)
    cost[rng.random(cost.shape) < 0.3] = np.inf
    cost[0] = np.where(np.isfinite(cost[0]), cost[0], 60.0)  # every customer reachable
    demand = rng.integers(1, 10, 30).astype(float)
    capacity = np.full(12, np.ceil(demand.sum() / 4))
    tables = _tables(cost, demand, "cost", capacity, rng.integers(20, 80, 12).astype(float))
    records = handed()
    capacitated(*tables, single_source=single_source, options=SolveOptions(time_limit=2.0))
    _check(records, 2.0, {"highs"})
    records = handed()
    uncapacitated(tables[0].drop(columns="capacity"), *tables[1:],
                  options=SolveOptions(time_limit=2.0))
    _check(records, 2.0, {"highs"} if single_source else set())


def test_covering_milps_get_what_is_left(handed) -> None:
    tables = _random_pmedian(4, 30, 80)
    records = handed()
    maximal_covering(*tables, 20.0, 4, options=SolveOptions(time_limit=2.0))
    set_covering(*tables, 40.0, options=SolveOptions(time_limit=4.0))
    assert len([name for name, _, _ in records if name == "highs"]) == 2
    # the second solve started later: its limit is measured from its own start
    maximal, setcover = [record for record in records if record[0] == "highs"]
    assert maximal[2] <= 2.0 - maximal[1] + SLACK_S
    assert setcover[2] <= 4.0 - SLOW_READ_S + SLACK_S


def test_a_radius_milp_that_cannot_presolve_in_time_is_not_started(
    handed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pmed36 at 4 s handed HiGHS 1.0-1.2 s for a radius model whose presolve alone takes
    about 21 CPU seconds and checks the clock rarely: 4.7 s in HiGHS, 7.7 s in all."""
    from evplan.location import pmedian

    monkeypatch.setattr(pmedian, "PRESOLVE_SECONDS_PER_UNIT", 1e6)
    tables = _random_pmedian(5, 60, 60)
    records = handed()
    result = p_median(*tables, 25, options=SolveOptions(time_limit=3.0, tree_max_medians=0))
    assert [name for name, _, _ in records].count("highs") == 0
    assert "HiGHS' presolve needs about" in result.details["radius_skipped"]
    optimum = _pmedian_optimum(*tables, 25)
    assert result.bound <= optimum + 1e-6 <= result.objective + 2e-6
    assert result.status == ("optimal" if result.objective - result.bound < 1 else "time_limit")


# ------------------------------------------------------------ honest status on a limit
def _pmedian_optimum(sites, customers, distances, medians: int) -> float:
    """Assignment p-median as a scipy ``milp`` (independent of evplan's formulations)."""
    site_ids, customer_ids = list(sites["site"]), list(customers["customer"])
    weight = customers["demand"].to_numpy(float)
    site = distances["site"].map({s: i for i, s in enumerate(site_ids)}).to_numpy()
    customer = distances["customer"].map({c: j for j, c in enumerate(customer_ids)}).to_numpy()
    n_sites, n_pairs = len(site_ids), len(distances)
    cost = np.concatenate([np.zeros(n_sites),
                           weight[customer] * distances["distance"].to_numpy(float)])
    assign = sp.csr_matrix((np.ones(n_pairs), (customer, n_sites + np.arange(n_pairs))),
                           shape=(len(customer_ids), n_sites + n_pairs))
    link = sp.csr_matrix((np.r_[np.ones(n_pairs), -np.ones(n_pairs)],
                          (np.r_[np.arange(n_pairs), np.arange(n_pairs)],
                           np.r_[n_sites + np.arange(n_pairs), site])),
                         shape=(n_pairs, n_sites + n_pairs))
    count = sp.csr_matrix(np.r_[np.ones(n_sites), np.zeros(n_pairs)][None, :])
    solved = milp(cost, integrality=np.r_[np.ones(n_sites), np.zeros(n_pairs)],
                  bounds=Bounds(0, 1),
                  constraints=[LinearConstraint(assign, 1, 1), LinearConstraint(link, -np.inf, 0),
                               LinearConstraint(count, medians, medians)],
                  options={"mip_rel_gap": 1e-12})
    assert solved.status == 0
    return float(solved.fun)


@pytest.mark.parametrize("limit", [0.02, 0.3])
def test_a_stopped_p_median_is_honest(limit: float) -> None:
    """A short limit: the bound never passes the true optimum, ``optimal`` only when the
    value is the optimum, and the gap is the one between value and bound."""
    tables = _random_pmedian(6, 50, 70)
    optimum = _pmedian_optimum(*tables, 6)
    for formulation in ("strong", "textbook"):
        try:
            result = p_median(*tables, 6, options=SolveOptions(time_limit=limit,
                                                               formulation=formulation))
        except Exception as error:  # the textbook MILP may find nothing: say so
            assert "raise time_limit" in str(error)
            continue
        assert result.bound <= optimum + 1e-6
        assert result.objective >= optimum - 1e-6
        assert result.gap == pytest.approx((result.objective - result.bound) / result.objective)
        if result.status == "optimal":
            assert result.objective == pytest.approx(optimum)
        else:
            assert result.status == "time_limit" and result.gap > 0


def test_a_spent_budget_starts_no_final_milp_and_says_so(handed) -> None:
    """capb at 6000 with time_limit=0.5 ran 2.3 s at load 12: the final MILP was built and
    handed 0 s (HiGHS still took 1.0 s), the Lagrangian's per-site bounds ran after its
    limit. Now the incumbent is returned with the Lagrangian's bound, status time_limit."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.location.oracle import Instance, oracle_objective

    rng = np.random.default_rng(7)
    cost = np.round(rng.uniform(1, 60, (8, 25)), 1)
    demand = rng.integers(1, 9, 25).astype(float)
    capacity = np.round(rng.uniform(0.6, 1.4, 8) * demand.sum() / 3)
    fixed = rng.integers(30, 90, 8).astype(float)
    instance = Instance("capacitated", cost, demand, capacity, fixed)
    records = handed()
    result = capacitated(*instance.tables(), options=SolveOptions(time_limit=SLOW_READ_S))
    _check(records, SLOW_READ_S, set())
    assert result.details["final_milp"] == "not started: the time limit was spent"
    optimum = oracle_objective(instance)
    assert result.bound <= optimum + 1e-6 <= result.objective + 2e-6
    assert result.status == "time_limit" or result.objective == pytest.approx(optimum)
    assert result.gap == pytest.approx((result.objective - result.bound) / result.objective)
