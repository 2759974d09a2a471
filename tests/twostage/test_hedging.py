"""Progressive hedging against the extensive form, brute force, the hand-solved tree and Dask.

For every instance: the PH plan's value (a checked feasible plan) <= the extensive form's
optimum <= PH's Lagrangian bound, and the extensive form is within PH's reported gap of the
plan. The hand-solved tree (docs/stochastic.md) gives 2.59 M; brute-force enumeration of the
first stage agrees on a random tiny tree; a 2-worker LocalCluster gives the serial answer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import evplan
from evplan.errors import InputError
from evplan.examples import random_strategic_network, strategic_lane
from evplan.scenarios.overrides import Catalog, parse_catalog
from evplan.twostage.extensive import solve_extensive
from evplan.twostage.hedging import HedgingOptions, progressive_hedging
from evplan.twostage.models import build_scenarios

EXACT = evplan.SolverOptions(mip_gap=1e-9)
M = 1e6


def _random_catalog(seed: int, sampled: bool = False) -> Catalog:
    rng = np.random.default_rng(seed)
    low = float(rng.uniform(0.1, 0.9))
    demand = {"low": {"probability": round(low, 3), "overrides": ["demand-low"]},
              "high": {"probability": round(1 - low, 3), "overrides": ["demand-high"]}}
    duty = {"same": {"probability": 0.5}, "up": {"probability": 0.5, "overrides": ["duty-up"]}}
    study: dict[str, object] = {"revelation_year": 2030}
    if sampled:
        study["sample"] = {"count": 5, "seed": seed, "branches": {"demand": demand},
                           "parameters": {"duty": {"distribution": "uniform", "low": 0.0,
                                                   "high": 0.8}}}
    else:
        study["branches"] = {"demand": demand, "duty": duty}
    return parse_catalog({
        "overrides": {
            "demand-low": {"demand": {"scale": {"volume_vehicles": 0.4}, "from_year": 2031}},
            "demand-high": {"demand": {"scale": {"volume_vehicles": 1.8}, "from_year": 2031}},
            "duty-up": {"duties": {"set": {"ad_valorem_rate": 0.6}}}},
        "parameters": {"duty": {"duties": {"set": "ad_valorem_rate"}}},
        "studies": {"random": study}})


def _extensive(data: evplan.NetworkData, catalog: Catalog) -> float:
    study = catalog.studies["random"]
    scenarios, _ = build_scenarios(data, study, catalog)
    run = solve_extensive([s.block for s in scenarios], EXACT)
    assert run.status == "optimal"
    return run.objective_usd


def _agrees(result: object, optimum: float) -> None:
    meta = result.metadata  # type: ignore[attr-defined]
    value, bound = result.objective_usd, meta["bound_usd"]  # type: ignore[attr-defined]
    slack = 1e-6 * abs(optimum) + 1.0
    assert value <= optimum + slack
    assert optimum <= bound + slack
    assert optimum - value <= meta["mip_gap"] * abs(bound) + slack
    # the bound of every iteration is valid, not just the best
    assert all(row["upper_bound_usd"] >= optimum - slack for row in meta["history"])
    # no candidate evaluated yet (iteration 0): no lower bound, written as null, not -inf
    assert all(row["lower_bound_usd"] is None or row["lower_bound_usd"] <= optimum + slack
               for row in meta["history"])


def test_hand_solved_tree() -> None:
    catalog = parse_catalog({
        "overrides": {"high": {"demand": {"set": {"volume_vehicles": 1000}}},
                      "low": {"demand": {"set": {"volume_vehicles": 300}}}},
        "studies": {"demand": {"scenarios": {
            "high": {"probability": 0.3, "overrides": ["high"]},
            "low": {"probability": 0.7, "overrides": ["low"]}}}}})
    result = progressive_hedging(strategic_lane(), "demand", EXACT,
                                 HedgingOptions(gap=1e-9), catalog=catalog)
    assert result.objective_usd == pytest.approx(2.59 * M)
    assert result.metadata["bound_usd"] >= 2.59 * M - 1
    assert result.metadata["history"][0]["upper_bound_usd"] == pytest.approx(3.01 * M)  # WS
    assert result.evpi_usd == pytest.approx(0.42 * M)
    assert result.first_stage.set_index("variable")["value"]["plant_modules"] == 2
    assert result.scenarios.set_index("scenario")["margin_usd"].to_dict() == pytest.approx(
        {"high": 7.0 * M, "low": 0.7 * M})


@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow),
                                  pytest.param(2, marks=pytest.mark.slow)])
def test_random_trees_agree_with_the_extensive_form(seed: int) -> None:
    data = random_strategic_network(seed)
    catalog = _random_catalog(seed)
    result = progressive_hedging(data, "random", EXACT, HedgingOptions(gap=1e-6),
                                 catalog=catalog)
    _agrees(result, _extensive(data, catalog))


@pytest.mark.slow
def test_sampled_study_agrees_with_the_extensive_form() -> None:
    data = random_strategic_network(3)
    catalog = _random_catalog(3, sampled=True)
    result = progressive_hedging(data, "random", EXACT, HedgingOptions(gap=1e-6),
                                 catalog=catalog)
    assert len(result.scenarios) == 5
    _agrees(result, _extensive(data, catalog))


@pytest.mark.slow
def test_brute_force_agrees_with_hedging_and_the_extensive_form() -> None:
    from tests.twostage.test_bruteforce import _brute_force

    data = random_strategic_network(4, features=("plants",))
    catalog = _random_catalog(4)
    best, tried = _brute_force(data, catalog)
    assert tried > 1
    assert _extensive(data, catalog) == pytest.approx(best, rel=1e-7)
    result = progressive_hedging(data, "random", EXACT, HedgingOptions(gap=1e-6),
                                 catalog=catalog)
    _agrees(result, best)


def test_cvar_is_refused() -> None:
    catalog = parse_catalog({"studies": {"s": {"risk": {"weight": 0.5},
                                               "scenarios": {"a": {"probability": 1}}}}})
    with pytest.raises(InputError) as caught:
        progressive_hedging(strategic_lane(), "s", catalog=catalog)
    assert caught.value.problems[0].message == (
        "study 's': risk weight = 0.5; progressive hedging solves the expected margin only "
        "(CVaR couples the scenarios, which PH does not decompose). Use --method extensive, "
        "or set risk: {weight: 0} in the study.")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*Port 8787 is already in use.*:UserWarning")
def test_two_worker_local_cluster_equals_serial() -> None:
    from distributed import Client, LocalCluster

    data = random_strategic_network(0)
    catalog = _random_catalog(0)
    options = HedgingOptions(gap=1e-6, max_iterations=3)
    serial = progressive_hedging(data, "random", EXACT, options, catalog=catalog)
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        spread = progressive_hedging(data, "random", EXACT, options, client=client,
                                     catalog=catalog)
    assert spread.metadata["workers"] == 2
    assert serial.metadata["workers"] == 1
    assert spread.objective_usd == pytest.approx(serial.objective_usd, rel=1e-9)
    assert spread.metadata["bound_usd"] == pytest.approx(serial.metadata["bound_usd"],
                                                         rel=1e-9)
    assert spread.metadata["iterations"] == serial.metadata["iterations"]
    assert spread.first_stage["value"].tolist() == serial.first_stage["value"].tolist()
    assert set(spread.results) == set(serial.results)
    # the scenarios table follows the study on a cluster too (its shards described their
    # scenarios worker by worker, and the study check refused the plan as a bug)
    assert (spread.scenarios["scenario"].tolist() == serial.scenarios["scenario"].tolist()
            == [scenario.name for scenario in spread.study.scenarios])


def demand_study_inputs(folder: Path) -> Path:
    """strategic_lane's inputs with a two-scenario study ``demand`` (optimum 2.59 M USD)
    and a one-scenario study ``risky`` with a CVaR weight."""
    from evplan.data import write_inputs

    inputs = write_inputs(strategic_lane(), folder / "inputs")
    (inputs / "scenarios.yaml").write_text(
        "overrides:\n  high: {demand: {set: {volume_vehicles: 1000}}}\n"
        "  low: {demand: {set: {volume_vehicles: 300}}}\n"
        "studies:\n  demand:\n    scenarios:\n      high: {probability: 0.3, overrides: [high]}\n"
        "      low: {probability: 0.7, overrides: [low]}\n"
        "  risky:\n    risk: {weight: 1}\n    scenarios:\n      high: {probability: 1}\n",
        encoding="utf-8")
    return inputs


def test_cli_progressive_hedging(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    inputs = demand_study_inputs(tmp_path)
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "stochastic", "demand",
                           str(inputs), "--method", "progressive-hedging", "--gap", "0.001",
                           "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Progressive hedging:" in done.stdout
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["objective_usd"] == pytest.approx(2.59e6)
    assert summary["metadata"]["method"] == "progressive-hedging"
    refused = subprocess.run([sys.executable, "-m", "evplan.cli", "stochastic", "risky",
                              str(inputs), "--method", "progressive-hedging"],
                             capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert refused.returncode == 1
    assert "progressive hedging solves the expected margin only" in refused.stderr + \
        refused.stdout
