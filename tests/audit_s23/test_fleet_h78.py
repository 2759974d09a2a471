"""Audit s23 (helper-78): the fleet against an independent computation and the sources.

Every expected number here is made without evplan's fleet code: survival curves written
out from their formulas (Weibull exp(-(t/a)^b); logistic renormalised to S(0) = 1, 0 beyond
the maximum age), mid-year ages, and a plain loop over vintages; the survival facts come
from /work/shared/reference/facts-charging-recycling.md, sections 1a and 1b.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evplan.fleet import FleetOptions, load_survival, project_fleet

SURVIVAL = {  # the shipped rows, read off the facts, not off evplan
    "CN": ("weibull", 14.46, 4.79, None),
    "EU": ("weibull", 15.9 / math.gamma(1 + 1 / 3.81), 3.81, None),
    "US": ("logistic", 17.0, 4.0, 30.0),
    "TH": ("logistic", 17.0, 4.0, 30.0),  # the '*' row
}
PACK = {"LFP": 6.66, "NMC622": 5.23}  # kg/kWh, BatPaC 666 and 523 kg per 100 kWh


def logistic(t: np.ndarray, mean: float, sd: float) -> np.ndarray:
    scale = sd * math.sqrt(3) / math.pi
    cdf = 1 / (1 + np.exp(-(t - mean) / scale))
    return (1 - cdf) / (1 - 1 / (1 + math.exp(mean / scale)))


def vehicle_survival(market: str, age: np.ndarray) -> np.ndarray:
    form, first, second, max_age = SURVIVAL[market]
    t = np.maximum(age, 0.0)
    if form == "weibull":
        value = np.exp(-((t / first) ** second))
    else:
        value = logistic(t, first, second)
        value = np.where(t > max_age, 0.0, value)
    return np.where(age < 0, 1.0, value)


def pack_survival(market: str, age: np.ndarray) -> np.ndarray:
    # 2 %/yr fade to 70 % state of health: mean 15 yr, sd 4 (Busch et al.)
    return vehicle_survival(market, age) * np.where(age < 0, 1.0, logistic(
        np.maximum(age, 0.0), 0.30 / 0.02, 4.0))


HISTORY = pd.DataFrame([
    # market, year, powertrain, vehicles, kWh per vehicle, origin
    ("CN", 2015, "BEV", 1000.0, 50.0, "CN"),
    ("CN", 2017, "BEV", 2000.0, 50.0, "CN"),          # no 2016: a year gap
    ("CN", 2017, "PHEV", 500.0, 20.0, "CN"),
    ("EU", 2016, "BEV", 300.0, 60.0, "DE"),
    ("EU", 2016, "BEV", 100.0, 0.0, "DE"),            # sold without a traction pack
    ("EU", 2018, "ICE", 700.0, 0.0, "DE"),
    ("US", 2015, "PHEV", 400.0, 15.0, "US"),
    ("TH", 2018, "BEV", 250.0, 40.0, "CN"),           # the '*' curve
], columns=["market", "year", "powertrain", "sales_vehicles", "battery_kwh", "origin"])


def expected_tables(after_plan: str, years_after: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Vehicles in use and retired by market, powertrain, year; packs by market, year,
    chemistry (packs, kWh, tonnes, second-life kWh, packs in use): vintage by vintage."""
    last_sales = int(HISTORY["year"].max())
    years = range(int(HISTORY["year"].min()), last_sales + years_after + 1)
    sold = HISTORY.assign(
        chemistry=np.where(HISTORY["origin"] == "CN", "LFP", "NMC622"))
    rows, packs = [], []
    for (market, powertrain), group in sold.groupby(["market", "powertrain"]):
        by_year = group.groupby("year")["sales_vehicles"].sum()
        for year in years:
            in_use = retired = 0.0
            for vintage in range(years.start, year + 1):
                amount = by_year.get(vintage, 0.0) if vintage <= last_sales else (
                    by_year.get(last_sales, 0.0) if after_plan == "flat" else 0.0)
                lag = np.array([year - vintage - 0.5, year - vintage + 0.5])
                before, after = vehicle_survival(market, lag)
                in_use += amount * after
                retired += amount * (before - after)
            sales = by_year.get(year, 0.0) if year <= last_sales else (
                by_year.get(last_sales, 0.0) if after_plan == "flat" else 0.0)
            rows.append((market, powertrain, year, sales, in_use, retired))
    for (market, chemistry), group in sold.groupby(["market", "chemistry"]):
        with_pack = group[group["battery_kwh"] > 0]
        vehicles = with_pack.groupby("year")["sales_vehicles"].sum()
        kwh = (with_pack["sales_vehicles"] * with_pack["battery_kwh"]).groupby(
            with_pack["year"]).sum()
        for year in years:
            total = dict.fromkeys(("packs", "kwh", "second_kwh", "in_use"), 0.0)
            for vintage in range(years.start, year + 1):
                source = vintage if vintage <= last_sales else last_sales
                keep = vintage <= last_sales or after_plan == "flat"
                count = vehicles.get(source, 0.0) * keep
                energy = kwh.get(source, 0.0) * keep
                lag = year - vintage
                before, after = pack_survival(market, np.array([lag - 0.5, lag + 0.5]))
                total["packs"] += count * (before - after)
                total["kwh"] += energy * (before - after)
                total["second_kwh"] += energy * (before - after) * 0.5 * (lag <= 12)
                total["in_use"] += count * after
            packs.append((market, year, chemistry, total["packs"], total["kwh"],
                          total["kwh"] * PACK[chemistry] / 1000, total["second_kwh"],
                          total["in_use"]))
    fleet = pd.DataFrame(rows, columns=["market", "powertrain", "year", "sales", "in_use",
                                        "retired"])
    pack_table = pd.DataFrame(packs, columns=["market", "year", "chemistry", "packs", "kwh",
                                              "tonnes", "second_kwh", "packs_in_use"])
    return fleet, pack_table


@pytest.mark.parametrize(("after_plan", "years_after"), [("flat", 4), ("zero", 3), ("flat", 0)])
def test_stock_and_packs_match_a_vintage_by_vintage_computation(after_plan: str,
                                                                years_after: int) -> None:
    fleet = project_fleet(history=HISTORY, options=FleetOptions(years_after, after_plan))
    want, want_packs = expected_tables(after_plan, years_after)
    got = fleet["fleet"].merge(want, on=["market", "powertrain", "year"], how="outer",
                               indicator=True)
    assert (got["_merge"] == "both").all(), got[got["_merge"] != "both"]
    np.testing.assert_allclose(got["sales_vehicles"], got["sales"], atol=1e-9)
    np.testing.assert_allclose(got["vehicles_in_use"], got["in_use"], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(got["retired_vehicles"], got["retired"], rtol=1e-10, atol=1e-9)
    # the vintages add up to the fleet, and a vintage never exceeds what was sold
    by_vintage = fleet["fleet_by_vintage"].groupby(["market", "powertrain", "year"])[
        ["vehicles_in_use", "retired_vehicles"]].sum()
    joined = got.merge(by_vintage.reset_index(), on=["market", "powertrain", "year"],
                       how="left", suffixes=("", "_v")).fillna({"vehicles_in_use_v": 0.0})
    np.testing.assert_allclose(joined["vehicles_in_use_v"], joined["in_use"], atol=1e-6)
    retired = fleet["packs_retired"].merge(want_packs, on=["market", "year", "chemistry"],
                                           how="right", suffixes=("", "_want")
                                           ).fillna({"packs": 0.0, "kwh": 0.0, "tonnes": 0.0})
    for column in ("packs", "kwh", "tonnes"):
        np.testing.assert_allclose(retired[column], retired[f"{column}_want"], rtol=1e-9,
                                   atol=1e-9)
    second = fleet["pack_end_of_life"].query("route == 'second_life'").merge(
        want_packs, on=["market", "year", "chemistry"], how="right").fillna({"kwh_x": 0.0})
    np.testing.assert_allclose(second["kwh_x"], second["second_kwh"], rtol=1e-9, atol=1e-9)
    in_use = fleet["packs_in_use"].merge(want_packs, on=["market", "year", "chemistry"],
                                         how="right").fillna({"packs_x": 0.0})
    np.testing.assert_allclose(in_use["packs_x"], in_use["packs_in_use"], rtol=1e-9,
                               atol=1e-9)
    # the 100 EU BEVs without a pack retire no pack: 300 packs of 60 kWh, nothing more
    eu = fleet["packs_retired"].query("market == 'EU'")
    assert eu["kwh"].sum() / eu["packs"].sum() == pytest.approx(60.0)


def test_the_default_survival_curves_are_the_sourced_ones() -> None:
    curves = load_survival().set_index("market")
    china = curves.loc["CN"]
    ages = np.array([10.0, 15.0, 20.0])
    got = np.exp(-((ages / china["scale_years"]) ** china["shape"]))
    np.testing.assert_allclose(got.round(2), [0.84, 0.30, 0.01])  # facts 1a
    median = china["scale_years"] * math.log(2) ** (1 / china["shape"])
    assert round(median, 1) == 13.4
    # facts 1b: derived scale eta = mean / Gamma(1 + 1/shape), two decimals
    eta = {"AT": 16.94, "DK": 18.56, "FI": 24.67, "FR": 16.72, "DE": 15.32, "IE": 14.34,
           "IT": 15.56, "NL": 16.73, "ES": 19.67, "CH": 15.69, "GB": 14.92}
    for market, scale in eta.items():
        assert round(curves.loc[market, "scale_years"], 2) == scale, market
    members = ["AT", "DK", "FI", "FR", "DE", "IE", "IT", "NL", "ES"]
    assert round(curves.loc[members, "mean_years"].mean(), 1) == curves.loc["EU", "mean_years"]
    assert round(curves.loc[members, "shape"].mean(), 2) == curves.loc["EU", "shape"]
    for market in ("US", "CA", "*"):  # Busch et al.: logistic mean 17, sd 4, max age 30
        assert curves.loc[market, ["curve", "mean_years", "sd_years", "max_age_years"]
                          ].tolist() == ["logistic", 17.0, 4.0, 30.0]


@pytest.mark.parametrize("market", ["CN", "EU", "US"])
def test_constant_sales_converge_to_sales_times_mean_life(market: str) -> None:
    """docs/fleet-charging.md: mid-year ages make a constant sales rate converge to
    sales x mean life (to 0.2 %); mean life integrated here on a fine grid."""
    history = pd.DataFrame({"market": market, "year": range(1950, 2031), "powertrain": "ICE",
                            "sales_vehicles": 1000.0})
    fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=0))
    in_use = fleet["fleet"].query("year == 2030")["vehicles_in_use"].sum()
    step = 0.001
    ages = np.arange(0, 80, step) + step / 2
    mean_life = float(vehicle_survival(market, ages).sum() * step)
    assert in_use / 1000.0 == pytest.approx(mean_life, rel=0.002)


PLAN = """
import sys
from pathlib import Path
import evplan
from evplan.data import validate_tables
from evplan.examples import single_lane
base = single_lane(first_year=2023, last_year=2024, capacity=5000.0, tiers=((3000.0, 30000.0),))
tables = {n: t.drop(columns=["row", "source"], errors="ignore") for n, t in base.tables.items()}
for table in tables.values():
    if "market" in table.columns:
        table["market"] = table["market"].replace({"M1": "TH"})
tables["markets"]["country"] = "TH"
data = validate_tables(tables, base.scenario.as_dict() | {"name": "tiny-th"})
evplan.write_result(evplan.optimize(data), Path(sys.argv[1]))
"""


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_every_bad_cell_of_every_fleet_file_is_named_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    done = subprocess.run([sys.executable, "-c", PLAN, str(folder)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    files = {
        "survival.csv": "market,curve,scale_years,shape,mean_years,sd_years,max_age_years\n"
                        "CN,weibull,14.46,nan,,,\nEU,weibull,,3.81,inf,,\n"
                        "US,logistic,,,17,-4,30\nCA,,,,17,4,30\n*,logistic,,,abc,4,30\n",
        "battery.csv": "chemistry,pack_kg_per_kwh,capacity_fade_per_year,"
                       "retirement_state_of_health,life_sd_years,second_life_share,"
                       "second_life_max_age_years\nLFP,NaN,0.02,0.7,4,0.5,12\n"
                       "NMC622,5.23,0.02,-0.7,4,0.5,12\nNCA,5.11,0.02,0.7,,half,12\n",
        "chemistry.csv": "program,origin,powertrain,chemistry,share\n*,*,BEV,LFP,-inf\n"
                         "*,*,PHEV,,1\n*,*,ICE,LFP,one\n",
        "history.csv": "market,year,powertrain,sales_vehicles,battery_kwh\n"
                       "TH,2020,BEV,nan,\nTH,,BEV,100,60\nTH,2019,PHEV,-5,20\n"
                       "TH,2018.5,BEV,100,abc\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    before = snapshot(folder)
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "fleet", str(folder),
                           "--no-record", "--survival", str(tmp_path / "survival.csv"),
                           "--battery", str(tmp_path / "battery.csv"),
                           "--chemistry", str(tmp_path / "chemistry.csv"),
                           "--history", str(tmp_path / "history.csv")],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    text = " ".join(done.stderr.split())
    for expected in (
            "5 problems in survival.csv", "row 2, market 'CN': shape = 'nan' is not a number",
            "row 3, market 'EU': mean_years = 'inf' is not a number",
            "row 4, market 'US': sd_years = -4 is outside [0.01, 100]",
            "row 5, market 'CA': curve is blank", "row 6, market '*': mean_years = 'abc'",
            "4 problems in battery.csv", "pack_kg_per_kwh = 'NaN' is not a number",
            "retirement_state_of_health = -0.7 is outside [0, 1]",
            "life_sd_years is blank", "second_life_share = 'half' is not a number",
            "3 problems in chemistry.csv", "share = '-inf' is not a number",
            "chemistry is blank", "share = 'one' is not a number",
            "5 problems in history.csv", "sales_vehicles = 'nan' is not a number",
            "year is blank", "sales_vehicles = -5 is below the minimum 0",
            "year = 2018.5 is not a whole number", "battery_kwh = 'abc' is not a number"):
        assert expected in text, expected
    assert snapshot(folder) == before  # nothing written, nothing half-written
