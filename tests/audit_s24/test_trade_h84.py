"""Audit s24 (helper-84): every duty kind on one lane, and the default scenario's duties,
against an independent computation from the input tables and docs/formulation.md.

The hand computation follows "Parameters per flow" and "Trade terms": customs value =
transfer price (+ freight on a CIF basis), full duty = max(ad valorem x value, minimum)
+ CVD x value + specific, in-quota duty = in-quota rate x value + CVD x value + specific,
the quota is quota_vehicles_per_year x share_of_quota, costs and prices convert at
fx[first year] / fx[year], minimum and specific duties do not convert, and a year outside
the duty row's range is priced at default_duty_rate (with the CVD on top).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.data import NetworkData, validate_tables
from evplan.examples import china_export, china_export_path, single_lane

YEARS = (2025, 2026)
FX = {("AA", 2025): 100.0, ("AA", 2026): 125.0, ("BB", 2025): 10.0, ("BB", 2026): 8.0}


def lane(case: Mapping[str, Any]) -> NetworkData:
    """single_lane over 2025-2026 (P1 in AA builds a BEV at 10,000, freight 1,000 to M1 in
    BB, 600 sell at 20,000) with one duty row of every kind that ``case`` sets."""
    data = single_lane(first_year=YEARS[0], last_year=YEARS[1], customs_basis=case["basis"])
    raw = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    quota = case.get("quota")
    raw["duties"] = pd.DataFrame({
        "origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
        "first_year": [case.get("row_first", "")], "last_year": [case.get("row_last", "")],
        "ad_valorem_rate": [case["rate"]], "specific_usd_per_vehicle": [case["specific"]],
        "minimum_usd_per_vehicle": [case["minimum"]],
        "quota_vehicles_per_year": ["" if quota is None else quota],
        "in_quota_rate": ["" if quota is None else case["in_quota"]],
        "quota_group": ["G" if case.get("share") is not None else ""]})
    if case.get("cvd"):
        raw["countervailing_duties"] = pd.DataFrame({
            "origin": ["AA"], "market": ["M1"], "powertrain": ["BEV"], "maker": ["*"],
            "cvd_rate": [case["cvd"]]})
    if case.get("markup") is not None:
        raw["transfer_prices"] = pd.DataFrame({"origin": ["AA"], "market": ["*"],
                                               "markup_on_full_cost": [case["markup"]]})
    if case.get("fx"):
        raw["exchange_rates"] = pd.DataFrame(
            [(country, year, rate) for (country, year), rate in FX.items()],
            columns=["country", "year", "local_per_usd"])
    if case.get("share") is not None:
        raw["quota_shares"] = pd.DataFrame({"quota_group": ["G"],
                                            "share_of_quota": [case["share"]]})
    settings = data.scenario.as_dict()
    if case.get("default") is not None:
        settings["default_duty_rate"] = case["default"]
    return validate_tables(raw, settings)


def by_hand(case: Mapping[str, Any]) -> tuple[float, dict[int, dict[str, float]]]:
    """The optimum and each year's vehicles, in-quota vehicles, duty per vehicle and duty."""
    objective, years = 0.0, {}
    for year in range(YEARS[0], YEARS[1] + 1):
        fx_cost = FX[("AA", YEARS[0])] / FX[("AA", year)] if case.get("fx") else 1.0
        fx_price = FX[("BB", YEARS[0])] / FX[("BB", year)] if case.get("fx") else 1.0
        cost, price, freight = 10_000.0 * fx_cost, 20_000.0 * fx_price, 1_000.0
        markup = case.get("markup")
        value = cost * (1 + (markup or 0.0)) + (freight if case["basis"] == "CIF" else 0.0)
        cvd = case.get("cvd", 0.0)
        inside_row = (case.get("row_first", YEARS[0]) <= year <= case.get("row_last",
                                                                             YEARS[1]))
        quota = 0.0
        if inside_row:
            full = max(case["rate"] * value, case["minimum"]) + cvd * value + case["specific"]
            in_quota = full
            if case.get("quota") is not None:
                share = case.get("share")
                quota = case["quota"] * (1.0 if share is None else share)
                in_quota = case["in_quota"] * value + cvd * value + case["specific"]
        else:
            full = in_quota = case["default"] * value + cvd * value
        earn_full, earn_quota = price - cost - freight - full, price - cost - freight - in_quota
        entered = min(quota, 600.0) if earn_quota > max(earn_full, 0.0) else 0.0
        rest = 600.0 - entered if earn_full > 0 else 0.0
        years[year] = {"vehicles": entered + rest, "in_quota": entered, "full": full,
                       "duty": entered * in_quota + rest * full}
        objective += entered * earn_quota + rest * earn_full  # discount rate 0
    return objective, years


BASE = {"rate": 0.1, "specific": 300.0, "minimum": 1_500.0, "cvd": 0.2, "basis": "CIF"}
CASES = {
    # minimum above the ad valorem duty, CVD and specific on top, quota shared at 25 %
    "all kinds, shared quota": {**BASE, "quota": 200.0, "in_quota": 0.0, "share": 0.25},
    # quota exactly the demand: every vehicle enters at the in-quota rate
    "quota exactly filled": {**BASE, "quota": 600.0, "in_quota": 0.05},
    "zero quota": {**BASE, "quota": 0.0, "in_quota": 0.0},
    "quota shared at 0 %": {**BASE, "quota": 200.0, "in_quota": 0.0, "share": 0.0},
    # minimum equal to the ad valorem duty (10 % of 11,000 = 1,100)
    "minimum equals ad valorem": {**BASE, "minimum": 1_100.0, "quota": 100.0,
                                  "in_quota": 0.0},
    # the lane stops paying above the quota: 50 % + 20 % CVD of 11,000 + 300 > 9,000
    "lane pays only inside the quota": {**BASE, "rate": 0.5, "quota": 150.0,
                                        "in_quota": 0.0},
    # currencies move the value (AA 100 -> 125, BB 10 -> 8); minimum, specific stay USD
    "exchange rates, transfer price": {**BASE, "minimum": 1_050.0, "fx": True, "markup": 0.1,
                                       "quota": 200.0, "in_quota": 0.05},
    "FOB, exchange rates": {**BASE, "basis": "FOB", "fx": True, "quota": 50.0,
                            "in_quota": 0.0},
    # the row covers 2026 only; 2025 pays default_duty_rate with the CVD on top
    "row from 2026, default before": {**BASE, "row_first": 2026, "default": 0.3,
                                      "quota": 200.0, "in_quota": 0.0, "share": 0.5},
    "row to 2025, default after": {**BASE, "row_last": 2025, "default": 0.0, "fx": True,
                                   "quota": 300.0, "in_quota": 0.02},
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_output_of_a_lane_with_every_duty_kind_matches_the_hand_computation(
        name: str) -> None:
    case = CASES[name]
    result = evplan.optimize(lane(case))
    objective, years = by_hand(case)
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(objective, rel=1e-9, abs=1e-3)
    shipments = result["shipments"].set_index("year")
    duties = result["duties"].set_index("year")
    margin = result["margin_by_market"].set_index("year")
    kpis = result.kpis
    paid = kpis[kpis["kpi"] == "duties_paid"].set_index("year")["value"]
    for year, expected in years.items():
        row = shipments.loc[year]
        assert row["shipment_vehicles"] == pytest.approx(expected["vehicles"], abs=1e-6)
        assert row["in_quota_vehicles"] == pytest.approx(expected["in_quota"], abs=1e-6)
        assert row["full_duty_usd_per_vehicle"] == pytest.approx(expected["full"], rel=1e-12)
        assert row["duty_usd"] == pytest.approx(expected["duty"], rel=1e-9, abs=1e-6)
        assert paid.get(year, 0.0) == pytest.approx(expected["duty"], rel=1e-9, abs=1e-6)
        assert margin.loc[year, "duty_usd"] == pytest.approx(expected["duty"], rel=1e-9,
                                                             abs=1e-6)
        if expected["vehicles"]:
            assert duties.loc[year, "duty_usd"] == pytest.approx(expected["duty"], rel=1e-9)
            assert duties.loc[year, "duty_usd_per_vehicle"] == pytest.approx(
                expected["duty"] / expected["vehicles"], rel=1e-9)


def _in_years(frame: pd.DataFrame, year: np.ndarray) -> np.ndarray:
    first = frame["first_year"].fillna(-1).to_numpy(float)
    last = frame["last_year"].fillna(1e9).to_numpy(float)
    return (first[None, :] <= year[:, None]) & (year[:, None] <= last[None, :])


@pytest.mark.slow  # a row-by-row lookup of 1,600 shipments: about 20 s alone, 60 s under load
def test_default_scenario_duty_per_vehicle_matches_a_recomputation_from_the_csvs() -> None:
    """Each of china-export's shipments: its full and in-quota duty per vehicle and the duty
    paid, recomputed from the CSV files with plain lookups (not evplan's resolver), and the
    Canada quota used at most at its national volume x Nissan's 10 % share."""
    folder = china_export_path()
    read = lambda name: pd.read_csv(folder / f"{name}.csv")  # noqa: E731
    plants, programs, plant_programs, routes, markets, duties, cvd, transfer, fx = (
        read(name) for name in ("plants", "programs", "plant_programs", "routes", "markets",
                                "duties", "countervailing_duties", "transfer_prices",
                                "exchange_rates"))
    shares = read("quota_shares").set_index("quota_group")["share_of_quota"]
    result = evplan.optimize(china_export())
    first_year = int(result["shipments"]["year"].min())
    shipments = result["shipments"].reset_index(drop=True)
    rates = fx.set_index(["country", "year"])["local_per_usd"]
    full, inside, quota_group = [], [], []
    for ship in shipments.itertuples():
        year = np.array([ship.year])
        plant = plants[(plants["plant"] == ship.plant) & _in_years(plants, year)[0]].iloc[0]
        program = programs.set_index("program").loc[ship.program]
        market = markets.set_index("market").loc[ship.market]
        country = plant["country"]
        factor = (rates[(country, first_year)] / rates[(country, ship.year)]
                  if country in rates.index.get_level_values(0) else 1.0)
        cost = plant_programs.set_index(["plant", "program"]).loc[
            (ship.plant, ship.program), "variable_cost_usd_per_vehicle"] * factor
        fixed = plant["fixed_cost_usd_per_year"] * factor / plant["capacity_vehicles_per_year"]
        lane_rows = routes[(routes["plant"] == ship.plant) & (routes["market"] == ship.market)]
        route = lane_rows[_in_years(lane_rows, year)[0]].iloc[0]
        markup = transfer[(transfer["origin"] == country) & (transfer["market"] == ship.market)]
        if markup.empty:
            markup = transfer[(transfer["origin"] == country) & (transfer["market"] == "*")]
        value = (cost + fixed) * (1 + float(markup["markup_on_full_cost"].iloc[0]))
        value += route["freight_usd_per_vehicle"] if market["customs_basis"] == "CIF" else 0.0
        if country == market["country"]:
            full.append(0.0)
            inside.append(0.0)
            quota_group.append("")
            continue
        lane_duties = duties[(duties["origin"] == country) & (duties["market"] == ship.market)]
        covering = lane_duties[_in_years(lane_duties, year)[0]]
        row = covering[covering["powertrain"] == program["powertrain"]]
        row = (row if len(row) else covering[covering["powertrain"] == "*"]).iloc[0]
        rate = 0.0
        lane_cvd = cvd[(cvd["origin"] == country) & (cvd["market"] == ship.market)]
        lane_cvd = lane_cvd[_in_years(lane_cvd, year)[0]]
        for maker, powertrain in ((program["maker"], program["powertrain"]),
                                  (program["maker"], "*"), ("*", program["powertrain"]),
                                  ("*", "*")):
            found = lane_cvd[(lane_cvd["maker"] == maker)
                             & (lane_cvd["powertrain"] == powertrain)]
            if len(found):
                rate = float(found["cvd_rate"].iloc[0])
                break
        minimum = 0.0 if pd.isna(row["minimum_usd_per_vehicle"]) else row[
            "minimum_usd_per_vehicle"]
        specific = 0.0 if pd.isna(row["specific_usd_per_vehicle"]) else row[
            "specific_usd_per_vehicle"]
        full.append(max(row["ad_valorem_rate"] * value, minimum) + rate * value + specific)
        has_quota = not pd.isna(row["quota_vehicles_per_year"])
        inside.append(row["in_quota_rate"] * value + rate * value + specific if has_quota
                      else full[-1])
        quota_group.append(f"{row['quota_group']}|{row['quota_vehicles_per_year']}"
                           if has_quota else "")
    assert shipments["full_duty_usd_per_vehicle"].to_numpy() == pytest.approx(
        np.array(full), rel=1e-12, abs=1e-9)
    assert shipments["in_quota_duty_usd_per_vehicle"].to_numpy() == pytest.approx(
        np.array(inside), rel=1e-12, abs=1e-9)
    paid = (shipments["shipment_vehicles"] * np.array(full)
            - shipments["in_quota_vehicles"] * (np.array(full) - np.array(inside)))
    assert shipments["duty_usd"].to_numpy() == pytest.approx(paid.to_numpy(), rel=1e-9,
                                                             abs=1e-6)
    groups = pd.Series(quota_group)
    used = shipments["in_quota_vehicles"].groupby([groups, shipments["year"]]).sum()
    for (group, _year), vehicles in used.items():
        if not group:
            assert vehicles == 0.0
            continue
        name, volume = group.split("|")
        assert vehicles <= float(volume) * shares.get(name, 1.0) + 1e-6
    assert math.isclose(used.sum(), 4_900 + 5_400 + 5_950 + 6_500 + 7_000, rel_tol=1e-9)
