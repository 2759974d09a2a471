"""Session 24 input audit (helper-85): folders laid over ``base_inputs``, empty tables.

* An overlay ``duties.csv`` that left out ``first_year`` replaced every year's row of its
  origin, market and powertrain without a word (126 duty rows became 123), while the same
  row with a blank ``first_year`` column was refused as overlapping them: the key of a
  duty row holds ``first_year`` (docs/inputs.md), blank in both files.
* An overlay row whose year pandas wrote as ``2023.0`` did not replace the base's ``2023``
  row: "duplicate demand tier" for the row meant to replace it.
* A required table with a header and no rows was listed with every row of the other files
  that names its ids (plants.csv: 290 problems); a missing file was already listed alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.errors import InputError
from evplan.examples import china_export_path


def _layered(tmp_path: Path) -> tuple[Path, Path]:
    base = tmp_path / "base"
    shutil.copytree(china_export_path(), base)
    top = tmp_path / "top"
    top.mkdir()
    (top / "scenario.yaml").write_text("name: top\nbase_inputs: ../base\n", encoding="utf-8")
    return base, top


def _problems(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        evplan.load(folder)
    return [problem.message for problem in caught.value.problems]


@pytest.mark.parametrize("header", ["origin,market,powertrain,ad_valorem_rate",
                                    "origin,market,powertrain,first_year,ad_valorem_rate"])
def test_an_overlay_duty_without_first_year_is_keyed_as_blank(tmp_path: Path,
                                                              header: str) -> None:
    base, top = _layered(tmp_path)
    blank = ",," if "first_year" in header else ","
    (top / "duties.csv").write_text(f"{header}\nCN,US,BEV{blank}0.1\n", encoding="utf-8")
    duties = pd.read_csv(base / "duties.csv", dtype=str, keep_default_na=False)
    same = duties[(duties["origin"] == "CN") & (duties["market"] == "US")
                  & (duties["powertrain"] == "BEV")]
    rows = ", ".join(str(index + 2) for index in same.index)
    assert len(same) == 4  # four year ranges of CN>US BEV, none with a blank first_year
    found = _problems(top)
    assert found == [f"rows {rows}, 10002: duty rows for CN>US BEV overlap in 2023-2030. "
                     "Make the first_year/last_year ranges disjoint."], found


def test_an_overlay_year_written_as_a_float_replaces_the_base_row(tmp_path: Path) -> None:
    base, top = _layered(tmp_path)
    demand = pd.read_csv(base / "demand.csv", dtype=str, keep_default_na=False)
    row = demand.iloc[[0]].copy()
    row["year"] = row["year"] + ".0"  # '2023.0': pandas writes a year column with a blank so
    row["tier"] = "+" + row["tier"]
    row["volume_vehicles"] = "1234"
    row.to_csv(top / "demand.csv", index=False)
    data = evplan.load(top)
    loaded = data.tables["demand"]
    assert len(loaded) == len(demand)  # replaced, not added
    first = demand.iloc[0]
    match = loaded[(loaded["market"] == first["market"]) & (loaded["year"] == int(first["year"]))
                   & (loaded["product"] == first["product"])
                   & (loaded["tier"] == int(first["tier"]))]
    assert match["volume_vehicles"].tolist() == [1234.0]


def test_a_required_table_without_rows_is_listed_alone(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    shutil.copytree(china_export_path(), folder)
    plants = folder / "plants.csv"
    plants.write_text(plants.read_text(encoding="utf-8").splitlines()[0] + "\n",
                      encoding="utf-8")
    routes = pd.read_csv(folder / "routes.csv", dtype=str, keep_default_na=False)
    routes.loc[0, "freight_usd_per_vehicle"] = "-3"  # a problem of its own, still listed
    routes.to_csv(folder / "routes.csv", index=False)
    found = _problems(folder)
    assert sorted(found) == sorted([
        "plants.csv has no rows. Add at least one row (plant, ...).",
        f"row 2, route '{routes.loc[0, 'plant']}>{routes.loc[0, 'market']}': "
        "freight_usd_per_vehicle = -3 is below the minimum 0. Fix the sign or the value.",
    ]), found


@pytest.mark.parametrize(("text", "expected"), [
    ("name: x\n\tfirst_year: 2023\n", "scenario.yaml is not valid YAML: line 2, column 1: "),
    ("- a\n- b\n", "scenario.yaml must be a mapping of keys to values ('first_year: 2023'), "
                   "found a list."),
    ("", "scenario.yaml is empty. Write at least name, first_year and last_year."),
])
def test_an_unreadable_scenario_file_is_one_problem(tmp_path: Path, text: str,
                                                    expected: str) -> None:
    """It also listed 'name is missing', 'first_year is missing', 'last_year is missing',
    keys the file may well hold."""
    folder = tmp_path / "inputs"
    shutil.copytree(china_export_path(), folder)
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    found = _problems(folder)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_an_excel_separator_line_is_named(tmp_path: Path) -> None:
    """'sep=,' above the header read as a header of two columns 'sep=' and '': "its rows
    have one cell more than the header row (a comma at the end of each line?)"."""
    folder = tmp_path / "inputs"
    shutil.copytree(china_export_path(), folder)
    plants = folder / "plants.csv"
    plants.write_bytes(b"sep=,\r\n" + plants.read_bytes())
    assert _problems(folder) == ["plants.csv starts with Excel's separator line 'sep=,'; evplan "
                                 "reads the first line as the column names. Delete that line."]
