"""Calibration and validation of the network model against published figures.

* :func:`calibrate` fits demand tiers so that an observed base year is the model's optimum
  (an identity, labelled *calibration* everywhere);
* :func:`backtest` calibrates on one year and predicts the next from what changed in it
  (duties, exchange rates, capacity, new programs), then compares with the actuals: the
  out-of-sample check the default scenario's story rests on.

See docs/validation.md.
"""

from __future__ import annotations

from evplan.calibration.backtest import Backtest, backtest, backtest_base_demand
from evplan.calibration.calibrate import (
    Calibration,
    CalibrationOptions,
    calibrate,
    restrict_years,
    solve_identity,
    with_demand,
)
from evplan.calibration.inputs import CalibrationInputs, read_calibration_inputs

__all__ = [
    "Backtest",
    "Calibration",
    "CalibrationInputs",
    "CalibrationOptions",
    "backtest",
    "backtest_base_demand",
    "calibrate",
    "read_calibration_inputs",
    "restrict_years",
    "solve_identity",
    "with_demand",
]
