"""Audit B: the calibration inputs' columns and keys.

A repeated column (the second ``own_price_elasticity`` was ignored), an unknown column and
a repeated key (elasticities: a traceback "cannot handle a non-unique multi-index!") were
not input errors; a negative price did not name its column and value.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evplan.calibration import calibrate
from evplan.calibration.inputs import read_calibration_inputs
from evplan.errors import InputError
from evplan.examples import china_export_path, single_lane

BASE = ("market,year,product,volume_vehicles,price_usd_per_vehicle,source\n"
        "M1,2025,V1,600,20000,x\n")
ELASTICITIES = "market,segment,own_price_elasticity,source\n*,C,4.5,x\n"
ACTUALS = "kpi,key,year,value,source\nsales,M1,2025,600,x\n"


def write(folder: Path, base: str = BASE, elasticities: str = ELASTICITIES,
          actuals: str = ACTUALS) -> Path:
    for name, text in (("base_demand", base), ("elasticities", elasticities),
                       ("actuals", actuals)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def messages(folder: Path) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as error:
        read_calibration_inputs(folder)
    return [(p.file, p.message) for p in error.value.problems]


def test_a_repeated_column_is_an_input_error_with_the_cell_problems(tmp_path: Path) -> None:
    found = messages(write(tmp_path, elasticities=(
        "market,segment,own_price_elasticity,source, own_price_elasticity\n*,C,0.8,x,99\n")))
    assert found == [
        ("elasticities.csv", "column 'own_price_elasticity' appears 2 times in the header. "
         "Keep one column named own_price_elasticity: delete or rename the others."),
        ("elasticities.csv", "row 2, market '*', segment 'C': "
                             "own_price_elasticity = 0.8 must be above 1 (a seller "
         "facing inelastic demand would sell nothing at the margin). Write the magnitude, "
         "e.g. 4.5.")]


def test_repeated_columns_in_every_file_are_counted(tmp_path: Path) -> None:
    found = messages(write(
        tmp_path, base=BASE.replace("source\n", "source,year,year\n").replace("x\n", "x,1,2\n"),
        actuals=ACTUALS.replace("source\n", "source,kpi\n").replace("x\n", "x,sales\n")))
    assert found == [
        ("base_demand.csv", "column 'year' appears 3 times in the header. Keep one column "
         "named year: delete or rename the others."),
        ("actuals.csv", "column 'kpi' appears 2 times in the header. Keep one column named "
         "kpi: delete or rename the others.")]


def test_an_unknown_column_is_an_input_error_and_source_and_notes_are_kept(
        tmp_path: Path) -> None:
    found = messages(write(
        tmp_path, base=BASE.replace("source\n", "source,zzz\n").replace("x\n", "x,1\n"),
        elasticities="market,segment,own_price_elasticty,notes\n*,C,4.5,n\n",
        actuals=ACTUALS.replace("source\n", "source,\n").replace("x\n", "x,\n")))
    assert found == [
        ("base_demand.csv", "column 'zzz' is not a column of base_demand. The columns are "
         "market, year, product, volume_vehicles, price_usd_per_vehicle, source."),
        ("elasticities.csv", "column 'own_price_elasticty' is not a column of elasticities. "
         "Did you mean 'own_price_elasticity'?"),
        ("elasticities.csv", "elasticities.csv has no column own_price_elasticity. Add it "
         "(columns: market, segment, own_price_elasticity, source).")]
    # actuals.csv's column with neither a header nor a value (what Excel keeps after its
    # cells are cleared) is left out, as in every input file (audit s22, data/read.py)
    write(tmp_path, elasticities="market,segment,own_price_elasticity,notes\n*,C,4.5,n\n")
    inputs = read_calibration_inputs(tmp_path)
    assert inputs.elasticities["own_price_elasticity"].tolist() == [4.5]


def test_a_repeated_key_names_both_rows_in_every_file(tmp_path: Path) -> None:
    found = messages(write(
        tmp_path, base=BASE + "M1,2025.0,V1,700,-5,x\nM1,abc,V1,1,1,x\nM1,abc,V1,1,1,x\n",
        elasticities=ELASTICITIES + "M1,C,3,x\n * ,C,5,x\n",
        actuals=ACTUALS + "sales,M1,2025,700,y\n"))
    assert found == [
        ("base_demand.csv", "row 4, market 'M1', product 'V1': "
                            "year = 'abc' is not a number. Write a plain number such "
         "as 1250 or 0.5."),
        ("base_demand.csv", "row 5, market 'M1', product 'V1': "
                            "year = 'abc' is not a number. Write a plain number such "
         "as 1250 or 0.5."),
        ("base_demand.csv", "row 3, market 'M1', year '2025.0', product 'V1': "
                            "price_usd_per_vehicle = -5 must be above 0. Write the net "
         "price per vehicle in USD, or delete the row."),
        ("base_demand.csv", "row 3 repeats market M1, year 2025, product V1 of row 2. Keep "
         "one row (one volume and price per product, market and year)."),
        ("elasticities.csv", "row 4 repeats market *, segment C of row 2: the calibration "
         "would not know which own_price_elasticity to use. Keep one row per market and "
         "segment."),
        ("actuals.csv", "row 3 repeats kpi sales, key M1, year 2025 of row 2: only one would "
         "be compared. Keep one row.")]


def test_calibrate_refuses_repeated_elasticities_given_as_a_frame() -> None:
    base = pd.DataFrame({"market": ["M1"], "year": [2025], "product": ["V1"],
                         "volume_vehicles": [600.0], "price_usd_per_vehicle": [20_000.0],
                         "row": [2]})
    elasticities = pd.DataFrame({"market": ["*", "*"], "segment": ["C", "C"],
                                 "own_price_elasticity": [5.0, 6.0]})
    with pytest.raises(InputError) as error:
        calibrate(single_lane(), base, elasticities)
    assert [p.message for p in error.value.problems] == [
        "row 3 repeats market *, segment C of row 2: the calibration would not know which "
        "own_price_elasticity to use. Keep one row per market and segment."]


def test_a_negative_volume_names_its_column_and_value(tmp_path: Path) -> None:
    found = messages(write(tmp_path, base=BASE.replace("600,20000", "-3,0")))
    assert found == [
        ("base_demand.csv", "row 2, market 'M1', year 2025, product 'V1': "
                            "volume_vehicles = -3 is below 0. Write the volume in "
         "vehicles (0 or more), or delete the row."),
        ("base_demand.csv", "row 2, market 'M1', year 2025, product 'V1': "
                            "price_usd_per_vehicle = 0 must be above 0. Write the net "
         "price per vehicle in USD, or delete the row.")]


@pytest.mark.parametrize("command", ["calibrate", "backtest"])
def test_cli_reports_columns_and_keys_at_once_and_writes_nothing(tmp_path: Path,
                                                                 command: str) -> None:
    folder = Path(shutil.copytree(china_export_path(), tmp_path / "inputs"))
    path = folder / "elasticities.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",own_price_elasticity,zzz"] + [line + ",99,1" for line in lines[1:]]
    first = lines[1].split(",")
    lines.append(f" * ,{first[1]},5.0,dup,99,1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "evplan.cli", command, str(folder), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)
    text = done.stdout + done.stderr
    assert done.returncode == 1, text
    assert "Traceback" not in text and not (tmp_path / "out").exists()
    assert "column 'own_price_elasticity' appears 2 times in the header" in text
    assert "column 'zzz' is not a column of elasticities." in text
    assert f"row {len(lines)} repeats market *, segment {first[1]} of row 2" in text
