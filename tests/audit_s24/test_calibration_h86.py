"""Audit s24 (helper-86): calibration by hand, and what it does with plans it cannot use.

* Two plants: the cheap one full, so the marginal landed cost c0 is the dear plant's cost;
  the wedge, the six tier prices and the identity are checked against a hand computation.
* A scenario with strategic tables (a MILP, no shadow prices) was refused with errors that
  blamed the user's files: eleven kit routes "never ship" (the base year cut out of the
  horizon), and without those, all 94 base_demand rows "cannot supply one more vehicle".
  Now one problem says why calibration needs an LP.
* A plan stopped by a time limit (status ``time_limit``) was used as if optimal: step 1's
  shadow prices, the identity and the backtest's prediction. Now a SolverLimitError.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys

import pandas as pd
import pytest

from evplan.calibration import CalibrationInputs, backtest, calibrate, read_calibration_inputs
from evplan.data import NetworkData, validate_tables
from evplan.errors import InputError, SolverLimitError
from evplan.examples import china_export_path, china_strategic, single_lane

ELASTICITY = pd.DataFrame({"market": ["*"], "segment": ["C"], "own_price_elasticity": [5.0]})
BASE = pd.DataFrame({"market": ["M1"], "year": [2025], "product": ["V1"],
                     "volume_vehicles": [600.0], "price_usd_per_vehicle": [20_000.0]})


def _two_plants() -> NetworkData:
    """P1 (cost 10,000, capacity 400) and P2 (cost 12,000, no limit that binds), both to M1
    at freight 1,000 and 0 % duty, 2025 only."""
    tables = {name: frame.drop(columns="row") for name, frame
              in single_lane(capacity=400).tables.items()}
    tables["plants"] = pd.DataFrame({"plant": ["P1", "P2"], "country": "AA",
                                     "capacity_vehicles_per_year": [400.0, 1e6],
                                     "fixed_cost_usd_per_year": 0.0, "min_utilisation": 0.0})
    tables["plant_programs"] = pd.DataFrame({"plant": ["P1", "P2"], "program": "V1",
                                             "variable_cost_usd_per_vehicle": [10_000.0,
                                                                                12_000.0]})
    tables["routes"] = pd.DataFrame({"plant": ["P1", "P2"], "market": "M1",
                                     "freight_usd_per_vehicle": 1_000.0})
    return validate_tables(tables, {"name": "two plants", "first_year": 2025,
                                    "last_year": 2025})


def test_two_plants_wedge_tiers_and_identity_by_hand() -> None:
    calibration = calibrate(_two_plants(), BASE, ELASTICITY)
    pool = calibration.pools.iloc[0]
    c0, marginal_revenue = 12_000.0 + 1_000.0, (1 - 1 / 5) * 20_000.0  # P2 is the margin
    assert pool["marginal_cost_usd_per_vehicle"] == pytest.approx(c0, abs=1e-6)
    assert pool["marginal_revenue_usd_per_vehicle"] == pytest.approx(marginal_revenue)
    assert pool["wedge_usd_per_vehicle"] == pytest.approx(c0 - marginal_revenue)  # -3,000
    ends = [0.0, 0.5, 0.8, 1.0, 1.1, 1.25, 1.5]
    tiers = []
    for low, high in itertools.pairwise(ends):
        revenue = 20_000.0 * (high ** 0.8 - low ** 0.8) / (high - low)  # P0 Q0 f^0.8 / (df Q0)
        tiers.append((round(600 * (high - low), 3), round(revenue + c0 - marginal_revenue, 2)))
    demand = calibration.demand.sort_values("tier")
    got = list(zip(demand["volume_vehicles"], demand["price_usd_per_vehicle"], strict=True))
    assert [value for tier in got for value in tier] == pytest.approx(
        [value for tier in tiers for value in tier], abs=0.006)
    assert [price > c0 for _, price in got] == [True, True, True, False, False, False]
    fit = calibration.fit.iloc[0]
    assert fit["solved_vehicles"] == pytest.approx(600.0, abs=1e-6)
    assert fit["wedge_share_of_price"] == pytest.approx(-3_000.0 / 20_000.0)


def test_a_strategic_scenario_is_refused_with_one_reason() -> None:
    data = china_strategic()
    inputs = read_calibration_inputs(china_export_path(), data=data)
    with pytest.raises(InputError) as raised:
        calibrate(data, inputs.base_demand, inputs.elasticities)
    problems = raised.value.problems
    assert len(problems) == 1
    assert "strategic tables with rows (plant_strategy.csv" in problems[0].message
    assert "kit_routes.csv" in problems[0].message
    assert "has no shadow prices" in problems[0].message
    with pytest.raises(InputError) as again:  # backtest: in its first report, same words
        backtest(data, inputs, 2023, 2024)
    assert [p.message for p in again.value.problems] == [problems[0].message]


def _stopped(real: object) -> object:
    """``optimize`` whose every plan comes back labelled ``time_limit``."""
    def optimize(*args: object, **kwargs: object) -> object:
        plan = real(*args, **kwargs)  # type: ignore[operator]
        return dataclasses.replace(plan, status="time_limit")
    return optimize


def test_a_time_limited_step_is_never_calibration(monkeypatch: pytest.MonkeyPatch) -> None:
    module = sys.modules["evplan.calibration.calibrate"]
    monkeypatch.setattr(module, "optimize", _stopped(module.optimize))
    with pytest.raises(SolverLimitError, match=r"calibration step 1 \(the base year 2025 at "
                                               r"its observed volumes\) stopped \(time_limit\)"):
        calibrate(single_lane(capacity=1e6), BASE, ELASTICITY)


def test_a_time_limited_prediction_is_never_a_backtest(monkeypatch: pytest.MonkeyPatch) -> None:
    module = sys.modules["evplan.calibration.backtest"]
    monkeypatch.setattr(module, "optimize", _stopped(module.optimize))
    actuals = pd.DataFrame({"kpi": ["sales"], "key": ["M1"], "year": [2026], "value": [600.0],
                            "source": ["t"]})
    base = BASE.assign(year=2025)
    with pytest.raises(SolverLimitError, match=r"the backtest's plan of 2025-2026 stopped "
                                               r"\(time_limit\)"):
        backtest(single_lane(capacity=1e6, first_year=2025, last_year=2026),
                 CalibrationInputs(base, ELASTICITY, actuals), 2025, 2026)


def test_a_strategic_workbook_is_refused_naming_its_sheets() -> None:
    """helper-90: the refusal named 'plant_strategy.csv' also for a workbook's sheet."""
    from evplan.calibration.calibrate import strategic_problems

    data = china_strategic()
    [problem] = strategic_problems(data.replace(origin="inputs.xlsx"))
    assert problem.file == "plant_strategy"
    assert "strategic tables with rows (plant_strategy, " in problem.message
    assert ".csv" not in problem.message.split("(")[1].split(")")[0]
    [folder] = strategic_problems(data)
    assert folder.file == "plant_strategy.csv"
