"""Audit s23 (helper-78): charging against independent computations.

Erlang-B/C by the textbook recursion, ports by brute force, AFIR/benchmark/queueing ports
and costs re-made from the parameter CSVs, siting against models written directly for
``scipy.optimize.milp``, corridors against the greedy interval cover (optimal on a line);
and the inputs that used to crash or site nothing without a word.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from evplan.charging import ChargingOptions, plan_charging, siting_example
from evplan.charging.erlang import erlang_b, erlang_c, ports_needed
from evplan.charging.siting import corridor_pools, site_chargers
from evplan.errors import InfeasibleError, InputError
from evplan.fleet import FleetOptions, project_fleet
from evplan.fleet.tables import default_table_path
from evplan.location import SolveOptions


def blocking(ports: int, load: float) -> float:
    value = 1.0
    for k in range(1, ports + 1):
        value = load * value / (k + load * value)
    return value


def waiting(ports: int, load: float) -> float:
    if load <= 0:
        return 0.0
    if load >= ports:
        return 1.0
    value = blocking(ports, load)
    return ports * value / (ports - load * (1 - value))


def fewest(load: float, chance: float = 0.2) -> int:
    if load <= 0:
        return 0
    ports = 1
    while waiting(ports, load) > chance:
        ports += 1
    return ports


def station_load(ports: int, chance: float = 0.2) -> float:
    low, high = 0.0, float(ports)
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if waiting(ports, middle) <= chance else (low, middle)
    return low


def test_erlang_against_the_recursion_and_the_facts() -> None:
    rng = np.random.default_rng(78)
    for _ in range(400):
        ports = int(rng.integers(1, 2500))
        load = float(rng.uniform(0, 1.2 * ports))
        assert float(erlang_b(ports, load)) == pytest.approx(blocking(ports, load), abs=1e-11)
        assert float(erlang_c(ports, load)) == pytest.approx(waiting(ports, load), abs=1e-11)
    # facts 2d: 6 arrivals/h of 42 min: P(wait) 0.63, 0.34, 0.17, 0.08 for 5-8 ports
    assert [round(waiting(c, 4.2), 2) for c in (5, 6, 7, 8)] == [0.63, 0.34, 0.17, 0.07]
    for _ in range(300):
        load, chance = float(rng.uniform(0, 300)), float(rng.uniform(0.01, 0.95))
        assert int(ports_needed(load, max_wait_probability=chance)) == fewest(load, chance)


def two_market_fleet() -> object:
    history = pd.DataFrame([(market, year, powertrain, sales)
                            for market in ("EU", "US")
                            for year, factor in ((2021, 1.0), (2022, 1.7), (2023, 0.6))
                            for powertrain, sales in (("BEV", 90_000.0 * factor),
                                                      ("PHEV", 15_000.0 * factor))],
                           columns=["market", "year", "powertrain", "sales_vehicles"])
    return project_fleet(history=history, options=FleetOptions(years_after_plan=0))


def test_ports_and_cost_of_every_method_match_the_csvs() -> None:
    fleet = two_market_fleet()
    charging = plan_charging(fleet)  # type: ignore[arg-type]
    markets = pd.read_csv(default_table_path("charging", "markets.csv")).set_index("market")
    classes = pd.read_csv(default_table_path("charging", "charger_classes.csv"))
    costs = pd.read_csv(default_table_path("charging", "charger_costs.csv"))
    stock = fleet["fleet"].pivot_table(index=["market", "year"],  # type: ignore[index]
                                       columns="powertrain", values="vehicles_in_use")
    fast_share = classes.loc[classes["power_kw"] > 22, "public_energy_share"].sum()
    want = []
    for (market, year), row in stock.iterrows():
        rates = markets.loc[market]
        bev, phev = row["BEV"], row["PHEV"]
        energy = rates["annual_km"] / 365 * (bev * rates["bev_kwh_per_km"] + phev
                                             * rates["phev_kwh_per_km"]
                                             * rates["phev_electric_share"])
        home = rates["home_charging_share"]
        public = energy * (home * rates["public_share_with_home"]
                           + (1 - home) * rates["public_share_without_home"])
        points = (bev + phev) / rates["evs_per_public_point"]
        fast = min((bev + phev) / rates["evs_per_public_fast_point"], points)
        for item in classes.itertuples():
            share = item.public_energy_share
            load = public * share / item.session_kwh * rates["peak_hour_share"] * (
                item.session_minutes / 60)
            stations = math.ceil(load / station_load(item.max_ports_per_station))
            own = costs[(costs["market"] == market) & (costs["charger_class"]
                                                       == item.charger_class)]
            unit = (own if len(own) else costs[(costs["market"] == "*") & (
                costs["charger_class"] == item.charger_class)]).iloc[0]
            ratio = {"afir": math.ceil((1.3 * bev + 0.8 * phev) * share / item.power_kw),
                     "benchmark": math.ceil(fast * share / fast_share if item.power_kw > 22
                                            else (points - fast) * share / (1 - fast_share)),
                     "queueing": stations * fewest(load / stations)}
            for method, ports in ratio.items():
                want.append((market, year, method, item.charger_class, ports,
                             unit["capex_usd_per_port"] + unit["grid_usd_per_port"]))
    want_table = pd.DataFrame(want, columns=["market", "year", "method", "charger_class",
                                             "want_ports", "unit_usd"])
    want_table = want_table.sort_values(["market", "method", "charger_class", "year"])
    before = want_table.groupby(["market", "method", "charger_class"])["want_ports"].shift()
    want_table["want_capex"] = (want_table["want_ports"] - before.fillna(0)).clip(
        lower=0) * want_table["unit_usd"]
    got = charging["charging_ports"].merge(want_table, on=["market", "year", "method",
                                                           "charger_class"])
    assert len(got) == len(want_table) == len(charging["charging_ports"]) == 2 * 3 * 3 * 4
    assert (got["ports"] == got["want_ports"]).all(), got[got["ports"] != got["want_ports"]]
    np.testing.assert_allclose(got["capex_usd"], got["want_capex"])
    # the US overrides: 104,443 + 30,000 USD a DC150 port (CALeVIP), 287,000 + 60,000 DC350
    us = got[(got["market"] == "US")].set_index("charger_class")
    assert us.loc["DC150", "unit_usd"].iloc[0] == 134_443
    assert us.loc["DC350", "unit_usd"].iloc[0] == 347_000


def test_a_class_costed_for_another_market_only_is_an_input_error(tmp_path: Path) -> None:
    """It used to crash (KeyError 'DC350', a 'bug in evplan') or leave capex blank."""
    costs = pd.read_csv(default_table_path("charging", "charger_costs.csv"))
    costs = costs[~((costs["market"] == "*") & (costs["charger_class"] == "DC350"))]
    costs.to_csv(tmp_path / "my_costs.csv", index=False)
    rates = pd.read_csv(default_table_path("charging", "markets.csv"))
    rates[rates["market"] != "*"].to_csv(tmp_path / "my_markets.csv", index=False)
    fleet = two_market_fleet()
    with pytest.raises(InputError) as caught:
        plan_charging(fleet, costs=tmp_path / "my_costs.csv")  # type: ignore[arg-type]
    assert [(problem.file, problem.message) for problem in caught.value.problems] == [
        ("my_costs.csv", "market 'EU': charger_class 'DC350' has a cost row for US only. "
         "Add a row for market 'EU', or a '*' row for every market.")]
    history = pd.DataFrame({"market": "TH", "year": [2022], "powertrain": "BEV",
                            "sales_vehicles": [10.0]})
    with pytest.raises(InputError) as caught:  # the file given is named, not markets.csv
        plan_charging(project_fleet(history=history, options=FleetOptions(0)),
                      markets=tmp_path / "my_markets.csv", costs=tmp_path / "my_costs.csv")
    assert [(problem.file, problem.message) for problem in caught.value.problems] == [
        ("my_markets.csv", "market 'TH' has no row. Add a row for it, or a '*' row for every "
         "market."),
        ("my_costs.csv", "market 'TH': charger_class 'DC350' has a cost row for US only. "
         "Add a row for market 'TH', or a '*' row for every market.")]


def test_a_siting_example_of_nothing_is_refused() -> None:
    """An unsized year or a class the market lacks sited 0 arrivals at 0 USD a port; a
    corridor of 50 kW ports was called AFIR's 600 kW pool without its 150 kW points."""
    history = pd.DataFrame({"market": "TH", "year": [2026, 2027], "powertrain": "BEV",
                            "sales_vehicles": 30_000.0})
    charging = plan_charging(project_fleet(history=history, options=FleetOptions(0)))
    cases = {"DC999": (2027, "charger_class 'DC999' is not a class of market 'TH'. Use one of "
                             "AC22, DC150, DC350, DC50."),
             "DC150": (2040, "year 2040 was not sized: the charging plan covers 2026-2027. "
                             "Give a year in that range."),
             "DC50": (2027, "AFIR asks each pool in 2027 for 2 point(s) of at least 150 kW; "
                            "ports of 50 kW make none. Size the corridor with a class of at "
                            "least 150 kW (e.g. charger_class 'DC150').")}
    for charger_class, (year, message) in cases.items():
        with pytest.raises(InputError) as caught:
            siting_example(charging, charger_class=charger_class, year=year)
        assert [problem.message for problem in caught.value.problems] == [message]
    fleet = project_fleet(history=pd.concat([history, history.assign(market="EU")]),
                          options=FleetOptions(0))
    only_th = plan_charging(fleet, options=ChargingOptions(markets=("TH",)))
    with pytest.raises(InputError) as caught:  # was "not a market of the fleet": it is one
        siting_example(only_th, market="EU")
    assert [problem.message for problem in caught.value.problems] == [
        "market 'EU' is not a market the charging plan sized. Use one of TH."]
    with pytest.raises(InputError) as caught:  # sized nothing without a word
        plan_charging(fleet, options=ChargingOptions(markets=()))
    assert [problem.message for problem in caught.value.problems] == [
        "markets is empty: no market to size. Give market ids such as ('TH', 'EU'), or None "
        "for the plan's export markets."]
    early = corridor_pools(pd.DataFrame({"site": ["a"], "km": [20.0]}), 40.0, year=2024,
                           port_power_kw=50.0)  # before 2025 AFIR asks nothing of a pool
    assert early.pools["ports"].tolist() == [1]


def distances(zones: pd.DataFrame, sites: pd.DataFrame) -> np.ndarray:
    lat1 = np.radians(sites["lat"].to_numpy())[:, None]
    lat2 = np.radians(zones["lat"].to_numpy())[None, :]
    dlon = np.radians(zones["lon"].to_numpy()[None] - sites["lon"].to_numpy()[:, None])
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(h))


def capacitated_optimum(zones: pd.DataFrame, sites: pd.DataFrame, arrivals: float,
                        hours: float, radius: float) -> float | None:
    """min site cost + 1000 USD x arrivals x km, every zone within the radius, splittable."""
    far = distances(zones, sites)
    demand = arrivals * zones["demand_weight"].to_numpy() / zones["demand_weight"].sum()
    capacity = np.array([station_load(int(k)) / hours for k in sites["max_ports"]])
    pairs = np.argwhere(far <= radius)
    count, zone_count, site_count = len(pairs), len(zones), len(sites)
    cost = np.concatenate([sites["cost_usd"].to_numpy(),
                           [1000.0 * demand[j] * far[i, j] for i, j in pairs]])
    rows = lil_matrix((zone_count + site_count, site_count + count))
    for k, (i, j) in enumerate(pairs):
        rows[j, site_count + k] = 1.0
        rows[zone_count + i, site_count + k] = demand[j]
    for i in range(site_count):
        rows[zone_count + i, i] = -capacity[i]
    solved = milp(cost, integrality=np.r_[np.ones(site_count), np.zeros(count)],
                  bounds=Bounds(0, 1), options={"mip_rel_gap": 1e-10},
                  constraints=LinearConstraint(rows.tocsr(), np.r_[np.ones(zone_count),
                                                                   np.full(site_count, -np.inf)],
                                               np.r_[np.ones(zone_count), np.zeros(site_count)]))
    return float(solved.fun) if solved.status == 0 else None


def covering_optimum(zones: pd.DataFrame, sites: pd.DataFrame, radius: float,
                     most: int) -> float:
    covers = distances(zones, sites) <= radius
    weight = zones["demand_weight"].to_numpy()
    site_count, zone_count = covers.shape
    rows = np.zeros((zone_count + 1, site_count + zone_count))
    rows[:zone_count, :site_count] = -covers.T.astype(float)
    rows[:zone_count, site_count:] = np.eye(zone_count)
    rows[zone_count, :site_count] = 1.0
    solved = milp(np.r_[np.zeros(site_count), -weight], bounds=Bounds(0, 1),
                  integrality=np.r_[np.ones(site_count), np.zeros(zone_count)],
                  constraints=LinearConstraint(rows, -np.inf, np.r_[np.zeros(zone_count),
                                                                    most]))
    return float(-solved.fun / weight.sum())


def test_siting_matches_scipy_milp_and_claims_optimal_only_when_it_is() -> None:
    rng = np.random.default_rng(2378)
    compared = 0
    for _ in range(14):
        site_count, zone_count = int(rng.integers(3, 8)), int(rng.integers(4, 12))
        zones = pd.DataFrame({"zone": [f"z{j}" for j in range(zone_count)],
                              "lat": 13.75 + rng.uniform(-0.3, 0.3, zone_count),
                              "lon": 100.5 + rng.uniform(-0.3, 0.3, zone_count),
                              "demand_weight": rng.uniform(1, 50, zone_count).round(1)})
        sites = pd.DataFrame({"site": [f"s{i}" for i in range(site_count)],
                              "lat": 13.75 + rng.uniform(-0.3, 0.3, site_count),
                              "lon": 100.5 + rng.uniform(-0.3, 0.3, site_count),
                              "max_ports": rng.integers(2, 20, site_count),
                              "cost_usd": rng.integers(10, 300, site_count) * 1000.0})
        arrivals, hours = float(rng.uniform(5, 60)), float(rng.uniform(0.3, 1.0))
        radius, most = float(rng.uniform(25, 50)), int(rng.integers(1, site_count + 1))
        optimum = capacitated_optimum(zones, sites, arrivals, hours, radius)
        for limit in (60.0, 0.5):
            options = SolveOptions(time_limit=limit)
            try:
                result = site_chargers(zones, sites, peak_hour_arrivals=arrivals,
                                       session_hours=hours, service_radius_km=radius,
                                       method="capacitated", options=options)
            except InfeasibleError:
                assert optimum is None
            else:
                assert optimum is not None
                table, assignment = result.sites, result.assignment
                value = table["site_cost_usd"].sum() + 1000.0 * (
                    assignment["peak_hour_arrivals"] * assignment["distance_km"]).sum()
                assert value >= optimum * (1 - 1e-7)
                if result.location.status == "optimal":
                    assert value == pytest.approx(optimum, rel=1e-6)
                compared += 1
            covered = site_chargers(zones, sites, peak_hour_arrivals=arrivals,
                                    session_hours=hours, service_radius_km=radius,
                                    sites_to_open=most, options=options)
            best = covering_optimum(zones, sites, radius, most)
            assert covered.covered_share <= best + 1e-9
            if covered.location.status == "optimal":
                assert covered.covered_share == pytest.approx(best, abs=1e-9)
    assert compared >= 8


def fewest_pools(km: np.ndarray, length: float, reach: float = 30.0) -> int | None:
    """Greedy interval cover of [0, length] (optimal on a line)."""
    covered, count = 0.0, 0
    while count == 0 or covered < length - 1e-9:
        usable = km[km - reach <= covered + 1e-9]
        if not len(usable) or (count and usable.max() + reach <= covered + 1e-12):
            return None
        covered, count = usable.max() + reach, count + 1
    return count


def test_corridor_pools_are_the_fewest() -> None:
    shipped = pd.read_csv(default_table_path("charging", "synthetic_corridor.csv"))
    assert len(corridor_pools(shipped, 620.0).pools) == fewest_pools(
        shipped["km"].to_numpy(), 620.0) == 15
    rng = np.random.default_rng(60)
    for _ in range(40):
        length = float(rng.uniform(20, 400))
        km = np.unique(np.round(rng.uniform(0, length, int(rng.integers(1, 16))), 1))
        want = fewest_pools(km, length)
        road = pd.DataFrame({"site": [f"c{i}" for i in range(len(km))], "km": km})
        try:
            got: int | None = len(corridor_pools(road, length).pools)
        except InfeasibleError:
            got = None
        assert got == want, (length, km.tolist())
