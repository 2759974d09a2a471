"""benchmarks/network_build.py compares like with like: linopy, Pyomo's standard-form route and
Pyomo appsi hand HiGHS models with the same columns, rows, nonzeros and optimum (issue 17,
audit s22, helper-77). Needs Pyomo (``pip install ".[benchmark]"``); skipped without it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("pyomo.environ")
pytest.importorskip("pyomo.contrib.appsi.solvers")

from evplan.examples import random_network
from evplan.highs import _to_highs
from evplan.model.build import build_model
from evplan.model.index import build_index

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "network_build.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("network_build_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _expected_counts(index) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Columns and rows of the formulation, counted from the flat index alone."""
    floor = index.plant_years["min_utilisation"] * index.plant_years["capacity_vehicles_per_year"]
    pools_with_sales = index.sales["pool"].nunique()
    columns = (len(index.flows) + len(index.sales) + len(index.quota_flows)
               + len(index.committed))
    rows = (len(index.plant_years) + int((floor > 0).sum()) + len(index.route_years)
            + len(index.balances) + pools_with_sales + len(index.quota_flows)
            + len(index.quota_groups) + len(index.committed))
    return {"variables": columns, "constraints": rows}


def test_the_three_layers_hand_highs_the_same_model() -> None:
    from pyomo.contrib.appsi.solvers import Highs

    bench = _script()
    data = random_network(7, plants=3, programs=3, programs_per_plant=2, markets=4,
                          markets_per_plant=4, years=2, tiers=2, countries=3)
    index = build_index(data)
    assert len(index.quota_flows) and len(index.committed) and len(index.route_years)
    linopy_highs = _to_highs(build_model(data, index=index)[0])
    penalty = data.scenario.unmet_committed_penalty_usd_per_vehicle
    sf_highs = bench.standard_form_to_highs(bench.build_pyomo(index, penalty))
    appsi = Highs()
    appsi.config.load_solution = False
    appsi.set_instance(bench.build_pyomo(index, penalty))
    counts = {name: bench.highs_counts(h) for name, h in (
        ("linopy", linopy_highs), ("pyomo-sf", sf_highs), ("pyomo-appsi", appsi._solver_model))}
    assert counts["pyomo-sf"] == counts["linopy"]
    assert counts["pyomo-appsi"] == counts["linopy"]
    expected = _expected_counts(index)
    assert {k: counts["linopy"][k] for k in expected} == expected
    objectives = []
    for h in (linopy_highs, sf_highs, appsi._solver_model):
        h.run()
        objectives.append(h.getInfo().objective_function_value)
    assert objectives[1] == pytest.approx(objectives[0], rel=1e-9)
    assert objectives[2] == pytest.approx(objectives[0], rel=1e-9)
