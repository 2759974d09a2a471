"""Write NetworkData back to a folder of CSV files with a scenario.yaml."""

from __future__ import annotations

from pathlib import Path

import yaml

from evplan.data.network import NetworkData
from evplan.outputs.files import MARKED_STARTS, spreadsheet_safe
from evplan.schema import TABLES

__all__ = ["write_inputs"]


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
        # formula-like text marked with a ', which the reader drops (data/read.py)
        spreadsheet_safe(frame[list(table.column_names)], MARKED_STARTS).to_csv(
            target / table.file, index=False)
    settings = data.scenario.as_dict()
    settings = {key: value for key, value in settings.items() if value is not None}
    if data.scenario.sources:
        settings["sources"] = dict(data.scenario.sources)
    (target / "scenario.yaml").write_text(yaml.safe_dump(settings, sort_keys=False),
                                          encoding="utf-8")
    return target
