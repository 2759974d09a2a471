"""Session-20 audit: bad values reaching a plan through the Python API and Patch objects.

Each test failed on the code before its fix (apply.py's patch checks, validate.py's row
numbers and scenario scalars, data/recheck.py, and its calls in solve.py and
scenarios/warm.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.data import validate_tables
from evplan.data.recheck import check_ids, check_values
from evplan.errors import InputError
from evplan.examples import single_lane
from evplan.scenarios import apply_patches, run_cases
from evplan.scenarios.cases import Case
from evplan.scenarios.overrides import Patch


@pytest.fixture(scope="module")
def capped() -> evplan.NetworkData:
    """One lane carrying at most 100 vehicles: 900,000 USD; without the cap 5,400,000."""
    return apply_patches(single_lane(capacity=1000), [
        Patch("routes", set={"capacity_vehicles_per_year": 100.0})]).data


def message(error: pytest.ExceptionInfo[InputError]) -> str:
    return str(error.value)


# --- Patch objects made in Python get the checks scenarios.yaml's patches get --------------

@pytest.mark.parametrize("factor", [float("nan"), float("inf"), np.nan])
def test_a_scale_factor_that_is_not_finite_is_refused(capped, factor) -> None:
    # Before: NaN x 100 is a blank capacity, "no limit": a plan earning 5.4 M was returned.
    with pytest.raises(InputError) as error:
        apply_patches(capped, [Patch("routes", scale={"capacity_vehicles_per_year": factor})])
    assert "scale factor for capacity_vehicles_per_year = nan is not a finite number" in (
        message(error)) or "= inf is not a finite number" in message(error)


@pytest.mark.parametrize("factor", ["2", None, True])
def test_a_scale_factor_that_is_text_none_or_bool_is_refused(capped, factor) -> None:
    # Before: '2' and None raised a bare NumPy/TypeError; True scaled by 1 without a word.
    with pytest.raises(InputError, match=r"is not a finite number\. Write a factor"):
        apply_patches(capped, [Patch("routes", scale={"freight_usd_per_vehicle": factor})])


@pytest.mark.parametrize("value", [float("nan"), pd.NA, True, [1, 2]])
def test_set_to_nan_bool_or_a_list_is_refused(capped, value) -> None:
    # Before: NaN on an optional column cleared it (the route cap became "no limit").
    with pytest.raises(InputError, match=r"is not a finite number\. Write a number, or null"):
        apply_patches(capped, [Patch("routes", set={"capacity_vehicles_per_year": value})])


def test_set_none_still_clears_an_optional_cell(capped) -> None:
    cleared = apply_patches(capped, [Patch("routes", set={"capacity_vehicles_per_year": None})])
    assert cleared.data["routes"]["capacity_vehicles_per_year"].isna().all()


@pytest.mark.parametrize("year", [2025.5, True, "2026.5"])
def test_from_year_must_be_a_year(year) -> None:
    # Before: 2025.5 patched from 2026 on; True (year >= 1) patched every year. The text
    # '2026' is a year, as scenarios.yaml reads it (tests/scenarios/test_python_patches.py).
    data = single_lane(first_year=2025, last_year=2027)
    with pytest.raises(InputError, match=r"from_year = .* is not a year"):
        apply_patches(data, [Patch("demand", set={"price_usd_per_vehicle": 1.0},
                                   from_year=year)])


@pytest.mark.parametrize("patch, words", [
    (Patch("routez", set={"freight_usd_per_vehicle": 1.0}), "'routez' is not an input table"),
    (Patch("routes", set={"freight": 1.0}), "set column 'freight' is not in routes"),
    (Patch("routes", scale={"freight": 2.0}), "scale column 'freight' is not in routes"),
    (Patch("routes", where={"plantt": ("P1",)}, set={"freight_usd_per_vehicle": 1.0}),
     "where column 'plantt' is not in routes"),
    (Patch("programs", scale={"powertrain": 2.0}), "programs.powertrain is text"),
    (Patch("routes", set={"market": "M2"}), "routes.market is a key column"),
])
def test_unknown_tables_columns_and_keys_are_input_errors(capped, patch, words) -> None:
    # Before: KeyError / ValueError tracebacks, or a key moved to another market.
    with pytest.raises(InputError) as error:
        apply_patches(capped, [patch])
    assert words in message(error)


def test_every_bad_patch_is_listed_at_once(capped) -> None:
    with pytest.raises(InputError) as error:
        apply_patches(capped, [Patch("routes", scale={"freight_usd_per_vehicle": "x"}),
                               Patch("demand", set={"volume_vehicles": float("nan")})])
    assert len(error.value.problems) == 2


def test_numpy_numbers_and_a_single_where_value_are_read_as_written(capped) -> None:
    doubled = apply_patches(capped, [
        Patch("routes", where={"plant": "P1"},  # a str, not a tuple: one value (was 'P', '1')
              scale={"freight_usd_per_vehicle": np.int64(2)})]).data
    assert doubled["routes"]["freight_usd_per_vehicle"].tolist() == [2000.0]


@pytest.mark.parametrize("plants", [np.array(["P1"]), pd.Series(["P1"]), {"P1"}, ["P1"],
                                    pd.Index(["P1"])])
def test_where_takes_the_values_of_an_array_series_or_set(capped, plants) -> None:
    """Review of c6ecf08: ``where={"plant": df["plant"].unique()}`` was read as one value
    (refused: "plant '['P1']' is in no row"); a NumPy bool, a Decimal and a 0-d array too."""
    from decimal import Decimal

    patched = apply_patches(capped, [
        Patch("routes", where={"plant": plants, "cross_border": np.True_},
              scale={"freight_usd_per_vehicle": np.array(2.0)},
              set={"transit_days": Decimal("12.5")})]).data
    assert patched["routes"]["freight_usd_per_vehicle"].tolist() == [2000.0]
    assert patched["routes"]["transit_days"].tolist() == [12.5]


def test_a_study_case_with_a_bad_patch_is_an_input_error_not_a_crash(capped) -> None:
    # Before: a text factor stopped the whole study with a bare UFuncTypeError.
    cases = [Case(0, "ok", {"f": 1.0}, (Patch("routes", scale={
                 "capacity_vehicles_per_year": 1.0}),)),
             Case(1, "nan", {"f": float("nan")}, (Patch("routes", scale={
                 "capacity_vehicles_per_year": float("nan")}),)),
             Case(2, "text", {"f": 2.0}, (Patch("routes", scale={
                 "capacity_vehicles_per_year": "2"}),))]
    study = run_cases(capped, cases, workers=1)
    assert study.cases["status"].tolist() == ["optimal", "input_error", "input_error"]
    assert study.cases["objective_usd"].iloc[0] == pytest.approx(900_000.0)


# --- validate_tables: the tables a caller builds ------------------------------------------

def tables() -> dict[str, pd.DataFrame]:
    return {
        "plants": pd.DataFrame({"plant": ["P1"], "country": ["AA"],
                                "capacity_vehicles_per_year": [1000.0]}),
        "programs": pd.DataFrame({"program": ["V1"], "powertrain": ["BEV"], "segment": ["C"],
                                  "maker": ["Mk"]}),
        "plant_programs": pd.DataFrame({"plant": ["P1"], "program": ["V1"],
                                        "variable_cost_usd_per_vehicle": [10000.0]}),
        "markets": pd.DataFrame({"market": ["M1"], "country": ["BB"]}),
        "demand": pd.DataFrame({"market": ["M1", "M1"], "year": [2025, 2025],
                                "product": ["V1", "V1"], "tier": [1, 2],
                                "volume_vehicles": [600.0, 300.0],
                                "price_usd_per_vehicle": [20000.0, 15000.0]}),
        "routes": pd.DataFrame({"plant": ["P1"], "market": ["M1"],
                                "freight_usd_per_vehicle": [1000.0]}),
        "duties": pd.DataFrame({"origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
                                "ad_valorem_rate": [0.1]}),
    }


SCENARIO = {"name": "t", "first_year": 2025, "last_year": 2025}


@pytest.mark.parametrize("rows, words", [
    ([2, 2], "column 'row' repeats row number 2"),
    ([np.nan, 3], "column 'row' holds nan at position 1"),
    (["a", "b"], "column 'row' holds 'a' at position 1 and 1 more"),
    ([2.5, 3], "column 'row' holds 2.5"),
])
def test_a_row_column_that_cannot_number_the_rows_is_refused(rows, words) -> None:
    # Before: repeated numbers failed the plan's certificate ("a bug in evplan"); a blank or
    # text one raised a bare pandas error.
    raw = tables()
    raw["demand"]["row"] = rows
    with pytest.raises(InputError) as error:
        validate_tables(raw, SCENARIO)
    assert words in message(error)
    assert error.value.problems[0].file == "demand.csv"


def test_a_valid_row_column_is_kept() -> None:
    raw = tables()
    raw["demand"]["row"] = [7, 9]
    assert validate_tables(raw, SCENARIO)["demand"]["row"].tolist() == [7, 9]


def test_a_table_that_is_not_a_dataframe_is_an_input_error() -> None:
    raw: dict = tables()
    raw["demand"] = raw["demand"].to_dict("list")
    with pytest.raises(InputError, match="demand must be a pandas DataFrame, found dict"):
        validate_tables(raw, SCENARIO)


def test_numpy_scalars_in_the_scenario_are_numbers() -> None:
    # Before: "first_year must be a number, found int64 np.int64(2025)".
    data = validate_tables(tables(), {**SCENARIO, "first_year": np.int64(2025),
                                      "last_year": np.int64(2025),
                                      "discount_rate": np.float64(0.05)})
    assert data.scenario.first_year == 2025 and isinstance(data.scenario.first_year, int)
    with pytest.raises(InputError, match="discount_rate = nan is not a finite number"):
        validate_tables(tables(), {**SCENARIO, "discount_rate": np.float64("nan")})


# --- NetworkData changed after validation -------------------------------------------------

@pytest.mark.parametrize("column, value, words", [
    ("price_usd_per_vehicle", float("nan"), "is blank (NaN), and it is required"),
    ("price_usd_per_vehicle", float("inf"), "= inf is not a finite number"),
    ("price_usd_per_vehicle", -5.0, "= -5 is outside [0, 1e+07] USD/vehicle"),
    ("volume_vehicles", 1e30, "= 1e+30 is outside [0, 1e+09] vehicles"),
])
def test_check_values_finds_numbers_changed_in_place(column, value, words) -> None:
    data = single_lane()
    check_values(data)
    data["demand"].loc[0, column] = value
    with pytest.raises(InputError) as error:
        check_values(data)
    assert f"row 2 of data['demand']: {column} {words}" in message(error)


def test_check_values_finds_text_in_a_numeric_column() -> None:
    data = single_lane()
    data = data.replace(tables={**data.tables, "demand": data["demand"].assign(
        price_usd_per_vehicle=["20000"])})
    with pytest.raises(InputError, match="'price_usd_per_vehicle' of data\\['demand'\\] holds"):
        check_values(data)


def test_check_values_passes_the_shipped_networks() -> None:
    check_values(evplan.examples.china_export())
    check_values(single_lane(cvd_rate=0.1, committed=10, quota=50, in_quota_rate=0.0))


@pytest.mark.parametrize("table, column, value, words", [
    ("routes", "market", "ZZ", "row 2 of data['routes']: market 'ZZ' is not in markets.market"),
    ("programs", "powertrain", "XXX", "powertrain 'XXX' is not one of BEV, PHEV, HEV, ICE"),
    ("markets", "customs_basis", "cif", "customs_basis 'cif' is not one of CIF, FOB"),
    ("demand", "year", 2030, "year 2030 is outside the horizon 2025-2026"),
])
def test_check_ids_finds_ids_choices_and_years_changed_in_place(table, column, value,
                                                                words) -> None:
    data = single_lane(first_year=2025, last_year=2026)
    check_ids(data)
    data[table].loc[0, column] = value
    with pytest.raises(InputError) as error:
        check_ids(data)
    assert words in message(error)


def test_check_ids_passes_the_shipped_networks() -> None:
    from evplan.examples.strategic_small import random_strategic_network

    for data in (evplan.examples.china_export(), evplan.examples.random_network(seed=3),
                 random_strategic_network(1)):
        check_ids(data)


# Solve paths re-check values changed after validation (evplan.optimize: check_values and
# check_ids; WarmModel.solve: check_values).


@pytest.mark.parametrize("value", [-5.0, float("nan")])
def test_optimize_refuses_a_price_changed_in_place(value) -> None:
    # Before: -5 gave a plan reported optimal; NaN a VerificationError ("a bug in evplan").
    data = single_lane()
    data["demand"].loc[0, "price_usd_per_vehicle"] = value
    with pytest.raises(InputError, match="price_usd_per_vehicle"):
        evplan.optimize(data)


def test_optimize_refuses_a_route_to_a_market_changed_in_place() -> None:
    # Before: a plan reported optimal with nothing shipped.
    data = single_lane()
    data["routes"].loc[0, "market"] = "ZZ"
    with pytest.raises(InputError, match="ZZ"):
        evplan.optimize(data)


def test_a_warm_model_refuses_a_price_changed_in_place() -> None:
    from evplan.scenarios import WarmModel

    base = single_lane()
    warm = WarmModel(base)
    data = single_lane()
    data["demand"].loc[0, "price_usd_per_vehicle"] = -5.0
    with pytest.raises(InputError, match="price_usd_per_vehicle"):
        warm.solve(data)


# --- messages of where and from_year that named no fix ------------------------------------

def test_where_on_a_blank_value_says_what_to_do(capped) -> None:
    with pytest.raises(InputError) as error:
        apply_patches(capped, [Patch("routes", where={"transit_days": (None,)},
                                     set={"freight_usd_per_vehicle": 1.0})])
    assert "where cannot select blank cells" in message(error)


def test_from_year_after_the_horizon_says_so() -> None:
    # Before: "no row has every row from 2030."
    data = single_lane(first_year=2025, last_year=2027)
    with pytest.raises(InputError) as error:
        apply_patches(data, [Patch("duties", set={"ad_valorem_rate": 0.5}, from_year=2030)])
    assert "no row is left from 2030 (the horizon ends in 2027). Loosen where or from_year." in (
        message(error))


def test_a_patch_that_changes_nothing_is_refused_as_in_scenarios_yaml(capped) -> None:
    """Review of c6ecf08: scenarios.yaml refuses a patch with neither set nor scale; a
    Python Patch was a silent no-op."""
    with pytest.raises(InputError, match="neither sets nor scales anything"):
        apply_patches(capped, [Patch("routes", where={"plant": "P1"})])


@pytest.mark.parametrize(("table", "column", "value"), [
    ("duties", "powertrain", "XXX"), ("markets", "customs_basis", "cif")])
def test_a_warm_model_refuses_an_id_or_choice_changed_in_place_as_optimize_does(
        table, column, value) -> None:
    """Review of ff0acd8: a duty powertrain 'XXX' set in place failed the warm model's
    certificate ("a bug in evplan"), a customs basis 'cif' gave a plan reported optimal;
    optimize refused both."""
    from evplan.scenarios import WarmModel

    warm = WarmModel(single_lane(last_year=2026))
    data = single_lane(last_year=2026)
    data[table].loc[0, column] = value
    with pytest.raises(InputError, match=column):
        evplan.optimize(data)
    with pytest.raises(InputError, match=column):
        warm.solve(data)


def test_a_warm_model_refuses_a_base_changed_in_place() -> None:
    from evplan.scenarios import WarmModel

    base = single_lane()
    base["demand"].loc[0, "price_usd_per_vehicle"] = -5.0
    with pytest.raises(InputError, match="price_usd_per_vehicle"):
        WarmModel(base)
