"""Write NetworkData back to a folder of CSV files with a scenario.yaml."""

from __future__ import annotations

from pathlib import Path

import yaml

from evplan.data.network import NetworkData
from evplan.outputs.files import atomic_write, write_input_csv
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
        # formula-like text marked with a ', which the reader drops (data/read.py); a
        # cell with a CR quoted; each file whole or not at all
        write_input_csv(frame[list(table.column_names)], target / table.file)
    settings = data.scenario.as_dict()
    settings = {key: value for key, value in settings.items() if value is not None}
    if data.scenario.sources:
        settings["sources"] = dict(data.scenario.sources)
    text = yaml.safe_dump(settings, sort_keys=False)
    atomic_write(target / "scenario.yaml", lambda path: path.write_text(text, encoding="utf-8"))
    return target
