"""The fleet's stock-flow against arithmetic of its own (audit s26, helper-105).

Each expected number is computed here from the survival and pack formulas written out with
``math`` (the Weibull and logistic curves of docs/fleet-charging.md at mid-year ages), never
by calling evplan's own survival or stock code.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import evplan
from evplan.errors import InputError
from evplan.fleet import FleetOptions, project_fleet

SCALE_YEARS, SHAPE = 8.0, 2.0          # Weibull vehicle survival
PACK_MEAN_YEARS, PACK_SD_YEARS = 6.0, 2.0
SALES = {2020: 1000.0, 2021: 2000.0, 2022: 500.0}
KWH, KG_PER_KWH = 50.0, 6.0


def vehicle_share(age: float) -> float:
    return 1.0 if age < 0 else math.exp(-((age / SCALE_YEARS) ** SHAPE))


def pack_share(age: float) -> float:
    """Vehicle survival times the pack's logistic life, renormalised to 1 at age 0."""
    if age < 0:
        return 1.0
    spread = PACK_SD_YEARS * math.sqrt(3.0) / math.pi
    cdf = 1.0 / (1.0 + math.exp(-(age - PACK_MEAN_YEARS) / spread))
    at_zero = 1.0 / (1.0 + math.exp(PACK_MEAN_YEARS / spread))
    return vehicle_share(age) * (1.0 - cdf) / (1.0 - at_zero)


def tables() -> dict[str, pd.DataFrame]:
    survival = pd.DataFrame({"market": ["*"], "curve": ["weibull"], "scale_years": [SCALE_YEARS],
                             "shape": [SHAPE], "mean_years": [None], "sd_years": [None],
                             "max_age_years": [None], "source": ["test"]})
    # fade 0.05/yr to 0.7 state of health: a 6-year mean pack life
    battery = pd.DataFrame({"chemistry": ["LFP"], "pack_kg_per_kwh": [KG_PER_KWH],
                            "capacity_fade_per_year": [0.05],
                            "retirement_state_of_health": [0.7],
                            "life_sd_years": [PACK_SD_YEARS], "second_life_share": [0.25],
                            "second_life_max_age_years": [3.0], "source": ["test"]})
    history = pd.DataFrame({"market": "TH", "year": list(SALES), "powertrain": "BEV",
                            "sales_vehicles": list(SALES.values()), "battery_kwh": KWH,
                            "chemistry": "LFP"})
    chemistry = pd.DataFrame({"program": ["*"], "origin": ["*"], "powertrain": ["BEV"],
                              "chemistry": ["LFP"], "share": [1.0], "source": ["test"]})
    return {"survival": survival, "battery": battery, "history": history,
            "chemistry": chemistry}


@pytest.fixture(scope="module")
def fleet() -> evplan.fleet.FleetResult:
    given = tables()
    return project_fleet(history=given["history"], survival=given["survival"],
                         battery=given["battery"], chemistry=given["chemistry"],
                         options=FleetOptions(years_after_plan=4, after_plan="zero"))


def test_vehicles_in_use_and_retired_by_hand(fleet: evplan.fleet.FleetResult) -> None:
    table = fleet["fleet"].set_index("year")
    assert list(table.index) == list(range(2020, 2027))
    for year in range(2020, 2027):
        in_use = sum(sold * vehicle_share(year - vintage + 0.5)
                     for vintage, sold in SALES.items() if vintage <= year)
        retired = sum(sold * (vehicle_share(year - vintage - 0.5)
                              - vehicle_share(year - vintage + 0.5))
                      for vintage, sold in SALES.items() if vintage <= year)
        assert table.loc[year, "vehicles_in_use"] == pytest.approx(in_use, rel=1e-12)
        assert table.loc[year, "retired_vehicles"] == pytest.approx(retired, rel=1e-12)
        assert table.loc[year, "sales_vehicles"] == SALES.get(year, 0.0)  # "zero" after
    # stock balance over the whole horizon: sold = in use at the end + retired so far
    assert sum(SALES.values()) == pytest.approx(
        table.loc[2026, "vehicles_in_use"] + table["retired_vehicles"].sum(), rel=1e-12)


def test_retired_packs_by_year_and_route_by_hand(fleet: evplan.fleet.FleetResult) -> None:
    retired = fleet["packs_retired"].set_index("year")
    routes = fleet["pack_end_of_life"].set_index(["year", "route"])
    for year in range(2020, 2027):
        by_age = {year - vintage: sold * (pack_share(year - vintage - 0.5)
                                          - pack_share(year - vintage + 0.5))
                  for vintage, sold in SALES.items() if vintage <= year}
        packs = sum(by_age.values())
        second = 0.25 * sum(count for age, count in by_age.items() if age <= 3)
        assert retired.loc[year, "packs"] == pytest.approx(packs, rel=1e-12)
        assert retired.loc[year, "kwh"] == pytest.approx(packs * KWH, rel=1e-12)
        assert retired.loc[year, "tonnes"] == pytest.approx(packs * KWH * KG_PER_KWH / 1000,
                                                            rel=1e-12)
        second_found = (routes.loc[(year, "second_life"), "packs"]
                        if (year, "second_life") in routes.index else 0.0)
        assert second_found == pytest.approx(second, rel=1e-12, abs=1e-9)
        assert routes.loc[(year, "recycling"), "kwh"] == pytest.approx((packs - second) * KWH,
                                                                       rel=1e-12)
    assert set(retired["chemistry"]) == {"LFP"} and set(retired["market"]) == {"TH"}


def test_a_result_takes_the_pack_sizes_it_recorded() -> None:
    """A Result's metadata records each program's pack (as run.json does): the fleet uses
    them, not the powertrain defaults (60 kWh for a BEV). Failed before session 26."""
    shipments = pd.DataFrame({"origin": ["CN"], "program": ["SMALL"], "powertrain": ["BEV"],
                              "market": ["TH"], "year": [2025], "shipment_vehicles": [1000.0],
                              "export": [True]})
    result = evplan.Result(status="optimal", objective_usd=0.0,
                           tables={"shipments": shipments}, kpis=pd.DataFrame(),
                           scenario={"first_year": 2025, "last_year": 2025},
                           metadata={"battery_kwh_by_program": {"SMALL": 31.5}})
    fleet = project_fleet(result, options=FleetOptions(years_after_plan=30, after_plan="zero"))
    assert set(fleet["fleet_sales"]["battery_kwh"]) == {31.5}
    packs = fleet["packs_retired"]["packs"].sum() + fleet["packs_in_use"].query(
        "year == 2055")["packs"].sum()
    assert packs == pytest.approx(1000.0, rel=1e-9)
    assert fleet["packs_retired"]["kwh"].sum() == pytest.approx(
        31.5 * fleet["packs_retired"]["packs"].sum(), rel=1e-12)
    assert any("of the inputs the run planned" in line for line in fleet.assumptions)
    # programs= still replaces what the Result recorded
    own = project_fleet(result, programs=pd.DataFrame({
        "program": ["SMALL"], "powertrain": ["BEV"], "segment": ["B"], "maker": ["X"],
        "battery_kwh": [44.0]}))
    assert set(own["fleet_sales"]["battery_kwh"]) == {44.0}


def test_a_result_recording_no_pack_sizes_says_it_takes_the_defaults() -> None:
    shipments = pd.DataFrame({"origin": ["CN"], "program": ["SMALL"], "powertrain": ["BEV"],
                              "market": ["TH"], "year": [2025], "shipment_vehicles": [10.0],
                              "export": [True]})
    result = evplan.Result(status="optimal", objective_usd=0.0,
                           tables={"shipments": shipments}, kpis=pd.DataFrame(),
                           scenario={"first_year": 2025, "last_year": 2025})
    fleet = project_fleet(result, options=FleetOptions(years_after_plan=0))
    assert set(fleet["fleet_sales"]["battery_kwh"]) == {60.0}  # powertrains.csv's BEV
    assert any("powertrain defaults (this Result does not record" in line
               for line in fleet.assumptions)


def test_zero_sales_and_packless_vehicles_retire_no_packs() -> None:
    given = tables()
    zero = given["history"].assign(sales_vehicles=0.0)
    fleet = project_fleet(history=zero, options=FleetOptions(years_after_plan=3))
    assert fleet["fleet"]["vehicles_in_use"].abs().sum() == 0.0
    assert fleet["packs_retired"].empty and fleet["packs_in_use"].empty
    packless = given["history"].assign(battery_kwh=0.0)
    fleet = project_fleet(history=packless, survival=given["survival"],
                          options=FleetOptions(years_after_plan=3))
    assert fleet["fleet"].set_index("year").loc[2020, "vehicles_in_use"] == pytest.approx(
        1000.0 * vehicle_share(0.5), rel=1e-12)
    assert fleet["packs_retired"].empty and fleet["packs_in_use"].empty


def test_a_curve_that_never_reaches_zero_keeps_every_vehicle() -> None:
    """A logistic curve of mean 150 years: over 4 years no vehicle is scrapped (in use =
    sold so far), yet packs still retire by fade, as pack_share says with S = 1."""
    given = tables()
    immortal = pd.DataFrame({"market": ["*"], "curve": ["logistic"], "scale_years": [None],
                             "shape": [None], "mean_years": [150.0], "sd_years": [1.0],
                             "max_age_years": [None], "source": ["test"]})
    fleet = project_fleet(history=given["history"], survival=immortal,
                          battery=given["battery"], chemistry=given["chemistry"],
                          options=FleetOptions(years_after_plan=2, after_plan="zero"))
    table = fleet["fleet"].set_index("year")
    assert list(table["vehicles_in_use"]) == pytest.approx([1000.0, 3000.0, 3500.0, 3500.0,
                                                             3500.0], rel=1e-12)
    assert table["retired_vehicles"].abs().max() < 1e-9

    def fade_only(age: float) -> float:
        if age < 0:
            return 1.0
        spread = PACK_SD_YEARS * math.sqrt(3.0) / math.pi
        return ((1.0 - 1.0 / (1.0 + math.exp(-(age - PACK_MEAN_YEARS) / spread)))
                / (1.0 - 1.0 / (1.0 + math.exp(PACK_MEAN_YEARS / spread))))

    packs = fleet["packs_retired"].set_index("year")["packs"]
    expected = sum(sold * (fade_only(2024 - vintage - 0.5) - fade_only(2024 - vintage + 0.5))
                   for vintage, sold in SALES.items())
    assert packs.loc[2024] == pytest.approx(expected, rel=1e-9)


def test_history_outside_the_plan_is_refused_by_name() -> None:
    shipments = pd.DataFrame({"origin": ["CN"], "program": ["SMALL"], "powertrain": ["BEV"],
                              "market": ["TH"], "year": [2025], "shipment_vehicles": [1000.0],
                              "export": [True]})
    result = evplan.Result(status="optimal", objective_usd=0.0,
                           tables={"shipments": shipments}, kpis=pd.DataFrame(),
                           scenario={"first_year": 2025, "last_year": 2025},
                           metadata={"battery_kwh_by_program": {"SMALL": 31.5}})
    late = pd.DataFrame({"market": ["TH", "TH"], "year": [2024, 2026], "powertrain": "BEV",
                         "sales_vehicles": [5.0, 7.0]})
    with pytest.raises(InputError, match="year 2026 is not before the plan's first year 2025"):
        project_fleet(result, history=late)
    elsewhere = pd.DataFrame({"market": ["XX"], "year": [2024], "powertrain": ["BEV"],
                              "sales_vehicles": [5.0]})
    with pytest.raises(InputError, match="market 'XX' is not a market of the plan"):
        project_fleet(result, history=elsewhere)


@pytest.mark.parametrize("seed", [3, 8])
def test_random_sales_split_by_chemistry_and_held_flat_by_loops(seed: int) -> None:
    """Random sales of two markets and two powertrains, a chemistry rule splitting BEVs
    30/70, sales held flat after the last year: vehicles in use and retired kWh by market,
    year and chemistry from plain loops over vintages."""
    import numpy as np

    rng = np.random.default_rng(seed)
    years = list(range(2020, 2024))
    rows = [{"market": market, "year": year, "powertrain": powertrain,
             "sales_vehicles": float(rng.integers(0, 5000)),
             "battery_kwh": float(rng.integers(0, 80))}
            for market in ("AA", "BB") for powertrain in ("BEV", "PHEV") for year in years]
    history = pd.DataFrame(rows)
    given = tables()
    battery = pd.concat([given["battery"], given["battery"].assign(
        chemistry="NMC811", pack_kg_per_kwh=5.0, second_life_share=0.0)], ignore_index=True)
    chemistry = pd.DataFrame({"program": "*", "origin": "*",
                              "powertrain": ["BEV", "BEV", "PHEV"],
                              "chemistry": ["LFP", "NMC811", "NMC811"],
                              "share": [0.3, 0.7, 1.0], "source": "test"})
    fleet = project_fleet(history=history, survival=given["survival"], battery=battery,
                          chemistry=chemistry, options=FleetOptions(years_after_plan=3))
    sold = {(r["market"], r["powertrain"], r["year"]): r for r in rows}
    for year_sold in range(2024, 2027):  # held flat: the 2023 rows again
        for market in ("AA", "BB"):
            for powertrain in ("BEV", "PHEV"):
                sold[(market, powertrain, year_sold)] = sold[(market, powertrain, 2023)]
    in_use = fleet["fleet"].set_index(["market", "powertrain", "year"])["vehicles_in_use"]
    kwh = fleet["packs_retired"].set_index(["market", "year", "chemistry"])["kwh"]
    for market in ("AA", "BB"):
        for year in range(2020, 2027):
            for powertrain in ("BEV", "PHEV"):
                expected = sum(sold[(market, powertrain, v)]["sales_vehicles"]
                               * vehicle_share(year - v + 0.5) for v in range(2020, year + 1))
                assert in_use[(market, powertrain, year)] == pytest.approx(expected, rel=1e-12)
            for name, parts in (("LFP", (("BEV", 0.3),)),
                                ("NMC811", (("BEV", 0.7), ("PHEV", 1.0)))):
                expected = sum(share * sold[(market, powertrain, v)]["sales_vehicles"]
                               * sold[(market, powertrain, v)]["battery_kwh"]
                               * (pack_share(year - v - 0.5) - pack_share(year - v + 0.5))
                               for powertrain, share in parts for v in range(2020, year + 1))
                assert float(kwh.get((market, year, name), 0.0)) == pytest.approx(
                    expected, rel=1e-9, abs=1e-9)
