"""Layer 1: validation messages, asserted word for word."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import evplan
from evplan.data import write_inputs
from evplan.examples import random_network, single_lane


def inputs(tmp_path: Path) -> Path:
    return write_inputs(single_lane(), tmp_path / "inputs")


def edit(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Set one cell; ``row`` is the spreadsheet row (2 = first data row)."""
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    frame.loc[row - 2, column] = value
    frame.to_csv(folder / f"{table}.csv", index=False)


def problems(folder: Path) -> list[str]:
    with pytest.raises(evplan.InputError) as caught:
        evplan.load(folder)
    return [problem.message for problem in caught.value.problems]


def test_unknown_id_suggests_the_closest(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    edit(folder, "routes", 2, "plant", "P2")
    edit(folder, "plants", 2, "plant", "PX1")
    edit(folder, "plant_programs", 2, "plant", "PX1")
    assert problems(folder) == [
        "row 2, route 'P2>M1': plant 'P2' is not in plants.csv. Add it to plants.csv or fix "
        "the id."]
    edit(folder, "routes", 2, "plant", "PX2")
    assert problems(folder) == [
        "row 2, route 'PX2>M1': plant 'PX2' is not in plants.csv. Did you mean 'PX1'?"]


def test_rate_given_in_percent(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    edit(folder, "duties", 2, "ad_valorem_rate", "17")
    assert problems(folder) == [
        "row 2, duty 'AA>M1 *': ad_valorem_rate = 17 is outside [0, 5]. Rates are fractions "
        "(17 % -> 0.17)."]


def test_negative_capacity_and_text_in_a_number_are_both_reported(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    edit(folder, "plants", 2, "capacity_vehicles_per_year", "-1000")
    edit(folder, "routes", 2, "freight_usd_per_vehicle", "1,200")
    assert problems(folder) == [
        "row 2, plant 'P1': capacity_vehicles_per_year = -1000 is below the minimum 0. Fix the "
        "sign or the value.",
        "row 2, route 'P1>M1': freight_usd_per_vehicle = '1,200' is not a number. Write a "
        "number in USD/vehicle, without thousands separators."]


def test_duplicate_ids(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    routes = pd.read_csv(folder / "routes.csv", dtype=str, keep_default_na=False)
    pd.concat([routes, routes]).to_csv(folder / "routes.csv", index=False)
    assert problems(folder) == [
        "rows 2 and 3: duplicate route 'P1>M1'. Keep one row and delete the others."]


def test_year_outside_horizon(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    edit(folder, "demand", 2, "year", "2031")
    assert problems(folder) == [
        "row 2, demand tier 'M1/2031/V1/1': year 2031 is outside the horizon 2025-2025. Delete "
        "the row or widen first_year/last_year in scenario.yaml."]


def test_route_without_duty_row_or_default(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    edit(folder, "duties", 2, "market", "M1")
    edit(folder, "duties", 2, "origin", "ZZ")
    assert problems(folder) == [
        "row 2, route 'P1>M1': no duty row covers AA>M1 BEV in 2025. Add a row to duties.csv "
        "(origin AA, market M1, powertrain BEV or '*'), or set default_duty_rate in "
        "scenario.yaml."]


def test_tiers_that_are_not_concave(tmp_path: Path) -> None:
    folder = write_inputs(single_lane(tiers=((100.0, 20_000.0), (100.0, 18_000.0))),
                          tmp_path / "tiers")
    edit(folder, "demand", 3, "price_usd_per_vehicle", "21000")
    assert problems(folder) == [
        "row 3, demand tier 'M1/2025/V1/2': tier 2 price 21,000 is not below tier 1 price "
        "20,000 (row 2); the tier list is not concave. Lower prices tier by tier (tier 1 is "
        "the best price)."]


def test_unknown_product_column_and_choice(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    edit(folder, "demand", 2, "product", "V11")
    edit(folder, "programs", 2, "powertrain", "BEVV")
    frame = pd.read_csv(folder / "routes.csv", dtype=str, keep_default_na=False)
    frame.rename(columns={"transit_days": "transit_day"}).to_csv(folder / "routes.csv",
                                                                index=False)
    assert problems(folder) == [
        "row 2, program 'V1': powertrain = 'BEVV' is not one of 'BEV', 'PHEV', 'HEV', 'ICE'. "
        "Did you mean 'BEV'?",
        "column 'transit_day' is not a column of routes. Did you mean 'transit_days'?",
        "row 2, demand tier 'M1/2025/V11/1': product 'V11' is not a program, segment or "
        "powertrain. Did you mean 'V1'?"]


def test_scenario_file_problems(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    settings = yaml.safe_load((folder / "scenario.yaml").read_text())
    settings["discount_rte"] = 0.05
    del settings["last_year"]
    (folder / "scenario.yaml").write_text(yaml.safe_dump(settings))
    assert problems(folder) == [
        "key 'discount_rte' is not a scenario setting. Did you mean 'discount_rate'?",
        "last_year is missing. Add 'last_year: ...' (Last planning year (inclusive).)"]


def test_missing_file(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    (folder / "routes.csv").unlink()
    assert problems(folder)[0].startswith("routes.csv is missing from ")


def test_every_problem_is_grouped_by_file_in_the_rendered_message(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    edit(folder, "plants", 2, "capacity_vehicles_per_year", "-1")
    edit(folder, "duties", 2, "ad_valorem_rate", "25")
    with pytest.raises(evplan.InputError) as caught:
        evplan.load(folder)
    assert str(caught.value) == (
        "evplan: 1 problem in plants.csv\n"
        "  * row 2, plant 'P1': capacity_vehicles_per_year = -1 is below the minimum 0. Fix the "
        "sign or the value.\n"
        "evplan: 1 problem in duties.csv\n"
        "  * row 2, duty 'AA>M1 *': ad_valorem_rate = 25 is outside [0, 5]. Rates are fractions "
        "(25 % -> 0.25).")


def test_written_inputs_load_back_the_same(tmp_path: Path) -> None:
    data = random_network(4)
    again = evplan.load(write_inputs(data, tmp_path / "again"))
    for name, table in data.tables.items():
        pd.testing.assert_frame_equal(table.drop(columns="row"),
                                      again[name].drop(columns="row"), check_dtype=False)
    assert again.scenario == data.scenario


def test_a_repeated_header_in_a_table_given_as_a_frame_is_an_error() -> None:
    network = single_lane()
    plants = network.tables["plants"].drop(columns="row").astype(str)
    plants.insert(len(plants.columns), "name", "a second name", allow_duplicates=True)
    tables = {name: frame.drop(columns="row") for name, frame in network.tables.items()}
    with pytest.raises(evplan.InputError) as caught:
        evplan.data.validate_tables({**tables, "plants": plants}, network.scenario)
    messages = [problem.message for problem in caught.value.problems]
    assert messages == ["column 'name' appears 2 times in the header. Keep one column named "
                        "name: delete or rename the others."]


def _china_export_copy(tmp_path: Path) -> Path:
    import shutil

    from evplan.examples import china_export_path

    return Path(shutil.copytree(china_export_path(), tmp_path / "inputs"))


def test_an_exchange_rate_of_zero_and_a_missing_year_are_input_errors(tmp_path: Path) -> None:
    """A rate of 0 made the country's amounts infinite (an 'optimal' plan that sold nothing
    in China, or exit 3 'the solver stopped'), and a missing year silently became a factor
    of 1: both are now input errors naming the row or the country (audit)."""
    folder = _china_export_copy(tmp_path)
    rates = pd.read_csv(folder / "exchange_rates.csv", dtype=str, keep_default_na=False)
    rates.loc[(rates["country"] == "CN") & (rates["year"] == "2023"), "local_per_usd"] = "0"
    rates.loc[(rates["country"] == "CN") & (rates["year"] == "2025"), "country"] = "abc"
    rates.to_csv(folder / "exchange_rates.csv", index=False)
    found = problems(folder)
    assert found[0] == ("row 2, exchange_rates 'CN/2023': local_per_usd = 0 is below the "
                        "minimum 1e-06. Check the value.")
    assert found[1].startswith("country 'CN' (first at row 2) has no rate for 2025: a country "
                               "listed needs local_per_usd for every planning year (2023-2030)")
    assert found[2].startswith("country 'abc' (first at row 4) has no rate for 2023, 2024, "
                               "2026, 2027, 2028, 2029, 2030:")
    assert found[1].endswith("Add those rows, or delete the country's rows to price it in US "
                             "dollars.")
    assert len(found) == 3


def test_a_plant_capacity_below_one_vehicle_is_an_input_error(tmp_path: Path) -> None:
    folder = inputs(tmp_path)
    edit(folder, "plants", 2, "capacity_vehicles_per_year", "1e-300")
    assert problems(folder) == [
        "row 2, plant 'P1': capacity_vehicles_per_year 1e-300 is less than one vehicle a year. "
        "Write 0 for a plant without capacity, or its capacity in vehicles per year."]


def test_the_text_nan_is_refused_in_ids_choices_and_groups_and_kept_in_free_text(
        tmp_path: Path) -> None:
    """'nan' counted as a blank cell: a choice got its default and a quota group vanished
    (audit). Now it is an error in every text column but name and source."""
    folder = _china_export_copy(tmp_path)
    edit(folder, "markets", 2, "customs_basis", "nan")
    edit(folder, "markets", 3, "name", "NaN")
    edit(folder, "markets", 3, "source", "nan")
    edit(folder, "plants", 2, "plant", "<NA>")
    duties = pd.read_csv(folder / "duties.csv", dtype=str, keep_default_na=False)
    row = int(duties.index[duties["quota_group"].ne("")][0]) + 2
    edit(folder, "duties", row, "quota_group", "NaN")
    found = problems(folder)
    assert ("row 2, market 'CN': customs_basis = 'nan' is a missing value written as text "
            "(pandas writes 'nan' for an empty cell). Leave the cell blank for the default "
            "'CIF', or write one of 'CIF', 'FOB'.") in found
    assert ("row 2, plant '<NA>': plant = '<NA>' is a missing value written as text (pandas "
            "writes '<NA>' for an empty cell). Write the plant id, e.g. 'CN-HUA'.") in found
    assert any(message.startswith(f"row {row}, duty ") and "quota_group = 'NaN' is a missing "
               "value written as text" in message and "Leave the cell blank, or write the "
               in message for message in found)
    assert not any("market 'JP'" in message for message in found)  # name and source: text
    assert not any("is blank" in message or "is not one of" in message for message in found)


def test_a_country_code_that_differs_only_in_case_is_an_error(tmp_path: Path) -> None:
    """'Cn' in countervailing_duties.origin silently dropped the EU's CVD on Chinese BEVs
    (audit). A code matching no country at all still never applies, by design."""
    folder = _china_export_copy(tmp_path)
    edit(folder, "countervailing_duties", 2, "origin", "Cn")
    edit(folder, "countervailing_duties", 3, "origin", "KR")  # no plant or market: allowed
    edit(folder, "transfer_prices", 2, "origin", "cN")
    found = problems(folder)
    assert found[0].startswith("row 2, countervailing duty 'Cn>EU BEV * from 2024': origin 'Cn' "
                               "is not the country of any plant or market, but 'CN' is: "
                               "country codes are case-sensitive, so this row would never "
                               "apply. Write 'CN'.")
    assert found[1].startswith("row 2, ") and "origin 'cN' is not the country" in found[1]
    assert len(found) == 2


def test_a_quota_share_or_a_cvd_maker_that_never_applies_is_an_error(tmp_path: Path) -> None:
    """A quota share naming no quota group, and a countervailing duty's maker that differs
    from a program's maker only in case, never applied, silently: the full quota, or no
    duty (audit). A maker of no program at all (another importer) stays allowed."""
    folder = _china_export_copy(tmp_path)
    edit(folder, "quota_shares", 2, "quota_group", "ca-cn-ev")
    edit(folder, "countervailing_duties", 2, "maker", "nissan")
    edit(folder, "countervailing_duties", 3, "maker", "Xpeng-Test")
    found = problems(folder)
    assert ("row 2, quota_group 'ca-cn-ev': no duties.csv row with a quota has this "
            "quota_group, so the share would never apply. Did you mean 'CA-CN-EV'? Write the "
            "group's name as duties.csv does, or delete the row.") in found
    assert any(message.startswith("row 2, countervailing duty ") and "maker 'nissan' is not "
               "the maker of any program, but 'Nissan' is: makers are case-sensitive, so this "
               "row would never apply. Write 'Nissan'." in message for message in found)
    assert len(found) == 2


def test_a_csv_row_with_fewer_cells_reads_them_as_blank(tmp_path: Path) -> None:
    """Excel leaves out a row's trailing empty cells: they read as blank (docs/inputs.md),
    so the inputs load as written; a missing required cell is then reported as blank."""
    folder = inputs(tmp_path)
    reference = evplan.load(folder)
    path = folder / "plants.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    trailing = len(cells)
    while trailing and cells[trailing - 1] == "":
        trailing -= 1
    assert trailing < len(header)  # the row ends in empty cells to leave out
    path.write_text("\n".join([lines[0], ",".join(cells[:trailing]), *lines[2:]]) + "\n",
                    encoding="utf-8")
    loaded = evplan.load(folder)
    pd.testing.assert_frame_equal(loaded.tables["plants"], reference.tables["plants"])
    path.write_text("\n".join([lines[0], ",".join(cells[:2]), *lines[2:]]) + "\n",
                    encoding="utf-8")
    assert any("capacity_vehicles_per_year is blank" in message for message in problems(folder))


@pytest.mark.parametrize(("cell", "said"), [
    ("1 000", "is not a number. Write a number in USD/vehicle, without thousands separators "
              "or spaces."),
    ("1200\u200b", "is not a number: '1200<U+200B>' holds an invisible character (U+200B ZERO "
                   "WIDTH SPACE). Retype the cell as a number in USD/vehicle."),
    ("1_200", "is not a number. Write a number in USD/vehicle, without thousands "
              "separators.")])
def test_a_number_with_a_space_or_an_invisible_character_says_which(
        tmp_path: Path, cell: str, said: str) -> None:
    """'1 000' and a number with a zero-width space pasted from a web page were 'not a
    number' with no word on why (audit s22, helper-75)."""
    folder = inputs(tmp_path)
    edit(folder, "routes", 2, "freight_usd_per_vehicle", cell)
    shown = cell.replace("\u200b", "<U+200B>")  # an invisible character is named, not quoted
    assert problems(folder) == [f"row 2, route 'P1>M1': freight_usd_per_vehicle = '{shown}' "
                                + said]
