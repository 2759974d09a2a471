"""The siting part against evplan.location and brute force on random one-year networks.

With one year, one process, one tier, zero prices and processing cost, no storage, no
discounting and a one-year life, the recycling network is a facility-location problem:
open plants at their yearly cost and send every collection point's tonnes to an open plant
at the lane's transport cost per tonne.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from tests.recycling.conftest import EXACT

from evplan.recycling import RecyclingOptions, load_inputs, plan_recycling

OPTIONS = RecyclingOptions(discount_rate=0.0, max_storage_years=0, explain_targets=False,
                           eu_targets=False, solver=EXACT)


def _instance(seed: int, n_points: int, n_plants: int, capacity: float,
              lane_share: float = 0.8):
    rng = np.random.default_rng(seed)
    points = [f"P{i}" for i in range(n_points)]
    plants = [f"S{j}" for j in range(n_plants)]
    tonnes = rng.integers(50, 400, n_points).astype(float)
    fixed = rng.integers(20_000, 120_000, n_plants).astype(float)
    distance = rng.integers(10, 900, (n_points, n_plants)).astype(float)
    allowed = rng.random((n_points, n_plants)) < lane_share
    allowed[np.arange(n_points), rng.integers(0, n_plants, n_points)] = True
    rows, cols = np.nonzero(allowed)
    tables = {
        "materials": pd.DataFrame({"chemistry": ["X"], "material": ["nickel"],
                                   "kg_per_kwh": [1.0]}),
        "packs": pd.DataFrame({"chemistry": ["X"], "pack_kg_per_kwh": [10.0]}),
        "processes": pd.DataFrame({"process": ["hydro"], "processing_usd_per_tonne": [0.0]}),
        "recovery": pd.DataFrame({"process": ["hydro"], "material": ["nickel"],
                                  "recovery": [0.9]}),
        "prices": pd.DataFrame({"material": ["nickel"], "usd_per_tonne": [0.0]}),
        "plant_tiers": pd.DataFrame({"tier": ["one"], "capacity_tonnes_per_year": [capacity],
                                     "capital_usd": [0.0], "fixed_usd_per_year": [0.0],
                                     "life_years": [1.0]}),
        "collection_points": pd.DataFrame({"collection_point": points, "region": "R",
                                           "eu": False, "lat": 0.0, "lon": 0.0}),
        "candidate_plants": pd.DataFrame({"plant": plants, "region": "R", "eu": False,
                                          "lat": 0.0, "lon": 0.0}),
        "lanes": pd.DataFrame({"from": np.array(points)[rows], "to": np.array(plants)[cols],
                               "allowed": True, "mode": "road",
                               "distance_km": distance[rows, cols]}),
        "transport": pd.DataFrame({"mode": ["road"], "usd_per_tonne_km": [1.0]}),
        "targets": pd.DataFrame(columns=["target", "material", "from_year", "share"]),
    }
    retired = pd.DataFrame({"collection_point": points, "year": 2030, "chemistry": "X",
                            "kwh": tonnes * 100.0})
    costs = pd.DataFrame({"site": np.array(plants)[cols], "customer": np.array(points)[rows],
                          "cost": distance[rows, cols] * tonnes[rows]})
    sites = pd.DataFrame({"site": plants, "fixed_cost": fixed, "capacity": capacity})
    customers = pd.DataFrame({"customer": points, "demand": tonnes})
    return tables, retired, sites, customers, costs, fixed


@pytest.mark.parametrize("seed", [1, 2])
def test_uncapacitated_matches_location_engine_and_brute_force(seed):
    # every lane open: the location engine's Lagrangian step warns on forbidden pairs
    tables, retired, sites, customers, costs, fixed = _instance(seed, 6, 4, 1e6, 1.0)
    engine = _engine("uncapacitated", sites.drop(columns="capacity"), customers, costs)
    result = _recycling_objective(tables, retired, fixed)
    assert result == pytest.approx(_brute_force(costs, sites, customers), rel=1e-9)
    assert result == pytest.approx(engine, rel=1e-6)


@pytest.mark.parametrize("seed", [3, 6])
def test_sparse_lanes_match_brute_force(seed):
    tables, retired, sites, customers, costs, fixed = _instance(seed, 7, 5, 1e6, 0.5)
    result = _recycling_objective(tables, retired, fixed)
    assert result == pytest.approx(_brute_force(costs, sites, customers), rel=1e-9)


@pytest.mark.parametrize("seed", [4, 5])
def test_capacitated_matches_location_engine(seed):
    tables, retired, sites, customers, costs, fixed = _instance(seed, 6, 4, 700.0, 1.0)
    engine = _engine("capacitated", sites, customers, costs)
    result = _recycling_objective(tables, retired, fixed)
    assert result == pytest.approx(engine, rel=1e-6)


ENGINE = """
import json, sys
import pandas as pd
from evplan import location
given = json.load(sys.stdin)
tables = [pd.DataFrame(given[name]) for name in ("sites", "customers", "costs")]
solve = location.capacitated if given["kind"] == "capacitated" else location.uncapacitated
print(solve(*tables).objective)
"""


def _engine(kind: str, sites: pd.DataFrame, customers: pd.DataFrame, costs: pd.DataFrame
            ) -> float:
    """Objective of ``evplan.location`` solved in a fresh process.

    The location engine has failed on valid instances after another HiGHS model was solved
    in the same process (reported to its owner); a child process keeps this check honest.
    """
    payload = json.dumps({"kind": kind, "sites": sites.to_dict("list"),
                          "customers": customers.to_dict("list"),
                          "costs": costs.to_dict("list")})
    done = subprocess.run([sys.executable, "-c", ENGINE], input=payload, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return float(done.stdout.strip().splitlines()[-1])


def _recycling_objective(tables, retired, fixed):
    """Solve the recycling MILP with each site's own yearly cost on its slots.

    Tiers are shared by all sites in the input tables, so the per-site cost of the
    facility-location instance is written onto the built index before the model is built.
    """
    inputs = load_inputs(retired, **tables)
    from evplan.recycling.index import build_index
    from evplan.recycling.network import build_network, solve_network

    index = build_index(inputs, OPTIONS)
    site_cost = dict(zip(tables["candidate_plants"]["plant"], fixed, strict=True))
    index.slots["annual_cost_usd"] = index.slots["plant"].map(site_cost).to_numpy()
    run = solve_network(build_network(index, OPTIONS), OPTIONS)
    assert run.status == "optimal"
    return run.objective


def _brute_force(costs, sites, customers):
    """Enumerate every set of open sites; each customer goes to its cheapest open site."""
    table = costs.pivot(index="customer", columns="site", values="cost").reindex(
        index=customers["customer"], columns=sites["site"]).to_numpy()
    table = np.where(np.isnan(table), np.inf, table)
    fixed = sites["fixed_cost"].to_numpy()
    best = np.inf
    for size in range(1, len(fixed) + 1):
        for chosen in itertools.combinations(range(len(fixed)), size):
            serve = table[:, list(chosen)].min(axis=1)
            best = min(best, fixed[list(chosen)].sum() + serve.sum())
    return best


def test_plan_recycling_runs_on_the_instance():
    tables, retired, *_ = _instance(7, 4, 3, 1e6)
    result = plan_recycling(load_inputs(retired, **tables), OPTIONS)
    assert result.status == "optimal"
    assert result["flows"]["tonnes"].sum() == pytest.approx(retired["kwh"].sum() / 100.0)
