"""Charging inputs: the core's messages word for word; the default scenario end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evplan.charging import ChargingOptions, load_parameters, plan_charging
from evplan.errors import InputError
from evplan.fleet import FleetOptions, project_fleet, sources
from evplan.fleet.tables import default_table_path


def messages(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [problem.message for problem in error.value.problems]


def test_negative_km_and_shares_above_one(tmp_path: Path) -> None:
    markets = pd.read_csv(default_table_path("charging", "markets.csv"), dtype=str)
    markets.loc[1, "annual_km"] = "-5"
    markets.loc[2, "home_charging_share"] = "60"
    markets.loc[3, "public_share_with_home"] = "1.5"
    file = tmp_path / "markets.csv"
    markets.to_csv(file, index=False)
    with pytest.raises(InputError) as caught:
        load_parameters(markets=file)
    assert messages(caught) == [
        "row 3, market 'CN': annual_km = -5 is outside [0, 200000]. Fix the sign or the value.",
        "row 4, market 'EU': home_charging_share = 60 is outside [0, 1]. Rates are fractions "
        "(60 % -> 0.6).",
        "row 5, market 'GB': public_share_with_home = 1.5 is outside [0, 1]. Rates are "
        "fractions (1.5 % -> 0.015).",
    ]
    assert str(caught.value).startswith("evplan: 3 problems in markets.csv")


def test_class_shares_must_add_up_and_costs_must_match(tmp_path: Path) -> None:
    classes = pd.read_csv(default_table_path("charging", "charger_classes.csv"), dtype=str)
    classes.loc[0, "public_energy_share"] = "0.5"
    costs = pd.read_csv(default_table_path("charging", "charger_costs.csv"), dtype=str)
    costs.loc[1, "charger_class"] = "DC5O"
    with pytest.raises(InputError) as caught:
        load_parameters(classes=classes, costs=costs)
    assert messages(caught) == [
        "market '*': public_energy_share adds up to 1.1, not 1. Make the classes of a market "
        "add up to 1.",
        "row 3: charger_class 'DC5O' is not in charger_classes.csv. Did you mean 'DC50'?",
        "charger_class 'DC50' has no cost row. Add one (market '*' applies everywhere).",
    ]


def test_unknown_market_suggests_the_closest() -> None:
    history = pd.DataFrame({"market": ["TH", "EU"], "year": 2029, "powertrain": "BEV",
                            "sales_vehicles": 1000.0})
    fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=0))
    with pytest.raises(InputError) as caught:
        plan_charging(fleet, options=ChargingOptions(markets=("THA", "EU")))
    assert messages(caught) == ["market 'THA' is not a market of the fleet. Did you mean 'TH'?"]


def test_options_no_port_count_can_meet_are_input_errors_and_markets_count_once() -> None:
    """Audit 2: --max-wait-probability 1, --last-year before the plan and --markets TH,TH
    ended in tracebacks (a root finder without a sign change, a cumulative sum of nothing,
    a reindex on repeated labels)."""
    from evplan.charging import QueueTarget

    for chance in (0.0, 1.0, float("nan")):
        with pytest.raises(InputError, match=r"max_wait_probability = .* is not strictly between"):
            QueueTarget(max_wait_probability=chance)
    with pytest.raises(InputError, match=r"max_mean_wait_minutes = 0\.0 is not a positive"):
        QueueTarget(max_mean_wait_minutes=0.0)
    history = pd.DataFrame({"market": ["TH", "EU"], "year": 2029, "powertrain": "BEV",
                            "sales_vehicles": 1000.0})
    fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=0))
    with pytest.raises(InputError) as caught:
        plan_charging(fleet, options=ChargingOptions(last_year=fleet.first_year - 1))
    assert messages(caught)[0].startswith(f"no year to size: first_year {fleet.first_year} "
                                          f"is after last_year {fleet.first_year - 1}")
    twice = plan_charging(fleet, options=ChargingOptions(markets=("TH", "TH")))
    once = plan_charging(fleet, options=ChargingOptions(markets=("TH",)))
    assert twice.markets == ("TH",)
    pd.testing.assert_frame_equal(twice.tables["charging_summary"],
                                  once.tables["charging_summary"])


def test_a_last_year_after_the_fleets_is_an_input_error() -> None:
    """Audit 4: --last-year 2100 on a fleet to 2050 sized 2023-2050 without a word."""
    from evplan.fleet.sales import plan_sales

    shipments = pd.DataFrame({"origin": "CN", "program": "P1", "powertrain": "BEV",
                              "market": "TH", "year": [2023], "export": True,
                              "shipment_vehicles": [100.0]})
    plan = plan_sales(shipments, None, {"first_year": 2023, "last_year": 2023}, ["TH"])
    fleet = project_fleet(plan, options=FleetOptions(years_after_plan=2))
    with pytest.raises(InputError) as caught:
        plan_charging(fleet, options=ChargingOptions(last_year=2030))
    assert messages(caught) == [
        "last_year 2030 is after the fleet's last year 2025 (the plan's last year 2023 + "
        "years_after_plan 2): there are no vehicles to size for. Give a last year up to "
        "2025, or project the fleet further (--years-after-plan 7)."]
    assert plan_charging(fleet, options=ChargingOptions(last_year=2025)).years == (
        2023, 2024, 2025)


def test_every_default_row_names_a_known_source() -> None:
    known = set(sources())
    for file in ("markets.csv", "charger_classes.csv", "charger_costs.csv"):
        table = pd.read_csv(default_table_path("charging", file))
        for text in table["source"]:
            cited = set(pd.Series([text]).str.findall(r"\[([^\]]+)\]").iloc[0])
            assert cited <= known, (file, cited - known)
            assert cited or "estimate" in text


@pytest.mark.slow
def test_default_scenario_in_one_command(tmp_path: Path) -> None:
    """`evplan charging` plans the default scenario, then prints and writes everything."""
    run = subprocess.run([sys.executable, "-m", "evplan.cli", "charging"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    folder = tmp_path / "evplan-output" / "china-export"
    for name in ("fleet", "fleet_packs_retired", "charging_energy", "charging_ports",
                 "charging_summary", "charging_sites", "charging_corridor"):
        assert (folder / f"{name}.parquet").exists(), name
    summary = pd.read_parquet(folder / "charging_summary.parquet")
    assert set(summary["method"]) == {"afir", "benchmark", "queueing"}
    assert {"EU", "TH"} <= set(summary["market"])
    assert "CN" not in set(summary["market"])   # export markets only
    eu_2030 = summary.query("market == 'EU' and year == 2030").set_index("method")
    assert (eu_2030["ports"] > 0).all()
    packs = pd.read_parquet(folder / "fleet_packs_retired.parquet")
    assert list(packs.columns) == ["market", "year", "chemistry", "packs", "kwh", "tonnes"]
    assert "Siting example" in run.stdout and "Corridor" in run.stdout
    bad = subprocess.run([sys.executable, "-m", "evplan.cli", "charging", str(folder),
                          "--markets", "THA"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert bad.returncode == 1
    assert bad.stderr.strip() == ("evplan: 1 problem in options\n  * market 'THA' is not a "
                                  "market of the fleet. Did you mean 'TH'?")


def test_a_parameter_market_with_look_alike_letters_is_an_input_error() -> None:
    """A markets.csv row 'ТН' (Cyrillic Т and Н) named no market: TH silently took the '*'
    row (its 30,000 km a year were dropped)."""
    history = pd.DataFrame({"market": ["TH", "EU"], "year": 2022, "powertrain": "BEV",
                            "sales_vehicles": 1e5})
    fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=0))
    table = pd.read_csv(default_table_path("charging", "markets.csv"))
    twin = table[table["market"] == "*"].assign(market="\u0422\u041d", annual_km=30_000)
    with pytest.raises(InputError) as error:
        plan_charging(fleet, markets=pd.concat([table, twin], ignore_index=True))
    assert [problem.message for problem in error.value.problems] == [
        f"row {len(table) + 2}, market '\u0422\u041d': market '\u0422\u041d' looks like 'TH' "
        "but is typed with '\u0422' (CYRILLIC CAPITAL LETTER TE), '\u041d' (CYRILLIC CAPITAL "
        "LETTER EN), so it is another id and market TH would take the '*' row instead of this "
        "one. Type 'TH' in Latin letters."]
