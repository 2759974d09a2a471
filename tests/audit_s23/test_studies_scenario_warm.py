"""Audit s23 (helper-80): a study's --scenario is applied once, before the warm model is
built, so a scenario that changes which rows exist leaves the cases warm.

Before, each case applied the scenario itself, so with ``china-consolidation`` (Wuhan
closed after 2025) every case differed from the warm model's base in structure and was
built and solved cold: 4 cases in 8.7 s instead of about 2 s. The answers and the records
(the scenario's overrides before each case's own) are checked against cold solves.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

import evplan
from evplan.scenarios import apply, run_sweep
from evplan.store import ResultsStore

FREIGHT = (1.2,)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, ResultsStore]:
    store = ResultsStore(tmp_path_factory.mktemp("store") / "evplan.duckdb")
    result = run_sweep({"freight": list(FREIGHT)}, evplan.examples.china_export(),
                       scenario="china-consolidation", store=store, with_tables=False)
    return result, store


def _cold(freight: float) -> float:
    """The scenario applied, every lane's freight scaled by hand, solved cold."""
    data = apply(evplan.examples.china_export(), "china-consolidation")
    routes = data["routes"].copy()
    routes["freight_usd_per_vehicle"] = routes["freight_usd_per_vehicle"] * freight
    return evplan.optimize(data.replace(tables={**data.tables, "routes": routes})).objective_usd


def test_a_structural_scenario_leaves_the_cases_warm_with_the_cold_answers(study) -> None:
    result, _ = study
    cases = result.cases.sort_values("case")
    assert cases["status"].tolist() == ["optimal"]
    assert all(mode.startswith("warm") for mode in cases["solve_mode"]), cases["solve_mode"]
    for freight, objective in zip(FREIGHT, cases["objective_usd"], strict=True):
        assert objective == pytest.approx(_cold(freight), rel=1e-9)


def test_each_record_lists_the_scenarios_overrides_before_the_cases_own(study) -> None:
    result, store = study
    runs: pd.DataFrame = store.runs(result.batch_id).sort_values("case_label")
    assert runs["scenario"].tolist() == [
        f"sweep on china-consolidation [freight={value:g}]" for value in FREIGHT]
    for overrides, value in zip(runs["overrides"], FREIGHT, strict=True):
        names = [entry["override"] for entry in (json.loads(overrides) if isinstance(
            overrides, str) else overrides)]
        assert names == ["cn-price-war", "close-wuhan", f"freight={value:g}"]


def test_a_broken_scenario_is_still_its_own_problem() -> None:
    with pytest.raises(evplan.InputError) as error:
        run_sweep({"freight": [1.0]}, evplan.examples.china_export(), scenario="no-such")
    assert "no-such" in str(error.value)
