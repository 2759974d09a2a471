"""Fleet stock: analytic steady state, stock balance, packs, history and the plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evplan.fleet import (
    FleetOptions,
    load_survival,
    mean_life_years,
    project_fleet,
    survival,
)
from evplan.fleet.params import load_battery


def constant_history(market: str, years: int = 150, per_year: float = 1000.0,
                     powertrain: str = "BEV") -> pd.DataFrame:
    return pd.DataFrame({"market": market, "year": np.arange(1950, 1950 + years),
                         "powertrain": powertrain, "sales_vehicles": per_year,
                         "battery_kwh": 50.0})


@pytest.mark.parametrize("market", ["CN", "EU", "US", "DE", "BR"])
def test_constant_sales_reach_sales_times_mean_life(market: str) -> None:
    fleet = project_fleet(history=constant_history(market),
                          options=FleetOptions(years_after_plan=0))
    last = fleet["fleet"].query("year == 2099")
    curves = load_survival()
    row = curves.set_index("market").reindex([market if market in set(curves["market"])
                                              else "*"]).iloc[0]
    expected = 1000.0 * float(mean_life_years(row))
    assert last["vehicles_in_use"].sum() == pytest.approx(expected, rel=2e-3)
    # in the steady state as many vehicles retire as are sold
    assert last["retired_vehicles"].sum() == pytest.approx(1000.0, rel=1e-6)


def test_china_curve_matches_the_published_points() -> None:
    china = load_survival().set_index("market").loc["CN"]
    assert survival(china, np.array([10.0, 15.0, 20.0])).round(2).tolist() == [0.84, 0.30, 0.01]
    assert float(mean_life_years(china)) == pytest.approx(13.24, abs=0.01)


def test_oguchi_rows_keep_their_mean_life() -> None:
    germany = load_survival().set_index("market").loc["DE"]
    assert float(mean_life_years(germany)) == pytest.approx(13.7, abs=0.01)


def test_stock_balance_holds_every_year() -> None:
    rng = np.random.default_rng(3)
    history = pd.DataFrame({"market": "CN", "year": np.arange(2000, 2030), "powertrain": "BEV",
                            "sales_vehicles": rng.uniform(0, 1000, 30), "battery_kwh": 40.0})
    fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=10))
    table = fleet["fleet"].sort_values("year")
    change = table["vehicles_in_use"].diff().fillna(table["vehicles_in_use"].iloc[0])
    assert np.allclose(change, table["sales_vehicles"] - table["retired_vehicles"])
    vintage = fleet["fleet_by_vintage"]
    assert vintage.groupby("year")["vehicles_in_use"].sum().to_numpy() == pytest.approx(
        table["vehicles_in_use"].to_numpy())


def test_packs_retire_no_later_than_vehicles_and_mass_follows_chemistry() -> None:
    history = constant_history("CN", years=120)
    history["chemistry"] = "LFP"
    fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=0))
    packs = fleet["packs_retired"].query("year == 2069")
    # steady state: every pack sold is retired once
    assert packs["packs"].sum() == pytest.approx(1000.0, rel=1e-6)
    assert packs["kwh"].sum() == pytest.approx(50_000.0, rel=1e-6)
    assert packs["tonnes"].sum() == pytest.approx(50_000.0 * 6.66 / 1000, rel=1e-6)
    in_use = fleet["packs_in_use"].query("year == 2069")["packs"].sum()
    vehicles = fleet["fleet"].query("year == 2069")["vehicles_in_use"].sum()
    assert in_use < vehicles
    routes = fleet["pack_end_of_life"].query("year == 2069").groupby("route")["packs"].sum()
    assert routes.sum() == pytest.approx(1000.0, rel=1e-6)
    assert 0 < routes["second_life"] <= 500.0


def test_pack_life_is_fade_to_retirement_health() -> None:
    battery = load_battery().set_index("chemistry").loc["LFP"]
    life = (1 - battery["retirement_state_of_health"]) / battery["capacity_fade_per_year"]
    assert life == pytest.approx(15.0)


def test_plan_and_history_together_and_flat_after_the_plan(tmp_path) -> None:
    from evplan.fleet.sales import plan_sales

    shipments = pd.DataFrame({"origin": "CN", "program": "P1", "powertrain": "BEV",
                              "market": "TH", "year": [2023, 2024], "export": True,
                              "shipment_vehicles": [100.0, 200.0]})
    plan = plan_sales(shipments, pd.DataFrame({"program": ["P1"], "battery_kwh": [60.0]}),
                      {"first_year": 2023, "last_year": 2024})
    history = pd.DataFrame({"market": ["TH"], "year": [2022], "powertrain": ["BEV"],
                            "sales_vehicles": [50.0]})
    fleet = project_fleet(plan, history=history, options=FleetOptions(years_after_plan=2))
    sales = fleet["fleet"].set_index("year")["sales_vehicles"]
    assert sales.to_dict() == {2022: 50.0, 2023: 100.0, 2024: 200.0, 2025: 200.0,
                               2026: 200.0}
    assert fleet.export_markets == ("TH",)
    used = fleet["fleet_sales"]
    assert set(used["chemistry"]) == {"LFP", "NMC622"}  # history has no origin
    assert set(used["basis"]) == {"history", "plan"}
    zero = project_fleet(plan, options=FleetOptions(years_after_plan=2, after_plan="zero"))
    assert zero["fleet"].set_index("year")["sales_vehicles"].loc[2025] == 0.0


def test_a_row_without_a_pack_adds_no_packs_to_its_group_year() -> None:
    """Packs count the vehicles sold with one (battery_kwh > 0), row by row: a 0 kWh row in
    the same market, powertrain, chemistry and year as a 50 kWh row used to count its 1,000
    vehicles as packs too (2,000 packs retired for 1,000 packs sold)."""
    history = pd.DataFrame({"market": ["CN", "CN"], "year": [2020, 2020],
                            "powertrain": ["BEV", "BEV"], "sales_vehicles": [1000.0, 1000.0],
                            "battery_kwh": [0.0, 50.0]})
    fleet = project_fleet(history=history,
                          options=FleetOptions(years_after_plan=60, after_plan="zero"))
    assert fleet["packs_retired"]["packs"].sum() == pytest.approx(1000.0, rel=1e-9)
    assert fleet["packs_retired"]["kwh"].sum() == pytest.approx(50_000.0, rel=1e-9)
    first = fleet["packs_in_use"].query("year == 2020")
    assert first["kwh"].iloc[0] / first["packs"].iloc[0] == pytest.approx(50.0)
