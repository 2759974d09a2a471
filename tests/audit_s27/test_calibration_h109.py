"""Calibration messages name the row's key and a blank cell as blank (audit s27,
helper-109): ``volume_vehicles = 'NaN' is not a number`` named a row number only, and a
blank elasticity was "not a number"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.calibration import read_calibration_inputs
from evplan.calibration.inputs import cell_problems
from evplan.errors import InputError


def _messages(folder: Path) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as caught:
        read_calibration_inputs(folder)
    return [(problem.file, problem.message) for problem in caught.value.problems]


def test_a_nan_volume_and_blank_cells_name_the_row_key(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(evplan.examples.china_export_path(), tmp_path / "inputs"))
    base = pd.read_csv(folder / "base_demand.csv", dtype=str, keep_default_na=False)
    base.loc[2, "volume_vehicles"] = "NaN"  # row 4
    base.loc[3, "price_usd_per_vehicle"] = ""  # row 5
    base.to_csv(folder / "base_demand.csv", index=False)
    elasticities = pd.read_csv(folder / "elasticities.csv", dtype=str, keep_default_na=False)
    elasticities.loc[1, "own_price_elasticity"] = "  "  # row 3
    elasticities.to_csv(folder / "elasticities.csv", index=False)
    b4, b5, e3 = base.loc[2], base.loc[3], elasticities.loc[1]
    assert _messages(folder) == [
        ("base_demand.csv", f"row 4, market '{b4.market}', year {b4.year}, product "
         f"'{b4['product']}': volume_vehicles = 'NaN' is not a number. Write a plain number "
         "such as 1250 or 0.5."),
        ("base_demand.csv", f"row 5, market '{b5.market}', year {b5.year}, product "
         f"'{b5['product']}': price_usd_per_vehicle is blank. Write a plain number such as "
         "1250 or 0.5, or delete the row."),
        ("elasticities.csv", f"row 3, market '{e3.market}', segment '{e3.segment}': "
         "own_price_elasticity is blank. Write a plain number such as 1250 or 0.5, or delete "
         "the row.")]


def test_a_nan_in_a_frame_is_a_blank_cell_as_in_a_file() -> None:
    frame = pd.DataFrame({"market": ["*"], "segment": ["C"],
                          "own_price_elasticity": [float("nan")]})
    assert [p.message for p in cell_problems("elasticities", frame)] == [
        "row 2, market '*', segment 'C': own_price_elasticity is blank. Write a plain number "
        "such as 1250 or 0.5, or delete the row."]


def test_a_very_long_calibration_cell_is_quoted_by_its_start(tmp_path: Path) -> None:
    """A pasted 3,000-digit value and a 500-character key were quoted whole."""
    folder = Path(shutil.copytree(evplan.examples.china_export_path(), tmp_path / "inputs"))
    actuals = pd.read_csv(folder / "actuals.csv", dtype=str, keep_default_na=False)
    actuals.loc[0, "value"] = "9" * 3000
    actuals.loc[1, "key"] = "K" * 500
    actuals.to_csv(folder / "actuals.csv", index=False)
    found = _messages(folder)
    assert all(len(message) < 400 for _, message in found), found
    first = actuals.loc[0]
    assert (f"row 2, kpi '{first.kpi}', key '{first.key}', year {first.year}: value = '"
            + "9" * 40 + "... (3,000 characters)' is not a finite number. Write a plain "
            "number such as 1250 or 0.5.") in [message for _, message in found]
    assert any("key = '" + "K" * 40 + "... (500 characters)' is longer than 200" in message
               for _, message in found)
