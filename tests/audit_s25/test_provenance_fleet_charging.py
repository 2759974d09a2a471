"""The fleet and charging defaults against facts-charging-recycling.md (audit s25, helper-92).

Survival curves (sections 1a and 1b, through evplan's own loader and survival function),
battery life parameters (1c, 3c), EVs per public charging point (2b), AFIR (2c), charger
costs (2e) and vehicle energy use (2f) are parsed from the reference and compared with
``evplan/fleet/data`` and ``evplan/charging/data``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evplan.fleet import survival
from evplan.fleet.params import load_battery, load_survival
from tests.audit_s25.test_provenance_reference import (
    find_row,
    first_number,
    markdown_table,
    numbers,
    reference_text,
    row,
)

FACTS = "facts-charging-recycling.md"
CHARGING = Path(__file__).resolve().parents[2] / "src" / "evplan" / "charging" / "data"
COUNTRY_CODES = {"Austria": "AT", "Denmark": "DK", "Finland": "FI", "France": "FR",
                 "Germany": "DE", "Ireland": "IE", "Italy": "IT", "Netherlands": "NL",
                 "Spain": "ES", "Switzerland": "CH", "United Kingdom": "GB"}
EU_MEMBERS = ["AT", "DK", "FI", "FR", "DE", "IE", "IT", "NL", "ES"]
IEA_REGIONS = {"*": "World", "CN": "China", "EU": "EU27", "GB": "United Kingdom",
               "US": "USA", "JP": "Japan", "KR": "Korea", "IN": "India"}
USD_PER_EUR = 1.08  # the shipped rows' stated estimate (not in the facts)


def test_weibull_parameters_and_medians_are_the_facts() -> None:
    rows = markdown_table(reference_text(FACTS), "| Country | γ (mean, yr) | β (shape) |")
    curves = load_survival().set_index("market")
    for facts in rows:
        code = COUNTRY_CODES[facts["Country"]]
        curve = curves.loc[code]
        assert curve["mean_years"] == first_number(facts["γ (mean, yr)"]), code
        assert curve["shape"] == first_number(facts["β (shape)"]), code
        assert curve["scale_years"] == pytest.approx(
            first_number(facts["derived scale η"]), abs=0.006), code
        median = first_number(facts["derived median (yr)"])
        assert survival(curve, np.array([median - 0.06, median + 0.06])).tolist() == [
            pytest.approx(0.5, abs=0.01)] * 2, code
    # the EU row: unweighted mean life and shape of the nine EU members (stated derivation)
    members = [r for r in rows if COUNTRY_CODES[r["Country"]] in EU_MEMBERS]
    assert curves.loc["EU", "mean_years"] == pytest.approx(
        np.mean([first_number(r["γ (mean, yr)"]) for r in members]), abs=0.05)
    assert curves.loc["EU", "shape"] == pytest.approx(
        np.mean([first_number(r["β (shape)"]) for r in members]), abs=0.005)


def test_china_and_north_american_curves() -> None:
    rows = markdown_table(reference_text(FACTS), "| Region | Functional form | Parameters |")
    china = row(rows, "China, private passenger vehicles")
    scale, shape = (float(x) for x in re.findall(r"[ab] = ([\d.]+)", china["Parameters"]))
    curves = load_survival().set_index("market")
    assert (curves.loc["CN", "scale_years"], curves.loc["CN", "shape"]) == (scale, shape)
    stated = dict(re.findall(r"S\((\d+)\)=([\d.]+)", china["Median / mean life"]))
    ages = np.array([float(age) for age in stated])
    np.testing.assert_allclose(survival(curves.loc["CN"], ages).round(2),
                               [float(v) for v in stated.values()])
    busch = row(rows, "Generic EV model default")["Parameters"]
    mean, sd = (float(x) for x in re.search(r"EV mean (\d+) yr, sd (\d+)", busch).groups())
    max_age = float(re.search(r"max age (\d+)", busch).group(1))
    for market in ("US", "CA", "*"):
        curve = curves.loc[market]
        assert (curve["curve"], curve["mean_years"], curve["sd_years"],
                curve["max_age_years"]) == ("logistic", mean, sd, max_age), market


def test_battery_life_parameters() -> None:
    text = reference_text(FACTS)
    battery = load_battery().set_index("chemistry")
    masses = markdown_table(text, "| Chemistry | pack kg per 100 kWh |")
    for chemistry, label in (("LFP", "LFP"), ("NMC811", "NMC811"), ("NMC622", "NMC622"),
                             ("NMC111", "NMC111"), ("NCA", "NCA"), ("LMO", "LMO/LTO")):
        assert battery.loc[chemistry, "pack_kg_per_kwh"] == pytest.approx(
            first_number(row(masses, label)["pack kg per 100 kWh"]) / 100), chemistry
    fade = first_number(find_row(text, "| Parameter | Value |", "Capacity fade, model")["Value"])
    lifetime = numbers(find_row(text, "| Parameter | Value |", "Battery (LIB) lifetime")["Value"])
    second_life = find_row(text, "| Parameter | Value |", "Share of retired LIBs")["Value"]
    max_age = find_row(text, "| Parameter | Value |", "Max LIB age for repurposing")["Value"]
    soh = numbers(find_row(text, "| Parameter | Value |", "SOH at EV retirement")["Value"])
    for chemistry in battery.index:
        parameters = battery.loc[chemistry]
        assert parameters["capacity_fade_per_year"] == fade / 100
        assert parameters["life_sd_years"] == lifetime[1]
        assert parameters["second_life_share"] == first_number(second_life) / 100
        assert parameters["second_life_max_age_years"] == first_number(max_age)
        assert parameters["retirement_state_of_health"] == soh[0] / 100  # the low end
        # the stated consequence: fade to the retirement SOH takes the model's mean pack life
        years = (1 - parameters["retirement_state_of_health"]) / parameters[
            "capacity_fade_per_year"]
        assert years == pytest.approx(lifetime[0]), chemistry


def test_evs_per_public_charging_point_are_the_iea_ratios() -> None:
    rows = markdown_table(reference_text(FACTS), "| Region | Year | EV car stock |")
    markets = pd.read_csv(CHARGING / "markets.csv").set_index("market")
    for market, region in IEA_REGIONS.items():
        facts = [r for r in rows if r["Region"] == region and r["Year"] == "2023"]
        assert len(facts) == 1, region
        stock, slow, fast = (first_number(facts[0][c])
                             for c in ("EV car stock", "Public slow", "Public fast"))
        assert markets.loc[market, "evs_per_public_point"] == first_number(
            facts[0]["EVs per public point"]), market
        assert markets.loc[market, "evs_per_public_fast_point"] == first_number(
            facts[0]["EVs per public fast point"]), market
        # and the facts' own derivation holds (car stock over public points)
        assert stock / (slow + fast) == pytest.approx(
            markets.loc[market, "evs_per_public_point"], abs=0.06), market


def test_vehicle_energy_use_and_us_mileage() -> None:
    text = reference_text(FACTS)
    markets = pd.read_csv(CHARGING / "markets.csv").set_index("market")
    real_world = find_row(text, "| Item | Value |", "BEV energy use, Europe")["Value"]
    kwh_per_100_km = float(re.search(r"real-world \*\*(\d+)", real_world).group(1))
    assert markets.loc["EU", "bev_kwh_per_km"] == kwh_per_100_km / 100
    miles_per_kwh = first_number(find_row(text, "| Item | Value |", "US rule of thumb")["Value"])
    assert markets.loc["US", "bev_kwh_per_km"] == pytest.approx(
        1 / (miles_per_kwh * 1.609344), abs=0.005)
    nhtsa = find_row(text, "| Region | Functional form |", "USA (NHTSA)")["Median / mean life"]
    lifetime_km = first_number(nhtsa) * 1.609344
    median_years = first_number(re.search(r"≈ \*\*(\d+) yr\*\* cars", find_row(
        text, "| Region | Functional form |", "USA, passenger cars")["Median / mean life"]
    ).group(1))
    assert markets.loc["US", "annual_km"] == pytest.approx(lifetime_km / median_years, rel=0.002)


def test_afir_requirements() -> None:
    text = reference_text(FACTS)
    afir = yaml.safe_load((CHARGING / "afir.yaml").read_text(encoding="utf-8"))
    rows = markdown_table(text, "| Requirement | Value | Source |")
    for key, label in (("public_kw_per_bev", "Fleet-based target, BEV"),
                       ("public_kw_per_phev", "Fleet-based target, PHEV"),
                       ("core_spacing_km", "LDV, TEN-T core, max spacing")):
        assert afir[key] == first_number(row(rows, label)["Value"]), key
    for pool in afir["pools"]:
        facts = numbers(row(rows, f"TEN-T core, by 31 Dec {pool['from_year']}")["Value"])
        assert (pool["pool_kw"], pool["points_at_least_150_kw"], 150) == tuple(facts)


def test_charger_capex_per_port() -> None:
    text = reference_text(FACTS)
    costs = pd.read_csv(CHARGING / "charger_costs.csv").set_index(["market", "charger_class"])
    capex = costs["capex_usd_per_port"]
    acea = find_row(text, "| Item | Value |", "Europe 2030 investment per kW")["Value"]
    per_kw = {"AC22": (r"AC 4–22 kW €(\d+)/kW", 11), "DC150": (r"DC 150 kW €(\d+)/kW", 150),
              "DC350": (r"DC 350 kW €(\d+)/kW", 350)}
    for charger, (pattern, kw) in per_kw.items():
        eur = float(re.search(pattern, acea.replace("**", "")).group(1)) * kw
        assert capex[("*", charger)] == pytest.approx(eur * USD_PER_EUR, abs=50), charger
    inl = find_row(text, "| Item | Value |", "US DCFC station, 6 × 50 kW")["Value"]
    assert capex[("*", "DC50")] == pytest.approx(first_number(inl) / 6, abs=1)
    inl_350 = find_row(text, "| Item | Value |", "US DCFC station, 6 × 350 kW")["Value"]
    assert capex[("US", "DC350")] == pytest.approx(first_number(inl_350) / 6, abs=100)
    calevip = find_row(text, "| Item | Value |", "California CALeVIP DC fast")["Value"]
    four_plus = float(re.search(r"\$([\d,]+) \(4\+\)", calevip).group(1).replace(",", ""))
    assert capex[("US", "DC150")] == four_plus
    assert not math.isnan(capex.sum())
