"""Numbers the docs state in worked examples and prose, recomputed from the code.

Each test quotes the doc it checks. The rules themselves are tested in their own areas; these
tests hold the figures the docs print (to the digits they print), where no other test did, so
a change of behaviour or data that moves one fails here and must update the page.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.calibration import calibrate
from evplan.charging.erlang import erlang_c
from evplan.charging.siting import corridor_pools, site_chargers
from evplan.examples import single_lane
from evplan.fleet.params import load_survival
from evplan.fleet.survival import survival


def test_erlang_c_worked_example_of_fleet_charging_md() -> None:
    """docs/fleet-charging.md: "The facts file's worked example (λ 6/h, 42 min) gives 0.634,
    0.336, 0.165, 0.075 for 5-8 ports"."""
    load_erlangs = 6.0 * 42.0 / 60.0
    waits = erlang_c(np.array([5, 6, 7, 8]), load_erlangs)
    assert np.round(waits, 3).tolist() == [0.634, 0.336, 0.165, 0.075]


def test_corridor_first_gap_mirrors_the_start_of_the_road() -> None:
    """docs/fleet-charging.md: "for the first pool it is twice its km ...: pools at km 26.3
    and 65.6 report 52.6 and 39.3"."""
    corridor = pd.DataFrame({"site": ["A", "B"], "km": [26.3, 65.6]})
    pools = corridor_pools(corridor, 90.0).pools
    assert pools["site"].tolist() == ["A", "B"]
    assert pools["gap_before_km"].round(1).tolist() == [52.6, 39.3]


def test_zone_arrivals_follow_demand_weights() -> None:
    """docs/fleet-charging.md (--zones): "zones of weight 1, 2, 1 and 88 arrivals an hour:
    22, 44, 22"."""
    zones = pd.DataFrame({"zone": ["a", "b", "c"], "lat": [0.0, 0.0, 0.0],
                          "lon": [0.0, 0.01, 0.02], "demand_weight": [1.0, 2.0, 1.0]})
    sites = pd.DataFrame({"site": ["S1"], "lat": [0.0], "lon": [0.01], "max_ports": [200],
                          "cost_usd": [1.0]})
    result = site_chargers(zones, sites, peak_hour_arrivals=88.0, session_hours=0.5,
                           service_radius_km=20.0)
    assert result.zones["peak_hour_arrivals"].tolist() == pytest.approx([22.0, 44.0, 22.0])


def test_logistic_survival_is_renormalised_by_under_five_hundredths_of_a_percent() -> None:
    """docs/fleet-charging.md: "S(t) = (1 − F(t)) / (1 − F(0)) with F the logistic CDF of mean
    `mean_years` and scale `sd_years`·√3/π ... (mean 17, sd 4: F(0) = 0.0004, so the US curve
    moves by under 0.05 %), and 0 beyond `max_age_years`"; the US row is mean 17, sd 4, max 30;
    China's Weibull a 14.46, b 4.79 has a mean of 13.2 years."""
    table = load_survival().set_index("market")
    us = table.loc["US"]
    assert (us["curve"], us["mean_years"], us["sd_years"], us["max_age_years"]) == \
        ("logistic", 17.0, 4.0, 30.0)
    scale = 4.0 * math.sqrt(3.0) / math.pi
    at_zero = 1.0 / (1.0 + math.exp(17.0 / scale))
    assert round(at_zero, 4) == 0.0004
    ages = np.array([0.0, 5.0, 17.0, 29.0])
    plain = 1.0 - 1.0 / (1.0 + np.exp(-(ages - 17.0) / scale))
    curve = survival(us, ages)
    assert curve[0] == pytest.approx(1.0)
    assert curve == pytest.approx(plain / (1.0 - at_zero), rel=1e-9)
    assert np.all(curve / plain - 1.0 < 0.0005)
    assert survival(us, np.array([30.5]))[0] == 0.0
    china = table.loc["CN"]
    mean = china["scale_years"] * math.gamma(1.0 + 1.0 / china["shape"])
    assert round(mean, 1) == 13.2


def test_calibration_worked_example_tier_prices() -> None:
    """docs/validation.md: "cost 10,000 + freight 1,000, Q0 600 at P0 20,000, ε 5 ...
    Tier 1 (0–300) sells at P(300) + λ = 20,000 × 0.5^(−0.2) − 5,000 = 17,974; tier 3
    (480–600) above 11,000, tier 4 (600–660) below it. Solving sells exactly 600."""
    base = pd.DataFrame({"market": ["M1"], "year": [2025], "product": ["V1"],
                         "volume_vehicles": [600.0], "price_usd_per_vehicle": [20_000.0],
                         "row": [2]})
    elasticity = pd.DataFrame({"market": ["*"], "segment": ["C"],
                               "own_price_elasticity": [5.0]})
    calibration = calibrate(single_lane(capacity=1_000), base, elasticity)
    tiers = calibration.demand.set_index("tier").sort_index()
    assert round(tiers.loc[1, "price_usd_per_vehicle"]) == 17_974
    bounds = tiers["volume_vehicles"].cumsum()
    assert bounds.loc[[1, 3, 4]].tolist() == pytest.approx([300.0, 600.0, 660.0])
    assert tiers.loc[3, "price_usd_per_vehicle"] > 11_000 > tiers.loc[4, "price_usd_per_vehicle"]
    # "Solving sells exactly 600": tests/calibration/test_calibrate.py solves this case.


@pytest.fixture(scope="module")
def default_plan() -> evplan.Result:
    return evplan.optimize(evplan.examples.china_export())


def test_glossary_and_readme_figures_of_the_default_plan(default_plan: evplan.Result) -> None:
    """docs/glossary.md: "In china-export, 23.5 % of 2023's global sales are sold in China and
    23.5 % are built there ...; by 2030 the share sold in China falls to 15.5 % while the
    share built there rises to 25.5 %"; "an objective of about USD 93 bn ... and an
    undiscounted margin of USD 14.3–15.5 bn a year"; the terminal summary shows the six
    largest markets (README)."""
    kpi = default_plan.kpi
    assert round(100 * kpi("sales_share_by_market", 2023, "CN"), 1) == 23.5
    assert round(100 * kpi("sales_share_by_origin", 2023, "CN"), 1) == 23.5
    assert round(100 * kpi("sales_share_by_market", 2030, "CN"), 1) == 15.5
    assert round(100 * kpi("sales_share_by_origin", 2030, "CN"), 1) == 25.5
    assert round(default_plan.objective_usd / 1e9) == 93
    margins = [kpi("margin", year, "all") / 1e9 for year in range(2023, 2031)]
    assert (round(min(margins), 1), round(max(margins), 1)) == (14.3, 15.5)


def test_inside_a_quota_the_minimum_duty_does_not_apply() -> None:
    """docs/formulation.md: `duty_f = max(ad_valorem_rate * value_f, minimum_usd) + cvd_rate *
    value_f + specific_usd`, `duty_quota_f = in_quota_rate * value_f + cvd_rate * value_f +
    specific_usd`: "inside a quota the minimum does not apply". One lane (customs value 11,000,
    9,000 before duty, 600 sell): 5 % with a 3,000 minimum and a 300 specific duty, a quota of
    200 at 0 %: in quota a vehicle pays 300, outside max(550, 3,000) + 300 = 3,300."""
    data = single_lane(ad_valorem_rate=0.05, minimum_duty=3_000.0, specific_duty=300.0,
                       quota=200.0, in_quota_rate=0.0)
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(200 * (9_000 - 300) + 400 * (9_000 - 3_300))
    shipments = result["shipments"]
    assert shipments["in_quota_vehicles"].sum() == pytest.approx(200)
    assert shipments["duty_usd"].sum() == pytest.approx(200 * 300 + 400 * 3_300)


def test_monte_carlo_draws_in_declared_order_from_one_generator_clipped_at_zero() -> None:
    """docs/scenarios.md: "One `numpy.random.default_rng(seed)` draws every parameter in
    declared order; negative draws are clipped to 0"."""
    from evplan.scenarios import montecarlo_cases
    from evplan.scenarios.overrides import parse_catalog

    catalog = parse_catalog({
        "parameters": {"freight": {"routes": {"scale": "freight_usd_per_vehicle"}},
                       "demand": {"demand": {"scale": "volume_vehicles"}}},
        "montecarlo": {"m": {"samples": 50, "seed": 11, "parameters": {
            "freight": {"distribution": "normal", "mean": 0.0, "sd": 1.0},
            "demand": {"distribution": "uniform", "low": 0.5, "high": 1.5}}}}})
    cases = montecarlo_cases(catalog, catalog.montecarlo["m"])
    rng = np.random.default_rng(11)
    freight = np.maximum(rng.normal(0.0, 1.0, 50), 0.0)
    demand = np.maximum(rng.uniform(0.5, 1.5, 50), 0.0)
    assert [case.parameters["freight"] for case in cases] == pytest.approx(freight.tolist())
    assert [case.parameters["demand"] for case in cases] == pytest.approx(demand.tolist())
    assert min(case.parameters["freight"] for case in cases) == 0.0


def test_where_matches_numbers_up_to_the_twelfth_significant_digit() -> None:
    """docs/scenarios.md: "`where` compares column values (numbers numerically, equal up to
    rounding in the 12th significant digit: `volume_vehicles: 100000` does not match 100001)";
    a value no row has fails naming the nearest value a row holds."""
    from evplan.scenarios import apply
    from evplan.scenarios.overrides import parse_catalog

    data = single_lane(capacity=200_000.0, tiers=((100_000.0, 20_000.0),))

    def catalog(volume: float) -> object:
        return parse_catalog({"overrides": {"o": {"demand": {
            "where": {"volume_vehicles": volume}, "set": {"price_usd_per_vehicle": 19_000.0}}}}})

    near = apply(data, "o", catalog(100_000.000000001))
    assert near.tables["demand"]["price_usd_per_vehicle"].tolist() == [19_000.0]
    with pytest.raises(evplan.InputError, match="The nearest value is 100000"):
        apply(data, "o", catalog(100_001.0))


def test_readme_lists_the_result_tables_of_the_default_plan(default_plan: evplan.Result) -> None:
    """README.md, "Use it from Python": "Result tables (tidy, units in column names): ...,
    and `kpis`" are the tables `evplan.optimize` returns for the default scenario."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    paragraph = readme.split("Result tables (tidy, units in column names):", 1)[1]
    paragraph = paragraph.split("`evplan run` adds", 1)[0]
    listed = [name for name in re.findall(r"`(\w+)`", paragraph) if name != "kpis"]
    assert listed == list(default_plan.tables)
