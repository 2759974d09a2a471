"""The recycling certificate check catches corrupted plans, and plan_recycling runs it."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

import evplan.recycling.plan as plan_module
from evplan.errors import VerificationError
from evplan.recycling import RecyclingOptions, RecyclingResult, load_inputs, plan_recycling
from evplan.verify import check_recycling
from tests.recycling.conftest import EXACT, retired, tiny_tables

OPTIONS = RecyclingOptions(discount_rate=0.0, max_storage_years=0, explain_targets=False,
                           build_every_years=1, solver=EXACT)
LITHIUM = [("material_recovery", "lithium", 2025, 0.5)]


def _violations(result: RecyclingResult, inputs) -> list[str]:  # type: ignore[no-untyped-def]
    try:
        check_recycling(result, inputs)
    except VerificationError as error:
        return error.violations
    return []


def _with(result: RecyclingResult, **tables: pd.DataFrame) -> RecyclingResult:
    return replace(result, tables={**result.tables, **tables})


@pytest.fixture(scope="module")
def two_plants():  # type: ignore[no-untyped-def]
    """1,500 t: A (1,000 t, full) and B (500 t) run hydro (see tests/recycling)."""
    inputs = load_inputs(retired(1500.0), **tiny_tables(eu=True, targets=LITHIUM))
    return inputs, plan_recycling(inputs, replace(OPTIONS, target_penalty_usd_per_tonne=None))


def test_a_correct_plan_passes_and_reports_its_time(two_plants) -> None:  # type: ignore[no-untyped-def]
    inputs, result = two_plants
    assert sorted(result["plants"]["plant"]) == ["A", "B"]
    assert _violations(result, inputs) == []
    assert result.verify_seconds > 0.0


def test_broken_mass_balance_is_caught(two_plants) -> None:  # type: ignore[no-untyped-def]
    inputs, result = two_plants
    flows = result["flows"].copy()
    flows.loc[flows["plant"] == "B", ["tonnes", "transport_usd", "processing_usd"]] = [
        400.0, 400.0 * 300, 400.0 * 500]
    violations = _violations(_with(result, flows=flows), inputs)
    assert ("recycling: mass balance of P, X, 2030: shipped 1400 + stored 0 - stored before, "
            "1400 t, but 1500 t retired.") in violations


def test_a_plan_naming_a_point_or_plant_the_inputs_lack_is_caught_not_a_crash(
        two_plants) -> None:  # type: ignore[no-untyped-def]
    # Renamed in the flows (or storage), they raised KeyError('P0Z') in the lane rules: no
    # plan came back, but as a crash, not as the broken rule.
    inputs, result = two_plants
    flows = result["flows"].copy()
    flows["collection_point"] = flows["collection_point"] + "Z"
    flows.loc[flows["plant"] == "B", "plant"] = "BZ"
    assert _violations(_with(result, flows=flows), inputs) == [
        "recycling: the flows table names collection_point PZ, which the inputs do not "
        "declare.", "recycling: the flows table names plant BZ, which the inputs do not "
        "declare."]
    storage = result["storage"].assign(chemistry="Y")
    assert _violations(_with(result, storage=storage), inputs) == [
        "recycling: the storage table names chemistry Y, which the inputs do not declare."]


def test_capacity_overload_is_caught(two_plants) -> None:  # type: ignore[no-untyped-def]
    inputs, result = two_plants
    flows = result["flows"].copy()
    flows["tonnes"] = flows["plant"].map({"A": 1100.0, "B": 400.0})
    flows["transport_usd"] = flows["tonnes"] * flows["plant"].map({"A": 100.0, "B": 300.0})
    flows["processing_usd"] = flows["tonnes"] * 500.0
    violations = _violations(_with(result, flows=flows), inputs)
    assert "recycling: plant A processes 1100 t in 2030, above its capacity 1000 t." in violations
    assert any(line.startswith("recycling: objective_usd") for line in violations)


def test_flow_to_a_closed_plant_and_a_forbidden_lane_are_caught() -> None:
    tables = tiny_tables()
    tables["candidate_plants"] = pd.concat(
        [tables["candidate_plants"], tables["candidate_plants"].iloc[[1]].assign(plant="C")],
        ignore_index=True)
    inputs = load_inputs(retired(500.0), **tables)
    result = plan_recycling(inputs, OPTIONS)
    assert result["plants"]["plant"].tolist() == ["A"]
    flows = result["flows"].assign(plant="C")
    violations = _violations(_with(result, flows=flows), inputs)
    assert "recycling: flow P -> C in 2030: no lane rule allows this shipment." in violations
    assert "recycling: 500 t go to C (hydro) in 2030, which is not open with that process." \
        in violations


def test_hard_target_missed_and_misreported_compliance_are_caught(two_plants) -> None:  # type: ignore[no-untyped-def]
    inputs, result = two_plants
    flows = result["flows"].assign(process="pyro")
    flows["processing_usd"] = flows["tonnes"] * 100.0
    plant_years = result["plant_years"].assign(process="pyro")
    plants = result["plants"].assign(process="pyro")
    violations = _violations(_with(result, flows=flows, plant_years=plant_years, plants=plants),
                             inputs)
    assert ("recycling: hard EU target material_recovery (lithium) of 50% at A in 2030: "
            "achieved 0.0000%.") in violations
    assert any("compliance of A, 2030, material_recovery (lithium)" in line
               for line in violations)


def test_changed_objective_gap_and_storage_are_caught(two_plants) -> None:  # type: ignore[no-untyped-def]
    inputs, result = two_plants
    violations = _violations(replace(result, objective_usd=result.objective_usd + 1e4), inputs)
    assert any("differs from" in line and "recomputed from the input tables" in line
               for line in violations)
    violations = _violations(replace(result, mip_gap=0.5), inputs)
    assert "recycling: status optimal with mip_gap 0.5 (tolerance 1e-09)." in violations
    storage = result["storage"].assign(stored_tonnes=-5.0)
    violations = _violations(_with(result, storage=storage), inputs)
    assert "recycling: storage of P, X in 2030: -5 t, allowed 0 to 0 t." in violations


def test_a_plant_that_closes_is_caught() -> None:
    packs = pd.concat([retired(500.0, 2030), retired(500.0, 2031)], ignore_index=True)
    inputs = load_inputs(packs, **tiny_tables())
    result = plan_recycling(inputs, OPTIONS)
    assert result["plant_years"]["year"].tolist() == [2030, 2031]
    plant_years = result["plant_years"].iloc[:1]
    violations = _violations(_with(result, plant_years=plant_years), inputs)
    assert "recycling: plant A closes or changes tier or process: open in [2030]." in violations


def test_plan_recycling_runs_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    original = plan_module._flows

    def lose_a_flow(*args, **kwargs):  # type: ignore[no-untyped-def]
        return original(*args, **kwargs).iloc[1:]

    monkeypatch.setattr(plan_module, "_flows", lose_a_flow)
    inputs = load_inputs(retired(1500.0), **tiny_tables())
    with pytest.raises(VerificationError, match="mass balance of P, X, 2030"):
        plan_recycling(inputs, OPTIONS)
    unchecked = plan_recycling(inputs, replace(OPTIONS, verify=False))
    assert unchecked.verify_seconds == 0.0
