"""``evplan template DIR/``: the inputs as a CSV folder to edit (issue 18, item 6).

The folder holds one CSV file per table (as :func:`evplan.data.write_inputs` writes them, so
:func:`evplan.load` reads it back to the same tables), ``scenario.yaml``, and the source's
``scenarios.yaml`` (its overrides, scenarios, sweeps and studies) when it has one. The folder
must be new or empty; it is written beside itself and renamed into place, so it appears whole
or not at all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import yaml

from evplan.data.network import NetworkData
from evplan.errors import OutputError

__all__ = ["write_csv_template"]


def write_csv_template(folder: str | Path, data: NetworkData | None = None) -> Path:
    """Write ``data`` (default: the embedded china-export) as an input folder.

    Raises
    ------
    OutputError
        When ``folder`` is a file, a folder that is not empty, or a symbolic link to
        anything but a folder (a link to a new or empty folder is written through).
    """
    from evplan.data.write import write_inputs
    from evplan.examples import china_export

    target = Path(folder)
    if target.is_symlink():
        # a link to a folder is written through, as `evplan run -o LINK` is; a link to
        # nothing would be replaced by the folder (os.replace does not follow it)
        if not target.is_dir():
            raise OutputError(f"evplan: {target} is a symbolic link to "
                              f"{os.readlink(target)}, which is not a folder; evplan does not "
                              "replace links. Give a new folder name, or make the folder the "
                              "link points to.")
        target = target.resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OutputError(f"evplan: {target} exists and is not an empty folder; the template "
                          "is written only into a new or empty folder. Give a new folder name.")
    source = data if data is not None else china_export()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        write_inputs(source, staging)
        origin = Path(source.origin)
        catalog = (origin if origin.is_dir() else origin.parent) / "scenarios.yaml"
        if origin.suffix.lower() in (".xlsx", ".xlsm"):  # a workbook's scenarios sheet
            from evplan.scenarios.workbook import raw_catalog_of_origin

            raw = raw_catalog_of_origin(origin)
            if raw is not None:
                (staging / "scenarios.yaml").write_text(yaml.safe_dump(
                    raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
        elif source.origin != "<memory>" and catalog.is_file():
            shutil.copyfile(catalog, staging / "scenarios.yaml")
        if target.exists():
            target.rmdir()  # empty, checked above
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
