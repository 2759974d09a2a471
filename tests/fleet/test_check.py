"""The fleet check (evplan/fleet/check.py): one changed cell of any fleet table is named.

Before it, nothing re-checked the fleet's tables: a cell changed after the stock model (or a
bug in it) reached fleet_*.csv and the charging sizes unseen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evplan.fleet import FleetOptions, project_fleet
from evplan.fleet.check import fleet_problems
from evplan.fleet.params import load_battery, load_chemistry
from evplan.fleet.sales import assign_chemistry, combine_sales, read_history

HISTORY = pd.DataFrame({
    "market": ["CN", "CN", "CN", "EU", "EU", "US", "US"],
    "year": [2015, 2016, 2018, 2016, 2018, 2017, 2018],
    "powertrain": ["BEV", "BEV", "PHEV", "BEV", "ICE", "BEV", "BEV"],
    "sales_vehicles": [1000.0, 2500.0, 800.0, 1200.0, 5000.0, 300.0, 0.0],
    "origin": ["CN", "CN", "CN", "", "", "JP", "JP"],
    "battery_kwh": [50.0, 0.0, 18.0, None, None, 75.0, 75.0]})


@pytest.fixture(scope="module")
def solved() -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    options = FleetOptions(years_after_plan=4, after_plan="flat")
    result = project_fleet(history=HISTORY, options=options)
    battery = load_battery()
    sales = assign_chemistry(combine_sales(None, read_history(HISTORY, None, None)),
                             load_chemistry(None, battery))
    context = {"sales": sales, "battery": battery, "plan_last_year": 2018,
               "last_year": result.last_year, "after_plan": "flat"}
    return dict(result.tables), context


def _problems(tables: dict[str, pd.DataFrame], context: dict[str, object]) -> list[str]:
    return fleet_problems(tables, context["sales"], context["battery"],  # type: ignore[arg-type]
                          plan_last_year=2018, last_year=int(context["last_year"]),  # type: ignore[call-overload]
                          after_plan="flat")


def test_the_projected_fleet_passes(solved: tuple[dict[str, pd.DataFrame], dict[str, object]]
                                    ) -> None:
    tables, context = solved
    assert _problems(tables, context) == []


CELLS = [(table, column) for table, columns in {
    "fleet": ["market", "powertrain", "year", "sales_vehicles", "vehicles_in_use",
              "retired_vehicles"],
    "fleet_by_vintage": ["vintage", "year", "vehicles_in_use", "retired_vehicles"],
    "packs_retired": ["market", "year", "chemistry", "packs", "kwh", "tonnes"],
    "pack_end_of_life": ["chemistry", "route", "packs", "kwh", "tonnes"],
    "packs_in_use": ["year", "chemistry", "packs", "kwh"]}.items() for column in columns]


@pytest.mark.parametrize(("table", "column"), CELLS)
def test_one_changed_cell_is_named(solved: tuple[dict[str, pd.DataFrame], dict[str, object]],
                                   table: str, column: str) -> None:
    tables, context = solved
    rng = np.random.default_rng(len(table) * 31 + len(column))
    for _ in range(3):
        frame = tables[table].copy()
        row = int(rng.integers(len(frame)))
        value = frame.iloc[row][column]
        if isinstance(value, str):
            frame[column] = frame[column].astype(object)
            changed: object = value + "X"
        elif isinstance(value, (int, np.integer)):
            changed = int(value) + 1
        else:
            changed = float(value) * 1.01 + 0.5
        frame.iloc[row, frame.columns.get_loc(column)] = changed
        problems = _problems({**tables, table: frame}, context)
        assert problems, (table, column, row, value, changed)


def test_the_worked_example_of_the_docs() -> None:
    """docs/fleet-charging.md, "Check": 999.9999 in use; 1,010 in that cell is named."""
    history = pd.DataFrame({"market": ["CN"], "year": [2015], "powertrain": ["BEV"],
                            "sales_vehicles": [1000.0]})
    result = project_fleet(history=history, options=FleetOptions(years_after_plan=0))
    fleet = result["fleet"]
    assert fleet["vehicles_in_use"].iloc[0] == pytest.approx(999.9999, abs=5e-5)
    battery = load_battery()
    sales = assign_chemistry(combine_sales(None, read_history(history, None, None)),
                             load_chemistry(None, battery))
    changed = fleet.assign(vehicles_in_use=1010.0)
    problems = fleet_problems({**result.tables, "fleet": changed}, sales, battery,
                              plan_last_year=2015, last_year=2015, after_plan="flat")
    assert problems[0].startswith("fleet CN BEV 2015: vehicles_in_use is 1,010.000000; the "
                                  "year before's + sales_vehicles_sold - retired_vehicles is "
                                  "999.99")
