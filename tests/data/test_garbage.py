"""Layer 1: NaN, infinity and absurd magnitudes are refused in every numeric input.

Every numeric column of every table evplan reads (the network tables, and the fleet,
charging and recycling parameter tables) and every numeric scenario.yaml key: the message
names the file, the row, the column, the value, and says what to write.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.charging import params as charging_params
from evplan.charging import siting
from evplan.data import validate_tables, write_inputs
from evplan.data.files import load_yaml
from evplan.data.validate import validate_scenario
from evplan.errors import InputError, Problem
from evplan.examples import example_path, random_network, single_lane
from evplan.fleet import params as fleet_params
from evplan.fleet.tables import default_table_path, read_parameter_table
from evplan.recycling import tables as recycling_tables
from evplan.schema import SCENARIO_FIELDS, TABLES, Table

GARBAGE = ("NaN", "inf", "-inf", "1e300", "1e400")

PARAMETER_TABLES: list[tuple[Table, Path | None]] = [
    (fleet_params.SURVIVAL, default_table_path("fleet", "survival.csv")),
    (fleet_params.BATTERY, default_table_path("fleet", "battery.csv")),
    (fleet_params.CHEMISTRY, default_table_path("fleet", "chemistry.csv")),
    (fleet_params.SALES_HISTORY, None),
    (charging_params.CHARGING_MARKETS, default_table_path("charging", "markets.csv")),
    (charging_params.CHARGER_CLASSES, default_table_path("charging", "charger_classes.csv")),
    (charging_params.CHARGER_COSTS, default_table_path("charging", "charger_costs.csv")),
    (siting.ZONES, default_table_path("charging", "synthetic_zones.csv")),
    (siting.SITES, default_table_path("charging", "synthetic_sites.csv")),
    (siting.CORRIDOR, default_table_path("charging", "synthetic_corridor.csv")),
    *[(table, recycling_tables.default_path(file))
      for table, file in recycling_tables.TABLES.values()],
    (recycling_tables.RETIRED, None),
]
SMALL_ROWS = {
    "sales_history": {"market": "TH", "year": "2020", "powertrain": "BEV",
                      "sales_vehicles": "10", "battery_kwh": "50"},
    "retired_packs": {"collection_point": "EU", "year": "2035", "chemistry": "LFP",
                      "kwh": "1000", "tonnes": "7"},
}


def _numeric(table: Table) -> list[str]:
    return [column.name for column in table.columns if column.dtype in ("int", "float")]


def _cases(tables: list[tuple[Table, Path | None]]) -> list[object]:
    return [pytest.param(table, default, column, id=f"{table.name}.{column}")
            for table, default in tables for column in _numeric(table)]


@pytest.mark.parametrize(("table", "default", "column"), _cases(PARAMETER_TABLES))
def test_parameter_tables_refuse_garbage(table: Table, default: Path | None, column: str,
                                         tmp_path: Path) -> None:
    frame = (pd.read_csv(default, dtype=str, keep_default_na=False) if default is not None
             else pd.DataFrame([SMALL_ROWS[table.name]]))
    path = tmp_path / f"my_{table.name}.csv"
    for value in GARBAGE:
        edited = frame.copy()
        edited.loc[0, column] = value
        edited.to_csv(path, index=False)
        with pytest.raises(InputError) as caught:
            read_parameter_table(table, path, path)
        named = [problem for problem in caught.value.problems
                 if problem.row == 2 and problem.file == path.name]
        assert named, caught.value
        text = named[0].message
        assert text.startswith("row 2, ") and f"{column} = " in text, text
        assert ("is not a number" in text or "is not a whole number" in text
                or "is above" in text or "outside" in text or "below" in text), text


NETWORK = [(table, None) for table in TABLES.values()]


@functools.cache
def _rows_of_every_table() -> dict[str, pd.DataFrame]:
    """One valid row of each optional table random_network leaves empty (trade, CO2 and
    strategic tables): the first row of the china-strategic example, laid over china-export."""
    data = evplan.load(example_path("china-strategic"))
    return {name: frame.iloc[:1] for name, frame in data.tables.items()}


def _network_cases() -> list[object]:
    """Every numeric column of every network table; beyond the first of each table: slow."""
    cases = []
    for table, default in NETWORK:
        for position, column in enumerate(_numeric(table)):
            marks = (pytest.mark.slow,) if position else ()
            cases.append(pytest.param(table, default, column, id=f"{table.name}.{column}",
                                      marks=marks))
    return cases


@pytest.mark.parametrize(("table", "default", "column"), _network_cases())
def test_network_tables_refuse_garbage(table: Table, default: None, column: str) -> None:
    data = random_network(3)
    for value in GARBAGE:
        tables = {name: frame.copy() for name, frame in data.tables.items()}
        if tables[table.name].empty:  # the garbage cell needs a row; other problems may follow
            tables[table.name] = _rows_of_every_table()[table.name].copy()
        frame = tables[table.name].astype(object)
        frame.loc[frame.index[0], column] = value
        tables[table.name] = frame
        with pytest.raises(InputError) as caught:
            validate_tables(tables, data.scenario)
        row = int(frame.loc[frame.index[0], "row"])
        assert any(problem.file == table.file and problem.row == row and f"{column} = "
                   in problem.message for problem in caught.value.problems), caught.value


def test_messages_for_garbage_word_for_word(tmp_path: Path) -> None:
    folder = write_inputs(single_lane(), tmp_path / "inputs")
    frame = pd.read_csv(folder / "plants.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "capacity_vehicles_per_year"] = "1e300"
    frame.loc[0, "fixed_cost_usd_per_year"] = "NaN"
    frame.loc[0, "first_year"] = "inf"
    frame.to_csv(folder / "plants.csv", index=False)
    duties = pd.read_csv(folder / "duties.csv", dtype=str, keep_default_na=False)
    duties.loc[0, "ad_valorem_rate"] = "17%"
    duties.to_csv(folder / "duties.csv", index=False)
    with pytest.raises(InputError) as caught:
        evplan.load(folder)
    assert str(caught.value) == (
        "evplan: 3 problems in plants.csv\n"
        "  * row 2, plant 'P1': capacity_vehicles_per_year = 1e+300 is above 1e+09 "
        "vehicles/year, the largest value evplan accepts for this unit. Check the value and "
        "its unit.\n"
        "  * row 2, plant 'P1': fixed_cost_usd_per_year = 'NaN' is not a number: evplan takes "
        "finite numbers only. Write a number in USD/year or leave the cell blank for the "
        "default 0.\n"
        "  * row 2, plant 'P1': first_year = 'inf' is not a whole number: evplan takes finite "
        "numbers only. Write a whole number in year or leave the cell blank.\n"
        "evplan: 1 problem in duties.csv\n"
        "  * row 2, duty 'AA>M1 *': ad_valorem_rate = '17%' is not a number. Rates are "
        "fractions (17% -> 0.17).")


def _scenario_problems(root: Path, key: str, value: str) -> list[str]:
    """Problems of single_lane's inputs with ``key: value`` in scenario.yaml."""
    folder = write_inputs(single_lane(), root / f"inputs-{len(list(root.iterdir()))}")
    path = folder / "scenario.yaml"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if not line.startswith(f"{key}:")]
    path.write_text("\n".join([*lines, f"{key}: {value}"]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        evplan.load(folder)
    assert {problem.file for problem in caught.value.problems} == {"scenario.yaml"}
    return [problem.message for problem in caught.value.problems]


@pytest.mark.parametrize("field", [field.name for field in SCENARIO_FIELDS
                                   if field.dtype in ("int", "float")])
def test_scenario_numbers_refuse_garbage(field: str) -> None:
    base = {"name": "x", "first_year": 2025, "last_year": 2026}
    for value in (".nan", ".inf", "-.inf", "1.0e+300", "1e300", "[1, 2]", "{a: 1}", "true",
                  "2024-01-01"):
        raw = {**base, field: load_yaml(f"{field}: {value}", "scenario.yaml")[field]}
        problems: list[Problem] = []
        assert validate_scenario(raw, "scenario.yaml", problems) is None or problems
        assert [problem.file for problem in problems] == ["scenario.yaml"], (value, problems)
        assert problems[0].message.startswith(f"{field} "), (value, problems)


def test_scenario_messages_word_for_word(tmp_path: Path) -> None:
    assert _scenario_problems(tmp_path, "discount_rate", ".nan") == [
        "discount_rate = nan is not a finite number. Give a number in fraction/year or leave "
        "the key out."]
    assert _scenario_problems(tmp_path, "first_year", ".inf") == [
        "first_year = inf is not a finite number. Give a number in year."]
    assert _scenario_problems(tmp_path, "first_year", "[2025]") == [
        "first_year must be a number, found a list. Write a single value."]
    assert _scenario_problems(tmp_path, "unmet_committed_penalty_usd_per_vehicle",
                              "1e300") == [
        "unmet_committed_penalty_usd_per_vehicle = 1e+300 is outside [0, 1e+09]. Write a "
        "value in that range (USD/vehicle)."]
    assert _scenario_problems(tmp_path, "last_year", "2030.5") == [
        "last_year = 2030.5 is not a whole number. Write a whole number (year)."]
    assert _scenario_problems(tmp_path, "name", "{a: 1}") == [
        "name must be text, found a mapping. Write a single value."]


def test_an_empty_required_table_fails_validate(tmp_path: Path) -> None:
    folder = write_inputs(single_lane(), tmp_path / "inputs")
    (folder / "routes.csv").write_text((folder / "routes.csv").read_text(
        encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        evplan.load(folder)
    assert str(caught.value) == (
        "evplan: 1 problem in routes.csv\n"
        "  * routes.csv has no rows. Add at least one row (plant, market, ...).")
    (folder / "routes.csv").write_bytes(b"")
    with pytest.raises(InputError) as caught:
        evplan.load(folder)
    assert caught.value.problems[0].message.startswith(
        "routes.csv is empty, without even a header row.")


def test_problem_counts_include_the_rows_not_listed(tmp_path: Path) -> None:
    folder = write_inputs(random_network(3), tmp_path / "inputs")
    demand = pd.read_csv(folder / "demand.csv", dtype=str, keep_default_na=False)
    demand["volume_vehicles"] = "-1"
    demand.to_csv(folder / "demand.csv", index=False)
    with pytest.raises(InputError) as caught:
        evplan.load(folder)
    text = str(caught.value)
    assert text.startswith(f"evplan: {len(demand)} problems in demand.csv\n")
    assert text.endswith(f"  * ... and {len(demand) - 10} more rows with the same problem.")
