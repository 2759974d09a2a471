"""Warm re-solves equal cold build-and-solve; break-even from ranging agrees with bisection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.data import NetworkData, validate_tables
from evplan.examples import china_export
from evplan.scenarios import WarmModel, apply_patches, apply_scenario, breakeven_duties, catalog_for
from evplan.scenarios.breakeven import bisect_breakeven


@pytest.fixture(scope="module")
def data() -> NetworkData:
    return china_export()


@pytest.fixture(scope="module")
def warm(data: NetworkData) -> WarmModel:
    return WarmModel(data)


CASES = [("eu-bev-cvd", 0.45), ("freight", 1.7), ("demand", 0.8), ("br-demand", 0.5),
         ("duties", 1.4), ("cn-prices", 0.7)]


@pytest.mark.slow
@pytest.mark.parametrize(("parameter", "value"), CASES)
def test_warm_equals_cold(data: NetworkData, warm: WarmModel, parameter: str,
                          value: float) -> None:
    changed = apply_patches(data, catalog_for(data).parameter(parameter).bind(value)).data
    hot = warm.solve(changed)
    cold = evplan.optimize(changed)
    assert hot.metadata["solve_mode"] == "warm"
    assert hot.objective_usd == pytest.approx(cold.objective_usd, rel=1e-9)
    for kpi in ("margin", "global_sales", "duties_paid"):
        hot_total = hot.kpis[hot.kpis["kpi"] == kpi]["value"].sum()
        cold_total = cold.kpis[cold.kpis["kpi"] == kpi]["value"].sum()
        assert hot_total == pytest.approx(cold_total, rel=1e-6, abs=1e-3)
    assert set(hot.tables) == set(cold.tables)
    for name in hot.tables:
        assert list(hot[name].columns) == list(cold[name].columns)
        assert len(hot[name]) == len(cold[name])


@pytest.mark.slow
@pytest.mark.parametrize(("scenario", "mode"), [("trade-war", "warm-reindexed"),
                                                ("close-wuhan", "cold")])
def test_structural_changes_reindex_or_fall_back_cold(data: NetworkData, warm: WarmModel,
                                                      scenario: str, mode: str) -> None:
    changed = apply_scenario(data, scenario).data
    hot = warm.solve(changed)
    assert hot.metadata["solve_mode"].startswith(mode)
    assert hot.objective_usd == pytest.approx(evplan.optimize(changed).objective_usd, rel=1e-9)


@pytest.mark.slow
def test_ranging_break_even_agrees_with_bisection(data: NetworkData, warm: WarmModel) -> None:
    table = breakeven_duties(data, warm)
    assert set(table["meaning"]) <= {"stops above", "starts below", "unused even at 0 %",
                                     "used at any rate", "quota lane: --exact bisects it"}
    exact_used = table[table["used"] & table["exact"]].head(3)
    lower_bounds = table[table["used"] & ~table["exact"]].head(2)
    unused = table[table["meaning"] == "starts below"].head(3)
    for _, row in exact_used.iterrows():
        assert bisect_breakeven(warm, data, int(row["flow"])) == pytest.approx(
            row["breakeven_extra_duty_usd_per_vehicle"], abs=1.0)
    for _, row in unused.iterrows():
        assert bisect_breakeven(warm, data, int(row["flow"])) == pytest.approx(
            row["breakeven_extra_duty_usd_per_vehicle"], abs=1.0)
    for _, row in lower_bounds.iterrows():
        assert bisect_breakeven(warm, data, int(row["flow"])) >= (
            row["breakeven_extra_duty_usd_per_vehicle"] - 1.0)
    stop = table.loc[exact_used.index, "breakeven_rate"].to_numpy()
    assert np.all(stop >= table.loc[exact_used.index, "ad_valorem_rate"].to_numpy() - 1e-9)
    # The warm model still solves the base case after the bisections.
    assert warm.solve(data).objective_usd == pytest.approx(
        evplan.optimize(data).objective_usd, rel=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize(("parameter", "value"), [("freight", 1.3), ("demand", 1.2),
                                                  ("eu-bev-cvd", 0.0)])
def test_result_templates_equal_the_pandas_tables(data: NetworkData, warm: WarmModel,
                                                  parameter: str, value: float) -> None:
    from evplan.results import compute_kpis, result_tables
    from evplan.scenarios.warm_results import same_tables

    warm.solve(data)
    changed = apply_patches(data, catalog_for(data).parameter(parameter).bind(value)).data
    warm.solve(changed)
    assert warm._templates is not None, warm.stats.reasons
    run = warm._run()  # the optimal basis again, no iterations
    index, _ = warm.index_for(changed)
    assert index is not None
    reference = result_tables(warm.model, run, index, changed)
    fast = warm._templates.tables(run, index)
    assert same_tables(reference, fast)
    assert same_tables({"kpis": compute_kpis(reference)}, {"kpis": warm._templates.kpis(fast)})


def test_warm_cases_keep_the_certificates_name_codes_and_still_catch_a_wrong_plan(
        data: NetworkData, monkeypatch: pytest.MonkeyPatch) -> None:
    # A warm model keeps the network certificate's name codes across its warm cases (only
    # the numbers are read per case); a plan that breaks a row must still fail.
    from evplan.errors import VerificationError

    warm = WarmModel(data)
    catalog = catalog_for(data)
    first, second = (apply_patches(data, catalog.parameter("freight").bind(value)).data
                     for value in (1.2, 0.6))
    assert warm.solve(first).metadata["solve_mode"] == "warm"
    kept = warm._names._vocabulary
    assert kept is not None
    assert warm.solve(second).metadata["solve_mode"] == "warm"
    assert warm._names._vocabulary is kept
    templates = warm.result_templates
    assert templates is not None
    columns = templates.columns

    def more_sold(*args, **kwargs):  # (the compliance check reads shipments, not sales)
        found = columns(*args, **kwargs)
        found["sales"]["sales_vehicles"] = found["sales"]["sales_vehicles"] * 1.5
        return found

    monkeypatch.setattr(templates, "columns", more_sold)
    with pytest.raises(VerificationError, match="market-balance"):
        warm.solve(first, tables=False)


# Value columns a warm case may change (warm_fit.VALUE_COLUMNS), and a name column to pick
# the rows a patch touches.
_RANDOM_COLUMNS = {
    "plants": ("plant", ["capacity_vehicles_per_year", "fixed_cost_usd_per_year",
                         "min_utilisation"]),
    "plant_programs": ("program", ["variable_cost_usd_per_vehicle"]),
    "routes": ("market", ["freight_usd_per_vehicle", "transit_days",
                          "capacity_vehicles_per_year"]),
    "duties": ("market", ["ad_valorem_rate", "specific_usd_per_vehicle",
                          "minimum_usd_per_vehicle", "in_quota_rate"]),
    "countervailing_duties": ("market", ["cvd_rate"]),
    "demand": ("market", ["volume_vehicles", "price_usd_per_vehicle"]),
    "committed_sales": ("market", ["min_vehicles"]),
    "exchange_rates": ("country", ["local_per_usd"]),
    "transfer_prices": ("origin", ["markup_on_full_cost"]),
    "quota_shares": ("quota_group", ["share_of_quota"]),
}


def _random_patches(rng: np.random.Generator, data: NetworkData) -> list:
    from evplan.scenarios.overrides import Patch

    patches = []
    for _ in range(int(rng.integers(1, 4))):
        tables = [name for name in _RANDOM_COLUMNS if len(data[name])]
        table = tables[int(rng.integers(len(tables)))]
        key, columns = _RANDOM_COLUMNS[table]
        column = columns[int(rng.integers(len(columns)))]
        frame = data[table]
        where = ({key: (frame[key].iloc[int(rng.integers(len(frame)))],)}
                 if rng.random() < 0.5 else {})
        ranged = "year" in frame or "first_year" in frame
        from_year = (int(data.years[-1]) if ranged and len(data.years) > 1
                     and rng.random() < 0.3 else None)
        factor = float(rng.choice([0.0, 0.5, 0.9, 1.1, 1.5, 3.0]))
        patches.append(Patch(table, where=where, scale={column: factor}, from_year=from_year,
                             override="random"))
    return patches


@pytest.mark.parametrize("seed", [0, 2, 3, 9, 16, 23, 37])
def test_random_cases_in_sequence_match_the_oracle_warm_and_shipped(seed: int) -> None:
    """Generated networks with every duty mechanism and trade term (tests/model/generate.py);
    random value overrides solved one after another by a warm model and by one rebuilt from
    its pickled state (basis bank, infeasible cases between feasible ones) must give the
    oracle's verdict and objective, and the oracle's rows must accept each warm plan. Every
    third case also empties the demand, which a plant minimum or a hard commitment (seeds 2,
    16, 23, 37) makes infeasible."""
    import pickle

    from evplan.errors import InputError
    from evplan.scenarios.overrides import Patch
    from tests.model.generate import generated_network
    from tests.model.oracle import oracle_check, oracle_objective

    base = generated_network(seed)
    local = WarmModel(base)
    shipped = WarmModel.from_state(pickle.loads(pickle.dumps(local.state())))
    rng = np.random.default_rng(seed)
    verdicts = set()
    for case in range(10):
        patches = _random_patches(rng, base)
        if case % 3 == 1:
            patches.append(Patch("demand", scale={"volume_vehicles": 0.0}, override="none"))
        try:
            data = apply_patches(base, patches).data
        except InputError:  # a scale the inputs refuse (a tier price no longer falling ...)
            continue
        expected = oracle_objective(data)
        verdicts.add(expected is None)
        for warm in (local, shipped):
            try:
                result = warm.solve(data, parameters={"case": float(case % 3)})
            except evplan.InfeasibleError:
                assert expected is None, f"case {case}: warm says infeasible, oracle {expected}"
                continue
            assert expected is not None, f"case {case}: warm found {result.objective_usd}"
            assert result.objective_usd == pytest.approx(expected, rel=1e-6, abs=1e-3)
            assert oracle_check(data, result) == []
    assert False in verdicts  # feasible cases ran ...
    if seed in (2, 16, 23, 37):
        assert True in verdicts  # ... and infeasible ones between them
    assert local.stats.warm_fast > 0


def test_a_warm_model_of_an_infeasible_base_travels() -> None:
    # WarmModel.state() solved the base to make its result templates and raised when the
    # base was infeasible: a sweep with workers > 1 failed whole, where workers=1 solved
    # the feasible cases. The state now travels without templates; the worker makes them.
    from evplan.examples import single_lane
    from evplan.scenarios.overrides import Patch

    base = single_lane(capacity=500)
    tables = {name: frame.drop(columns="row") for name, frame in base.tables.items()}
    tables["committed_sales"] = pd.DataFrame({"market": ["M1"], "year": [base.years[0]],
                                              "product": ["V1"], "min_vehicles": [700.0]})
    infeasible = validate_tables(tables, base.scenario)
    with pytest.raises(evplan.InfeasibleError):
        evplan.optimize(infeasible)
    half = apply_patches(infeasible, [Patch("committed_sales",
                                            scale={"min_vehicles": 0.5})]).data
    expected = evplan.optimize(half).objective_usd
    state = WarmModel(infeasible).state()  # what runners.run_cases ships to its workers
    assert WarmModel.from_state(state).solve(half).objective_usd == pytest.approx(expected)


@pytest.mark.parametrize("base_penalty", [None, 50.0])
def test_a_case_that_switches_the_shortfall_penalty_is_not_solved_on_the_bases_lp(
        base_penalty: float | None) -> None:
    # single_lane: 500 capacity, 600 demand at 9,000 a vehicle; 600 committed. Without a
    # penalty the commitment cannot be met (infeasible); at 50 a vehicle short the plan
    # earns 500 x 9,000 - 100 x 50 = 4,495,000. The case's duties gain a row for an origin
    # no plant is in, so its tables have another shape and only its index is rebuilt: the
    # base's LP has (or lacks) the shortfall columns, and reusing it said "infeasible" for
    # 4,495,000, or returned a plan short of a hard commitment (exit 4).
    from evplan.examples import single_lane

    lane = single_lane(capacity=500)
    tables = {name: frame.drop(columns="row") for name, frame in lane.tables.items()}
    tables["committed_sales"] = pd.DataFrame({"market": ["M1"], "year": [lane.years[0]],
                                              "product": ["V1"], "min_vehicles": [600.0]})
    settings = lane.scenario.as_dict()
    base = validate_tables(tables, {**settings,
                                    "unmet_committed_penalty_usd_per_vehicle": base_penalty})
    extra = tables["duties"].iloc[[0]].assign(origin="ZZ")
    case_tables = {**tables, "duties": pd.concat([tables["duties"], extra], ignore_index=True)}
    case_penalty = 50.0 if base_penalty is None else None
    case = validate_tables(case_tables, {**settings,
                                         "unmet_committed_penalty_usd_per_vehicle": case_penalty})
    warm = WarmModel(base)
    if case_penalty is None:
        with pytest.raises(evplan.InfeasibleError, match="short by 100"):
            warm.solve(case)
    else:
        assert warm.solve(case).objective_usd == pytest.approx(500 * 9_000 - 100 * 50)


@pytest.mark.parametrize("table", ["plants", "routes", "demand"])
def test_the_same_inputs_numbered_otherwise_are_not_certified_with_the_bases_rows(
        table: str) -> None:
    # The certificate finds the warm LP's duals by the base's spreadsheet rows; the same
    # inputs read from a file with one more line (every row one further down) failed their
    # certificate with a right plan (exit 4). Such a case is solved cold now.
    import dataclasses

    from evplan.examples import random_network

    base = random_network(1)
    warm = WarmModel(base)
    shifted = dataclasses.replace(base, tables={
        **base.tables, table: base[table].assign(row=base[table]["row"] + 1)})
    result = warm.solve(shifted)
    assert result.objective_usd == pytest.approx(evplan.optimize(shifted).objective_usd,
                                                 rel=1e-9)
    assert warm.solve(base).metadata["solve_mode"] == "warm"


def test_a_warm_lp_that_says_infeasible_where_the_cold_build_finds_a_plan_returns_that_plan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Should the kept LP ever call a case infeasible that has a plan (a fault injected here:
    # a row bound of the warm LP's made impossible), the cold build that explains an
    # infeasible case finds the plan, and that plan is returned, not "infeasible".
    from evplan.examples import single_lane

    data = single_lane()
    warm = WarmModel(data)
    expected = evplan.optimize(data).objective_usd
    vectors = WarmModel._vectors_of

    def broken(self: WarmModel, numbers: object) -> tuple[np.ndarray, ...]:
        cost, rows, lower, upper = vectors(self, numbers)  # type: ignore[arg-type]
        lower, upper = lower.copy(), upper.copy()
        lower[0], upper[0] = 1.0, 0.0  # lower above upper: no point satisfies the row
        return cost, rows, lower, upper

    monkeypatch.setattr(WarmModel, "_vectors_of", broken)
    result = warm.solve(data)
    assert result.status == "optimal" and result.objective_usd == pytest.approx(expected)
    assert result.metadata["solve_mode"].startswith("cold: the warm LP said infeasible")
    assert warm.stats.cold == 1
