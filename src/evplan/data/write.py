"""Write NetworkData back to a folder of CSV files with a scenario.yaml."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from evplan.data.network import NetworkData
from evplan.data.read import QUOTED_STARTS
from evplan.outputs.files import distinct_cells
from evplan.schema import TABLES

__all__ = ["quoted", "write_inputs"]


def quoted(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with one ``'`` before text that starts like a formula or with ``'``.

    A spreadsheet then shows such text as text instead of running it; evplan's reader drops
    that one ``'`` (:func:`evplan.data.read._plain_text`), so the values read back as they
    were. Numbers are left as they are (``-5`` in a numeric column stays a number).

    Examples
    --------
    >>> quoted(pd.DataFrame({"id": ["=1+1", "CN", "'x"], "v": [-1, 2, 3]}))["id"].tolist()
    ["'=1+1", 'CN', "''x"]
    """
    changed = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            continue
        if any(isinstance(cell, str) and cell.startswith(QUOTED_STARTS)
               for cell in distinct_cells(series)):
            changed[column] = series.map(lambda cell: "'" + cell if isinstance(cell, str)
                                         and cell.startswith(QUOTED_STARTS) else cell)
    return frame.assign(**changed) if changed else frame


def write_inputs(data: NetworkData, folder: str | Path) -> Path:
    """Write ``data`` as an input folder that :func:`evplan.load` reads back unchanged.

    Optional tables that are empty are left out.

    Examples
    --------
    >>> import tempfile, evplan
    >>> from evplan.examples import single_lane
    >>> folder = write_inputs(single_lane(), tempfile.mkdtemp())
    >>> evplan.load(folder).summary() == single_lane().summary()
    True
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for name, table in TABLES.items():
        frame = data[name]
        if frame.empty and not table.required:
            continue
        quoted(frame[list(table.column_names)]).to_csv(target / table.file, index=False)
    settings = data.scenario.as_dict()
    settings = {key: value for key, value in settings.items() if value is not None}
    if data.scenario.sources:
        settings["sources"] = dict(data.scenario.sources)
    (target / "scenario.yaml").write_text(yaml.safe_dump(settings, sort_keys=False),
                                          encoding="utf-8")
    return target
