"""Siting: maximal covering and corridor pools against brute force on small cases."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evplan.charging import corridor_pools, haversine_km, site_chargers
from evplan.charging.siting import read_corridor, read_sites, read_zones


def random_case(seed: int, zones: int = 9, sites: int = 6) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    zone_table = pd.DataFrame({"zone": [f"z{i}" for i in range(zones)],
                               "lat": rng.uniform(10, 10.4, zones),
                               "lon": rng.uniform(100, 100.4, zones),
                               "demand_weight": rng.integers(1, 20, zones).astype(float)})
    site_table = pd.DataFrame({"site": [f"s{i}" for i in range(sites)],
                               "lat": rng.uniform(10, 10.4, sites),
                               "lon": rng.uniform(100, 100.4, sites),
                               "max_ports": 30, "cost_usd": rng.uniform(1, 5, sites)})
    return zone_table, site_table


@pytest.mark.parametrize("seed", range(6))
def test_maximal_covering_matches_brute_force(seed: int) -> None:
    zones, sites = random_case(seed)
    radius, open_count = 15.0, 2
    distance = haversine_km(sites["lat"].to_numpy()[:, None], sites["lon"].to_numpy()[:, None],
                            zones["lat"].to_numpy()[None, :], zones["lon"].to_numpy()[None, :])
    covers = distance <= radius
    weight = zones["demand_weight"].to_numpy()
    best = max(weight[covers[list(pick)].any(axis=0)].sum()
               for pick in itertools.combinations(range(len(sites)), open_count))
    result = site_chargers(zones, sites, peak_hour_arrivals=30.0, session_hours=0.5,
                           service_radius_km=radius, sites_to_open=open_count)
    assert result.covered_share * weight.sum() == pytest.approx(best)
    assert result.sites["open"].sum() <= open_count
    opened = result.sites[result.sites["open"]]
    assert opened["peak_hour_arrivals"].sum() == pytest.approx(30.0 * best / weight.sum())


def brute_force_pools(km: np.ndarray, length: float, spacing: float) -> int:
    for count in range(1, len(km) + 1):
        for pick in itertools.combinations(sorted(km), count):
            gaps = np.diff([-pick[0], *pick, 2 * length - pick[-1]])
            if (gaps <= spacing + 1e-9).all():
                return count
    raise AssertionError("no feasible set")


@pytest.mark.parametrize("seed", range(8))
def test_corridor_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    length = 240.0
    km = np.unique(np.concatenate([rng.integers(0, 241, 9), np.arange(20, 240, 50)])
                   ).astype(float)
    corridor = pd.DataFrame({"site": [f"c{i}" for i in range(len(km))], "km": km})
    result = corridor_pools(corridor, length, max_spacing_km=60.0)
    assert len(result.pools) == brute_force_pools(km, length, 60.0)
    assert result.max_gap_km <= 60.0 + 1e-9


def test_pools_off_a_half_km_grid_are_never_more_than_the_spacing_apart() -> None:
    """Audit 4: road points every 0.5 km let pools at km 0.2 and 60.4 (60.2 km apart) pass
    as an optimal 60 km corridor; km 30.2-30.4 is within 30 km of neither."""
    from evplan.errors import InfeasibleError

    corridor = pd.DataFrame({"site": ["A", "B", "C"], "km": [0.2, 60.4, 90.0]})
    with pytest.raises(InfeasibleError) as caught:
        corridor_pools(corridor, 90.0, max_spacing_km=60.0)
    (line,) = caught.value.explanations
    assert "within 30 km of km 30.2-30.4 of the 90 km road" in line
    corridor.loc[1, "km"] = 60.2
    result = corridor_pools(corridor, 90.0, max_spacing_km=60.0)
    assert result.pools["site"].tolist() == ["A", "B"]
    assert result.max_gap_km == pytest.approx(60.0)


@pytest.mark.parametrize("seed", range(12))
def test_corridor_with_fractional_km_matches_brute_force(seed: int) -> None:
    from evplan.errors import InfeasibleError

    rng = np.random.default_rng(100 + seed)
    length = 150.0
    km = np.unique(np.round(rng.uniform(0, length, 7), 1))
    corridor = pd.DataFrame({"site": [f"c{i}" for i in range(len(km))], "km": km})
    try:
        expected = brute_force_pools(km, length, 40.0)
    except AssertionError:
        with pytest.raises(InfeasibleError):
            corridor_pools(corridor, length, max_spacing_km=40.0)
        return
    result = corridor_pools(corridor, length, max_spacing_km=40.0)
    assert len(result.pools) == expected
    assert result.max_gap_km <= 40.0 + 1e-9


def test_corridor_uses_afir_spacing_and_pool_power() -> None:
    corridor = read_corridor()
    result = corridor_pools(corridor, 620.0, year=2027, port_power_kw=150.0)
    assert result.max_gap_km <= 60.0
    assert set(result.pools["pool_kw"]) == {600.0}            # AFIR core pool from 2027
    assert set(result.pools["ports"]) == {4}
    early = corridor_pools(corridor, 620.0, year=2025, port_power_kw=350.0)
    assert set(early.pools["ports"]) == {2}                   # 400 kW pool: 2 x 350 kW


def test_capacitated_siting_serves_everyone_within_the_radius() -> None:
    zones, sites = read_zones(), read_sites()
    result = site_chargers(zones, sites, peak_hour_arrivals=60.0, session_hours=35 / 60,
                           service_radius_km=25.0, method="capacitated")
    assert result.covered_share == pytest.approx(1.0)
    assert result.assignment["distance_km"].max() <= 25.0
    opened = result.sites[result.sites["open"]]
    assert opened["peak_hour_arrivals"].sum() == pytest.approx(60.0)
    assert not opened["short_of_ports"].any()
    assert (opened["wait_probability"] <= 0.2 + 1e-12).all()
    assert (opened["ports"] <= opened["max_ports"]).all()


def test_example_data_says_synthetic() -> None:
    for table in (read_zones(), read_sites(), read_corridor()):
        assert table["notes"].str.startswith("synthetic").all()


def test_a_corridor_gap_and_too_little_site_capacity_are_explained_in_the_planners_terms(
        ) -> None:
    """Audit 2: a 5,000 km gap between two candidates gave 1,180 lines of "distances:
    customer 1233 ... has no row in distances", and sites too small for the demand "sites:
    total capacity ... in customers" (the location module's table names)."""
    from evplan.errors import InfeasibleError

    corridor = pd.DataFrame({"site": ["A", "B"], "km": [0.0, 5000.0]})
    with pytest.raises(InfeasibleError) as caught:
        corridor_pools(corridor, 5000.0, max_spacing_km=60.0)
    (line,) = caught.value.explanations
    assert line.startswith("corridor: no candidate site is within 30 km of km 30-4970 of the "
                           "5000 km road, so no choice of pools is at most 60 km apart")
    zones, sites = random_case(0)
    sites = sites.assign(max_ports=1)
    with pytest.raises(InfeasibleError) as caught:
        site_chargers(zones, sites, peak_hour_arrivals=10_000.0, session_hours=0.5,
                      service_radius_km=25.0, method="capacitated")
    (line,) = caught.value.explanations
    assert line.startswith(f"siting: the zones' 10,000 peak-hour arrivals need more than the "
                           f"{len(sites)} candidate sites can serve at the queueing target: "
                           f"their {len(sites)} ports (max_ports) take at most ")


def test_a_zone_beyond_the_radius_of_every_site_is_explained_in_the_planners_terms() -> None:
    """Audit 3: a zone at lat 0 gave "customer 'SZ01' has no row in costs ... Add a
    site-customer row to costs", a table the planner never sees."""
    from evplan.errors import InfeasibleError

    zones, sites = read_zones(), read_sites()
    zones.loc[0, "lat"] = 0.0
    with pytest.raises(InfeasibleError) as caught:
        site_chargers(zones, sites, peak_hour_arrivals=60.0, session_hours=35 / 60,
                      service_radius_km=25.0, method="capacitated")
    (line,) = caught.value.explanations
    zone = zones.loc[0, "zone"]
    assert line.startswith(f"siting: 1 zone(s) have no candidate site within the service "
                           f"radius of 25 km (nearest site in brackets): '{zone}' (")
    assert "costs" not in line and "lat and lon" in line


def test_every_bad_siting_file_is_reported_at_once(tmp_path: Path) -> None:
    """Zones header-only, sites with a bad cell, corridor with a wrong column: one error
    names the three files (it stopped at the zones and blamed 'customers'; audit)."""
    from evplan.charging.api import read_siting_tables
    from evplan.errors import InputError

    zones, sites, corridor = tmp_path / "z.csv", tmp_path / "s.csv", tmp_path / "c.csv"
    zones.write_text("zone,lat,lon,demand_weight\n", encoding="utf-8")
    sites.write_text("site,lat,lon,max_ports,cost_usd\nS1,abc,100.5,10,1000\n",
                     encoding="utf-8")
    corridor.write_text("pool\nP1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_siting_tables(zones, sites, corridor)
    problems = caught.value.problems
    assert list(dict.fromkeys(problem.file for problem in problems)) == [
        "z.csv", "s.csv", "c.csv"]
    assert problems[0].message == ("z.csv has a header but no rows. Add the rows, or leave "
                                   "the option out to use the synthetic example.")
    assert any("lat = 'abc' is not a number" in problem.message for problem in problems)


def test_zones_whose_nearby_sites_are_too_small_are_explained_in_the_planners_terms() -> None:
    """Audit 4: enough ports overall (42) but zone 'a' (18 of the 20 arrivals) reaches only
    S1 (2 ports, 1.5 arrivals an hour at P(wait) <= 0.2) gave "costs: customers 'a'
    (demand 18 in total) may only be served from sites 'S1', whose capacity totals
    1.48062; allow pairs to other sites in costs", tables the planner never sees."""
    from evplan.errors import InfeasibleError

    zones = pd.DataFrame({"zone": ["a", "b"], "lat": [0.0, 0.0], "lon": [0.0, 5.0],
                          "demand_weight": [9.0, 1.0]})
    sites = pd.DataFrame({"site": ["S1", "S2"], "lat": [0.0, 0.0], "lon": [0.01, 5.01],
                          "max_ports": [2, 40], "cost_usd": [1.0, 1.0]})
    with pytest.raises(InfeasibleError) as caught:
        site_chargers(zones, sites, peak_hour_arrivals=20.0, session_hours=0.5,
                      service_radius_km=25.0, method="capacitated")
    assert caught.value.explanations == [
        "siting: zone(s) 'a' (18.0 peak-hour arrivals in total) have only site(s) 'S1' within "
        "the service radius of 25 km, whose 2 ports (max_ports) take at most 1.5 arrivals an "
        "hour at the queueing target (16.5 short). Add candidate sites or ports near these "
        "zones, or widen the service radius."]


def _th_charging():  # type: ignore[no-untyped-def]
    from evplan.charging import plan_charging
    from evplan.fleet import FleetOptions, project_fleet

    history = pd.DataFrame({"market": "TH", "year": [2020, 2021], "powertrain": "BEV",
                            "sales_vehicles": 5000.0})
    return plan_charging(project_fleet(history=history,
                                       options=FleetOptions(years_after_plan=0)))


def test_your_own_corridor_runs_its_own_length_and_your_tables_are_not_called_synthetic(
        tmp_path: Path) -> None:
    """Audit 4: a corridor file of one's own was laid on the synthetic 620 km road (a 300 km
    road came out infeasible from km 320), and the terminal, the tables' notes and the
    report called the user's zones and corridor "synthetic"."""
    from evplan.charging import siting_example
    from evplan.charging.commands import charging_tables
    from evplan.charging.report import charging_charts

    charging = _th_charging()
    corridor = tmp_path / "road.csv"
    corridor.write_text("site,km,road_length_km\nA,10,\nB,60,300\nC,110,\nD,160,\nE,210,\n"
                        "F,260,\nG,290,\n", encoding="utf-8")
    zones = tmp_path / "zones.csv"
    read_zones().drop(columns="row").to_csv(zones, index=False)
    example = siting_example(charging, zones=zones, corridor=corridor)
    assert example.corridor.road_length_km == 300.0
    assert example.corridor.pools["site"].tolist() == list("ABCDEFG")
    assert example.notes == ("The sites are synthetic examples, not data.",
                             "Zones from zones.csv.", "Corridor from road.csv.")
    tables = example.tables()
    assert set(tables["charging_zones"]["source"]) == {"zones.csv"}
    assert set(tables["charging_sites"]["source"]) == {"synthetic_sites.csv"}
    assert set(tables["charging_corridor"]["source"]) == {"road.csv"}
    text = [part if isinstance(part, str) else part.title
            for part in charging_tables(charging, example)]
    assert any("zones from zones.csv, synthetic sites" in str(part) for part in text)
    assert any(str(part).startswith("Corridor (300 km road, from road.csv; 7 candidates)")
               for part in text)
    (chart,) = [c for c in charging_charts(tables) if c["id"] == "charging-map"]
    assert chart["caption"].endswith("Siting tables: zones from zones.csv, synthetic sites.")
    # without the column the road ends at the last candidate; two lengths are an error
    corridor.write_text("site,km\nA,10\nB,60\n", encoding="utf-8")
    assert siting_example(charging, corridor=corridor).corridor.road_length_km == 60.0
    corridor.write_text("site,km,road_length_km\nA,10,70\nB,60,80\n", encoding="utf-8")
    from evplan.errors import InputError

    with pytest.raises(InputError, match=r"road_length_km is 70, 80 on different rows of "
                                         r"road\.csv; the road has one length"):
        siting_example(charging, corridor=corridor)
    shipped = siting_example(charging)
    assert shipped.corridor.road_length_km == 620.0
    # a site named like markup is shown as typed in the map's hover (audit)
    named = dict(shipped.tables())
    named["charging_sites"] = named["charging_sites"].assign(
        site=lambda frame: "<b>" + frame["site"].astype(str) + "</b>")
    (chart,) = [c for c in charging_charts(named) if c["id"] == "charging-map"]
    hovers = [text for trace in chart["figure"]["data"] for text in trace.get("hovertext", [])]
    assert hovers and all(text.startswith("&lt;b&gt;") for text in hovers), hovers
    assert shipped.notes == ("The zones, sites and corridor are synthetic examples, not data.",)
    (chart,) = [c for c in charging_charts(shipped.tables()) if c["id"] == "charging-map"]
    assert chart["caption"].endswith("The shipped zones and sites are synthetic examples; pass "
                                     "--zones and --sites for a real study.")


def test_pools_exactly_the_spacing_apart_at_fractional_km_are_feasible_and_fewest() -> None:
    """Review: pairs kept within spacing/2 + 1e-9 were filtered again by set_covering with
    a strict ``<=``; float rounding (65.74 - 35.74 > 30) made this road infeasible, and a
    lone pool at km 36.9 of an 86.9 km road (50 km from either end) came with a second one."""
    corridor = pd.DataFrame({"site": ["a", "b", "c"], "km": [5.74, 65.74, 125.74]})
    result = corridor_pools(corridor, 155.74, max_spacing_km=60.0)
    assert result.pools["site"].tolist() == ["a", "b", "c"]
    assert result.location.status == "optimal"
    assert result.max_gap_km == pytest.approx(60.0)
    result = corridor_pools(pd.DataFrame({"site": ["a"], "km": [36.9]}), 86.9,
                            max_spacing_km=100.0)
    assert result.pools["site"].tolist() == ["a"]
    assert result.max_gap_km == pytest.approx(100.0)


def _random_exact_corridor(rng: np.random.Generator) -> tuple[pd.DataFrame, float, float]:
    """A corridor whose pools sit at exact multiples of half the spacing from a fractional
    offset (gaps that equal the spacing up to float rounding), with ties and pools at the
    road's ends; every other distance is at least 0.01 km from a spacing boundary."""
    spacing = float(rng.choice([60.0, 25.5, 40.3, 100.0, 0.3]))
    offset = round(float(rng.uniform(0, spacing / 2)), 2)
    steps = int(rng.integers(1, 6))
    length = round(offset + steps * spacing / 2 + float(rng.choice([0.0, 0.0, -0.01, 0.01])), 2)
    length = max(length, 0.0)
    grid = [round(offset + k * spacing / 2, 2) for k in range(steps + 1)]
    pool = [*grid, 0.0, length, *np.round(rng.uniform(0, length, 3), 2).tolist()]
    km = [float(rng.choice(pool)) for _ in range(int(rng.integers(1, 8)))]
    if len(km) > 1 and rng.random() < 0.4:
        km[1] = km[0]  # two candidate sites at the same km
    corridor = pd.DataFrame({"site": [f"s{i}" for i in range(len(km))], "km": km})
    return corridor, length, spacing


def _fewest_pools(km: list[float], length: float, spacing: float) -> int | None:
    """Fewest pools by enumeration, or None when no choice is at most ``spacing`` apart."""
    for count in range(1, len(km) + 1):
        for pick in itertools.combinations(sorted(km), count):
            gaps = np.diff([-pick[0], *pick, 2 * length - pick[-1]])
            if (gaps <= spacing + 1e-6).all():
                return count
    return None


@pytest.mark.parametrize("seed", range(150))
def test_corridor_at_exact_spacing_matches_brute_force(seed: int) -> None:
    from evplan.errors import InfeasibleError

    corridor, length, spacing = _random_exact_corridor(np.random.default_rng(7000 + seed))
    expected = _fewest_pools(corridor["km"].tolist(), length, spacing)
    if expected is None:
        with pytest.raises(InfeasibleError) as caught:
            corridor_pools(corridor, length, max_spacing_km=spacing)
        (line,) = caught.value.explanations
        assert f"of the {length:g} km road" in line and "pools" in line
        return
    result = corridor_pools(corridor, length, max_spacing_km=spacing)
    assert result.location.status == "optimal"
    assert len(result.pools) == expected
    assert result.max_gap_km <= spacing + 1e-6


def test_zones_that_all_weigh_nothing_are_an_input_error(tmp_path: Path) -> None:
    """Audit fcr-2: zones whose demand_weight are all 0 spread the market's arrivals over
    no zone; the siting example then sited 0 arrivals ("0% of demand"), opened a site with
    one port and exited 0. It is an input error naming the file, beside the other files'."""
    from evplan.charging.api import read_siting_tables
    from evplan.errors import InputError

    zones, sites = tmp_path / "zones.csv", tmp_path / "sites.csv"
    zones.write_text("zone,lat,lon,demand_weight\nz1,13.7,100.5,0\nz2,13.8,100.6,0\n",
                     encoding="utf-8")
    sites.write_text("site,lat,lon,max_ports,cost_usd\nS1,13.7,100.5,0,1000\n",
                     encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_siting_tables(zones, sites, None)
    problems = caught.value.problems
    assert [problem.file for problem in problems] == ["zones.csv", "sites.csv"]
    assert problems[0].message.startswith("every demand_weight in zones.csv is 0")
    table = pd.read_csv(zones)
    _, site_table = random_case(0)
    with pytest.raises(InputError, match="every zone's demand_weight is 0, so the 12 "):
        site_chargers(table, site_table, peak_hour_arrivals=12.0, session_hours=0.5,
                      service_radius_km=50.0, method="capacitated")
    # no demand at all to site is still fine
    empty = site_chargers(table, site_table, peak_hour_arrivals=0.0, session_hours=0.5,
                          service_radius_km=50.0, sites_to_open=1)
    assert empty.sites["peak_hour_arrivals"].sum() == 0.0
