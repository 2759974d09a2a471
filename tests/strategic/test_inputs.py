"""Strategic inputs: validation messages, overlays of a base folder, absent tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import evplan
from evplan.data.columns import coerce_table, empty_table
from evplan.errors import InputError
from evplan.schema import TABLES
from tests.strategic.networks import two_plants


def test_empty_tables_are_typed_like_coerced_ones() -> None:
    for table in TABLES.values():
        frame = pd.DataFrame({column: pd.Series(dtype=str)
                              for column in ("row", *table.column_names)})
        assert_frame_equal(empty_table(table), coerce_table(table, frame, "x", []))


def test_strategic_problems_are_all_reported_at_once() -> None:
    with pytest.raises(InputError) as caught:
        two_plants(extra={
            "plant_strategy": {"plant": ["P1"], "modules_initial": [3], "modules_max": [2]},
            "plant_program_options": {"plant": ["P1"], "program": ["V9"]},
            "program_lifecycle": {"program": ["V1"], "max_plants": [1]},
            "assembly_sites": {"site": ["S1"], "market": ["M1"],
                               "capacity_vehicles_per_year": [100.0]},
            "kit_routes": {"plant": ["P1"], "site": ["S1"], "kit": ["CKD"],
                           "kit_value_share": [0.5], "freight_usd_per_vehicle": [100.0],
                           "assembly_cost_usd_per_vehicle": [2_000.0]},
            "kit_duties": {"origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
                           "kit_duty_rate": [0.1], "preferential_rate": [0.2]},
        }, market_country="BB", scenario={"objective_basis": "attributable-ish"})
    text = str(caught.value)
    assert ("row 2, plant 'P1': modules_max 2 is below modules_initial 3. Raise modules_max "
            "(removing modules is a decision the plan makes).") in text
    assert ("row 2, program_lifecycle 'V1'" not in text)  # single-key tables name the id
    assert ("row 2, program 'V1': max_plants 1 is below the 2 plants that must build V1 in "
            "2025 (2 without a plant_program_options row, which build it every year their plant "
            "operates). Add or open option rows, or raise max_plants.") in text
    assert "program 'V9' is not in programs.csv" in text
    assert ("preferential_rate is given but rvc_threshold is blank") in text
    assert "preferential_rate 0.2 is above kit_duty_rate 0.1" in text
    assert "objective_basis = 'attributable-ish' is not one of" in text


def test_max_plants_counts_only_the_years_of_the_programs_life() -> None:
    """P2 holds V1 (existing, frozen until 2026) but V1 is built only from 2026, when P2 may
    stop: one plant suffices (found by an audit: it was refused as an input error)."""
    data = two_plants(years=2, extra={
        "plant_program_options": {"plant": ["P2"], "program": ["V1"], "existing": ["yes"],
                                  "first_year": [2026]},
        "program_lifecycle": {"program": ["V1"], "first_year": [2026], "max_plants": [1]}})
    result = evplan.optimize(data)
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(600 * (20_000 - 10_000 - 1_000)
                                                 - 3_500_000 * 2)
    # the same cap while V1 is built in 2025 too: P1 and the frozen P2 must both build it
    with pytest.raises(InputError, match=r"max_plants 1 is below the 2 plants that must build "
                                         r"V1 in 2025 \(1 without a plant_program_options row, "
                                         r"which build it every year their plant operates; 1 "
                                         r"existing option rows whose first_year is later\)"):
        two_plants(years=2, extra={
            "plant_program_options": {"plant": ["P2"], "program": ["V1"],
                                      "existing": ["yes"], "first_year": [2026]},
            "program_lifecycle": {"program": ["V1"], "max_plants": [1]}})


def test_max_plants_counts_a_plant_only_in_the_years_it_operates() -> None:
    """P2 closes after 2025 (plants.last_year) and V1 is built from 2026: P1 alone builds it."""
    data = two_plants(years=2, extra={
        "plants": {"plant": ["P1", "P2"], "country": ["AA", "AA"],
                   "capacity_vehicles_per_year": [1_000.0, 1_000.0],
                   "fixed_cost_usd_per_year": [2_000_000.0, 1_500_000.0],
                   "last_year": pd.array([pd.NA, 2025], dtype="Int64")},
        "program_lifecycle": {"program": ["V1"], "first_year": [2026], "max_plants": [1]}})
    result = evplan.optimize(data)
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(600 * (20_000 - 10_000 - 1_000) - 2_000_000 * 2
                                                 - 1_500_000)


def test_a_kit_lane_without_a_kit_duty_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"kit route 'P1>S1': no kit_duties row covers AA>M1 "
                                         r"BEV in 2025"):
        two_plants(market_country="BB", extra={
            "assembly_sites": {"site": ["S1"], "market": ["M1"],
                               "capacity_vehicles_per_year": [100.0]},
            "kit_routes": {"plant": ["P1"], "site": ["S1"], "kit": ["CKD"],
                           "kit_value_share": [0.5], "freight_usd_per_vehicle": [100.0],
                           "assembly_cost_usd_per_vehicle": [2_000.0]}})


def test_a_folder_overlays_its_base_inputs(tmp_path: Path) -> None:
    base = tmp_path / "base"
    evplan.data.write_inputs(two_plants(), base)
    top = tmp_path / "top"
    top.mkdir()
    (top / "scenario.yaml").write_text("name: top\nbase_inputs: ../base\n", encoding="utf-8")
    pd.DataFrame({"plant": ["P2"], "program": ["V1"], "variable_cost_usd_per_vehicle":
                  [9_000.0]}).to_csv(top / "plant_programs.csv", index=False)
    pd.DataFrame({"plant": ["P2"], "modules_initial": [2]}).to_csv(
        top / "plant_strategy.csv", index=False)
    data = evplan.load(top)
    assert data.scenario.name == "top"
    assert data.scenario.first_year == 2025
    lanes = data["plant_programs"].set_index("plant")["variable_cost_usd_per_vehicle"]
    assert lanes.to_dict() == {"P1": 10_000.0, "P2": 9_000.0}
    assert data["plant_programs"]["row"].tolist() == [2, 10_002]
    assert data.origin == str(top)
    pd.DataFrame({"plant": ["P9"], "modules_initial": [2]}).to_csv(
        top / "plant_strategy.csv", index=False)
    with pytest.raises(InputError, match=r"top/plant_strategy.csv\n  \* row 2, plant 'P9'"):
        evplan.load(top)


def test_a_missing_base_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text("name: x\nbase_inputs: ../nowhere\n",
                                            encoding="utf-8")
    with pytest.raises(InputError, match=r"base_inputs '\.\./nowhere' is not a folder"):
        evplan.load(tmp_path)
