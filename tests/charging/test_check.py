"""The charging check (evplan/charging/check.py): one changed cell of any charging table is
named.

Before it, only the queueing rows were checked (as they were built); a changed AFIR or
benchmark port count, energy, demand, cost or summary cell passed unseen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evplan.charging import ChargingOptions, QueueTarget, load_parameters, plan_charging
from evplan.charging.check import charging_problems
from evplan.fleet import FleetOptions, project_fleet

TARGET = QueueTarget(0.2, 10.0)


@pytest.fixture(scope="module")
def planned() -> tuple[object, object]:
    history = pd.DataFrame({"market": ["EU", "EU", "TH", "TH", "EU"],
                            "year": [2020, 2021, 2020, 2021, 2021],
                            "powertrain": ["BEV", "BEV", "BEV", "BEV", "PHEV"],
                            "sales_vehicles": [40_000.0, 90_000.0, 800.0, 2_500.0, 7_000.0]})
    fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=3))
    return fleet, plan_charging(fleet, options=ChargingOptions(target=TARGET))


def _problems(planned: tuple[object, object], table: str, frame: pd.DataFrame) -> list[str]:
    fleet, charging = planned
    tables = {**charging.tables, table: frame}  # type: ignore[attr-defined]
    return charging_problems(tables, fleet["fleet"], load_parameters(),  # type: ignore[index]
                             ChargingOptions().afir(), TARGET,
                             list(charging.markets), list(charging.years))  # type: ignore[attr-defined]


def test_the_planned_tables_pass(planned: tuple[object, object]) -> None:
    _, charging = planned
    assert _problems(planned, "charging_ports", charging["charging_ports"]) == []  # type: ignore[index]


CELLS = {
    "charging_energy": ["market", "year", "bev_vehicles", "phev_vehicles",
                        "energy_kwh_per_day", "public_share", "public_energy_kwh_per_day"],
    "charging_demand": ["charger_class", "power_kw", "max_ports_per_station",
                        "public_energy_kwh_per_day", "sessions_per_day", "peak_hour_arrivals",
                        "session_hours", "offered_load_erlangs"],
    "charging_ports": ["method", "charger_class", "ports", "public_power_kw", "stations",
                       "ports_per_station", "wait_probability", "mean_wait_minutes",
                       "utilisation_at_peak", "ports_added", "capex_usd_per_port",
                       "grid_usd_per_port", "capex_usd"],
    "charging_summary": ["ports_AC22", "ports_DC350", "ports", "public_power_kw", "capex_usd",
                         "cumulative_capex_usd"],
}


@pytest.mark.parametrize(("table", "column"),
                         [(table, column) for table, columns in CELLS.items()
                          for column in columns])
def test_one_changed_cell_is_named(planned: tuple[object, object], table: str,
                                   column: str) -> None:
    _, charging = planned
    original = charging[table]  # type: ignore[index]
    rng = np.random.default_rng(len(table) * 17 + len(column))
    rows = np.flatnonzero(original["method"].to_numpy() == "queueing") if (
        column in ("stations", "ports_per_station", "wait_probability", "mean_wait_minutes",
                   "utilisation_at_peak")) else np.arange(len(original))
    for row in rng.choice(rows, 3, replace=False):
        frame = original.copy()
        value = frame.iloc[row][column]
        if isinstance(value, str):
            frame[column] = frame[column].astype(object)
            changed: object = value + "X"
        else:
            changed = float(value) + 1.0
        frame.iloc[row, frame.columns.get_loc(column)] = changed
        assert _problems(planned, table, frame), (table, column, row, value)
