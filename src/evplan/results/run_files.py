"""Read the files of a run folder that later commands take as input, refusing damaged ones.

``evplan fleet``, ``evplan charging`` and ``evplan report`` read what ``evplan run`` wrote:
``run.json``, the result tables and, for pack sizes, the inputs' ``programs.csv``. Those files
can be edited or damaged after the run; a command must then stop with an input error naming
the file (and, for a cell, its row, column and value) and how to get a good folder back,
never plan from NaN or crash with a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evplan.errors import InputError, Problem
from evplan.outputs.files import unmarked

__all__ = ["PACK_SIZES_KEY", "check_volumes", "pack_sizes", "read_manifest", "read_programs",
           "read_table_file"]

_RERUN = "Write the folder again with `evplan run -o FOLDER --force`."

#: Volumes this far below 0 are a solver's rounding (the certificate's tolerance is 1e-3).
VOLUME_TOLERANCE = 1e-6


def read_manifest(folder: Path, scenario: bool = True) -> dict[str, Any]:
    """``folder/run.json`` as a mapping; with ``scenario``, its ``scenario`` must give whole
    ``first_year`` and ``last_year``.

    Raises
    ------
    InputError
        When the file is not JSON, not a mapping, or lacks a readable scenario.
    """
    path = folder / "run.json"
    label = str(path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError([Problem(label, f"{path} cannot be read as JSON ({error}): it was "
                                  f"changed or damaged after evplan wrote it. {_RERUN}")]
                         ) from None
    if not isinstance(manifest, dict):
        raise InputError([Problem(label, f"{path} holds a {type(manifest).__name__}, not the "
                                  f"run's description evplan writes. {_RERUN}")])
    if scenario:
        settings = manifest.get("scenario")
        years = [settings.get(key) for key in ("first_year", "last_year")] if isinstance(
            settings, dict) else [None, None]
        if not all(isinstance(year, int) and not isinstance(year, bool) for year in years):
            raise InputError([Problem(label, f"{path} has no scenario with whole first_year "
                                      f"and last_year (it has {settings!r:.80}). {_RERUN}")])
    return manifest


def read_table_file(path: Path) -> pd.DataFrame:
    """A result table of a run folder (``.parquet`` or ``.csv``).

    Raises
    ------
    InputError
        When the file cannot be read as its kind.
    """
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return _read_result_csv(path)
    except (OSError, ValueError, ImportError) as error:  # pyarrow's errors are ValueErrors
        raise InputError([Problem(str(path), f"{path} cannot be read ({type(error).__name__}: "
                                  f"{str(error)[:200]}): it was changed or damaged after "
                                  f"evplan wrote it. {_RERUN}")]) from None


#: Columns of the result tables that hold names from the inputs: read from CSV as typed
#: (``07`` stays ``07``, ``NA`` for North America stays ``NA``), never as numbers or blanks.
ID_COLUMNS = frozenset({"plant", "origin", "program", "powertrain", "market", "country",
                        "product", "maker", "segment", "site", "kind", "name", "key", "kpi",
                        "unit", "source", "averaging_group", "quota_group"})


def _read_result_csv(path: Path) -> pd.DataFrame:
    """A result CSV as the Parquet beside it would read: ids as text, and the ``'`` that
    made a formula-like text safe for spreadsheets (``'=1+1``) dropped again."""
    frame = pd.read_csv(path)
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in frame.columns:
        if column in ID_COLUMNS:
            frame[column] = text[column]
    return unmarked(frame)  # headers and text cells, as write_csv marked them


def check_volumes(frame: pd.DataFrame, columns: dict[str, tuple[str, ...]], label: str) -> None:
    """Every needed column present, years whole, volumes finite and >= 0.

    ``columns`` maps ``"text"``, ``"year"`` and ``"volume"`` to the columns of each kind.

    Raises
    ------
    InputError
        With every problem at once (at most five rows per column).
    """
    needed = [name for names in columns.values() for name in names]
    missing = [name for name in needed if name not in frame.columns]
    if missing:
        raise InputError([Problem(label, f"{label} has no column {', '.join(missing)}. "
                                  f"{_RERUN}")])
    problems = []
    for column in columns.get("year", ()):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values != np.round(values))
        problems += _rows(frame, column, bad, label, "is not a whole year")
    for column in columns.get("volume", ()):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        # a solver's rounding leaves volumes like -1e-11 in a plan evplan certified
        bad = ~np.isfinite(values) | (values < -VOLUME_TOLERANCE)
        problems += _rows(frame, column, bad, label, "is not a finite number >= 0")
    if problems:
        raise InputError([*problems, Problem(label, f"evplan writes {label} with finite "
                                             "values only: it was changed after the run. "
                                             f"{_RERUN}")])


def _rows(frame: pd.DataFrame, column: str, bad: np.ndarray, label: str, what: str
          ) -> list[Problem]:
    positions = np.flatnonzero(bad)
    cells = frame[column]
    found = [Problem(label, f"row {position + 1}: {column} = {_shown(cells.iloc[position])} "
                     f"{what}.") for position in positions[:5]]
    if len(positions) > 5:
        found.append(Problem(label, f"... and {len(positions) - 5} more rows with {column} "
                             f"that {what}."))
    return found


def read_programs(source: str | Path | pd.DataFrame, label: str) -> pd.DataFrame:
    """The ``programs`` table (pack sizes) checked as ``evplan validate`` checks it.

    Raises
    ------
    InputError
        With every problem of the table's cells (file, row, column, value and a fix).
    """
    from evplan.data.columns import coerce_table
    from evplan.data.read import read_raw_table
    from evplan.schema import TABLES

    problems: list[Problem] = []
    typed = coerce_table(TABLES["programs"], read_raw_table(source, label), label, problems)
    if problems:
        raise InputError(problems)
    return typed


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


#: run.json ``metadata`` key: each program's pack size (kWh) from the inputs the run planned.
PACK_SIZES_KEY = "battery_kwh_by_program"


def pack_sizes(programs: pd.DataFrame) -> dict[str, float]:
    """``{program: battery_kwh}`` of a validated ``programs`` table, for run.json (so the
    fleet of a run folder uses the packs of the inputs that run planned, wherever they are
    now: a workbook, a folder edited or moved since)."""
    return {str(program): float(kwh) for program, kwh in zip(
        programs["program"], programs["battery_kwh"], strict=True)}
