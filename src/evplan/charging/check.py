"""The charging tables re-derived from the fleet and the parameter tables before they are
returned (:func:`evplan.charging.plan_charging`).

A bug in :mod:`evplan.charging.sizing` (or a cell changed afterwards) would give wrong ports
or costs that nothing else looks at, so each reported cell is made again here, row by row
from the tables' keys, with plain formulas (docs/fleet-charging.md):

* ``charging_energy``: BEV and PHEV in use (``fleet``), energy, public share, public energy;
* ``charging_demand``: the class's public energy, sessions, peak-hour arrivals, session
  hours, offered load, power and station size;
* ``charging_ports``: ``afir`` and ``benchmark`` ports from their ratios; ``queueing``:
  stations x ports per station, at most the station size, the target met at the station's
  load and missed with one port or one station fewer (the fewest), and its wait
  probability, mean wait and utilisation; every method's public power, ports added (never
  negative) and capital cost;
* ``charging_summary``: the ports by class, totals and cumulative cost of ``charging_ports``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from evplan.charging.erlang import erlang_c, mean_wait_hours
from evplan.charging.params import Afir, ChargingParameters, for_markets

__all__ = ["charging_problems"]

FAST_ABOVE_KW = 22.0


def _close(got: Any, want: float) -> bool:
    try:
        value = float(got)
    except (TypeError, ValueError):
        return False
    if math.isnan(want) or math.isnan(value):
        return math.isnan(want) and math.isnan(value)
    return abs(value - want) <= 1e-9 * max(abs(value), abs(want)) + 1e-6


def _compare(problems: list[str], name: str, frame: pd.DataFrame, keys: list[str],
             want: Mapping[tuple[Any, ...], Mapping[str, float]]) -> None:
    """Cell by cell, and the row sets (missing, extra, repeated rows)."""
    seen: set[tuple[Any, ...]] = set()
    for row in frame.to_dict("records"):
        key = tuple(row[column] for column in keys)
        label = f"{name} {' '.join(map(str, key))}"
        if key in seen or key not in want:
            problems.append(f"{label}: a row the fleet and parameters do not make (or a "
                            "second one).")
            continue
        seen.add(key)
        for column, value in want[key].items():
            if not _close(row.get(column), value):
                problems.append(f"{label}: {column} is {row.get(column)!r}; re-derived it is "
                                f"{value!r}.")
    for key in sorted(set(want) - seen, key=str):
        problems.append(f"{name} {' '.join(map(str, key))}: no row, but the fleet and "
                        "parameters make one.")


def _fewest(load: float, service: float, target: Any) -> int:
    ports = max(1, math.floor(load))
    while not target.met(ports, load, service):
        ports += 1
    return ports


def _queue(problems: list[str], key: tuple[Any, ...], row: Mapping[str, Any], load: float,
           service: float, largest: int, target: Any) -> dict[str, float]:
    stations, each = float(row.get("stations", 0.0)), float(row.get("ports_per_station", 0.0))
    label = f"charging_ports {' '.join(map(str, key))}"
    if load <= 0:
        return {"ports": 0.0, "stations": 0.0, "ports_per_station": 0.0}
    if not (stations >= 1 and 1 <= each <= largest and stations == int(stations)
            and each == int(each)):
        problems.append(f"{label}: {stations:g} stations of {each:g} ports (at most "
                        f"{largest}) cannot carry a load of {load:g} erlangs.")
        return {}
    share = load / stations
    if not target.met(int(each), share, service):
        problems.append(f"{label}: {each:g} ports miss the target at {share:g} erlangs.")
    if each > 1 and target.met(int(each) - 1, share, service):
        problems.append(f"{label}: {each - 1:g} ports per station meet the target too.")
    # one station fewer (its load a hair above, as load_capacity keeps just inside)
    if stations > 1 and _fewest(load * (1 + 1e-6) / (stations - 1), service,
                                target) <= largest:
        problems.append(f"{label}: {stations - 1:g} stations meet the target too.")
    return {"ports": stations * each,
            "wait_probability": float(erlang_c(each, share)),
            "mean_wait_minutes": float(mean_wait_hours(each, share / service, service)) * 60,
            "utilisation_at_peak": share / each}


def charging_problems(tables: Mapping[str, pd.DataFrame], fleet: pd.DataFrame,
                      parameters: ChargingParameters, afir: Afir, target: Any,
                      markets: list[str], years: list[int]) -> list[str]:
    """Every cell of the module docstring's tables that the fleet and the parameter tables
    contradict; empty when all agree."""
    problems: list[str] = []
    rows = for_markets(parameters.markets, markets, "markets.csv").set_index("market")
    classes = for_markets(parameters.classes, markets, "charger_classes.csv",
                          ("charger_class",))
    costs = for_markets(parameters.costs, markets, "charger_costs.csv", ("charger_class",)
                        ).set_index(["market", "charger_class"])
    stock: dict[Any, float] = fleet.groupby(["market", "year", "powertrain"])[
        "vehicles_in_use"].sum().to_dict()
    energy: dict[tuple[Any, ...], dict[str, float]] = {}
    demand: dict[tuple[Any, ...], dict[str, float]] = {}
    ports: dict[tuple[Any, ...], dict[str, float]] = {}
    reported: dict[tuple[Any, ...], dict[str, Any]] = {
        (row["market"], row["year"], row["method"], row["charger_class"]):
            row  # type: ignore[misc]
        for row in tables["charging_ports"].to_dict("records")}
    for market in markets:
        own = pd.Series(rows.loc[market]).drop(labels=["source"], errors="ignore")
        m = {str(name): float(value) for name, value in own.astype(float).items()}
        mine = classes[classes["market"] == market]
        records: list[dict[str, Any]] = mine.to_dict("records")  # type: ignore[assignment]
        fast_share = float(mine.loc[mine["power_kw"] > FAST_ABOVE_KW,
                                    "public_energy_share"].sum())
        slow_share = float(mine.loc[mine["power_kw"] <= FAST_ABOVE_KW,
                                    "public_energy_share"].sum())
        for year in years:
            bev = float(stock.get((market, year, "BEV"), 0.0))
            phev = float(stock.get((market, year, "PHEV"), 0.0))
            day = m["annual_km"] / 365 * (bev * m["bev_kwh_per_km"] + phev * m[
                "phev_kwh_per_km"] * m["phev_electric_share"])
            home = m["home_charging_share"]
            share = home * m["public_share_with_home"] + (1 - home) * m[
                "public_share_without_home"]
            energy[(market, year)] = {"bev_vehicles": bev, "phev_vehicles": phev,
                                      "energy_kwh_per_day": day, "public_share": share,
                                      "public_energy_kwh_per_day": day * share}
            evs = bev + phev
            all_points = evs / m["evs_per_public_point"]
            fast_points = min(evs / m["evs_per_public_fast_point"], all_points)
            for c in records:
                fast = c["power_kw"] > FAST_ABOVE_KW
                kwh = day * share * c["public_energy_share"]
                arrivals = kwh / c["session_kwh"] * m["peak_hour_share"]
                service = c["session_minutes"] / 60
                load = arrivals * service
                key = (market, year, c["charger_class"])
                demand[key] = {"power_kw": c["power_kw"], "public_energy_kwh_per_day": kwh,
                               "sessions_per_day": kwh / c["session_kwh"],
                               "peak_hour_arrivals": arrivals, "session_hours": service,
                               "offered_load_erlangs": load,
                               "max_ports_per_station": c["max_ports_per_station"]}
                group = fast_share if fast else slow_share
                # no class of the other group: all the public points go to this one
                points = (all_points if (slow_share if fast else fast_share) <= 0 else
                          fast_points if fast else all_points - fast_points)
                within = c["public_energy_share"] / group if group > 0 else 0.0
                required = afir.public_kw_per_bev * bev + afir.public_kw_per_phev * phev
                ratio = {"afir": math.ceil(required * c["public_energy_share"]
                                           / c["power_kw"] - 1e-9),
                         "benchmark": math.ceil(points * within - 1e-9)}
                for method in ("afir", "benchmark", "queueing"):
                    full = (market, year, method, c["charger_class"])
                    cells: dict[str, float] = (
                        {"ports": float(ratio[method])} if method in ratio else
                        _queue(problems, full, reported.get(full, {}), load, service,
                               int(c["max_ports_per_station"]), target))
                    cells["power_kw"] = c["power_kw"]
                    if "ports" in cells:
                        cells["public_power_kw"] = cells["ports"] * c["power_kw"]
                    ports[full] = cells
    _costs(ports, reported, costs)
    _compare(problems, "charging_energy", tables["charging_energy"], ["market", "year"], energy)
    _compare(problems, "charging_demand", tables["charging_demand"],
             ["market", "year", "charger_class"], demand)
    _compare(problems, "charging_ports", tables["charging_ports"],
             ["market", "year", "method", "charger_class"], ports)
    _summary(problems, tables)
    return problems


def _costs(ports: dict[tuple[Any, ...], dict[str, float]], reported: Mapping[Any, Any],
           costs: pd.DataFrame) -> None:
    """ports_added (over the year before, never negative) and capex_usd of each row."""
    for key in sorted(ports, key=lambda key: (key[0], key[2], key[3], key[1])):
        market, year, method, name = key
        now = ports[key].get("ports", float(reported.get(key, {}).get("ports", np.nan)))
        before_key = (market, year - 1, method, name)
        before = (ports[before_key].get("ports", float(reported.get(before_key, {}).get(
            "ports", np.nan))) if before_key in ports else 0.0)
        added = max(now - before, 0.0)
        unit = costs.loc[(market, name)]
        ports[key].update({"ports_added": added, "capex_usd_per_port":
                           float(unit["capex_usd_per_port"]),
                           "grid_usd_per_port": float(unit["grid_usd_per_port"]),
                           "capex_usd": added * float(unit["capex_usd_per_port"]
                                                      + unit["grid_usd_per_port"])})


def _summary(problems: list[str], tables: Mapping[str, pd.DataFrame]) -> None:
    ports = tables["charging_ports"]
    want: dict[tuple[Any, ...], dict[str, float]] = {}
    for (market, method), group in ports.groupby(["market", "method"], sort=True):
        running = 0.0
        for year, rows in group.groupby("year", sort=True):
            running += float(rows["capex_usd"].sum())
            cells = {f"ports_{name}": float(value) for name, value in
                     rows.groupby("charger_class")["ports"].sum().items()}
            cells.update({"ports": float(rows["ports"].sum()),
                          "public_power_kw": float(rows["public_power_kw"].sum()),
                          "capex_usd": float(rows["capex_usd"].sum()),
                          "cumulative_capex_usd": running})
            want[(market, year, method)] = cells
    _compare(problems, "charging_summary", tables["charging_summary"],
             ["market", "year", "method"], want)
