"""Every advice of a strategic infeasibility explanation is one the user can act on.

Each case builds a small infeasible strategic network, reads the explanation, checks that it
names no change that is impossible or already made (no "shrink" for a plant on its last
module, no "shorten the lead time" when the lead time is 0) and then APPLIES each change the
sentence advises: the model must become feasible. That is the oracle: advice is actionable
when following it removes the shortfall.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pytest

import evplan
from evplan.errors import InfeasibleError
from tests.strategic.networks import two_plants


def _data(strategy: Mapping[str, list[object]] | None, *, util: float = 0.8, years: int = 1,
          extra: Mapping[str, object] | None = None, demand: float = 600.0,
          capacities: tuple[float, float] = (1_000.0, 0.0)) -> evplan.data.NetworkData:
    tables: dict[str, object] = dict(extra or {})
    if strategy is not None:
        tables["plant_strategy"] = strategy
    data = two_plants(capacities=capacities, years=years, demand=demand, fixed=(0.0, 0.0),
                      extra=tables)
    plants = data.plants.assign(min_utilisation=[util, 0.0])
    return evplan.data.validate_tables(
        {**{name: frame.drop(columns="row") for name, frame in data.tables.items()
            if len(frame)}, "plants": plants.drop(columns="row")}, data.scenario)


def _explanations(data: evplan.data.NetworkData) -> list[str]:
    with pytest.raises(InfeasibleError) as caught:
        evplan.optimize(data)
    return list(caught.value.explanations)


def _feasible(data: evplan.data.NetworkData) -> bool:
    try:
        evplan.optimize(data)
    except InfeasibleError:
        return False
    return True


def _with(strategy: Mapping[str, list[object]], **changes: object) -> dict[str, list[object]]:
    return {**strategy, **{key: [value] for key, value in changes.items()}}


ONE_MODULE = {"plant": ["P1"], "modules_initial": [1], "can_close": ["no"]}


def test_a_plant_on_its_last_module_is_not_told_to_shrink() -> None:
    [line] = _explanations(_data(ONE_MODULE))
    assert "shrink" not in line and "remove" not in line
    assert "it runs its last module" in line
    assert "can_close yes" in line and "can_mothball yes" in line
    assert _feasible(_data(_with(ONE_MODULE, can_close="yes")))
    assert _feasible(_data(_with(ONE_MODULE, can_mothball="yes")))


def test_a_plant_frozen_until_its_change_year_is_told_that_year() -> None:
    strategy = {"plant": ["P1"], "modules_initial": [2], "can_close": ["no"],
                "earliest_change_year": [2026]}
    [line] = _explanations(_data(strategy))
    assert "earliest_change_year 2026 keeps its 2 modules running" in line
    assert "to let it remove modules in 2025: earliest_change_year 2025 or earlier" in line
    # removing one of the two modules halves the floor (400 <= 600 demand)
    assert _feasible(_data(_with(strategy, earliest_change_year=2025)))


def test_a_plant_whose_closure_year_is_later_is_told_that_year() -> None:
    strategy = _with(ONE_MODULE, can_close="yes", earliest_closure_year=2027)
    lines = _explanations(_data(strategy, years=2))
    assert len(lines) == 2 and all("shrink" not in line for line in lines)
    assert "to let it close in 2025: earliest_closure_year 2025 or earlier" in lines[0]
    assert _feasible(_data(_with(strategy, earliest_closure_year=2025), years=2))


def test_a_plant_that_may_already_close_is_not_told_to_let_it() -> None:
    # P1 may close, but closing loses the 500 committed sales (more than the 200 short of
    # its floor): the elastic plan keeps it running
    strategy = _with(ONE_MODULE, can_close="yes")
    committed = {"committed_sales": {"market": ["M1"], "year": [2025], "product": ["V1"],
                                     "min_vehicles": [500.0]}}
    [line] = _explanations(_data(strategy, extra=committed))
    assert "may already change that year" in line and "can_close yes" not in line


@pytest.mark.parametrize(("strategy", "named", "fixed"), [
    ({"earliest_change_year": [2026]}, "set earliest_change_year to 2025 or earlier",
     {"earliest_change_year": 2025}),
    ({"add_lead_time_years": [1]}, "add_lead_time_years 1; shorten the lead time",
     {"add_lead_time_years": 0}),
])
def test_a_full_plant_is_told_the_rule_that_blocks_a_module(
        strategy: dict[str, list[object]], named: str, fixed: dict[str, object]) -> None:
    base = {"plant": ["P1"], "modules_initial": [1], "modules_max": [2], **strategy}
    committed = {"committed_sales": {"market": ["M1"], "year": [2025], "product": ["V1"],
                                     "min_vehicles": [1_500.0]}}
    [line] = _explanations(_data(base, util=0.0, years=2, demand=2_000.0, extra=committed))
    assert named in line
    if "earliest_change_year" in strategy:  # the lead time (0) does not bind
        assert "add_lead_time_years" not in line and "shorten the lead time" not in line
    assert _feasible(_data(_with(base, **fixed), util=0.0, years=2, demand=2_000.0,
                           extra=committed))


def test_a_frozen_plant_at_its_modules_max_is_told_both_rules() -> None:
    base = {"plant": ["P1"], "modules_initial": [1], "earliest_change_year": [2026]}
    committed = {"committed_sales": {"market": ["M1"], "year": [2025], "product": ["V1"],
                                     "min_vehicles": [1_500.0]}}
    [line] = _explanations(_data(base, util=0.0, demand=2_000.0, extra=committed))
    assert ("modules_max 1, earliest_change_year 2026: raise modules_max and set "
            "earliest_change_year to 2025 or earlier" in line)
    # raising modules_max alone does not help: the plant is frozen in 2025
    assert not _feasible(_data(_with(base, modules_max=2), util=0.0, demand=2_000.0,
                               extra=committed))
    assert _feasible(_data(_with(base, modules_max=2, earliest_change_year=2025), util=0.0,
                           demand=2_000.0, extra=committed))


def test_a_plant_without_a_strategy_row_is_told_to_add_one() -> None:
    other = {"plant": ["P2"], "modules_initial": [1]}  # makes the model strategic
    [line] = _explanations(_data(other, capacities=(1_000.0, 1_000.0)))
    assert "give P1 a plant_strategy.csv row that lets it close (can_close yes)" in line
    both = pd.DataFrame({"plant": ["P2", "P1"], "modules_initial": [1, 1]})
    assert _feasible(_data({key: list(both[key]) for key in both}, capacities=(1_000.0,
                                                                              1_000.0)))
