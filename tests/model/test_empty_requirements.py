"""Requirements no flow can serve are never dropped: infeasible (exit 2) naming what is missing.

A commitment without a penalty and a plant minimum are ``>=`` rows; when no variable can
appear on their left side (linopy would drop such a row) the model is infeasible and the
explanation names the missing plant_programs row, lane, open year or demand tier. A
commitment or demand row in a year outside the horizon is an input error (exit 1).
Each variant runs through the library and through the CLI (in process, and one in a
subprocess in tests/test_cli.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import evplan
from evplan.cli import app
from evplan.data import NetworkData, validate_tables, write_inputs
from evplan.examples import single_lane

# One plant P1 (AA) builds V1 (BEV); market M1 (BB) with 600 vehicles a year at 20,000.


def network(first_year: int = 2025, last_year: int = 2025, **changes: object) -> NetworkData:
    """single_lane with tables replaced or extended (frames, or callables of the frame)."""
    base = single_lane(first_year=first_year, last_year=last_year)
    tables = {name: frame.drop(columns="row") for name, frame in base.tables.items()}
    scenario = dict(base.scenario.as_dict())
    for name, change in changes.items():
        if name == "scenario":
            scenario.update(change)  # type: ignore[call-overload]
        elif callable(change):
            tables[name] = change(tables[name])
        else:
            tables[name] = change  # type: ignore[assignment]
    return validate_tables(tables, scenario)


def committed(market: str = "M1", year: int = 2025, product: str = "V1",
              vehicles: float = 100.0) -> pd.DataFrame:
    return pd.DataFrame({"market": [market], "year": [year], "product": [product],
                         "min_vehicles": [vehicles]})


def add_rows(extra: pd.DataFrame):  # type: ignore[no-untyped-def]
    return lambda frame: pd.concat([frame, extra], ignore_index=True)


V2 = pd.DataFrame({"program": ["V2"], "powertrain": ["BEV"], "segment": ["D"],
                   "maker": ["Maker"]})
M2 = pd.DataFrame({"market": ["M2"], "country": ["CC"]})
P2 = pd.DataFrame({"plant": ["P2"], "country": ["AA"], "capacity_vehicles_per_year": [1000.0],
                   "min_utilisation": [0.5]})
DEMAND = {"market": "M1", "year": 2025, "product": "V1", "tier": 1, "volume_vehicles": 600.0,
          "price_usd_per_vehicle": 20_000.0}

LEAD = "committed sales of 100 {product} in {market} in {year} (committed_sales.csv row 2) " \
       "cannot be supplied: short by 100; no flow can serve it: "
TAIL = ". Add the missing row, or set unmet_committed_penalty_usd_per_vehicle in scenario.yaml " \
       "to let it fall short at a cost."

VARIANTS = {
    "no plant builds the program": (
        dict(programs=add_rows(V2), demand=add_rows(pd.DataFrame([{**DEMAND, "product": "V2"}])),
             committed_sales=committed(product="V2")),
        LEAD.format(product="V2", market="M1", year=2025)
        + "no plant builds V2 (plant_programs.csv has no row for it)" + TAIL),
    "no lane reaches the market": (
        dict(markets=add_rows(M2), demand=add_rows(pd.DataFrame([{**DEMAND, "market": "M2"}])),
             committed_sales=committed(market="M2")),
        LEAD.format(product="V1", market="M2", year=2025)
        + "routes.csv has no lane to M2 from a plant that builds V1 (P1)" + TAIL),
    "the lane opens later": (
        dict(first_year=2025, last_year=2026, routes=lambda f: f.assign(first_year=2026),
             committed_sales=committed(year=2025)),
        LEAD.format(product="V1", market="M1", year=2025)
        + "no lane to M1 from a plant that builds V1 is open in 2025: route 'P1>M1' "
          "(routes.csv row 2) opens in 2026" + TAIL),
    "the plant has closed": (
        dict(first_year=2025, last_year=2026, plants=lambda f: f.assign(last_year=2025),
             committed_sales=committed(year=2026)),
        LEAD.format(product="V1", market="M1", year=2026)
        + "no lane to M1 from a plant that builds V1 is open in 2026: plant P1 (plants.csv row "
          "2) closes after 2025" + TAIL),
    "no demand row for the committed program": (
        dict(first_year=2025, last_year=2026, demand=pd.DataFrame([DEMAND]),
             committed_sales=committed(year=2026)),
        LEAD.format(product="V1", market="M1", year=2026)
        + "demand.csv has no tier that sells V1 in M1 in 2026" + TAIL),
    "a minimum in a year with no demand": (
        dict(first_year=2025, last_year=2026, demand=pd.DataFrame([DEMAND]),
             plants=lambda f: f.assign(min_utilisation=0.1)),
        "minimum production of 100 vehicles at P1 in 2026 (plants.csv row 2, min_utilisation "
        "0.1) cannot be reached: short by 100; no vehicle can be built there: demand.csv has no "
        "tier in 2026 for its programs (V1) in the markets its open lanes reach (M1). Add the "
        "missing row, or lower min_utilisation."),
    "a plant with a minimum that builds nothing": (
        dict(plants=add_rows(P2)),
        "minimum production of 500 vehicles at P2 in 2025 (plants.csv row 3, min_utilisation "
        "0.5) cannot be reached: short by 500; no vehicle can be built there: P2 builds no "
        "program (plant_programs.csv has no row for it). Add the missing row, or lower "
        "min_utilisation."),
    "a plant with a minimum and no lane": (
        dict(plants=add_rows(P2), plant_programs=add_rows(pd.DataFrame({
            "plant": ["P2"], "program": ["V1"], "variable_cost_usd_per_vehicle": [10_000.0]}))),
        "minimum production of 500 vehicles at P2 in 2025 (plants.csv row 3, min_utilisation "
        "0.5) cannot be reached: short by 500; no vehicle can be built there: routes.csv has no "
        "lane from P2. Add the missing row, or lower min_utilisation."),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_unservable_requirement_is_infeasible_and_names_the_missing_piece(variant: str) -> None:
    changes, explanation = VARIANTS[variant]
    with pytest.raises(evplan.InfeasibleError) as caught:
        evplan.optimize(network(**changes))
    assert caught.value.explanations == [explanation]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_unservable_requirement_exits_2_from_the_cli(variant: str, tmp_path: Path) -> None:
    changes, explanation = VARIANTS[variant]
    inputs = write_inputs(network(**changes), tmp_path / "inputs")
    done = CliRunner().invoke(app, ["run", str(inputs), "-o", str(tmp_path / "out"),
                                    "--no-record", "--no-report"])
    assert done.exit_code == 2, done.output
    assert explanation[:60] in " ".join(done.output.split())
    assert not (tmp_path / "out").exists()


def test_unservable_requirement_is_also_infeasible_in_warm_solves() -> None:
    from evplan.scenarios import WarmModel

    changes, explanation = VARIANTS["no lane reaches the market"]
    data = network(**changes)
    with pytest.raises(evplan.InfeasibleError) as caught:
        WarmModel(data).solve(data)
    assert caught.value.explanations == [explanation]


def test_with_a_penalty_the_unservable_commitment_falls_short_at_its_cost() -> None:
    changes, _ = VARIANTS["no lane reaches the market"]
    data = network(scenario={"unmet_committed_penalty_usd_per_vehicle": 50.0}, **changes)
    result = evplan.optimize(data)
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(600 * 9_000 - 100 * 50.0)


def test_a_zero_commitment_no_flow_can_serve_is_no_requirement() -> None:
    changes, _ = VARIANTS["no lane reaches the market"]
    changes = {**changes, "committed_sales": committed(market="M2", vehicles=0.0)}
    assert evplan.optimize(network(**changes)).objective_usd == pytest.approx(600 * 9_000)


def test_demand_no_flow_can_reach_stays_unsold_without_error() -> None:
    data = network(markets=add_rows(M2),
                   demand=add_rows(pd.DataFrame([{**DEMAND, "market": "M2"}])))
    result = evplan.optimize(data)
    assert result.objective_usd == pytest.approx(600 * 9_000)
    prices = result["demand_shadow_prices"].set_index("market")
    assert prices.loc["M2", "sales_vehicles"] == 0


@pytest.mark.parametrize(("table", "frame"), [
    ("committed_sales", committed(year=2031)),
    ("demand", pd.DataFrame([DEMAND, {**DEMAND, "year": 2031}])),
])
def test_rows_in_a_year_outside_the_horizon_are_input_errors(table: str, frame: pd.DataFrame,
                                                             tmp_path: Path) -> None:
    with pytest.raises(evplan.InputError) as caught:
        network(**{table: frame})
    assert "year 2031 is outside the horizon 2025-2025. Delete the row or widen " \
           "first_year/last_year in scenario.yaml." in str(caught.value)
    inputs = write_inputs(single_lane(), tmp_path / "inputs")
    frame.to_csv(inputs / f"{table}.csv", index=False)
    done = CliRunner().invoke(app, ["run", str(inputs), "-o", str(tmp_path / "out"),
                                    "--no-record", "--no-report"])
    assert done.exit_code == 1
    assert "is outside the horizon" in done.output


def test_a_network_with_nothing_to_sell_is_the_empty_plan_at_its_fixed_cost() -> None:
    """Demand only where no lane goes: HiGHS sees an empty model; the plan is optimal and
    empty. (A demand table with no row at all is an input error: docs/inputs.md.)"""
    elsewhere = pd.DataFrame([{**DEMAND, "market": "M2"}])
    data = network(demand=elsewhere, markets=add_rows(M2),
                   plants=lambda f: f.assign(fixed_cost_usd_per_year=1e5))
    result = evplan.optimize(data)
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(-1e5)
    assert result["shipments"].empty and result["sales"].empty
    from evplan.scenarios import WarmModel

    assert WarmModel(data).solve(data).objective_usd == pytest.approx(-1e5)


def test_a_penalised_commitment_is_never_named_as_a_cause_of_infeasibility() -> None:
    changes, _ = VARIANTS["a plant with a minimum that builds nothing"]
    data = network(scenario={"unmet_committed_penalty_usd_per_vehicle": 50.0},
                   committed_sales=committed(vehicles=5_000.0), **changes)
    with pytest.raises(evplan.InfeasibleError) as caught:
        evplan.optimize(data)
    assert [line.split(" ")[0] for line in caught.value.explanations] == ["minimum"]
