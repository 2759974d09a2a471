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
    assert ("row 2, program 'V1': max_plants 1 is below the 2 plants that build V1 without a "
            "plant_program_options row (they build it every year). Add or open option rows, or "
            "raise max_plants.") in text
    assert "program 'V9' is not in programs.csv" in text
    assert ("preferential_rate is given but rvc_threshold is blank") in text
    assert "preferential_rate 0.2 is above kit_duty_rate 0.1" in text
    assert "objective_basis = 'attributable-ish' is not one of" in text


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
