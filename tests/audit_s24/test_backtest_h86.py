"""Audit s24 (helper-86): `evplan backtest` on small networks solved by hand.

* An ``exports`` actual of a country other than CN was read, checked against the plant
  countries and then never compared (no row); CN's ``exports`` row had no persistence
  figure even with a base-year actual (the benchmark of the story's own row was missing).
* A product whose base-year row is 0 (nothing sold) and whose target-year row states a
  launch volume was predicted to sell 0: its later rows were dropped as "not new".
* The prediction does not read the target year's actuals or demand; the base year moves it.

Every expected number is computed here from the network's costs and the constant-
elasticity curve, not with evplan's functions.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from evplan.calibration import CalibrationInputs, backtest, calibrate
from evplan.data import validate_tables
from evplan.data.network import NetworkData
from evplan.errors import InputError
from evplan.examples import single_lane

ELASTICITY = pd.DataFrame({"market": ["*"], "segment": ["C"], "own_price_elasticity": [5.0]})
COST_USD = 10_000.0 + 1_000.0  # variable cost + freight of single_lane: c0 of every pool


def _network(plant_country: str = "AA", markets: tuple[str, ...] = ("M1",)) -> NetworkData:
    """single_lane 2025-2026 (plant P1, capacity 1e6, cost 10,000, freight 1,000), its plant
    in ``plant_country`` and one route and 0 % duty to each of ``markets`` (country BB)."""
    tables = {name: frame.drop(columns="row", errors="ignore") for name, frame
              in single_lane(capacity=1e6, first_year=2025, last_year=2026).tables.items()}
    tables["plants"] = tables["plants"].assign(country=plant_country)
    tables["markets"] = pd.DataFrame({"market": list(markets), "country": "BB",
                                      "customs_basis": "CIF"})
    tables["routes"] = pd.DataFrame({"plant": "P1", "market": list(markets),
                                     "freight_usd_per_vehicle": 1_000.0})
    tables["duties"] = pd.concat([tables["duties"].assign(origin=plant_country, market=market)
                                  for market in markets], ignore_index=True)
    tables["demand"] = pd.concat([tables["demand"].assign(market=market)
                                  for market in markets], ignore_index=True)
    return validate_tables(tables, {"name": "h86", "first_year": 2025, "last_year": 2026})


def _base(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"market": market, "year": year, "product": "V1",
                          "volume_vehicles": volume, "price_usd_per_vehicle": price}
                         for market, year, volume, price in rows])


def _actuals(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"kpi": kpi, "key": key, "year": year, "value": value, "source": "t"}
                         for kpi, key, year, value in rows])


def _sold_on_curve(volume: float, price: float, elasticity: float, cost: float) -> float:
    """Vehicles a pool sells with wedge 0: the last tier end (0.5, 0.8, 1.0, 1.1, 1.25,
    1.5 x volume) whose segment's average marginal revenue, P0 (R(b) - R(a)) / (b - a)
    with R(f) = f^(1 - 1/e), is above ``cost``."""
    ends = [0.0, 0.5, 0.8, 1.0, 1.1, 1.25, 1.5]
    sold = 0.0
    for low, high in itertools.pairwise(ends):
        revenue = (high ** (1 - 1 / elasticity) - low ** (1 - 1 / elasticity)) / (high - low)
        if price * revenue > cost:
            sold = high * volume
    return sold


def test_exports_of_every_country_are_compared_with_their_persistence() -> None:
    """Before: no 'exports from AA' row (the actuals were ignored without a word)."""
    actuals = _actuals([("sales", "M1", 2025, 600.0), ("sales", "M1", 2026, 640.0),
                        ("global_sales", "all", 2026, 640.0),
                        ("exports", "AA", 2025, 550.0), ("exports", "AA", 2026, 700.0)])
    run = backtest(_network(), CalibrationInputs(_base([("M1", 2025, 600.0, 20_000.0)]),
                                                 ELASTICITY, actuals), 2025, 2026)
    table = run.table.set_index("row")
    assert "exports from AA" in table.index
    row = table.loc["exports from AA"]
    shipments = run.result["shipments"]
    shipped = shipments[shipments["year"] == 2026]["shipment_vehicles"].sum()
    assert shipped == pytest.approx(600.0)  # every vehicle crosses AA -> BB; nothing changed
    assert row["calibrated_2025"] == pytest.approx(600.0)
    assert row["predicted_2026"] == pytest.approx(shipped)
    assert row["actual_2026"] == 700.0
    assert row["error"] == pytest.approx(600.0 - 700.0)
    assert row["error_pct"] == pytest.approx(-100.0 / 700.0)
    assert row["persistence_2026"] == 550.0
    assert row["persistence_error"] == pytest.approx(550.0 - 700.0)


def test_cn_exports_row_has_the_base_years_actual_as_persistence() -> None:
    """Before: persistence_2026 NaN on 'exports from CN' although 2025 had an actual."""
    actuals = _actuals([("sales", "M1", 2025, 600.0), ("sales", "M1", 2026, 640.0),
                        ("global_sales", "all", 2026, 640.0), ("production", "CN", 2026, 640.0),
                        ("exports", "CN", 2025, 500.0), ("exports", "CN", 2026, 640.0)])
    run = backtest(_network("CN"), CalibrationInputs(_base([("M1", 2025, 600.0, 20_000.0)]),
                                                     ELASTICITY, actuals), 2025, 2026)
    table = run.table.set_index("row")
    row = table.loc["exports from CN"]
    assert row["predicted_2026"] == pytest.approx(600.0)
    assert row["persistence_2026"] == 500.0
    assert row["persistence_error"] == pytest.approx(500.0 - 640.0)
    assert list(run.table["row"]).count("exports from CN") == 1  # not repeated as "other"
    # utilisation CN: production / capacity, and its persistence 2025 production (none) n/a
    assert table.loc["utilisation CN", "predicted_2026"] == pytest.approx(600.0 / 1e6)
    assert math.isnan(table["persistence_2026"].astype(float)["utilisation CN"])


def test_a_product_with_zero_base_volume_is_new_in_the_target_year() -> None:
    """M2 sold nothing in 2025 and launches in 2026 at 300 (its launch plan). Before, the
    backtest predicted 0 for it; now it is a new program, its curve through its own row."""
    base = _base([("M1", 2025, 600.0, 20_000.0), ("M2", 2025, 0.0, 20_000.0),
                   ("M2", 2026, 300.0, 20_000.0)])
    actuals = _actuals([("sales", "M1", 2026, 600.0), ("sales", "M2", 2026, 400.0),
                        ("global_sales", "all", 2026, 1_000.0)])
    run = backtest(_network(markets=("M1", "M2")), CalibrationInputs(base, ELASTICITY, actuals),
                   2025, 2026)
    table = run.table.set_index("row")
    expected = _sold_on_curve(300.0, 20_000.0, 5.0, COST_USD)
    assert expected == pytest.approx(450.0)  # 1.5 x 300: the curve's last tier still pays
    assert table.loc["sales M2", "predicted_2026"] == pytest.approx(expected)
    assert table.loc["sales M2", "calibrated_2025"] == pytest.approx(0.0)
    assert table.loc["sales M1", "predicted_2026"] == pytest.approx(600.0)  # the identity


def test_no_row_of_the_target_year_moves_the_prediction_the_base_year_does() -> None:
    """Leakage: the 2026 actuals (x10), the 2026 base rows of known products (volume x5,
    price x3) and the shipped demand (x7) leave the calibrated and predicted columns as
    they were; a 2025 volume of 700 instead of 600 moves them (to 700, the identity)."""
    actuals = _actuals([("sales", "M1", 2025, 600.0), ("sales", "M1", 2026, 640.0),
                        ("global_sales", "all", 2026, 640.0)])
    base = _base([("M1", 2025, 600.0, 20_000.0), ("M1", 2026, 900.0, 20_000.0)])
    columns = ["calibrated_2025", "predicted_2026"]
    first = backtest(_network(), CalibrationInputs(base, ELASTICITY, actuals), 2025, 2026)

    wild = actuals.assign(value=actuals["value"].where(actuals["year"] != 2026,
                                                       actuals["value"] * 10))
    moved_base = base.copy()
    later = moved_base["year"] == 2026
    moved_base.loc[later, "volume_vehicles"] *= 5
    moved_base.loc[later, "price_usd_per_vehicle"] *= 3
    network = _network()
    demand = network.tables["demand"].drop(columns="row")
    tables = {name: frame.drop(columns="row") for name, frame in network.tables.items()}
    tables["demand"] = demand.assign(volume_vehicles=demand["volume_vehicles"] * 7)
    changed = validate_tables(tables, network.scenario)
    second = backtest(changed, CalibrationInputs(moved_base, ELASTICITY, wild), 2025, 2026)
    pd.testing.assert_frame_equal(first.table[columns], second.table[columns])
    assert second.table.set_index("row").loc["sales M1", "actual_2026"] == 6_400.0

    base_moved = base.assign(volume_vehicles=base["volume_vehicles"].where(
        base["year"] != 2025, 700.0))
    third = backtest(_network(), CalibrationInputs(base_moved, ELASTICITY, actuals), 2025, 2026)
    row = third.table.set_index("row").loc["sales M1"]
    assert row["calibrated_2025"] == pytest.approx(700.0)
    assert row["predicted_2026"] == pytest.approx(700.0)


def _two_programs() -> NetworkData:
    """single_lane 2025-2026 with a second program V2 (segment C, BEV) built by P1."""
    tables = {name: frame.drop(columns="row") for name, frame
              in single_lane(capacity=1e6, first_year=2025, last_year=2026).tables.items()}
    for name in ("programs", "plant_programs"):
        tables[name] = pd.concat([tables[name], tables[name].assign(program="V2")],
                                 ignore_index=True)
    return validate_tables(tables, {"name": "h86", "first_year": 2025, "last_year": 2026})


def _rows(rows: list[tuple[int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"market": "M1", "year": year, "product": product,
                          "volume_vehicles": volume, "price_usd_per_vehicle": 20_000.0}
                         for year, product, volume in rows])


SALES_M1 = _actuals([("sales", "M1", 2026, 600.0)])


def test_a_program_row_under_a_base_year_segment_row_is_not_new() -> None:
    """2025 sells segment C (V1 and V2 pooled); 2026 states V1 and V2 on their own. Before:
    InputError naming 'demand.csv' rows 8, 14 (a file evplan made; the user's demand.csv
    has other rows). Now both programs keep the 2025 curve: 600 predicted, the identity."""
    base = _rows([(2025, "C", 600.0), (2026, "V1", 300.0), (2026, "V2", 100.0)])
    run = backtest(_two_programs(), CalibrationInputs(base, ELASTICITY, SALES_M1), 2025, 2026)
    row = run.table.set_index("row").loc["sales M1"]
    assert row["calibrated_2025"] == pytest.approx(600.0)
    assert row["predicted_2026"] == pytest.approx(600.0)


def test_a_program_pooled_twice_is_named_in_base_demand() -> None:
    """2025 sells V1; 2026 states segment C (V1 and V2): V1 would count under both. The
    problem names base_demand.csv rows 2 and 3 (was demand.csv's rows 8, 14)."""
    base = _rows([(2025, "V1", 600.0), (2026, "C", 300.0)])
    with pytest.raises(InputError) as raised:
        backtest(_two_programs(), CalibrationInputs(base, ELASTICITY, SALES_M1), 2025, 2026)
    (problem,) = raised.value.problems
    assert problem.file == "base_demand.csv"
    assert problem.message.startswith("rows 2, 3: program 'V1' in M1 2026 is pooled under "
                                      "both 'V1' and 'C', so its demand would count twice.")
    same_year = _rows([(2025, "V1", 600.0), (2025, "C", 300.0)])
    with pytest.raises(InputError) as again:
        calibrate(_two_programs(), same_year, ELASTICITY)
    assert [p.file for p in again.value.problems] == ["base_demand.csv"]
    assert "rows 2, 3: program 'V1' in M1 2025 is pooled under both" in (
        again.value.problems[0].message)
