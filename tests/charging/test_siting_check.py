"""The siting check (evplan/charging/siting_check.py): one changed cell of the siting
example's tables is named. Before it, nothing re-checked charging_sites, the assignment or
the zones after the facility-location solve."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from evplan.charging.siting import _distances, read_sites, read_zones, site_chargers
from evplan.charging.siting_check import siting_problems
from evplan.charging.sizing import QueueTarget

TARGET = QueueTarget()


@pytest.fixture(scope="module", params=["maximal_covering", "capacitated"])
def sited(request: pytest.FixtureRequest) -> tuple[Any, dict[str, Any]]:
    zones, sites = read_zones(), read_sites()
    method = str(request.param)
    arrivals = 60.0
    result = site_chargers(zones, sites, peak_hour_arrivals=arrivals, session_hours=0.6,
                           service_radius_km=25.0, method=method,  # type: ignore[arg-type]
                           sites_to_open=4, capex_usd_per_port=50_000.0, target=TARGET)
    weight = zones["demand_weight"].to_numpy(dtype=float)
    context = {"zones": zones, "sites": sites, "pairs": _distances(zones, sites, None),
               "arrivals": arrivals * weight / weight.sum(), "method": method}
    return result, context


def _problems(result: Any, context: dict[str, Any]) -> list[str]:
    return siting_problems(result, context["zones"], context["sites"], context["pairs"],
                           context["arrivals"], 0.6, 25.0, context["method"], TARGET, 50_000.0)


def test_the_sited_tables_pass(sited: tuple[Any, dict[str, Any]]) -> None:
    assert _problems(*sited) == []


CELLS = [("sites", column) for column in ("open", "zones", "peak_hour_arrivals", "ports",
                                          "max_ports", "short_of_ports", "wait_probability",
                                          "mean_wait_minutes", "site_cost_usd",
                                          "port_capex_usd")] + [
    ("assignment", column) for column in ("zone", "site", "distance_km",
                                          "peak_hour_arrivals")] + [
    ("zones", column) for column in ("peak_hour_arrivals", "covered")]


@pytest.mark.parametrize(("table", "column"), CELLS)
def test_one_changed_cell_is_named(sited: tuple[Any, dict[str, Any]], table: str,
                                   column: str) -> None:
    result, context = sited
    original: pd.DataFrame = getattr(result, table)
    rng = np.random.default_rng(len(column))
    rows = (np.flatnonzero(original["open"].to_numpy()) if table == "sites"
            else np.arange(len(original)))
    for row in rng.choice(rows, 2, replace=False):
        frame = original.copy()
        value = frame.iloc[row][column]
        if isinstance(value, (bool, np.bool_)):
            changed: object = not value
        elif isinstance(value, str):
            frame[column] = frame[column].astype(object)
            changed = value + "X"
        else:
            changed = float(value) + 1.0
        frame.iloc[row, frame.columns.get_loc(column)] = changed
        assert _problems(replace(result, **{table: frame}), context), (table, column, row)


@pytest.mark.parametrize("column", ["site", "km", "gap_before_km", "ports", "pool_kw",
                                    "capex_usd"])
def test_one_changed_cell_of_the_corridor_is_named(column: str) -> None:
    from evplan.charging.siting import corridor_pools, read_corridor
    from evplan.charging.siting_check import corridor_problems

    corridor = read_corridor()
    result = corridor_pools(corridor, 620.0, year=2027, capex_usd_per_port=100_000.0)
    pools = result.pools
    ports = int(pools["ports"].iloc[0])
    assert corridor_problems(pools, corridor, ports, 150.0, 100_000.0) == []
    for row in (0, len(pools) // 2, len(pools) - 1):
        frame = pools.copy()
        value = frame.iloc[row][column]
        if isinstance(value, str):
            changed: object = value + "X"
        else:
            changed = float(value) + 1.0
            frame[column] = frame[column].astype(float)
        frame.iloc[row, frame.columns.get_loc(column)] = changed
        assert corridor_problems(frame, corridor, ports, 150.0, 100_000.0), (column, row)
