"""The true/false columns (``eu`` of collection points and candidate plants, ``allowed`` of
lanes): every row says which, since each decides which rules apply (docs/recycling.md,
section 4). A blank was read as false, so a plant with a blank ``eu`` silently escaped the
EU Battery Regulation's targets."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.recycling.conftest import retired, tiny_tables

from evplan.errors import InputError
from evplan.recycling import load_inputs

PLANT_EU = ("Write true or false (true if the site is in the EU, so that the EU Battery "
            "Regulation's recycling targets apply to what it processes; false if not).")
POINT_EU = ("Write true or false (true if the market is in the EU, so that its new batteries "
            "count in the recycled-content check; false if not).")
ALLOWED = ("Write true or false (true if shipments are allowed, false if they are "
           "forbidden).")


def _messages(tables: dict[str, pd.DataFrame]) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_inputs(retired(100.0), **tables)
    return [problem.message for problem in caught.value.problems]


@pytest.mark.parametrize("blank", ["", None, float("nan"), pd.NA, "  "])
def test_a_blank_eu_cell_is_an_input_error_not_false(blank: object) -> None:
    tables = tiny_tables(eu=True)
    tables["candidate_plants"]["eu"] = pd.Series([True, blank], dtype=object)
    assert _messages(tables) == [f"row 3, plant 'B': eu is blank. {PLANT_EU}"]


def test_every_blank_true_false_cell_of_every_table_at_once() -> None:
    tables = tiny_tables(eu=True)
    tables["collection_points"]["eu"] = [""]
    tables["candidate_plants"]["eu"] = ["nan", "maybe"]
    tables["lanes"]["allowed"] = ["", "TRUE"]
    assert _messages(tables) == [
        f"row 2, collection_point 'P': eu is blank. {POINT_EU}",
        "row 2, plant 'A': eu = 'nan' is a missing value written as text (not read as "
        f"false). {PLANT_EU}",
        f"row 3, plant 'B': eu = 'maybe' is not true or false. {PLANT_EU}",
        f"row 2, lanes 'P/A': allowed is blank. {ALLOWED}",
    ]


@pytest.mark.parametrize("table", ["collection_points", "candidate_plants"])
def test_a_missing_eu_column_is_an_input_error(table: str) -> None:
    tables = tiny_tables(eu=True)
    tables[table] = tables[table].drop(columns="eu")
    meaning = (PLANT_EU if table == "candidate_plants" else POINT_EU).split(" (", 1)[1]
    assert _messages(tables) == [
        f"column 'eu' is missing. Add it and write true or false in every row ({meaning}"]


def test_true_and_false_in_a_spreadsheet_s_words() -> None:
    tables = tiny_tables()
    tables["candidate_plants"]["eu"] = ["TRUE", " no "]
    tables["collection_points"]["eu"] = [1]
    tables["lanes"]["allowed"] = ["Yes", "0"]
    inputs = load_inputs(retired(100.0), **tables)
    assert inputs["candidate_plants"]["eu"].tolist() == [True, False]
    assert inputs["collection_points"]["eu"].tolist() == [True]
    assert inputs["lanes"]["allowed"].tolist() == [True, False]


def test_a_blank_eu_in_a_csv_file_is_named_with_its_file_row_and_fix(tmp_path) -> None:
    """Read from a file, as `evplan recycling --defaults` reads it."""
    tables = tiny_tables(eu=True)
    path = tmp_path / "candidate_plants.csv"
    tables["candidate_plants"].assign(eu=["true", ""]).to_csv(path, index=False)
    tables["candidate_plants"] = path  # type: ignore[assignment]
    with pytest.raises(InputError) as caught:
        load_inputs(retired(100.0), **tables)
    assert [(problem.file, problem.row, problem.message) for problem in caught.value.problems] \
        == [("candidate_plants.csv", 3, f"row 3, plant 'B': eu is blank. {PLANT_EU}")]


def test_a_repeated_or_misspelt_header_keeps_the_core_s_words() -> None:
    tables = tiny_tables(eu=True)
    tables["candidate_plants"] = tables["candidate_plants"].rename(columns={"eu": "EU"})
    messages = _messages(tables)
    assert messages[0] == "column 'EU' is not a column of candidate_plants. Did you mean 'eu'?"
    assert messages[1].startswith("column 'eu' is missing.")
    assert len(messages) == 2
