"""The scenario set of issue 16: targets as legislated vs relaxed; carbon price 0 / 50 / 100."""

from __future__ import annotations

import pytest

import evplan
from evplan.examples import china_export
from evplan.scenarios import apply_scenario, solve_applied


@pytest.fixture(scope="module")
def outcomes() -> dict[str, evplan.Result]:
    data = china_export()
    results = {"legislated": evplan.optimize(data)}
    for name in ("targets-relaxed", "carbon-50", "carbon-100"):
        results[name] = solve_applied(apply_scenario(data, name))
    return results


def test_relaxed_targets_are_worth_money_and_raise_the_eu_fleet_average(outcomes) -> None:
    legislated, relaxed = outcomes["legislated"], outcomes["targets-relaxed"]
    assert relaxed.objective_usd > legislated.objective_usd
    assert relaxed.kpi("fleet_co2_g_per_km", 2030, "EU") > legislated.kpi(
        "fleet_co2_g_per_km", 2030, "EU")
    assert relaxed["zev_compliance"]["zev_share_required"].max() == pytest.approx(0.6)


def test_a_carbon_price_costs_margin_and_never_raises_co2(outcomes) -> None:
    prices = ["legislated", "carbon-50", "carbon-100"]
    margins = [outcomes[name].objective_usd for name in prices]
    co2 = [sum(outcomes[name].kpi("co2_total", year) for year in range(2023, 2031))
           for name in prices]
    assert margins[0] > margins[1] > margins[2]
    assert co2[0] >= co2[1] - 1e-6 >= co2[2] - 2e-6
    cost = outcomes["carbon-100"]["co2_by_year"]
    assert cost["carbon_cost_usd"].to_numpy() == pytest.approx(
        100 * cost["counted_t_co2"].to_numpy())
    for result in outcomes.values():
        assert result.metadata["compliance_check"] == "passed"


@pytest.mark.slow
def test_warm_re_solves_keep_the_rules_and_fall_back_cold_when_they_change() -> None:
    from evplan.scenarios import WarmModel, apply_patches, catalog_for

    data = china_export()
    warm = WarmModel(data)
    catalog = catalog_for(data)
    freight = apply_patches(data, catalog.parameter("freight").bind(1.3)).data
    hot, cold = warm.solve(freight), evplan.optimize(freight)
    assert hot.metadata["solve_mode"] == "warm"
    assert hot.objective_usd == pytest.approx(cold.objective_usd, rel=1e-9)
    assert hot.metadata["compliance_check"] == "passed"
    assert set(hot.tables) == set(cold.tables)
    priced = apply_patches(data, catalog.parameter("carbon-price").bind(50.0)).data
    result = warm.solve(priced)
    assert result.metadata["solve_mode"].startswith("cold")
    assert result.objective_usd == pytest.approx(evplan.optimize(priced).objective_usd, rel=1e-9)
