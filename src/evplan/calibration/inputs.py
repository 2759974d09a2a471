"""The calibration inputs beside a scenario: base volumes, elasticities and actuals.

They are not model tables (the optimiser never reads them); ``evplan calibrate`` turns
``base_demand.csv`` and ``elasticities.csv`` into the model's ``demand.csv``, and
``evplan backtest`` compares a prediction with ``actuals.csv``.

================  ==================================================  ======================
file              one row is                                          columns
================  ==================================================  ======================
base_demand.csv   the observed (base year) or projected volume and    market, year, product,
                  net price of a product in a market and year         volume_vehicles,
                                                                      price_usd_per_vehicle
elasticities.csv  the own-price elasticity of demand of a segment     market ('*'), segment,
                  in a market                                         own_price_elasticity
actuals.csv       a published figure to check a prediction against    kpi, key, year, value
================  ==================================================  ======================

Every file also has a ``source`` column. Problems are collected and raised together, each
naming file, row, column, value and a fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evplan.data.network import NetworkData
from evplan.data.read import read_raw_table
from evplan.errors import InputError, Problem
from evplan.schema.columns import UNIT_CEILINGS

__all__ = ["ACTUAL_KPIS", "CalibrationInputs", "read_calibration_inputs"]

ACTUAL_KPIS = ("sales", "global_sales", "production", "exports")
#: Largest own-price elasticity accepted (the magnitude; published ones are about 1-10).
MAX_ELASTICITY = 100.0

#: Accepted range of each numeric column (inclusive; NaN and infinity never): years as in
#: the model's tables, volumes and published figures as vehicle counts (at most the
#: ceiling of docs/inputs.md), prices up to its USD/vehicle ceiling (``price > 0`` and
#: the elasticity's range are checked on their own below).
_BOUNDS: dict[str, tuple[float, float]] = {
    "year": (1900, 2200),
    "volume_vehicles": (-np.inf, UNIT_CEILINGS["vehicles"]),
    "price_usd_per_vehicle": (-np.inf, UNIT_CEILINGS["USD/vehicle"]),
    "own_price_elasticity": (-np.inf, np.inf),
    "value": (0, UNIT_CEILINGS["vehicles"]),
}

_SPECS: dict[str, dict[str, str]] = {
    "base_demand": {"market": "str", "year": "int", "product": "str",
                    "volume_vehicles": "float", "price_usd_per_vehicle": "float"},
    "elasticities": {"market": "str", "segment": "str", "own_price_elasticity": "float"},
    "actuals": {"kpi": "str", "key": "str", "year": "int", "value": "float"},
}


@dataclass(frozen=True)
class CalibrationInputs:
    """Typed calibration inputs (each frame keeps a ``row`` column for messages)."""

    base_demand: pd.DataFrame
    elasticities: pd.DataFrame
    actuals: pd.DataFrame


def repeated_rows(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[tuple[Any, Any]]:
    """``(index, first)`` for every row of ``frame`` whose ``columns`` repeat an earlier row's:
    its index and the spreadsheet ``row`` of the first row with the same values."""
    keyed = frame[list(columns)].astype(str)
    first = frame["row"].groupby([keyed[column] for column in columns],
                                 sort=False).transform("first")
    return [(index, first[index]) for index in frame.index[keyed.duplicated(keep="first")]]


def _typed(name: str, frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    label = f"{name}.csv"
    spec = _SPECS[name]
    missing = [column for column in spec if column not in frame]
    if missing:
        problems.append(Problem(label, f"{label} has no column {', '.join(missing)}. Add it "
                                f"(columns: {', '.join(spec)}, source)."))
        return frame
    out = frame.copy()

    def report(mask: Any, column: str, message: str) -> None:
        """A problem for each row of ``mask``: ``row N, `` and ``message`` formatted with the
        row's ``column``, the cell as typed (``text``), as a number (``number``) and
        ``infinite`` ("finite " when it reads as infinity)."""
        for position in out.index[np.asarray(mask, dtype=bool)]:
            row, text = int(out.loc[position, "row"]), frame.loc[position, column]
            infinite = np.isinf(pd.to_numeric(pd.Series([text]), errors="coerce")).iloc[0]
            problems.append(Problem(label, f"row {row}, " + message.format(
                column=column, text=text, number=out.loc[position, column],
                infinite="finite " if infinite else ""), row))

    for column, dtype in spec.items():
        if dtype == "str":
            continue
        values = pd.to_numeric(out[column], errors="coerce")
        numbers = values.to_numpy(dtype=float)
        finite = np.isfinite(numbers)
        report(~finite, column, "{column} = {text!r} is not a {infinite}number. Write a "
               "plain number such as 1250 or 0.5.")
        lowest, highest = _BOUNDS[column]
        report(finite & ((numbers < lowest) | (numbers > highest)), column,
               f"{{column}} = {{text}} is outside [{lowest:g}, {highest:g}]. Write a "
               f"{'whole ' if dtype == 'int' else ''}number in that range (check its unit).")
        if dtype == "int":
            report(finite & (numbers != np.round(numbers)), column, "{column} = {text} is not "
                   "a whole number. Write the year without decimals.")
        out[column] = values
    if name == "elasticities":  # finite ones: the others are reported above
        elasticity = out["own_price_elasticity"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            report(np.isfinite(elasticity) & (elasticity > MAX_ELASTICITY),
                   "own_price_elasticity", f"{{column}} = {{number}} is above "
                   f"{MAX_ELASTICITY:g}: the tiers' prices would be equal to the last cent and "
                   "demand flat. Published car-demand elasticities are about 1 to 10.")
            report(np.isfinite(elasticity) & (elasticity <= 1), "own_price_elasticity",
                   "{column} = {number} must be above 1 (a seller facing inelastic demand "
                   "would sell nothing at the margin). Write the magnitude, e.g. 4.5.")
    if name == "base_demand":  # finite ones: the others are reported above
        volume = out["volume_vehicles"].to_numpy(dtype=float)
        price = out["price_usd_per_vehicle"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            for position in out.index[np.isfinite(volume) & np.isfinite(price)
                                      & ((volume < 0) | (price <= 0))]:
                problems.append(Problem(label, f"row {out.loc[position, 'row']}: volume must "
                                        "be >= 0 and price > 0. Fix the row or delete it.",
                                        int(out.loc[position, "row"])))
    if name == "actuals":
        unknown = out.index[~out["kpi"].isin(ACTUAL_KPIS)]
        for position in unknown:
            problems.append(Problem(label, f"row {out.loc[position, 'row']}, kpi = "
                                    f"{out.loc[position, 'kpi']!r} is not one of "
                                    f"{', '.join(ACTUAL_KPIS)}.", int(out.loc[position, "row"])))
        for position, first in repeated_rows(out, ("kpi", "key", "year")):
            problems.append(Problem(label, f"row {out.loc[position, 'row']} repeats kpi "
                                    f"{out.loc[position, 'kpi']}, key {out.loc[position, 'key']}"
                                    f", year {out.loc[position, 'year']} of row {first}: only "
                                    "one would be compared. Keep one row.",
                                    int(out.loc[position, "row"])))
    return out


def read_calibration_inputs(folder: str | Path, actuals: bool = True,
                            data: NetworkData | None = None) -> CalibrationInputs:
    """Read ``base_demand.csv``, ``elasticities.csv`` and (optional) ``actuals.csv``.

    ``actuals=False`` leaves ``actuals.csv`` unread (``evplan calibrate`` does not use it,
    so its problems are not the calibration's). With ``data`` (the scenario), the actuals'
    keys are checked against it in the same report as the cells
    (:func:`evplan.calibration.backtest.actual_key_problems`).

    Raises
    ------
    InputError
        With every problem found, or when a required file is missing.
    """
    folder = Path(folder)
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    for name in _SPECS:
        path = folder / f"{name}.csv"
        if not path.exists() or (name == "actuals" and not actuals):
            if name != "actuals":
                problems.append(Problem(f"{name}.csv", f"{path} is missing. Add it with the "
                                        f"columns {', '.join(_SPECS[name])}, source (see "
                                        "docs/validation.md)."))
            frames[name] = pd.DataFrame({column: pd.Series(dtype=object)
                                         for column in ("row", *_SPECS[name], "source")})
            continue
        frames[name] = _typed(name, read_raw_table(path, f"{name}.csv"), problems)
    if data is not None and {"kpi", "key", "row"} <= set(frames["actuals"].columns):
        from evplan.calibration.backtest import actual_key_problems

        problems += actual_key_problems(data, frames["actuals"])
    if problems:
        raise InputError(problems)
    for name in ("base_demand", "actuals"):
        if len(frames[name]):
            frames[name]["year"] = frames[name]["year"].astype(int)
    return CalibrationInputs(frames["base_demand"], frames["elasticities"], frames["actuals"])
