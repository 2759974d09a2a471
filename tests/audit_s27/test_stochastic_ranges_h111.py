"""Proven ranges of every stochastic path, against an independent scipy ``milp`` oracle
(audit s27, helper-111).

``tests/audit_s26/test_stochastic_oracle_h104.py`` checks the main path's ranges; this file
reuses its builder and oracle to check the paths it did not, each on small random
``kit_oracle`` studies at a loose MIP gap (0.2), where the points are plans found and the
exact values differ from them:

* progressive hedging: the objective, wait-and-see and EVPI ranges contain the oracle's
  RP*, WS* and EVPI*;
* minimax regret: with regrets measured from the wait-and-see values found (the W_s evplan
  reports), the ranges contain the oracle's RP* (max over first stages of minus the worst
  regret), EEV* (the expected-value first stage completed exactly), EVPI* = -RP* and
  VSS* = RP* - EEV*;
* the frontier: each weight's [objective_low_usd, objective_high_usd] contains the oracle's
  optimum at that weight;
* every reported point lies in its range exactly (no tolerance), and the rounding clamp
  (:func:`evplan.twostage.ranges.clamped`) moves an end only by rounding;
* with ``--workers`` the completion cache asks the shards only for the scenarios it lacks,
  at the gap asked for;
* the store records the ranges (KPI rows and ``result_study_ranges``) and widens a frontier
  table written before them.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.errors import VerificationError
from evplan.twostage.hedging import HedgingOptions, progressive_hedging
from evplan.twostage.ranges import clamped, rounding_usd
from tests.audit_s26.test_stochastic_oracle_h104 import (
    _case,
    _completions,
    _oracle_first_stage,
    _shared_keys,
)
from tests.twostage.oracle import solve

LOOSE = evplan.SolverOptions(mip_gap=0.2)
SLOW = pytest.mark.slow


def _seeds(fast: list[int], slow: list[int]) -> list[Any]:
    return fast + [pytest.param(seed, marks=SLOW) for seed in slow]


def _exactly_inside(ranges: dict[str, list[float]], points: dict[str, float | None]) -> None:
    """Every point with a range lies in it with no tolerance at all."""
    for name, value in points.items():
        if value is not None and name in ranges:
            low, high = ranges[name]
            assert low <= value <= high, (name, low, value, high)


def _tol(value: float) -> float:
    return 1e-6 * max(1.0, abs(value))


# ---- item 2: the ends never cross the point ---------------------------------------------


def test_clamp_moves_an_end_only_by_rounding() -> None:
    ranges = {"objective": [1e9 + 3e-8, 1.1e9], "evpi": [0.0, 5e6 - 3e-8],
              "vss": [0.0, float("inf")]}
    out = clamped(ranges, {"objective": 1e9, "evpi": 5e6, "vss": None})
    assert out["objective"] == [1e9, 1.1e9]  # the low end crossed by 3e-8: moved onto it
    assert out["evpi"] == [0.0, 5e6]
    assert out["vss"] == [0.0, float("inf")]  # no point: as it was
    # 1 USD + 1e-6 x the largest magnitude (1.1e9): HiGHS's absolute gap and tolerance
    assert rounding_usd(ranges, {"objective": 1e9}) == pytest.approx(1.0 + 1.1e3)
    with pytest.raises(VerificationError, match="outside its proven range"):
        clamped({"objective": [1e9 + 1e4, 1.1e9]}, {"objective": 1e9})  # not rounding


@pytest.mark.parametrize("seed", _seeds([0, 1], [6, 12, 17]))
def test_every_main_path_point_lies_in_its_range_exactly(seed: int) -> None:
    data, catalog, study, *_ = _case(seed)
    result = evplan.stochastic(data, study, LOOSE, catalog=catalog, regret=False)
    meta = result.metadata
    _exactly_inside(meta["intervals_usd"], {
        "objective": result.objective_usd, "evpi": result.evpi_usd, "vss": result.vss_usd,
        "wait_and_see": meta.get("wait_and_see_usd"), "eev": meta.get("eev_usd")})


# ---- item 1 and 6: progressive hedging, minimax regret and the frontier -----------------


@pytest.mark.parametrize("seed", _seeds([0, 13], [2, 18]))
def test_progressive_hedging_ranges_contain_the_oracles_values(seed: int) -> None:
    data, catalog, study, _, probabilities, _, blocks, _ = _case(seed)
    study = dataclasses.replace(study, risk_weight=0.0, objective="expected")
    optimum = solve(blocks, probabilities, study.revelation_year)
    assert optimum is not None
    wait = np.array([solve([block], [1.0], None)[0] for block in blocks])  # type: ignore[index]
    truth = {"objective": optimum[0], "wait_and_see": float(probabilities @ wait)}
    truth["evpi"] = truth["wait_and_see"] - truth["objective"]
    result = progressive_hedging(data, study, LOOSE, HedgingOptions(gap=0.2, rho=0.05,
                                                                    max_iterations=4),
                                 catalog=catalog)
    ranges = result.metadata["intervals_usd"]
    assert set(ranges) == {"objective", "wait_and_see", "evpi"}
    tol = _tol(optimum[0])
    for name, value in truth.items():
        low, high = ranges[name]
        assert low - tol <= value <= high + tol, (name, low, value, high)
    _exactly_inside(ranges, {"objective": result.objective_usd, "evpi": result.evpi_usd,
                             "wait_and_see": result.metadata["wait_and_see_usd"]})
    assert result.evpi_usd >= 0 and (result.scenarios["regret_usd"] >= 0).all()


@pytest.mark.parametrize("seed", _seeds([0, 2], [1, 13]))
def test_minimax_ranges_contain_the_oracles_values(seed: int) -> None:
    data, catalog, study, names, _, _, blocks, _ = _case(seed)
    study = dataclasses.replace(study, risk_weight=0.0, objective="minimax-regret")
    result = evplan.stochastic(data, study, LOOSE, catalog=catalog, regret=False)
    wait = result.scenarios.set_index("scenario").loc[names, "wait_and_see_usd"].to_numpy()
    keys = _shared_keys(blocks[0], study.revelation_year)
    values = {}  # minus the worst regret of every first stage, completed exactly
    for first in itertools.product([0.0, 1.0], repeat=len(keys)):
        completed = _completions(blocks, dict(zip(keys, first, strict=True)))
        if completed is not None:
            values[first] = -float(np.max(wait - completed))
    rp = max(values.values())
    meta = result.metadata
    ranges = meta["intervals_usd"]
    truth = {"objective": rp, "evpi": -rp}
    if "eev_usd" in meta:
        completed = _completions(blocks, _oracle_first_stage(
            result, meta["expected_value_first_stage"]))
        assert completed is not None
        truth["eev"] = -float(np.max(wait - completed))
        truth["vss"] = rp - truth["eev"]
    assert set(truth) <= set(ranges)
    tol = _tol(float(np.max(np.abs(wait))))
    for name, value in truth.items():
        low, high = ranges[name]
        assert low - tol <= value <= high + tol, (name, low, value, high)
    _exactly_inside(ranges, {"objective": result.objective_usd, "evpi": result.evpi_usd,
                             "vss": result.vss_usd, "eev": meta.get("eev_usd")})


@pytest.mark.parametrize("seed", _seeds([0], [6, 12]))
def test_frontier_rows_carry_a_range_of_the_optimum(seed: int) -> None:
    from evplan.twostage.frontier import efficient_frontier

    data, catalog, study, _, probabilities, _, blocks, kind = _case(seed)
    if kind == "minimax":
        study = dataclasses.replace(study, objective="expected")
    weights = [0.0, 1.0, 3.0]
    frame = efficient_frontier(data, study, weights, LOOSE, catalog=catalog)
    for weight, row in zip(weights, frame.itertuples(), strict=True):
        best = solve(blocks, probabilities, study.revelation_year, weight, study.alpha)
        assert best is not None
        tol = _tol(best[0])
        assert row.objective_low_usd - tol <= best[0] <= row.objective_high_usd + tol, (
            weight, row.objective_low_usd, best[0], row.objective_high_usd)
        assert row.objective_low_usd <= row.objective_usd <= row.objective_high_usd
        assert row.objective_low_usd == row.objective_usd  # the plan found is the low end


# ---- item 4: the completion cache on Dask shards ----------------------------------------


class _Shard:
    """A stand-in for a Dask Shard: records what it is asked to solve."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.asked: list[tuple[list[str], float | None]] = []

    def fixed_runs(self, xhat: Any, positions: list[int] | None = None,
                   mip_gap: float | None = None) -> list[Any]:
        chosen = list(range(len(self.names))) if positions is None else list(positions)
        self.asked.append(([self.names[i] for i in chosen], mip_gap))
        return [f"run of {self.names[i]}" for i in chosen]


def test_remote_completions_solve_only_the_missing_scenarios_at_the_gap_asked() -> None:
    from evplan.twostage.models import RemoteShards, fixed_runs

    shards = [_Shard(["s0", "s2"]), _Shard(["s1"])]
    remote = RemoteShards(shards, [[0, 2], [1]])
    solver = evplan.SolverOptions(mip_gap=0.025)
    runs = fixed_runs([None, None, None], np.array([1.0]), solver, remote,  # type: ignore[list-item]
                      only=[2, 1])
    assert runs == ["run of s2", "run of s1"]  # in the order asked
    assert shards[0].asked == [(["s2"], 0.025)]  # s0 is not solved again
    assert shards[1].asked == [(["s1"], 0.025)]


# ---- item 1: the store -------------------------------------------------------------------


def test_the_store_records_the_ranges_and_widens_an_older_frontier(tmp_path: Path) -> None:
    from evplan.examples import strategic_lane
    from evplan.store import ResultsStore
    from evplan.store_study import study_record
    from tests.test_store_study import CATALOG

    data = strategic_lane()
    result = evplan.stochastic(data, "demand", catalog=CATALOG)
    store = ResultsStore(tmp_path / "evplan.duckdb")
    frontier = pd.DataFrame({"risk_weight": [0.0], "expected_margin_usd": [2.59e6],
                             "cvar_usd": [0.7e6], "objective_usd": [2.59e6]})
    old = store.record(study_record(result, data=data, frontier=frontier))  # as before
    new_frontier = frontier.assign(objective_low_usd=[2.59e6], objective_high_usd=[2.6e6])
    new = store.record(study_record(result, data=data, frontier=new_frontier))
    ranges = store.table(new, "study_ranges").set_index("quantity")
    meta = result.metadata["intervals_usd"]
    assert set(ranges.index) == set(meta)
    for name, (low, high) in meta.items():
        assert ranges.loc[name, "low_usd"] == low and ranges.loc[name, "high_usd"] == high
    assert ranges.loc["evpi", "value_usd"] == result.evpi_usd
    kpis = store.kpis([new]).set_index(["kpi", "key"])
    assert kpis.loc[("study_evpi_low", "all"), "value"] == meta["evpi"][0]
    assert kpis.loc[("study_vss_high", "all"), "unit"] == "USD"
    older = store.table(old, "study_frontier")
    assert older["objective_low_usd"].isna().all()  # widened: the older rows have NULL
    assert store.table(new, "study_frontier")["objective_high_usd"].tolist() == [2.6e6]
