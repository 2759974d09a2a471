"""Safe inputs (audit s27, helper-109): an exact duplicate duty row is one problem; a NaN in
a frame is a blank cell, as an empty CSV cell is; NetworkData pickles (Dask, process pools)."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.data import validate_tables, write_inputs
from evplan.errors import InputError
from evplan.examples import single_lane


def _problems(call: object) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as caught:
        call()  # type: ignore[operator]
    return [(problem.file, problem.message) for problem in caught.value.problems]


def test_an_exact_duplicate_duty_row_is_reported_once(tmp_path: Path) -> None:
    """It was listed twice: as a duplicate and as an overlap of the same rows."""
    folder = Path(shutil.copytree(evplan.examples.china_export_path(), tmp_path / "inputs"))
    lines = (folder / "duties.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "duties.csv").write_text("".join([*lines, lines[5]]), encoding="utf-8")
    found = _problems(lambda: evplan.load(folder))
    assert found == [("duties.csv", f"rows 6 and {len(lines) + 1}: duplicate duty 'CN>US BEV "
                                    "from 2024'. Keep one row and delete the others.")]


def test_a_duplicate_that_also_overlaps_a_third_row_keeps_the_overlap() -> None:
    """The duplicate goes once; the overlap with another row (another first year) stays."""
    data = single_lane()
    duties = data["duties"].drop(columns="row")
    twin = duties.iloc[[0]].assign(first_year=pd.array([2025], dtype="Int64"))
    tables = dict(data.tables) | {"duties": pd.concat([duties, duties.iloc[[0]], twin],
                                                      ignore_index=True)}
    messages = [message for _, message in _problems(
        lambda: validate_tables(tables, data.scenario))]
    assert messages[0] == "rows 2 and 3: duplicate duty 'AA>M1 *'. Keep one row and delete " \
                          "the others."
    assert len(messages) == 2 and "overlap" in messages[1] and "rows 2, 4" in messages[1]


def test_a_nan_in_a_frame_is_a_blank_cell_as_an_empty_csv_cell(tmp_path: Path) -> None:
    """Documented in docs/inputs.md: a missing value (NaN, None, pd.NA) in a frame given to
    validate_tables is a blank cell, as pandas reads an empty CSV cell; the optional
    column's default applies in both paths, a required one is "blank" in both, and a
    written non-number ('nan' text, infinity) is refused in both."""
    data = single_lane()
    folder = write_inputs(data, tmp_path / "inputs")
    plants = pd.read_csv(folder / "plants.csv", dtype=str, keep_default_na=False)
    plants.loc[0, "min_utilisation"] = ""
    plants.to_csv(folder / "plants.csv", index=False)
    from_csv = evplan.load(folder)
    frame = data["plants"].drop(columns="row").assign(min_utilisation=np.nan)
    from_frame = validate_tables(dict(data.tables) | {"plants": frame}, data.scenario)
    pd.testing.assert_frame_equal(from_csv["plants"], from_frame["plants"])
    assert from_frame["plants"]["min_utilisation"].tolist() == [0.0]  # the default
    # a required column: "is blank" from either path
    plants.loc[0, "country"] = ""
    plants.to_csv(folder / "plants.csv", index=False)
    csv_found = [message for _, message in _problems(lambda: evplan.load(folder))]
    blank = data["plants"].drop(columns="row").assign(country=None)
    frame_found = [message for _, message in _problems(
        lambda: validate_tables(dict(data.tables) | {"plants": blank}, data.scenario))]
    assert csv_found[0] == frame_found[0]
    assert "country is blank" in csv_found[0]
    # written non-numbers: refused from either path, with the same message
    plants.loc[0, "country"] = "AA"
    plants.loc[0, "min_utilisation"] = "inf"
    plants.to_csv(folder / "plants.csv", index=False)
    csv_found = [message for _, message in _problems(lambda: evplan.load(folder))]
    written = data["plants"].drop(columns="row").assign(min_utilisation=np.inf)
    frame_found = [message for _, message in _problems(
        lambda: validate_tables(dict(data.tables) | {"plants": written}, data.scenario))]
    assert csv_found == frame_found and "min_utilisation = 'inf'" in csv_found[0]


def test_network_data_round_trips_through_pickle() -> None:
    """pickle.dumps(NetworkData) failed: "cannot pickle 'mappingproxy' object"."""
    data = evplan.examples.china_export()
    back = pickle.loads(pickle.dumps(data))
    assert back.scenario == data.scenario and back.origin == data.origin
    assert back.notes == data.notes and list(back) == list(data)
    for name in data:
        pd.testing.assert_frame_equal(back[name], data[name])
    with pytest.raises(TypeError):  # still read-only
        back.tables["plants"] = back["plants"]  # type: ignore[index]


def test_a_very_long_cell_is_quoted_by_its_start_and_an_id_has_a_length_limit(
        tmp_path: Path) -> None:
    """A pasted 5,000-digit number and a 3,000-character plant id made messages of
    thousands of characters (the id was accepted); now the cell is quoted by its first 40
    characters and its length, and an id over 200 characters is refused."""
    folder = write_inputs(single_lane(), tmp_path / "inputs")
    plants = pd.read_csv(folder / "plants.csv", dtype=str, keep_default_na=False)
    plants.loc[0, "capacity_vehicles_per_year"] = "9" * 5000
    plants.loc[0, "country"] = "A" * 300
    plants.to_csv(folder / "plants.csv", index=False)
    found = _problems(lambda: evplan.load(folder))
    assert all(len(message) < 400 for _, message in found), found
    messages = [message for _, message in found]
    assert ("row 2, plant 'P1': country = '" + "A" * 40 + "...' (300 characters) is longer "
            "than 200 characters, the most an id, code or group name takes. Write the country "
            "code of the plant (the origin for duties).") in messages
    assert ("row 2, plant 'P1': capacity_vehicles_per_year = '" + "9" * 40 + "...' (5,000 "
            "characters) is not a number: it is too large (evplan reads numbers up to about "
            "1.8e308). Check the value in vehicles/year and its exponent.") in messages
    plants.loc[0, ["capacity_vehicles_per_year", "country", "plant"]] = ["1000", "AA", "P" * 3000]
    plants.to_csv(folder / "plants.csv", index=False)
    found = _problems(lambda: evplan.load(folder))
    assert all(len(message) < 400 for _, message in found), found
    assert any("plant = '" + "P" * 40 + "...' (3,000 characters) is longer than 200" in message
               for _, message in found)
