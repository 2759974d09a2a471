"""Audit s22 (helper-73): bad inputs given to the Python API are the input errors the files get.

Before, `evplan.calibration.calibrate` and `backtest` skipped the cell checks of
`read_calibration_inputs`: a NaN or negative base volume was read as "no rows for the base
year", a NaN price or an elasticity of 0.5 as "a float overflow", a negative price came back
as five problems of a demand.csv the user never wrote, a NaN or negative actual was
compared (NaN errors, an error of +605 on -5 sold) and a repeated actual was called
evplan's bug (VerificationError, exit 4). A base year whose rows are all 0 said "no rows"
and a base volume of 0.004 vehicles was evplan's bug too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evplan.calibration import CalibrationInputs, backtest, calibrate
from evplan.data.write import write_inputs
from evplan.errors import InputError
from evplan.examples import single_lane

ELASTICITY = pd.DataFrame({"market": ["*"], "segment": ["C"], "own_price_elasticity": [5.0]})


def base(volume: float = 600.0, price: float = 20_000.0) -> pd.DataFrame:
    return pd.DataFrame({"market": ["M1"], "year": [2025], "product": ["V1"],
                         "volume_vehicles": [volume], "price_usd_per_vehicle": [price],
                         "row": [2]})


def messages(call: object) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as caught:
        call()  # type: ignore[operator]
    return [(problem.file, problem.message) for problem in caught.value.problems]


# A NaN in a frame is a blank cell (as pandas reads an empty one); each message names the
# row's other key cells (audit s27, helper-109).
BLANK = "is blank. Write a plain number such as 1250 or 0.5, or delete the row."
KEY = "market 'M1', year 2025, product 'V1': "


@pytest.mark.parametrize(("frame", "elasticity", "expected"), [
    (base(volume=np.nan), ELASTICITY,
     ("base_demand.csv", f"row 2, {KEY}volume_vehicles {BLANK}")),
    (base(volume=-5.0), ELASTICITY,
     ("base_demand.csv", "row 2, market 'M1', year 2025, product 'V1': "
                         "volume_vehicles = -5 is below 0. Write the volume in vehicles "
                         "(0 or more), or delete the row.")),
    (base(price=np.nan), ELASTICITY,
     ("base_demand.csv", f"row 2, {KEY}price_usd_per_vehicle {BLANK}")),
    (base(price=-1.0), ELASTICITY,
     ("base_demand.csv", "row 2, market 'M1', year 2025, product 'V1': "
                         "price_usd_per_vehicle = -1 must be above 0. Write the net "
                         "price per vehicle in USD, or delete the row.")),
    (base(), ELASTICITY.assign(own_price_elasticity=0.5),
     ("elasticities.csv", "row 2, market '*', segment 'C': "
                          "own_price_elasticity = 0.5 must be above 1 (a seller facing "
                          "inelastic demand would sell nothing at the margin). Write the "
                          "magnitude, e.g. 4.5.")),
    (base(volume=0.004), ELASTICITY,
     ("base_demand.csv", "row 2, market 'M1', year 2025, product 'V1': "
                         "volume_vehicles = 0.004 is above 0 but below 0.01 vehicles: "
                         "its calibrated tiers (cut to 0.001 vehicle) would be empty. Write 0 "
                         "(nothing sold) or the volume in vehicles.")),
    (base().assign(year=2025.5), ELASTICITY,  # once: not also "outside the horizon"
     ("base_demand.csv", "row 2, market 'M1', product 'V1': "
                         "year = 2025.5 is not a whole number. Write the year without "
                         "decimals.")),
    (base(volume=0.0), ELASTICITY,
     ("base_demand.csv", "every row of the base year 2025 has volume_vehicles = 0 (rows 2): "
                         "there is no observed sale to calibrate on. Write the volumes sold "
                         "that year.")),
])
def test_calibrate_api_names_the_row_of_a_bad_cell(frame: pd.DataFrame,
                                                   elasticity: pd.DataFrame,
                                                   expected: tuple[str, str]) -> None:
    assert messages(lambda: calibrate(single_lane(), frame, elasticity)) == [expected]


ACTUALS = pd.DataFrame({"kpi": ["sales"], "key": ["M1"], "year": [2026], "value": [640.0],
                        "source": ["x"], "row": [2]})


@pytest.mark.parametrize(("actuals", "expected"), [
    (ACTUALS.assign(value=np.nan), f"row 2, kpi 'sales', key 'M1', year 2026: value {BLANK}"),
    (ACTUALS.assign(value=-5.0), "row 2, kpi 'sales', key 'M1', year 2026: "
                                 "value = -5 is outside [0, 1e+09]. Write a number in "
                                 "that range (check its unit)."),
    (pd.concat([ACTUALS, ACTUALS.assign(value=700.0, row=3)]),
     "row 3 repeats kpi sales, key M1, year 2026 of row 2: only one would be compared. Keep "
     "one row."),
])
def test_backtest_api_names_the_row_of_a_bad_actual(actuals: pd.DataFrame, expected: str
                                                    ) -> None:
    data = single_lane(capacity=1e6, first_year=2025, last_year=2026)
    inputs = CalibrationInputs(base(), ELASTICITY, actuals)
    assert messages(lambda: backtest(data, inputs, 2025, 2026)) == [("actuals.csv", expected)]


def test_cli_zero_base_year_and_tiny_volume_exit_1_and_write_nothing(tmp_path: Path) -> None:
    folder = write_inputs(single_lane(), tmp_path / "inputs")
    (folder / "elasticities.csv").write_text("market,segment,own_price_elasticity,source\n"
                                             "*,C,5,x\n", encoding="utf-8")
    for volume, says in (("0", "every row of the base year 2025 has volume_vehicles = 0"),
                         ("0.004", "volume_vehicles = 0.004 is above 0 but below 0.01")):
        (folder / "base_demand.csv").write_text(
            "market,year,product,volume_vehicles,price_usd_per_vehicle,source\n"
            f"M1,2025,V1,{volume},20000,x\n", encoding="utf-8")
        out = tmp_path / f"out-{volume}"
        done = subprocess.run([sys.executable, "-m", "evplan.cli", "calibrate", str(folder),
                               "-o", str(out)], capture_output=True, text=True, timeout=600,
                              cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert "base_demand.csv" in done.stderr and says in " ".join(done.stderr.split())
        assert "Traceback" not in done.stderr and not out.exists()


def test_api_frames_without_a_row_column_are_numbered_as_a_spreadsheet() -> None:
    """The docstring's frames without ``row`` (as a notebook builds them) were a KeyError
    'row' traceback even when every cell was right."""
    frame = base().drop(columns="row")
    calibration = calibrate(single_lane(), frame, ELASTICITY)
    assert calibration.pools["wedge_usd_per_vehicle"].tolist() == pytest.approx([-5_000.0])
    assert messages(lambda: calibrate(single_lane(), frame.assign(market="M9"), ELASTICITY)) == [
        ("base_demand.csv", "row 2, market = 'M9' is not a market of markets.csv. Fix the id "
                            "or delete the row.")]
    data = single_lane(capacity=1e6, first_year=2025, last_year=2026)
    actuals = ACTUALS.drop(columns="row")
    table = backtest(data, CalibrationInputs(frame, ELASTICITY, actuals), 2025, 2026).table
    assert table.set_index("row").loc["sales M1", "error"] == pytest.approx(600.0 - 640.0)
    assert messages(lambda: backtest(data, CalibrationInputs(
        frame, ELASTICITY, actuals.assign(key="M9")), 2025, 2026)) == [
        ("actuals.csv", "row 2, sales key = 'M9' is not a market of markets.csv. Use one of "
                        "M1.")]
