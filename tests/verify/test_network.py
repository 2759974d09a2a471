"""The export-LP certificate: it passes real plans and catches every kind of broken plan.

Each corruption below breaks one row family of a solved plan (or the model builder
itself, monkeypatched); the certificate must raise VerificationError naming that family.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.data import NetworkData, validate_tables
from evplan.errors import VerificationError
from evplan.examples import random_network, single_lane
from evplan.highs import run_highs
from evplan.model.build import build_model
from evplan.model.index import build_index
from evplan.model.objective import fixed_cost_usd
from evplan.results import Result, compute_kpis, result_tables
from evplan.verify import verify_network
from evplan.verify.network import Tolerance
from evplan.verify.network_dual import NetworkDuals, duals_from_run
from evplan.verify.network_tables import NameCodes


def solved(data: NetworkData) -> tuple[Result, NetworkDuals]:
    """Solve without the certificate, to corrupt the plan before checking it."""
    index = build_index(data)
    m, index = build_model(data, index=index)
    run = run_highs(m)
    tables = result_tables(m, run, index, data)
    result = Result(status=run.status, objective_usd=run.objective - fixed_cost_usd(index),
                    tables=tables, kpis=compute_kpis(tables), scenario=data.scenario.as_dict())
    return result, duals_from_run(m, run, index)


def with_tables(data: NetworkData, **changes: pd.DataFrame) -> NetworkData:
    tables = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    tables.update(changes)
    return validate_tables(tables, data.scenario)


def corrupted(result: Result, objective: float | None = None, **tables: pd.DataFrame) -> Result:
    return replace(result, tables={**result.tables, **tables},
                   objective_usd=result.objective_usd if objective is None else objective)


def assert_caught(data: NetworkData, plan: Result, duals: NetworkDuals | None, family: str
                  ) -> VerificationError:
    with pytest.raises(VerificationError) as caught:
        verify_network(data, plan, duals)
    assert any(line.startswith(f"{family}:") for line in caught.value.violations), \
        caught.value.violations
    return caught.value


def rescaled(frame: pd.DataFrame, column: str, factor: float, where: pd.Series | None = None
             ) -> pd.DataFrame:
    frame = frame.copy()
    mask = np.ones(len(frame), bool) if where is None else where.to_numpy()
    frame.loc[mask, column] = frame.loc[mask, column] * factor
    return frame


@pytest.mark.parametrize("seed", [0, 3, 7])
def test_optimal_plans_pass_with_a_tight_dual_bound(seed: int) -> None:
    data = random_network(seed)
    result = evplan.optimize(data)
    certificate = result.metadata["certificate"]
    assert certificate["objective_usd"] == pytest.approx(result.objective_usd, rel=1e-9)
    assert certificate["gap_usd"] is not None
    assert abs(certificate["gap_usd"]) <= 1e-6 * abs(result.objective_usd) + 1.0
    assert certificate["bound_usd"] >= result.objective_usd - 1.0


def test_shipment_on_a_lane_that_does_not_exist() -> None:
    data = single_lane()
    result, duals = solved(data)
    extra = result["shipments"].iloc[[0]].assign(market="NOWHERE", shipment_vehicles=5.0)
    plan = corrupted(result, shipments=pd.concat([result["shipments"], extra]))
    error = assert_caught(data, plan, duals, "lane")
    assert "5.000 vehicles shipped on P1/V1/NOWHERE/2025" in str(error)


def test_negative_shipment_and_sales() -> None:
    data = single_lane()
    result, duals = solved(data)
    plan = corrupted(result, shipments=rescaled(result["shipments"], "shipment_vehicles", -1),
                     sales=rescaled(result["sales"], "sales_vehicles", -1))
    assert_caught(data, plan, duals, "nonnegativity")


def test_plant_capacity() -> None:
    data = single_lane(capacity=500)
    result, duals = solved(data)
    plan = corrupted(result, shipments=rescaled(result["shipments"], "shipment_vehicles", 1.1),
                     sales=rescaled(result["sales"], "sales_vehicles", 1.1))
    error = assert_caught(data, plan, duals, "plant-capacity")
    assert "P1 in 2025 (plants.csv row 2) builds 550.000, capacity 500.000 (over by 50.000)" in \
        str(error)


def test_plant_minimum() -> None:
    data = single_lane(capacity=1_000, min_utilisation=0.8,
                       tiers=((600.0, 20_000.0), (400.0, 10_000.0)))
    result, duals = solved(data)
    plan = corrupted(result, shipments=rescaled(result["shipments"], "shipment_vehicles", 0.5),
                     sales=rescaled(result["sales"], "sales_vehicles", 0.5))
    assert_caught(data, plan, duals, "plant-minimum")


def test_route_capacity() -> None:
    base = single_lane()
    routes = base["routes"].drop(columns="row").assign(capacity_vehicles_per_year=300.0)
    data = with_tables(base, routes=routes)
    result, duals = solved(data)
    assert result["shipments"]["shipment_vehicles"].sum() == pytest.approx(300)
    plan = corrupted(result, shipments=rescaled(result["shipments"], "shipment_vehicles", 2),
                     sales=rescaled(result["sales"], "sales_vehicles", 2))
    error = assert_caught(data, plan, duals, "route-capacity")
    assert "route 'P1>M1' in 2025 (routes.csv row 2) carries 600.000, capacity 300.000" in str(
        error)


def test_market_balance() -> None:
    data = single_lane()
    result, duals = solved(data)
    plan = corrupted(result, sales=rescaled(result["sales"], "sales_vehicles", 0.9))
    error = assert_caught(data, plan, duals, "market-balance")
    assert "V1 in M1 in 2025: shipped 600.000, sold 540.000 (off by 60.000)" in str(error)


def test_demand_tier_volume_and_membership() -> None:
    data = single_lane(capacity=1_000)
    result, duals = solved(data)
    plan = corrupted(result, shipments=rescaled(result["shipments"], "shipment_vehicles", 1.5),
                     sales=rescaled(result["sales"], "sales_vehicles", 1.5))
    error = assert_caught(data, plan, duals, "demand-tier")
    assert "demand.csv row 2: 900.000 sold, volume 600.000 (over by 300.000)" in str(error)
    foreign = result["sales"].assign(program="V9")
    assert_caught(data, corrupted(result, sales=foreign), duals, "demand-tier")


def test_duty_quota_share_and_volume() -> None:
    data = single_lane(ad_valorem_rate=0.5, quota=200, in_quota_rate=0.0)
    result, duals = solved(data)
    over_flow = rescaled(result["shipments"], "in_quota_vehicles", 0.0).assign(
        in_quota_vehicles=700.0)
    error = assert_caught(data, corrupted(result, shipments=over_flow), duals, "duty-quota")
    assert "700.000 in-quota vehicles of 600.000 shipped" in str(error)
    over_quota = result["shipments"].assign(in_quota_vehicles=300.0)
    error = assert_caught(data, corrupted(result, shipments=over_quota), duals, "duty-quota")
    assert "300.000 in-quota vehicles, quota 200.000" in str(error)


def test_in_quota_vehicles_where_no_quota_exists() -> None:
    data = single_lane(ad_valorem_rate=0.5)
    result, duals = solved(data)
    plan = corrupted(result, shipments=result["shipments"].assign(in_quota_vehicles=10.0))
    error = assert_caught(data, plan, duals, "duty-quota")
    assert "its duty row has no quota" in str(error)


def test_committed_sales() -> None:
    data = single_lane(capacity=1_000, committed=500, tiers=((600.0, 20_000.0),))
    result, duals = solved(data)
    plan = corrupted(result, shipments=rescaled(result["shipments"], "shipment_vehicles", 0.5),
                     sales=rescaled(result["sales"], "sales_vehicles", 0.5))
    error = assert_caught(data, plan, duals, "committed-sales")
    assert "committed_sales.csv row 2 (M1/2025/V1): 300.000 sold, 500.000 committed" in str(error)


def test_reported_duty_differs_from_the_duty_tables() -> None:
    data = single_lane(ad_valorem_rate=0.1)
    result, duals = solved(data)
    plan = corrupted(result, shipments=rescaled(result["shipments"], "full_duty_usd_per_vehicle",
                                                0.5))
    error = assert_caught(data, plan, duals, "duty")
    assert "reports full_duty_usd_per_vehicle 550.00, the duty tables give 1,100.00" in str(error)


def test_money_columns_of_the_run_folder_come_from_the_inputs() -> None:
    """The shipments' and sales' USD columns are what the run folder reports; a duty or a
    revenue written wrong (the objective unchanged) was not caught."""
    data = single_lane(ad_valorem_rate=0.1)
    result, duals = solved(data)
    plan = corrupted(result, shipments=rescaled(result["shipments"], "duty_usd", 0.5),
                     sales=rescaled(result["sales"], "revenue_usd", 1.1))
    error = assert_caught(data, plan, duals, "money")
    assert "reports duty_usd 330,000.00, the input tables give 660,000.00" in str(error)
    assert "report revenue_usd 13,200,000.00, the input tables give 12,000,000.00" in str(error)


def test_objective() -> None:
    data = single_lane()
    result, duals = solved(data)
    plan = corrupted(result, objective=result.objective_usd + 1_000)
    error = assert_caught(data, plan, duals, "objective")
    assert "the plan reports 5,401,000.00 USD, the input tables give 5,400,000.00 USD" in str(error)


def test_feasible_but_suboptimal_plan_called_optimal() -> None:
    data = single_lane(capacity=1_000)
    result, duals = solved(data)
    shipments, sales = result["shipments"], result["sales"]
    for column in ("shipment_vehicles", "variable_cost_usd", "freight_usd", "inventory_usd",
                   "duty_usd"):  # half of every vehicle and every USD column
        shipments = rescaled(shipments, column, 0.5)
    for column in ("sales_vehicles", "revenue_usd"):
        sales = rescaled(sales, column, 0.5)
    half = corrupted(result, objective=result.objective_usd / 2, shipments=shipments,
                     sales=sales)
    error = assert_caught(data, half, duals, "optimality")
    assert "no plan can earn more than 5,400,000.00 USD" in str(error)
    # The same plan with status time_limit is only checked for feasibility.
    assert verify_network(data, replace(half, status="time_limit"), duals).bound_usd is None


def test_wrong_duals_do_not_certify_an_optimal_plan() -> None:
    data = random_network(2)
    result, duals = solved(data)
    verify_network(data, result, duals)
    zero = NetworkDuals(**{name: replace(prices, dual=np.zeros(len(prices.dual)))
                           for name, prices in duals.families().items()})
    assert_caught(data, result, zero, "optimality")


def test_tolerance_is_relative() -> None:
    data = single_lane(capacity=500)
    result, duals = solved(data)
    nudged = corrupted(result, shipments=rescaled(result["shipments"], "shipment_vehicles", 1.0001),
                       sales=rescaled(result["sales"], "sales_vehicles", 1.0001))
    assert_caught(data, nudged, duals, "plant-capacity")
    loose = Tolerance(feasibility=1e-3, objective=1e-3, optimality=1e-3)
    verify_network(data, nudged, duals, loose)


# ---- bugs in the model builder are caught before a plan is returned ---------------------

def test_a_dropped_route_capacity_family_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    base = single_lane()
    data = with_tables(base, routes=base["routes"].drop(columns="row").assign(
        capacity_vehicles_per_year=300.0))
    monkeypatch.setattr("evplan.model.build.add_route_capacity", lambda *args: None)
    with pytest.raises(VerificationError, match="route-capacity: route 'P1>M1'"):
        evplan.optimize(data)


def test_a_dropped_plant_minimum_family_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    data = single_lane(capacity=1_000, min_utilisation=0.8,
                       tiers=((600.0, 20_000.0), (400.0, 10_000.0)))
    monkeypatch.setattr("evplan.model.build.add_plant_minimum", lambda *args: None)
    with pytest.raises(VerificationError, match="plant-minimum: P1 in 2025"):
        evplan.optimize(data)


def test_a_wrong_duty_lookup_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    import evplan.model.index as index_module

    def no_cvd(keys: pd.DataFrame, table: pd.DataFrame, years: list[int]) -> pd.Series:
        return pd.Series(0.0, index=keys.index)

    monkeypatch.setattr(index_module, "resolve_countervailing", no_cvd)
    with pytest.raises(VerificationError, match="duty: flow P1/V1/M1/2025 reports "
                                                "full_duty_usd_per_vehicle"):
        evplan.optimize(single_lane(ad_valorem_rate=0.1, cvd_rate=0.2))


def test_an_extra_row_that_cuts_off_the_optimum_is_caught(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """A builder that over-constrains gives a feasible plan the dual bound does not certify."""
    import evplan.model.build as build_module

    original = build_module.add_plant_capacity

    def halved(m, index, options):  # type: ignore[no-untyped-def]
        plant_years = index.plant_years.assign(
            capacity_vehicles_per_year=index.plant_years["capacity_vehicles_per_year"] / 2)
        original(m, replace(index, plant_years=plant_years), options)

    monkeypatch.setattr(build_module, "add_plant_capacity", halved)
    with pytest.raises(VerificationError, match="optimality: no plan can earn more than"):
        evplan.optimize(single_lane(capacity=1_000))


def test_the_cli_exits_4_and_writes_nothing_when_a_plan_fails_its_certificate(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from evplan.cli import app
    from evplan.data import write_inputs

    base = single_lane()
    data = with_tables(base, routes=base["routes"].drop(columns="row").assign(
        capacity_vehicles_per_year=300.0))
    inputs = write_inputs(data, tmp_path / "inputs")
    monkeypatch.setattr("evplan.model.build.add_route_capacity", lambda *args: None)
    done = CliRunner().invoke(app, ["run", str(inputs), "-o", str(tmp_path / "out"),
                                    "--no-record", "--no-report"])
    assert done.exit_code == 4
    assert "failed its certificate check; this is a bug in evplan" in done.output
    assert not (tmp_path / "out").exists()


def _verdict(data: NetworkData, plan: Result, duals: NetworkDuals | None,
             names: NameCodes | None) -> list[str] | tuple[float | None, ...]:
    """The violations, or the certificate's numbers when the plan passes."""
    try:
        certificate = verify_network(data, plan, duals, names=names)
    except VerificationError as error:
        return list(error.violations)
    return (certificate.objective_usd, certificate.bound_usd, certificate.worst_violation,
            certificate.rows)


@pytest.mark.parametrize("seed", [1, 4])
def test_kept_name_codes_give_the_verdicts_of_a_fresh_encoding(seed: int) -> None:
    # A warm model keeps the certificate's name codes across cases whose inputs differ only
    # in value columns; every verdict must be the one a fresh encoding gives.
    data = random_network(seed)
    result, duals = solved(data)
    codes = NameCodes()
    assert _verdict(data, result, duals, codes) == _verdict(data, result, duals, None)
    kept = codes.of(data, result.tables, duals.families())
    dearer = replace(data, tables={**data.tables, "routes": rescaled(
        data["routes"], "freight_usd_per_vehicle", 1.7)})
    dearer_result, dearer_duals = solved(dearer)
    cases = [
        (dearer, dearer_result, dearer_duals),  # another optimum, same names
        (dearer, result, duals),  # the old plan misstates the objective and is not optimal
        (data, corrupted(result, shipments=rescaled(result["shipments"], "shipment_vehicles",
                                                    1.3)), duals),
        (data, corrupted(result, sales=rescaled(result["sales"], "sales_vehicles", -1.0)),
         duals),
        (data, corrupted(result, objective=result.objective_usd + 1e4), duals),
    ]
    for case_data, plan, case_duals in cases:
        assert _verdict(case_data, plan, case_duals, codes) == _verdict(
            case_data, plan, case_duals, None)
    assert codes.of(data, result.tables, duals.families()) is kept
    # The same number of rows, the shipments put on other plants: the plan's names are
    # never vouched for, so the kept codes are not used and the wrong plan is caught.
    shipments = result["shipments"].copy()
    shipments["plant"] = shipments["plant"].to_numpy()[::-1]
    relabelled = corrupted(result, shipments=shipments)
    verdict = _verdict(data, relabelled, duals, codes)
    assert verdict == _verdict(data, relabelled, duals, None)
    assert isinstance(verdict, list) and any(line.startswith("lane:") for line in verdict)
    assert codes.of(data, result.tables, duals.families()) is not kept
    # Another number of rows (a shipment dropped): the codes are made again.
    fewer = corrupted(result, shipments=result["shipments"].iloc[1:])
    assert _verdict(data, fewer, duals, codes) == _verdict(data, fewer, duals, None)
    assert codes.of(data, fewer.tables, duals.families()) is not kept


@pytest.mark.parametrize("example", ["china_export", "random_0", "random_5"])
def test_kept_join_positions_give_the_tables_of_a_fresh_build(example: str) -> None:
    # The positions the certificate's joins found are kept for inputs with the same names
    # and years; every value column changed row by row must come out as a fresh build has it.
    from evplan.examples import china_export
    from evplan.scenarios.warm_fit import VALUE_COLUMNS  # what a warm case may change
    from evplan.verify.network_tables import Memo, build_tables, encode

    data = china_export() if example == "china_export" else random_network(
        int(example.split("_")[1]))
    plan = {"shipments": data.plants.iloc[0:0].assign(plant="", program="", market=""),
            "sales": data["demand"].iloc[0:0].assign(program="")}
    memo = Memo()
    build_tables(data, encode(data, plan, None), memo)
    generator = np.random.default_rng(7)
    tables = {}
    for name, columns in VALUE_COLUMNS.items():
        frame = data[name].copy()
        for column in columns:
            if column in frame and len(frame):
                factor = generator.uniform(0.5, 1.5, len(frame))
                frame[column] = frame[column].astype(float) * factor
        tables[name] = frame
    changed = replace(data, tables={**data.tables, **tables})
    vocabulary = encode(changed, plan, None)
    kept, fresh = build_tables(changed, vocabulary, memo), build_tables(changed, vocabulary)
    for part in ("lanes", "plant_years", "demand", "committed", "members"):
        mine, theirs = getattr(kept, part), getattr(fresh, part)
        assert list(mine) == list(theirs), part
        for key in mine:
            assert np.array_equal(np.asarray(mine[key]), np.asarray(theirs[key]),
                                  equal_nan=np.asarray(mine[key]).dtype.kind == "f"), (part, key)
    assert len(kept.lanes["key"]) and not np.array_equal(
        kept.lanes["full_duty"], build_tables(data, vocabulary).lanes["full_duty"])
