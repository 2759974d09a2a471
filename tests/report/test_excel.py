"""Excel in and out: the template round-trips, and a workbook is validated like a CSV folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import evplan
from evplan.data import NetworkData, write_inputs
from evplan.errors import InputError
from evplan.examples import china_export_path, random_network, single_lane
from evplan.report import write_result_workbook, write_template
from evplan.results import Result
from evplan.schema import TABLES


def assert_same_data(left: NetworkData, right: NetworkData) -> None:
    assert left.scenario == right.scenario
    assert set(left.tables) == set(right.tables)
    for name in left.tables:
        pd.testing.assert_frame_equal(left[name], right[name], check_dtype=True, obj=name)


def test_template_of_the_default_scenario_loads_as_the_csv_inputs(
        tmp_path: Path, china_data: NetworkData) -> None:
    book = write_template(tmp_path / "china-export.xlsx")
    from_workbook = evplan.load(book)
    from_csv = evplan.load(china_export_path())
    assert_same_data(from_workbook, from_csv)
    assert from_workbook.scenario.sources == china_data.scenario.sources
    assert from_workbook.origin == str(book.resolve())


@pytest.mark.parametrize("data", [single_lane(), random_network(3), random_network(11)],
                         ids=["single-lane", "random-3", "random-11"])
def test_template_round_trips_small_networks(tmp_path: Path, data: NetworkData) -> None:
    csv_folder = write_inputs(data, tmp_path / "csv")
    book = write_template(tmp_path / "inputs.xlsx", evplan.load(csv_folder))
    assert_same_data(evplan.load(book), evplan.load(csv_folder))


def test_template_layout_units_as_comments_and_validation(tmp_path: Path) -> None:
    book = load_workbook(write_template(tmp_path / "inputs.xlsx"))
    assert book.sheetnames[0] == "README"
    assert {*TABLES, "scenario", "sources"} <= set(book.sheetnames)
    duties = book["duties"]
    headers = [cell.value for cell in duties[1]]
    assert headers == list(TABLES["duties"].column_names)
    rate = duties.cell(row=1, column=headers.index("ad_valorem_rate") + 1)
    assert "Unit: fraction." in rate.comment.text and "17 % is 0.17" in rate.comment.text
    assert duties.cell(row=2, column=1).value == "CN"  # data from row 2: no second header row
    rules = {str(rule.sqref): rule for rule in duties.data_validations.dataValidation}
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    powertrain = rules[f"{letter[headers.index('powertrain')]}2:"
                       f"{letter[headers.index('powertrain')]}20001"]
    assert powertrain.type == "list" and powertrain.formula1 == '"BEV,PHEV,HEV,ICE,*"'
    fraction = rules[f"{letter[headers.index('ad_valorem_rate')]}2:"
                     f"{letter[headers.index('ad_valorem_rate')]}20001"]
    assert (fraction.type, fraction.formula1, fraction.formula2) == ("decimal", "0", "5")
    routes = book["routes"]
    plant_rule = next(rule for rule in routes.data_validations.dataValidation
                      if str(rule.sqref).startswith("A2"))
    assert plant_rule.formula1 == "plants!$A$2:$A$20001"
    scenario = {row[0]: row[1] for row in book["scenario"].iter_rows(min_row=2,
                                                                     values_only=True)}
    assert scenario["name"] == "china-export" and scenario["first_year"] == 2023
    assert book["sources"].max_row > 50


def _edit(book_path: Path, sheet: str, row: int, column: str, value: object) -> None:
    book = load_workbook(book_path)
    headers = [cell.value for cell in book[sheet][1]]
    book[sheet].cell(row=row, column=headers.index(column) + 1, value=value)
    book.save(book_path)


def test_workbook_messages_match_the_csv_path_and_name_sheet_and_row(tmp_path: Path) -> None:
    data = single_lane()
    csv_folder = write_inputs(data, tmp_path / "csv")
    frame = pd.read_csv(csv_folder / "duties.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "ad_valorem_rate"] = "17"
    frame.to_csv(csv_folder / "duties.csv", index=False)
    routes = pd.read_csv(csv_folder / "routes.csv", dtype=str, keep_default_na=False)
    routes.loc[0, "plant"] = "P9"
    routes.to_csv(csv_folder / "routes.csv", index=False)
    book = write_template(tmp_path / "inputs.xlsx", data)
    _edit(book, "duties", 2, "ad_valorem_rate", 17)
    _edit(book, "routes", 2, "plant", "P9")
    with pytest.raises(InputError) as from_csv:
        evplan.load(csv_folder)
    with pytest.raises(InputError) as from_book:
        evplan.load(book)
    csv_text = from_csv.value.render()
    book_text = from_book.value.render()
    for name in ("duties", "routes", "plants"):
        csv_text = csv_text.replace(f"{name}.csv", f"inputs.xlsx, sheet {name}")
    assert book_text == csv_text
    assert "evplan: 1 problem in inputs.xlsx, sheet duties" in book_text
    assert "row 2, duty 'AA>M1 *': ad_valorem_rate = 17 is outside [0, 5]. Rates are " \
           "fractions (17 % -> 0.17)." in book_text
    assert "plant 'P9' is not in inputs.xlsx, sheet plants." in book_text


def test_blank_rows_are_skipped_without_renumbering(tmp_path: Path) -> None:
    book_path = write_template(tmp_path / "inputs.xlsx", random_network(3))
    book = load_workbook(book_path)
    routes = book["routes"]
    routes.insert_rows(3)  # a blank line between the first and second route
    headers = [cell.value for cell in routes[1]]
    routes.cell(row=5, column=headers.index("freight_usd_per_vehicle") + 1, value="abc")
    book.save(book_path)
    with pytest.raises(InputError) as error:
        evplan.load(book_path)
    messages = [problem.message for problem in error.value.problems]
    assert len(messages) == 1 and messages[0].startswith("row 5, route ")
    assert "freight_usd_per_vehicle = 'abc' is not a number" in messages[0]


def test_scenario_sheet_text_with_colons_stays_text(tmp_path: Path) -> None:
    book_path = write_template(tmp_path / "inputs.xlsx", single_lane())
    book = load_workbook(book_path)
    sheet = book["scenario"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "description":
            row[1].value = "Plan 2025-2030: one lane, no surprises"
        if row[0].value == "discount_rate":
            row[1].value = 0.05
    book.save(book_path)
    data = evplan.load(book_path)
    assert data.scenario.description == "Plan 2025-2030: one lane, no surprises"
    assert data.scenario.discount_rate == 0.05


def test_result_workbook_has_one_sheet_per_table(tmp_path: Path, china_result: Result,
                                                 run_folder: Path) -> None:
    book = load_workbook(run_folder / "results.xlsx", read_only=True)
    expected = {*china_result.tables, "kpis", "run"}
    assert set(book.sheetnames) == expected
    shipments = pd.read_excel(run_folder / "results.xlsx", sheet_name="shipments")
    pd.testing.assert_frame_equal(shipments, china_result["shipments"].reset_index(drop=True),
                                  check_dtype=False, check_exact=False)
    small = write_result_workbook({"a" * 40: pd.DataFrame({"x": [1, 2]})}, tmp_path / "s.xlsx")
    assert load_workbook(small).sheetnames == ["run", "a" * 31]


def test_a_result_table_beyond_excels_limits_is_said_not_broken(tmp_path: Path) -> None:
    """Audit: a table of more rows than a sheet holds, or text longer than a cell holds,
    made a workbook Excel must repair (rows lost without a word). The sheet now says where
    the rows are; a long text is cut, saying so."""
    from openpyxl import load_workbook

    big = pd.DataFrame({"flow": np.zeros(1_048_576, dtype=np.int8)})
    long = pd.DataFrame({"note": ["x" * 40_000], "value": [1.5]})
    path = write_result_workbook({"shipments": big, "notes": long}, tmp_path / "r.xlsx")
    book = load_workbook(path, read_only=True)
    assert [row for row in book["shipments"].iter_rows(values_only=True)] == [(
        "shipments: 1,048,576 rows, more than an Excel sheet holds (1,048,575 below a "
        "header); the run folder's CSV and Parquet files hold them all.",)]
    note, value = list(book["notes"].iter_rows(values_only=True))[1]
    assert len(note) <= 32_767 and note.endswith(" ... (cut: 40,000 chars)") and value == 1.5
    book.close()
