"""Outside audit of calibrate/backtest (session 18): unreachable targets are explained,
every reported cell is re-derived before it is returned or written, and actuals,
base_demand and elasticities rows that would be silently ignored or divide by zero are
input errors."""

from __future__ import annotations

import dataclasses
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evplan.calibration import (
    Backtest,
    backtest,
    backtest_base_demand,
    calibrate,
    read_calibration_inputs,
)
from evplan.calibration.check import recheck_calibration, verify_backtest
from evplan.errors import InputError, VerificationError
from evplan.examples import china_export, china_export_path, single_lane

ELASTICITY = pd.DataFrame({"market": ["*"], "segment": ["C"], "own_price_elasticity": [5.0]})


def base_of(volume: float = 600.0) -> pd.DataFrame:
    return pd.DataFrame({"market": ["M1"], "year": [2025], "product": ["V1"],
                         "volume_vehicles": [volume], "price_usd_per_vehicle": [20_000.0],
                         "row": [2]})


@pytest.fixture(scope="module")
def run() -> Backtest:
    return backtest(china_export(), read_calibration_inputs(china_export_path()), 2023, 2024)


def test_a_base_volume_the_inputs_cannot_supply_is_an_input_error_saying_what_binds() -> None:
    # One plant of 500 vehicles, 600 observed: step 1 sells 500, the plant binds. Before,
    # calibrate returned a wedge of 0 and a residual of -100 as "the calibration".
    with pytest.raises(InputError) as caught:
        calibrate(single_lane(capacity=500), base_of(600), ELASTICITY)
    [problem] = caught.value.problems
    assert problem.file == "base_demand.csv"
    assert problem.message.startswith(
        "row 2, volume_vehicles = 600 (V1 in M1, 2025): the 2025 inputs can supply at most "
        "500 (short by 100); what binds: plant capacity, used in full: P1 500 vehicles.")
    # Capacity exactly the observed volume: sold in full, but c0 (one more vehicle) is
    # undefined, so no wedge is known either.
    with pytest.raises(InputError, match="can supply exactly that many but not one more"):
        calibrate(single_lane(capacity=600), base_of(600), ELASTICITY)
    # With room to spare the identity holds (the by-hand case of test_calibrate).
    assert calibrate(single_lane(capacity=601), base_of(600), ELASTICITY).pools["served"].all()


def test_a_lane_that_does_not_open_until_later_is_named() -> None:
    data = single_lane(first_year=2025, last_year=2026)
    routes = data.tables["routes"].drop(columns="row").assign(first_year=2026)
    tables = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    tables["routes"] = routes
    from evplan.data import validate_tables

    late = validate_tables(tables, data.scenario, origin=data.origin)
    with pytest.raises(InputError, match="no lane open in 2025 from a plant that builds it "
                                         r"\(P1\) to M1"):
        calibrate(late, base_of(600), ELASTICITY)


@pytest.mark.parametrize("column", ["calibrated_2023", "predicted_2024", "actual_2024", "error",
                                    "error_pct", "persistence_2024", "persistence_error"])
def test_every_backtest_cell_is_re_derived_before_it_is_returned(run: Backtest,
                                                                  column: str) -> None:
    inputs = read_calibration_inputs(china_export_path())
    verify_backtest(run.table, run.calibration.data, run.result, inputs.actuals, 2023, 2024)
    for label in ("sales JP", "production MX"):
        altered = run.table.copy()
        position = altered.index[altered["row"] == label][0]
        altered.loc[position, column] = float(altered.loc[position, column]) + 1.0
        with pytest.raises(VerificationError, match=f"backtest row '{label}', {column}: "):
            verify_backtest(altered, run.calibration.data, run.result, inputs.actuals,
                            2023, 2024)


def test_a_dropped_or_renamed_backtest_row_is_caught(run: Backtest) -> None:
    inputs = read_calibration_inputs(china_export_path())
    for altered in (run.table.drop(index=3), run.table.replace({"row": {"sales JP": "sales J"}})):
        with pytest.raises(VerificationError, match="are not the rows the actuals call for"):
            verify_backtest(altered, run.calibration.data, run.result, inputs.actuals,
                            2023, 2024)


def test_every_calibration_figure_is_re_derived_before_it_is_written() -> None:
    inputs = read_calibration_inputs(china_export_path(), actuals=False)
    calibration = calibrate(china_export(), inputs.base_demand, inputs.elasticities)
    recheck_calibration(calibration, inputs.base_demand)  # the figures as computed pass
    for column in ("marginal_revenue_usd_per_vehicle", "volume_vehicles",
                   "price_usd_per_vehicle"):
        pools = calibration.pools.copy()
        pools[column] = pools[column].to_numpy(float) + _first(len(pools), 1.0)
        with pytest.raises(VerificationError, match=f"calibration pool .*: {column} "):
            recheck_calibration(dataclasses.replace(calibration, pools=pools),
                                inputs.base_demand)
    edits = {"pools": ("wedge_usd_per_vehicle", "calibration pool"),
             "demand": ("price_usd_per_vehicle", "calibration tiers"),
             "fit": ("residual_vehicles", "calibration fit")}
    for table, (column, message) in edits.items():
        frame = getattr(calibration, table).copy()
        frame[column] = frame[column].to_numpy(float) + _first(len(frame), 1.0)
        with pytest.raises(VerificationError, match=message):
            recheck_calibration(dataclasses.replace(calibration, **{table: frame}),
                                inputs.base_demand)
    fit = calibration.fit.copy()
    fit["wedge_share_of_price"] = fit["wedge_share_of_price"].to_numpy(float) + _first(
        len(fit), 0.01)
    with pytest.raises(VerificationError, match="wedge_share_of_price"):
        recheck_calibration(dataclasses.replace(calibration, fit=fit), inputs.base_demand)


def _first(length: int, value: float) -> np.ndarray:
    """``value`` in the first place, 0 elsewhere: one altered cell."""
    bump = np.zeros(length)
    bump[0] = value
    return bump


def _inputs(tmp_path: Path) -> Path:
    return Path(shutil.copytree(china_export_path(), tmp_path / "inputs"))


def _edit(path: Path, edit: object) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame)  # type: ignore[operator]
    frame.to_csv(path, index=False)


def test_actuals_outside_the_horizon_or_below_their_markets_are_input_errors(
        tmp_path: Path) -> None:
    folder = _inputs(tmp_path)
    _edit(folder / "actuals.csv", lambda f: f.loc.__setitem__((0, "year"), "2050"))
    _edit(folder / "actuals.csv", lambda f: f.loc.__setitem__(
        (f.index[(f["kpi"] == "global_sales") & (f["year"] == "2024")][0], "value"), "0"))
    with pytest.raises(InputError) as caught:
        read_calibration_inputs(folder, data=china_export())
    assert [p.message for p in caught.value.problems] == [
        "row 2, year = 2050 is outside the scenario's horizon 2023-2030 (scenario.yaml): no "
        "prediction can be compared with it. Delete the row, or widen first_year/last_year.",
        "row 10, global_sales value = 0 is below the sum of the 2024 sales rows, 2,353,245 "
        "(rows 3, 5, 7, 8). Check both: global sales count every market."]


def test_a_global_actual_of_zero_is_no_zero_division(tmp_path: Path) -> None:
    # Only a global figure of 0 for 2024: the CN share of it was nan / 0.0, a
    # ZeroDivisionError traceback. It is not a number, and the table says so.
    folder = _inputs(tmp_path)
    (folder / "actuals.csv").write_text("kpi,key,year,value,source\n"
                                        "global_sales,all,2024,0,x\n", encoding="utf-8")
    table = backtest(china_export(), read_calibration_inputs(folder), 2023, 2024).table

    def cell(label: str, column: str) -> float:
        return float(table.loc[table["row"] == label, column].to_numpy(float)[0])

    assert math.isnan(cell("CN share of global sales", "actual_2024"))
    assert math.isnan(cell("CN share of global sales", "error"))
    assert math.isnan(cell("global sales", "error_pct"))


def test_base_demand_and_elasticity_rows_that_would_be_ignored_are_input_errors(
        tmp_path: Path) -> None:
    folder = _inputs(tmp_path)
    rows = (folder / "base_demand.csv").read_text(encoding="utf-8").splitlines()
    (folder / "base_demand.csv").write_text("\n".join(
        [*rows, rows[1].replace(",2023,", ",2050,", 1)]) + "\n", encoding="utf-8")
    with (folder / "elasticities.csv").open("a", encoding="utf-8") as out:
        out.write("XX,C-SUV,4,x\nJP,\u0421-SUV,4,x\n")  # unknown market; Cyrillic C
    inputs = read_calibration_inputs(folder, actuals=False)
    with pytest.raises(InputError) as caught:
        calibrate(china_export(), inputs.base_demand, inputs.elasticities)
    messages = [p.message for p in caught.value.problems]
    assert messages[0] == (f"row {len(rows) + 1}, year = 2050 is outside the scenario's "
                           "horizon 2023-2030 (scenario.yaml): it would never be used. Delete "
                           "the row, or widen first_year/last_year.")
    assert messages[1] == ("row 13, market = 'XX' is neither '*' (every market) nor a market "
                           "of markets.csv. Write '*' or a market id.")
    assert messages[2].startswith("row 14, segment = '\u0421-SUV' is not a segment of "
                                  "programs.csv. Did you mean 'C-SUV'?")
    # The backtest checks the whole file, not only the two years it keeps.
    with pytest.raises(InputError, match="year = 2050 is outside the scenario's horizon"):
        backtest(china_export(), dataclasses.replace(
            read_calibration_inputs(china_export_path()), base_demand=inputs.base_demand),
            2023, 2024)


def test_a_year_between_the_base_and_the_target_year_keeps_the_base_demand() -> None:
    # Backtest 2023 -> 2025: 2024 was planned with no demand at all (it sold nothing).
    base = read_calibration_inputs(china_export_path()).base_demand
    rows = backtest_base_demand(base, 2023, 2025)
    observed = base[base["year"] == 2023]
    for year in (2024, 2025):
        carried = rows[(rows["year"] == year)
                       & rows["row"].isin(observed["row"])].reset_index(drop=True)
        assert carried.drop(columns="year").equals(observed.drop(columns="year")
                                                   .reset_index(drop=True))
    # Programs new in 2025 enter 2025 with their stated rows, as in a one-year backtest.
    new_2025 = len(rows[(rows["year"] == 2025) & ~rows["row"].isin(observed["row"])])
    assert new_2025 == len(base[base["year"] == 2025]) - len(observed)


def test_the_commands_report_cells_and_ids_of_every_file_at_once(tmp_path: Path) -> None:
    # Before, a bad actuals cell stopped `evplan backtest` before the base_demand year and
    # elasticities market were looked at: fix one, run again, meet the next.
    folder = _inputs(tmp_path)
    _edit(folder / "actuals.csv", lambda f: f.loc.__setitem__((0, "value"), "inf"))
    _edit(folder / "base_demand.csv", lambda f: f.loc.__setitem__((0, "year"), "2050"))
    with (folder / "elasticities.csv").open("a", encoding="utf-8") as out:
        out.write("XX,C-SUV,4,x\n")
    with pytest.raises(InputError) as caught:
        read_calibration_inputs(folder, data=china_export())
    assert [(p.file, p.row) for p in caught.value.problems] == [
        ("actuals.csv", 2), ("base_demand.csv", 2), ("elasticities.csv", 13)]


def test_backtest_md_is_read_back_against_the_table_before_it_is_written(run: Backtest
                                                                         ) -> None:
    from evplan.calibration.check import verify_markdown
    from evplan.cli.validation import backtest_markdown

    markdown = backtest_markdown(run.table, 2023, 2024)
    verify_markdown(markdown, run.table, 2023, 2024)
    # One cell of each column altered in the text (sales JP: 480,578 | 478,178 | 475,379 |
    # +2,799 | +0.6% | +1.1%; CN share: ... | +2.1 pts | | +2.7 pts).
    for old, new in (("| 480,578 |", "| 480,579 |"), ("| 478,178 |", "| 487,178 |"),
                     ("| 475,379 |", "| 475,397 |"), ("| +2,799 |", "| -2,799 |"),
                     ("| +0.6% |", "| +6.0% |"), ("| +1.1% |", "| +1.2% |"),
                     ("| +2.1 pts |", "| +2.2 pts |"), ("| +2.7 pts |", "| -2.7 pts |")):
        assert old in markdown
        with pytest.raises(VerificationError, match=r"backtest\.md row"):
            verify_markdown(markdown.replace(old, new, 1), run.table, 2023, 2024)


def test_a_base_year_of_0_is_refused_not_read_as_the_default() -> None:
    # `base_year or first_year` took 0 for "not given" and calibrated the first year.
    with pytest.raises(InputError, match="the base year 0 is not the first_year 2025"):
        calibrate(single_lane(), base_of(600), ELASTICITY, base_year=0)
