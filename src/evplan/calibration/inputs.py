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

Every file also has a ``source`` column (and may have ``notes``); any other column, a column
named twice and a row repeating an earlier row's key (the first columns above: market,
year, product; market, segment; kpi, key, year) are input errors. Problems are collected
and raised together, each naming file, row, the row's key, column, value and a fix (a blank
cell, or a missing value in a frame given to the Python API, is "blank").

``evplan calibrate`` reads base_demand.csv and elasticities.csv only: actuals.csv is
``evplan backtest``'s input, where every problem of its documented columns (a NaN value, a
repeated row, a key naming nothing) is an input error. So a calibration is not refused for a
file it does not read; the backtest names the row (``read_calibration_inputs(actuals=False)``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evplan.data.columns import ALWAYS_ALLOWED, MAX_ID_CHARACTERS, clipped
from evplan.data.files import read_text_file
from evplan.data.network import NetworkData
from evplan.data.read import read_raw_table
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.schema.columns import UNIT_CEILINGS

__all__ = ["ACTUAL_KPIS", "CalibrationInputs", "cell_problems", "key_problems", "numbered",
           "read_calibration_inputs"]

ACTUAL_KPIS = ("sales", "global_sales", "production", "exports")
#: Largest own-price elasticity accepted (the magnitude; published ones are about 1-10).
MAX_ELASTICITY = 100.0
#: Smallest positive base volume: the calibrated tiers are cut to 0.001 vehicle, and the
#: tenth of a base volume (the 1.0-1.1 tier) must not round to nothing.
MIN_VOLUME_VEHICLES = 0.01

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

#: Per table, the columns that identify a row and the end of the message for a repeat.
_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "base_demand": (("market", "year", "product"), ". Keep one row (one volume and price per "
                    "product, market and year)."),
    "elasticities": (("market", "segment"), ": the calibration would not know which "
                     "own_price_elasticity to use. Keep one row per market and segment."),
    "actuals": (("kpi", "key", "year"), ": only one would be compared. Keep one row."),
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


def _shown(value: Any) -> Any:
    """``value`` as a message shows it: a whole float (a year read as a number) without
    ``.0``."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def key_problems(name: str, frame: pd.DataFrame) -> list[Problem]:
    """A problem for every row of table ``name`` that repeats an earlier row's key.

    Parameters
    ----------
    name : str
        ``"base_demand"``, ``"elasticities"`` or ``"actuals"`` (see ``_KEYS``).
    frame : pandas.DataFrame
        The table, as typed or as given to :func:`evplan.calibration.calibrate`; without a
        ``row`` column its rows are numbered 2, 3, ... as a spreadsheet shows them. Rows
        whose key holds a number that could not be read (NaN) are skipped: their cell is
        reported on its own.

    Returns
    -------
    list of Problem
        Each naming the repeating row, its key and the first row with that key.
    """
    columns, fix = _KEYS[name]
    if frame.empty or not set(columns) <= set(frame.columns):
        return []
    if "row" not in frame:
        frame = frame.assign(row=range(2, len(frame) + 2))
    frame = frame[frame[list(columns)].notna().all(axis=1)]
    problems = []
    for position, first in repeated_rows(frame, columns):
        row = int(frame.loc[position, "row"])
        key = ", ".join(f"{column} {_shown(frame.loc[position, column])}" for column in columns)
        problems.append(Problem(f"{name}.csv", f"row {row} repeats {key} of row {first}{fix}",
                                row))
    return problems


def numbered(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``row`` column: its own, or 2, 3, ... as a spreadsheet numbers the
    rows under the header (a frame built in Python names its rows so in messages).

    >>> numbered(pd.DataFrame({"kpi": ["sales", "sales"]}))["row"].tolist()
    [2, 3]
    """
    return frame if "row" in frame else frame.assign(row=range(2, len(frame) + 2))


def cell_problems(name: str, frame: pd.DataFrame) -> list[Problem]:
    """The problems :func:`read_calibration_inputs` finds in the cells and keys of table
    ``name``, for a frame given to the Python API rather than read from its file.

    :func:`evplan.calibration.calibrate` and :func:`evplan.calibration.backtest` check the
    frames they are given with it, so a NaN, negative or repeated row is the same input
    error naming its row there as in ``evplan calibrate`` (before, the API read a NaN
    volume as 0, a NaN price as a float overflow and a repeated actual as evplan's bug).

    Parameters
    ----------
    name : str
        ``"base_demand"``, ``"elasticities"`` or ``"actuals"``.
    frame : pandas.DataFrame
        The table; without a ``row`` column its rows are numbered 2, 3, ... as a
        spreadsheet shows them.

    Returns
    -------
    list of Problem

    Examples
    --------
    >>> frame = pd.DataFrame({"market": ["*"], "segment": ["C"],
    ...                       "own_price_elasticity": [float("nan")]})
    >>> cell_problems("elasticities", frame)[0].message.split(". ")[0]
    "row 2, market '*', segment 'C': own_price_elasticity is blank"
    """
    if frame.empty:
        return []
    frame = numbered(frame)
    # numbers as text, as a file holds them: a message shows 'nan', not np.float64(nan)
    numeric = [column for column, dtype in _SPECS[name].items()
               if dtype != "str" and column in frame]
    # a missing value (NaN, None, pd.NA) is a blank cell, as pandas reads an empty one
    frame = frame.assign(**{column: frame[column].map(
        lambda value: value if isinstance(value, str) else "" if pd.isna(value)
        else str(_shown(value))) for column in numeric})
    problems: list[Problem] = []
    _typed(name, frame.reset_index(drop=True), problems)
    return problems


def _header(path: Path, label: str) -> list[str] | None:
    """The header row of a CSV file as written (cells stripped): ``pandas`` renames a
    repeated ``x`` to ``x.1``, which would hide the repeat."""
    for record in csv.reader(io.StringIO(read_text_file(path, label))):
        if record:
            return [cell.strip() for cell in record]
    return None


def _column_problems(name: str, frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Report repeated and unknown columns of table ``name``, as the model's tables do
    (:func:`evplan.data.columns.coerce_table`); return ``frame`` with the first of each
    repeated column (its cells are still checked)."""
    label, known = f"{name}.csv", (*_SPECS[name], "source")
    names = frame.columns[1:]  # after "row"
    for column in names[names.duplicated()].unique():
        problems.append(Problem(label, f"column '{column}' appears {int((names == column).sum())}"
                                f" times in the header. Keep one column named {column}: delete "
                                "or rename the others."))
    for column in names.unique():
        if not column:
            problems.append(Problem(label, f"a column of {label} has no name (an empty cell in "
                                    f"the header row). Delete that column, or name it: the "
                                    f"columns are {', '.join(known)}."))
        elif column not in known and column not in ALWAYS_ALLOWED:
            problems.append(Problem(label, f"column '{column}' is not a column of {name}."
                                    + (did_you_mean(column, known)
                                       or f" The columns are {', '.join(known)}.")))
    return frame.loc[:, ~frame.columns.duplicated()]


def _read(name: str, path: Path, problems: list[Problem]) -> pd.DataFrame:
    """Table ``name`` from ``path``, its columns and cells checked into ``problems``."""
    label = f"{name}.csv"
    frame = read_raw_table(path, label)
    header = _header(path, label)
    if header is not None and len(header) == frame.shape[1] - 1:
        frame.columns = pd.Index(["row", *header])
    return _typed(name, _column_problems(name, frame, problems), problems)


Report = Callable[[Any, str, str], None]


def _reporter(name: str, frame: pd.DataFrame, out: pd.DataFrame,
              problems: list[Problem]) -> Report:
    """``report(mask, column, message)``: a problem for each row of ``mask``: ``row N, ``
    the row's key (its other key columns, as written: ``market 'CN', year 2024, product
    'JP-COMPACT': ``) and ``message`` formatted with the row's ``column``, the cell as typed
    in ``frame`` (``text``), as a number in ``out`` (``number``) and ``infinite`` ("finite "
    when it reads as infinity)."""
    label = f"{name}.csv"
    keys = [column for column in _KEYS[name][0] if column in frame]

    def report(mask: Any, column: str, message: str) -> None:
        for position in out.index[np.asarray(mask, dtype=bool)]:
            row, text = int(out.loc[position, "row"]), frame.loc[position, column]
            infinite = np.isinf(pd.to_numeric(pd.Series([text]), errors="coerce")).iloc[0]
            text = clipped(text)
            problems.append(Problem(label, f"row {row}, {_row_key(frame, position, keys, column)}"
                                    + message.format(column=column, text=text,
                                                     number=out.loc[position, column],
                                                     infinite="finite " if infinite else ""),
                                    row))

    return report


def _row_key(frame: pd.DataFrame, position: Any, keys: list[str], column: str) -> str:
    """``market 'CN', year 2024, product 'JP-COMPACT': ``: the row's key cells other than
    ``column`` (the one the message is about), so the row can be found without counting
    lines; '' when there are none."""
    parts = []
    for key in keys:
        if key == column:
            continue
        cell = frame.loc[position, key]
        text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(
            _shown(cell)).strip()
        text = clipped(text)
        parts.append(f"{key} {text}" if key == "year" and text.isdigit() else f"{key} {text!r}")
    return f"{', '.join(parts)}: " if parts else ""


def _typed(name: str, frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Table ``name`` with its numbers read, its cells' and keys' problems in ``problems``."""
    label = f"{name}.csv"
    spec = _SPECS[name]
    missing = [column for column in spec if column not in frame]
    if missing:
        problems.append(Problem(label, f"{label} has no column {', '.join(missing)}. Add it "
                                f"(columns: {', '.join(spec)}, source)."))
        return frame
    out = frame.copy()
    report = _reporter(name, frame, out, problems)
    for column, dtype in spec.items():
        if dtype != "str":
            out[column] = _numbers(out[column], column, dtype, report)
            continue
        cells = out[column].tolist()
        long = np.asarray([isinstance(cell, str) and len(cell) > MAX_ID_CHARACTERS
                           for cell in cells], dtype=bool)
        if long.any():  # reported once; the other checks quote the clipped cell
            report(long, column, f"{{column}} = {{text!r}} is longer than {MAX_ID_CHARACTERS} "
                   "characters, the most an id, code or kpi takes. Write the id.")
            out.loc[long, column] = [clipped(cell) for cell, bad in zip(cells, long,
                                                                          strict=True) if bad]
    if name == "elasticities":
        _elasticity_rules(out, report)
    if name == "base_demand":
        _base_demand_rules(out, report)
    if name == "actuals":
        unknown = out.index[~out["kpi"].isin(ACTUAL_KPIS)]
        for position in unknown:
            kpi = out.loc[position, "kpi"]
            problems.append(Problem(label, f"row {out.loc[position, 'row']}, kpi = {kpi!r} "
                                    f"is not one of {', '.join(ACTUAL_KPIS)}."
                                    + (did_you_mean(str(kpi), ACTUAL_KPIS)
                                       or " Write one of them, or delete the row."),
                                    int(out.loc[position, "row"])))
    problems += key_problems(name, out)
    return out


def _numbers(cells: pd.Series, column: str, dtype: str, report: Report) -> pd.Series:
    """``cells`` as numbers (NaN where unreadable), reporting the unreadable, non-finite,
    out-of-range (``_BOUNDS``) and, for ``int``, fractional ones."""
    values = pd.to_numeric(cells, errors="coerce")
    numbers = values.to_numpy(dtype=float)
    finite = np.isfinite(numbers)
    blank = np.asarray([cell is None or (isinstance(cell, str) and not cell.strip())
                        or (isinstance(cell, float) and np.isnan(cell))
                        for cell in cells.tolist()], dtype=bool)
    report(blank, column, "{column} is blank. Write a plain number such as 1250 or 0.5, or "
           "delete the row.")
    report(~finite & ~blank, column, "{column} = {text!r} is not a {infinite}number. Write "
           "a plain number such as 1250 or 0.5.")
    lowest, highest = _BOUNDS[column]
    report(finite & ((numbers < lowest) | (numbers > highest)), column,
           f"{{column}} = {{text}} is outside [{lowest:g}, {highest:g}]. Write a "
           f"{'whole ' if dtype == 'int' else ''}number in that range (check its unit).")
    if dtype == "int":
        report(finite & (numbers != np.round(numbers)), column, "{column} = {text} is not "
               "a whole number. Write the year without decimals.")
    return values


def _elasticity_rules(out: pd.DataFrame, report: Report) -> None:
    """An elasticity must be above 1 and at most ``MAX_ELASTICITY`` (finite ones: the
    others are reported by :func:`_numbers`)."""
    elasticity = out["own_price_elasticity"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        report(np.isfinite(elasticity) & (elasticity > MAX_ELASTICITY),
               "own_price_elasticity", f"{{column}} = {{number}} is above "
               f"{MAX_ELASTICITY:g}: the tiers' prices would be equal to the last cent and "
               "demand flat. Published car-demand elasticities are about 1 to 10.")
        report(np.isfinite(elasticity) & (elasticity <= 1), "own_price_elasticity",
               "{column} = {number} must be above 1 (a seller facing inelastic demand "
               "would sell nothing at the margin). Write the magnitude, e.g. 4.5.")


def _base_demand_rules(out: pd.DataFrame, report: Report) -> None:
    """A volume must be at least 0 and a price above 0 (finite ones: the others are
    reported by :func:`_numbers`)."""
    volume = out["volume_vehicles"].to_numpy(dtype=float)
    price = out["price_usd_per_vehicle"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        report(np.isfinite(volume) & (volume < 0), "volume_vehicles",
               "{column} = {text} is below 0. Write the volume in vehicles (0 or more), or "
               "delete the row.")
        report(np.isfinite(volume) & (volume > 0) & (volume < MIN_VOLUME_VEHICLES),
               "volume_vehicles", f"{{column}} = {{text}} is above 0 but below "
               f"{MIN_VOLUME_VEHICLES:g} vehicles: its calibrated tiers (cut to 0.001 "
               "vehicle) would be empty. Write 0 (nothing sold) or the volume in vehicles.")
        report(np.isfinite(price) & (price <= 0), "price_usd_per_vehicle",
               "{column} = {text} must be above 0. Write the net price per vehicle in USD, "
               "or delete the row.")


def read_calibration_inputs(folder: str | Path, actuals: bool = True,
                            data: NetworkData | None = None) -> CalibrationInputs:
    """Read ``base_demand.csv``, ``elasticities.csv`` and (optional) ``actuals.csv``.

    ``actuals=False`` leaves ``actuals.csv`` unread (``evplan calibrate`` does not use it,
    so its problems are not the calibration's). With ``data`` (the scenario), the actuals'
    keys, the base demand's markets, products and years and the elasticities' markets and
    segments are checked against it in the same report as the cells
    (:func:`evplan.calibration.backtest.actual_key_problems`,
    :func:`evplan.calibration.calibrate.base_demand_problems`,
    :func:`evplan.calibration.calibrate.elasticity_problems`).

    Raises
    ------
    InputError
        With every problem found, or when a required file is missing.
    """
    folder = Path(folder)
    if folder.is_file():  # a workbook: its sheets are the model's tables only
        raise InputError([Problem(folder.name, f"{folder} is a file, but base_demand.csv, "
                                  "elasticities.csv and actuals.csv are read from a folder. "
                                  f"Write the inputs as one (evplan template DIR/ --from "
                                  f"{folder}), add the three files and pass that folder.")])
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
        frames[name] = _read(name, path, problems)
    if data is not None and {"kpi", "key", "row"} <= set(frames["actuals"].columns):
        from evplan.calibration.backtest import actual_key_problems

        problems += actual_key_problems(data, frames["actuals"])
    if data is not None:  # ids and years against the scenario, in the same report
        from evplan.calibration.calibrate import base_demand_problems, elasticity_problems

        if {"market", "product", "year", "row"} <= set(frames["base_demand"].columns):
            problems += base_demand_problems(data, frames["base_demand"], repeats=False)
        if {"market", "segment", "row"} <= set(frames["elasticities"].columns):
            problems += elasticity_problems(data, frames["elasticities"])
    if problems:
        raise InputError(problems)
    for name in ("base_demand", "actuals"):
        if len(frames[name]):
            frames[name]["year"] = frames[name]["year"].astype(int)
    return CalibrationInputs(frames["base_demand"], frames["elasticities"], frames["actuals"])
