"""The scenario set of issue 16: targets as legislated vs relaxed; carbon price 0 / 50 / 100."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
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


@pytest.mark.slow
def test_warm_compliance_tables_kpis_and_check_equal_the_cold_ones(monkeypatch) -> None:
    # A warm model makes the compliance tables' layout, KPI rows and check joins once; every
    # case must still give the tables and KPIs the cold path makes of the same solution
    # (from the case's own index and inputs), and be checked on its own numbers.
    from evplan.errors import VerificationError
    from evplan.model.index import build_index
    from evplan.results.compliance import compliance_kpis, compliance_tables
    from evplan.scenarios import WarmModel, apply_patches, catalog_for

    data = china_export()
    warm = WarmModel(data)
    runs = []
    run = warm._run
    monkeypatch.setattr(warm, "_run", lambda: runs.append(run()) or runs[-1])
    catalog = catalog_for(data)
    names = ("fleet_compliance", "zev_compliance", "production_credit_compliance",
             "co2_by_plant", "co2_by_lane", "co2_by_year", "battery_footprint")
    cases = [apply_patches(data, catalog.parameter(parameter).bind(value)).data
             for parameter, value in (("freight", 1.3), ("eu-bev-cvd", 0.45), ("demand", 0.8))]
    for case in cases:
        hot = warm.solve(case)
        assert hot.metadata["solve_mode"] == "warm"
        assert hot.metadata["compliance_check"] == "passed"
        reference = compliance_tables(warm.linopy_model, runs[-1], build_index(case), case)
        for name in names:
            pd.testing.assert_frame_equal(hot[name], reference[name])
        kpis = compliance_kpis(reference)
        mine = hot.kpis[hot.kpis["kpi"].isin(set(kpis["kpi"]))].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, kpis)
        assert hot.objective_usd == pytest.approx(evplan.optimize(case).objective_usd,
                                                  rel=1e-9)
    # The rules' costs are discounted at the base's rate: another rate is solved cold
    # (it raised VerificationError before, a wrong objective caught by the certificate).
    discounted = data.replace(scenario=replace(data.scenario, discount_rate=0.12))
    result = warm.solve(discounted)
    assert result.metadata["solve_mode"] == (
        "cold: the scenario changes the discount rate of the CO2 rules' costs")
    assert result.objective_usd == pytest.approx(evplan.optimize(discounted).objective_usd,
                                                 rel=1e-9)
    assert warm._rules is not None and warm._rules.check is not None  # joins kept ...
    layout = warm._rules.layout
    numbers = layout.numbers

    def fewer_credits_bought(*args, **kwargs):
        found = numbers(*args, **kwargs)
        found["zev_compliance"]["credits_bought"] = found["zev_compliance"][
            "credits_bought"] * 0.5
        return found

    monkeypatch.setattr(layout, "numbers", fewer_credits_bought)
    case = apply_patches(data, catalog.parameter("freight").bind(1.1)).data
    with pytest.raises(VerificationError, match="ZEV mandate"):  # ... and read every case
        warm.solve(case, tables=False)


@pytest.mark.parametrize(("table", "key", "name", "column", "value"), [
    ("plants", "plant", "CN-HUA", "country", "JP"),
    ("markets", "market", "EU", "country", "GB"),
    ("programs", "program", None, "powertrain", "PHEV"),
    ("routes", "plant", "CN-HUA", "co2_kg_per_vehicle", 999.0),
])
def test_a_case_that_moves_what_the_rules_read_is_not_solved_warm(table, key, name, column,
                                                                   value) -> None:
    # The grid intensity, production-credit regime and credits follow the plant's and the
    # market's country and the powertrain, so the warm model's compliance coefficients
    # would be wrong for the case.
    from evplan.scenarios import WarmModel

    data = china_export()
    warm = WarmModel(data)
    frame = data[table].copy()
    name = name if name is not None else frame.loc[frame[column].ne(value), key].iloc[0]
    frame.loc[frame[key] == name, column] = value
    moved = data.replace(tables={**data.tables, table: frame})
    numbers, mode = warm.numbers_for(moved)
    assert numbers is None
    assert mode == "cold: the scenario changes the CO2 or zero-emission inputs"


def test_the_compliance_joins_are_made_again_for_a_plan_with_other_keys(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A warm model joins the compliance certificate's inputs on the first case's shipment
    # keys and keeps the joins for later cases, whose keys are its templates'. The plan is
    # what is certified, so its keys are compared each time: the same keys keep the joins,
    # shipments moved to other years (the same number of rows) get new ones.
    from evplan.examples.compliance import two_powertrains
    from evplan.scenarios import WarmModel
    from evplan.scenarios.warm_rules import WarmRules

    data = two_powertrains(years=(2025, 2026), zev_mandates=[
        {"market": "M1", "year": year, "zev_share": 0.2, "penalty_usd_per_vehicle": 5_000.0}
        for year in (2025, 2026)])
    seen: list[tuple] = []
    checker = WarmRules.checker

    def spy(self: WarmRules, *args: object) -> object:
        seen.append(args)
        return checker(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(WarmRules, "checker", spy)
    warm = WarmModel(data)
    warm.solve(data)
    warm.solve(data)
    rules = warm._rules
    assert rules is not None and len(seen) >= 2
    kept = rules.check
    inputs, shipments, found, *_ = seen[-1]
    assert checker(rules, inputs, shipments, found) is kept  # the same keys
    moved = shipments.copy()
    moved["year"] = moved["year"].to_numpy()[::-1]
    assert len(moved) > 1 and not moved["year"].equals(shipments["year"])
    assert checker(rules, inputs, moved, found) is not kept
