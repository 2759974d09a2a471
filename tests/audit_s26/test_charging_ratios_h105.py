"""Chargers from ratios and queues against arithmetic of its own (audit s26, helper-105).

The tables are small and hand-made; the expected energy, AFIR and benchmark ports, Erlang-C
stations and ports, ports added and capital cost are computed here with ``math`` from
docs/fleet-charging.md's formulas, never with evplan's charging code.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evplan.charging import ChargingOptions, plan_charging
from evplan.errors import InputError
from evplan.fleet import FleetOptions, project_fleet

MARKETS = pd.DataFrame({
    "market": ["*"], "annual_km": [10_000.0], "bev_kwh_per_km": [0.2],
    "phev_kwh_per_km": [0.25], "phev_electric_share": [0.5], "home_charging_share": [0.6],
    "public_share_with_home": [0.1], "public_share_without_home": [0.7],
    "peak_hour_share": [0.12], "evs_per_public_point": [10.0],
    "evs_per_public_fast_point": [40.0], "source": ["test"]})
CLASSES = pd.DataFrame({
    "market": ["*", "*", "*"], "charger_class": ["AC22", "DC50", "DC150"],
    "power_kw": [11.0, 50.0, 150.0], "session_kwh": [12.0, 20.0, 30.0],
    "session_minutes": [180.0, 40.0, 30.0], "public_energy_share": [0.5, 0.2, 0.3],
    "max_ports_per_station": [10, 4, 6], "source": ["test"] * 3})
COSTS = pd.DataFrame({
    "market": ["*", "*", "*"], "charger_class": ["AC22", "DC50", "DC150"],
    "capex_usd_per_port": [1_000.0, 40_000.0, 70_000.0],
    "grid_usd_per_port": [500.0, 10_000.0, 30_000.0], "source": ["test"] * 3})


def erlang_c(ports: int, load: float) -> float:
    """Probability of waiting in an M/M/c queue (the textbook sum, in floats)."""
    if load >= ports:
        return 1.0
    term, total = 1.0, 1.0
    for k in range(1, ports):
        term *= load / k
        total += term
    last = term * load / ports * ports / (ports - load)
    return last / (total + last)


def queue(load: float, largest: int, chance: float = 0.2) -> tuple[int, int]:
    """Fewest stations of at most ``largest`` ports meeting P(wait) <= chance, then the
    fewest ports per station at the load split evenly."""
    if load <= 0:
        return 0, 0
    stations = 1
    while erlang_c(largest, load / stations) > chance:
        stations += 1
    ports = 1
    while erlang_c(ports, load / stations) > chance:
        ports += 1
    return stations, ports


@pytest.fixture(scope="module")
def sized() -> tuple[pd.DataFrame, object]:
    history = pd.DataFrame({"market": ["AA", "AA", "AA", "AA", "ZZ"],
                            "year": [2021, 2022, 2021, 2022, 2022],
                            "powertrain": ["BEV", "BEV", "PHEV", "PHEV", "ICE"],
                            "sales_vehicles": [30_000.0, 50_000.0, 8_000.0, 0.0, 5_000.0]})
    fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=1))
    charging = plan_charging(fleet, markets=MARKETS, classes=CLASSES, costs=COSTS,
                             options=ChargingOptions(markets=("AA", "ZZ")))
    return fleet["fleet"], charging


def test_energy_ratio_and_queue_ports_by_hand(sized: tuple[pd.DataFrame, object]) -> None:
    stock, charging = sized
    ports = charging["charging_ports"].set_index(["market", "year", "method", "charger_class"])
    energy = charging["charging_energy"].set_index(["market", "year"])
    classes = CLASSES.set_index("charger_class")
    previous: dict[tuple[str, str], float] = {}
    for year in (2021, 2022, 2023):
        in_use = stock[(stock["market"] == "AA") & (stock["year"] == year)].set_index(
            "powertrain")["vehicles_in_use"]
        bev, phev = float(in_use.get("BEV", 0.0)), float(in_use.get("PHEV", 0.0))
        daily = 10_000.0 / 365 * (bev * 0.2 + phev * 0.25 * 0.5)
        public = daily * (0.6 * 0.1 + 0.4 * 0.7)
        assert energy.loc[("AA", year), "public_energy_kwh_per_day"] == pytest.approx(
            public, rel=1e-12)
        evs = bev + phev
        fast_points = min(evs / 40.0, evs / 10.0)
        for name, row in classes.iterrows():
            share = float(row["public_energy_share"])
            afir = math.ceil((1.3 * bev + 0.8 * phev) * share / row["power_kw"] - 1e-9)
            fast = row["power_kw"] > 22
            within = share / 0.5  # within its group: DC shares 0.2 + 0.3, AC 0.5
            bench = math.ceil((fast_points if fast else evs / 10.0 - fast_points) * within
                              - 1e-9)
            load = public * share / row["session_kwh"] * 0.12 * row["session_minutes"] / 60
            stations, each = queue(load, int(row["max_ports_per_station"]))
            assert ports.loc[("AA", year, "afir", name), "ports"] == afir
            assert ports.loc[("AA", year, "benchmark", name), "ports"] == bench
            got = ports.loc[("AA", year, "queueing", name)]
            assert (got["stations"], got["ports_per_station"]) == (stations, each)
            assert got["ports"] == stations * each
            for method, count in (("afir", afir), ("queueing", stations * each)):
                added = max(count - previous.get((method, name), 0.0), 0.0)
                assert ports.loc[("AA", year, method, name), "ports_added"] == added
                unit = COSTS.set_index("charger_class").loc[name]
                assert ports.loc[("AA", year, method, name), "capex_usd"] == pytest.approx(
                    added * (unit["capex_usd_per_port"] + unit["grid_usd_per_port"]))
                previous[(method, name)] = count


def test_a_market_with_no_evs_needs_no_chargers(sized: tuple[pd.DataFrame, object]) -> None:
    _, charging = sized
    none = charging["charging_ports"].query("market == 'ZZ'")
    assert len(none) == 3 * 3 * 3  # years x methods x classes, every row 0
    assert none[["ports", "ports_added", "capex_usd", "public_power_kw"]].abs().sum().sum() == 0
    assert charging["charging_energy"].query("market == 'ZZ'")[
        "public_energy_kwh_per_day"].abs().sum() == 0


def test_a_year_after_the_fleet_is_refused() -> None:
    history = pd.DataFrame({"market": ["AA"], "year": [2021], "powertrain": ["BEV"],
                            "sales_vehicles": [100.0]})
    fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=1))
    with pytest.raises(InputError, match="last_year 2030 is after the fleet's last year 2022"):
        plan_charging(fleet, markets=MARKETS, classes=CLASSES, costs=COSTS,
                      options=ChargingOptions(last_year=2030))
