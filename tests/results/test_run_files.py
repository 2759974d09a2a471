"""A run folder damaged or edited after `evplan run` is refused by the commands that read it.

`evplan fleet`, `evplan charging` and `evplan report` read run.json, the result tables and the
inputs' programs.csv; each of these, broken, gave a traceback or a plan from NaN (audit).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.data import write_inputs
from evplan.examples import single_lane
from evplan.fleet.sales import read_run_folder
from evplan.report.run import load_run


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("run-files")
    data = single_lane(first_year=2023, last_year=2025)
    write_inputs(data, root / "inputs")
    data = evplan.load(root / "inputs")
    return evplan.write_result(evplan.optimize(data), root / "run")


def damaged(run_folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run_folder, tmp_path / "run"))


def messages(error: pytest.ExceptionInfo[evplan.InputError]) -> str:
    return "\n".join(problem.message for problem in error.value.problems)


@pytest.mark.parametrize(("text", "expected"), [
    ("{not json", "cannot be read as JSON"),
    ("[1, 2]", "holds a list, not the run's description evplan writes"),
    ('{"scenario": {"name": "x"}}', "has no scenario with whole first_year and last_year"),
])
def test_a_damaged_run_json_is_an_input_error(run_folder: Path, tmp_path: Path, text: str,
                                              expected: str) -> None:
    folder = damaged(run_folder, tmp_path)
    (folder / "run.json").write_text(text, encoding="utf-8")
    with pytest.raises(evplan.InputError) as caught:
        read_run_folder(folder)
    assert expected in messages(caught)
    assert "Write the folder again with `evplan run -o FOLDER --force`." in messages(caught)
    if text != '{"scenario": {"name": "x"}}':  # the report needs no scenario years
        with pytest.raises(evplan.InputError, match=expected.split(",")[0]):
            load_run(folder)


def test_a_damaged_table_file_is_an_input_error(run_folder: Path, tmp_path: Path) -> None:
    folder = damaged(run_folder, tmp_path)
    (folder / "shipments.parquet").write_bytes(b"garbage")
    for read in (read_run_folder, load_run):
        with pytest.raises(evplan.InputError, match=r"shipments.parquet cannot be read"):
            read(folder)


def test_shipments_edited_to_nan_or_inf_are_refused_not_planned(run_folder: Path,
                                                                tmp_path: Path) -> None:
    folder = damaged(run_folder, tmp_path)
    shipments = pd.read_parquet(folder / "shipments.parquet")
    shipments["shipment_vehicles"] = shipments["shipment_vehicles"].astype(float)
    shipments.loc[0, "shipment_vehicles"] = np.nan
    shipments.loc[len(shipments) - 1, "shipment_vehicles"] = np.inf
    shipments.to_parquet(folder / "shipments.parquet")
    with pytest.raises(evplan.InputError) as caught:
        read_run_folder(folder)
    text = messages(caught)
    assert "row 1: shipment_vehicles = nan is not a finite number >= 0." in text
    assert f"row {len(shipments)}: shipment_vehicles = inf is not a finite number >= 0." in text


@pytest.mark.parametrize(("value", "expected"), [
    ("abc", "battery_kwh = 'abc' is not a number"),
    ("inf", "battery_kwh = 'inf' is not a number"),
    ("-40", "battery_kwh = -40 is outside"),
])
def test_programs_csv_is_checked_as_validate_checks_it(run_folder: Path, tmp_path: Path,
                                                       value: str, expected: str) -> None:
    """Pack sizes come from the inputs' programs.csv: 'abc' was a silent 60 kWh default,
    inf and -40 went into the fleet tables."""
    inputs = Path(shutil.copytree(run_folder.parent / "inputs", tmp_path / "inputs"))
    folder = damaged(run_folder, tmp_path)
    manifest = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    manifest["metadata"]["origin"] = str(inputs)
    del manifest["metadata"]["battery_kwh_by_program"]  # a folder that records none
    (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    programs = pd.read_csv(inputs / "programs.csv", dtype=str, keep_default_na=False)
    programs["battery_kwh"] = value
    programs.to_csv(inputs / "programs.csv", index=False)
    with pytest.raises(evplan.InputError) as caught:
        read_run_folder(folder)
    assert "row 2, program 'V1': " + expected in messages(caught)
    assert str(inputs / "programs.csv") in str(caught.value)


def test_a_solvers_rounding_below_zero_is_accepted(run_folder: Path, tmp_path: Path) -> None:
    """A certified strategic plan writes volumes like -1.8e-11: they are not an edit (the
    second read found fleet refusing a fresh china-strategic run)."""
    folder = damaged(run_folder, tmp_path)
    shipments = pd.read_parquet(folder / "shipments.parquet")
    shipments["shipment_vehicles"] = shipments["shipment_vehicles"].astype(float)
    shipments.loc[0, "shipment_vehicles"] = -1.8e-11
    shipments.to_parquet(folder / "shipments.parquet")
    assert read_run_folder(folder).sales["sales_vehicles"].min() > -1e-9


def test_a_run_folder_records_its_pack_sizes_for_the_fleet(tmp_path: Path) -> None:
    """Audit: after `evplan run FILE.xlsx` the fleet used the powertrain defaults (60 kWh)
    for every program, silently: only an input *folder's* programs.csv was read, and only
    from the path as typed. The run now records each program's battery_kwh in run.json;
    the fleet reads them there, says where its pack sizes came from, and refuses a damaged
    record naming it."""
    import subprocess
    import sys

    from evplan.report import write_template

    data = single_lane(first_year=2023, last_year=2025)
    data.tables["programs"]["battery_kwh"] = 77.0
    book = write_template(tmp_path / "inputs.xlsx", data)
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "run", str(book), "-o",
                           str(tmp_path / "run"), "--no-record", "--no-report"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    book.unlink()  # what the run planned holds, whatever became of its inputs
    sales = read_run_folder(tmp_path / "run")
    assert set(sales.sales["battery_kwh"]) == {77.0}
    assert sales.pack_sizes == ("Pack sizes are the programs' battery_kwh of the inputs the "
                                "run planned.")

    manifest = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    manifest["metadata"]["battery_kwh_by_program"] = {"V1": "abc"}
    (tmp_path / "run" / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(evplan.InputError) as caught:
        read_run_folder(tmp_path / "run")
    assert messages(caught) == ("program 'V1': battery_kwh = 'abc' is not a number >= 0. Write "
                                "the folder again with `evplan run -o FOLDER --force`.")


def test_a_run_folder_without_recorded_pack_sizes_says_where_they_came_from(
        run_folder: Path, tmp_path: Path) -> None:
    """A folder an older evplan wrote records no pack sizes: the inputs' programs.csv as it
    is now, else the powertrain defaults, each said in words. (The Python API's
    write_result records them as `evplan run` does: evplan.optimize puts them in the
    result's metadata.)"""
    folder = damaged(run_folder, tmp_path)
    manifest = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert read_run_folder(folder).pack_sizes == (
        "Pack sizes are the programs' battery_kwh of the inputs the run planned.")
    del manifest["metadata"]["battery_kwh_by_program"]
    (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    sales = read_run_folder(folder)
    assert sales.pack_sizes.startswith("Pack sizes are the programs' battery_kwh in ")
    assert "programs.csv as it is now" in sales.pack_sizes
    manifest = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    manifest["metadata"]["origin"] = str(tmp_path / "gone")
    (folder / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert read_run_folder(folder).pack_sizes.startswith(
        "Pack sizes are the powertrain defaults")
