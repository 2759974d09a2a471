"""Calibration: the observed base year is the optimum (identities, checked by solving)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.calibration import calibrate, read_calibration_inputs
from evplan.calibration.inputs import read_calibration_inputs as read_inputs
from evplan.errors import InputError
from evplan.examples import china_export, china_export_path, single_lane

ELASTICITY = pd.DataFrame({"market": ["*"], "segment": ["C"], "own_price_elasticity": [5.0]})


def base_of(volume: float = 600.0, price: float = 20_000.0, years: tuple[int, ...] = (2025,)
            ) -> pd.DataFrame:
    return pd.DataFrame({"market": "M1", "year": list(years), "product": "V1",
                         "volume_vehicles": volume, "price_usd_per_vehicle": price,
                         "row": range(2, 2 + len(years))})


def test_identity_one_lane_by_hand() -> None:
    # Marginal landed cost c0 = 10,000 + 1,000 freight; R'(600) = (1 - 1/5) x 20,000 = 16,000;
    # wedge = c0 - R'(Q0) = -5,000. Tier 1 [0, 300] sells at P(300) - 5,000.
    calibration = calibrate(single_lane(capacity=1_000), base_of(), ELASTICITY)
    pool = calibration.pools.iloc[0]
    assert pool["marginal_cost_usd_per_vehicle"] == pytest.approx(11_000)
    assert pool["marginal_revenue_usd_per_vehicle"] == pytest.approx(16_000)
    assert pool["wedge_usd_per_vehicle"] == pytest.approx(-5_000)
    tiers = calibration.demand.set_index("tier")
    assert tiers.loc[1, "price_usd_per_vehicle"] == pytest.approx(20_000 * 0.5 ** -0.2 - 5_000,
                                                                  abs=0.01)
    assert tiers.loc[1:3, "volume_vehicles"].sum() == pytest.approx(600)
    # The identity: solving the calibrated model sells exactly the observed 600.
    assert calibration.fit["residual_vehicles"].abs().max() == pytest.approx(0, abs=1e-6)
    sold = evplan.optimize(calibration.data)["sales"]["sales_vehicles"].sum()
    assert sold == pytest.approx(600, abs=1e-6)
    assert calibration.label == "calibration"
    assert calibration.data.scenario.calibrated_year == 2025


def test_identity_holds_whatever_the_observed_price() -> None:
    # A price far above cost (large positive margin) or near it: the wedge absorbs the gap.
    for price in (13_000.0, 20_000.0, 60_000.0):
        calibration = calibrate(single_lane(), base_of(price=price), ELASTICITY)
        assert calibration.fit["residual_vehicles"].abs().max() == pytest.approx(0, abs=1e-6)


def test_later_years_keep_the_base_year_wedge_and_follow_their_own_base_volume() -> None:
    base = pd.concat([base_of(years=(2025,)), base_of(volume=900.0, years=(2026,))])
    calibration = calibrate(single_lane(first_year=2025, last_year=2026), base, ELASTICITY)
    result = evplan.optimize(calibration.data)
    sold = result["sales"].groupby("year")["sales_vehicles"].sum()
    # Same costs and price in 2026, only the base volume moved: 900 is the optimum too.
    assert sold[2025] == pytest.approx(600, abs=1e-6)
    assert sold[2026] == pytest.approx(900, abs=1e-6)


def test_identity_china_export_2023_every_market() -> None:
    inputs = read_calibration_inputs(china_export_path())
    calibration = calibrate(china_export(), inputs.base_demand, inputs.elasticities)
    fit = calibration.fit.set_index("market")
    assert fit["residual_vehicles"].abs().max() == pytest.approx(0, abs=1e-6)
    assert fit["observed_vehicles"].sum() == 3_374_271
    assert calibration.pools["served"].all()
    # The shipped demand.csv is this calibration (regenerate with `evplan calibrate`).
    shipped = china_export()["demand"]
    assert len(shipped) == len(calibration.demand)
    assert shipped["price_usd_per_vehicle"].to_numpy() == pytest.approx(
        calibration.demand["price_usd_per_vehicle"].to_numpy(), abs=0.011)


def test_missing_or_inelastic_elasticities_are_named(tmp_path) -> None:
    (tmp_path / "base_demand.csv").write_text(
        "market,year,product,volume_vehicles,price_usd_per_vehicle,source\n"
        "M1,2025,V1,600,20000,x\n", encoding="utf-8")
    (tmp_path / "elasticities.csv").write_text(
        "market,segment,own_price_elasticity,source\n*,C,0.8,x\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_inputs(tmp_path)
    assert ("row 2, market '*', segment 'C': "
            "own_price_elasticity = 0.8 must be above 1 (a seller facing inelastic "
            "demand would sell nothing at the margin). Write the magnitude, e.g. 4.5."
            ) in str(error.value)
    wrong = pd.DataFrame({"market": ["*"], "segment": ["D"], "own_price_elasticity": [4.0]})
    with pytest.raises(InputError, match="no own_price_elasticity for segment 'C'"):
        calibrate(single_lane(), base_of(), wrong)


def test_base_year_must_be_the_first_planning_year() -> None:
    with pytest.raises(InputError, match="the base year 2026 is not the first_year 2025"):
        calibrate(single_lane(first_year=2025, last_year=2026), base_of(years=(2026,)),
                  ELASTICITY, base_year=2026)


def test_base_demand_rows_are_checked_in_the_file_the_user_wrote(tmp_path) -> None:
    """Audit 2: an unknown market and a repeated row in base_demand.csv came back as
    problems of the generated demand.csv (row 6020, "tier list is not concave"), and an
    elasticity of 1e308 as 40 "not concave" messages."""
    (tmp_path / "base_demand.csv").write_text(
        "market,year,product,volume_vehicles,price_usd_per_vehicle,source\n"
        "M1,2025,V1,600,20000,x\nM2,2025,V1,600,20000,x\nM1,2025,V9,600,20000,x\n"
        "M1,2025,V1,700,20000,x\n", encoding="utf-8")
    (tmp_path / "elasticities.csv").write_text(
        "market,segment,own_price_elasticity,source\n*,C,4.5,x\nM1,C,1e308,x\n",
        encoding="utf-8")
    repeat = ("row 5 repeats market M1, year 2025, product V1 of row 2. Keep one row (one "
              "volume and price per product, market and year).")
    with pytest.raises(InputError) as error:
        read_inputs(tmp_path)
    assert [p.message for p in error.value.problems] == [  # the repeat with the cells (audit B)
        repeat,
        "row 3, market 'M1', segment 'C': "
        "own_price_elasticity = 1e+308 is above 100: the tiers' prices would be equal "
        "to the last cent and demand flat. Published car-demand elasticities are about 1 to "
        "10."]
    (tmp_path / "elasticities.csv").write_text(
        "market,segment,own_price_elasticity,source\n*,C,4.5,x\n", encoding="utf-8")
    base = tmp_path / "base_demand.csv"
    base.write_text(base.read_text(encoding="utf-8").replace("M1,2025,V1,700,20000,x\n", ""),
                    encoding="utf-8")
    inputs = read_inputs(tmp_path)
    repeated = pd.concat([inputs.base_demand, inputs.base_demand.iloc[[0]].assign(
        row=5, volume_vehicles=700.0)], ignore_index=True)  # the API checks it too
    with pytest.raises(InputError) as error:
        calibrate(single_lane(), repeated, inputs.elasticities)
    messages = [p.message for p in error.value.problems]
    assert messages[0].startswith("row 3, market = 'M2' is not a market of markets.csv.")
    assert messages[1].startswith("row 4, product = 'V9' is not a program, segment or "
                                  "powertrain of programs.csv.")
    assert messages[2] == repeat
    assert all(p.file == "base_demand.csv" for p in error.value.problems)


def test_calibration_numbers_are_finite_whole_where_counted_and_in_range(tmp_path) -> None:
    """Audit 3: inf in base_demand.csv was calibrated (exit 0) into a demand.csv without
    that product's tiers; year 2023.9 was read as 2023 and year inf was a traceback; an
    actual of -1 or 1e300 was "the published figure"."""
    (tmp_path / "base_demand.csv").write_text(
        "market,year,product,volume_vehicles,price_usd_per_vehicle,source\n"
        "M1,2025,V1,600,inf,x\nM1,2026,V1,inf,20000,x\nM1,2025.9,V1,600,20000,x\n"
        "M1,inf,V1,600,20000,x\nM1,2027,V1,1e300,20000,x\nM1,2028,V1,600,-inf,x\n",
        encoding="utf-8")
    (tmp_path / "elasticities.csv").write_text(
        "market,segment,own_price_elasticity,source\n*,C,4.5,x\n", encoding="utf-8")
    (tmp_path / "actuals.csv").write_text(
        "kpi,key,year,value,source\nsales,M1,2025,-1,x\nsales,M1,2026,1e300,x\n"
        "sales,M1,2024.5,10,x\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_inputs(tmp_path)
    found = {(p.file, p.row, p.message.split(" is ")[0]) for p in error.value.problems}
    assert found == {
        ("base_demand.csv", 2, "row 2, market 'M1', year 2025, product 'V1': "
                               "price_usd_per_vehicle = 'inf'"),
        ("base_demand.csv", 3, "row 3, market 'M1', year 2026, product 'V1': "
                               "volume_vehicles = 'inf'"),
        ("base_demand.csv", 4, "row 4, market 'M1', product 'V1': year = 2025.9"),
        ("base_demand.csv", 5, "row 5, market 'M1', product 'V1': year = 'inf'"),
        ("base_demand.csv", 6, "row 6, market 'M1', year 2027, product 'V1': "
                               "volume_vehicles = 1e300"),
        ("base_demand.csv", 7, "row 7, market 'M1', year 2028, product 'V1': "
                               "price_usd_per_vehicle = '-inf'"),
        ("actuals.csv", 2, "row 2, kpi 'sales', key 'M1', year 2025: value = -1"),
        ("actuals.csv", 3, "row 3, kpi 'sales', key 'M1', year 2026: value = 1e300"),
        ("actuals.csv", 4, "row 4, kpi 'sales', key 'M1': year = 2024.5"),
    }
    assert all("finite" in p.message or "outside" in p.message or "whole" in p.message
               for p in error.value.problems)


def test_a_curve_without_finite_tier_prices_is_an_input_error_not_dropped_tiers() -> None:
    """The tiers' guard: a non-finite tier price (here a wedge that overflowed) is reported
    with its base_demand.csv row instead of being left out as 'priced at or below zero'."""
    from evplan.calibration.calibrate import CalibrationOptions, _tiers

    base = base_of().assign(segment="C")
    with pytest.raises(InputError, match=r"rows 2: their demand curve has no finite tier"):
        _tiers(base, np.array([5.0]), np.array([np.inf]), CalibrationOptions())
