"""``evplan template DIR/``: the inputs as a CSV folder to edit (issue 18, item 6).

The folder holds one CSV file per table (as :func:`evplan.data.write_inputs` writes them, so
:func:`evplan.load` reads it back to the same tables), ``scenario.yaml``, and the source's
``scenarios.yaml`` (its overrides, scenarios, sweeps and studies) when it has one. The folder
must be new or empty; it is written beside itself (``.<name>.<owner token>.template``, with
ordinary permissions, or the empty folder's own) and renamed into place, so it appears whole
or not at all; such a staging folder whose writer was killed is removed by the next template
written into the same parent folder.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import yaml

from evplan.data.network import NetworkData
from evplan.errors import OutputError

__all__ = ["write_csv_template"]

#: A template's staging folder: ``.<name>.<owner token>.template``.
_STAGING = re.compile(r"^\.(?P<name>.+)\.(?P<token>\d+-\d+-[0-9a-f]{8})\.template$")


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
    cwd = Path.cwd().resolve()
    if cwd.is_relative_to(target.resolve()):  # '.', '..': it would be swapped under the shell
        raise OutputError(f"evplan: {folder} is the current folder or holds it; the template is "
                          "written into a folder of its own. Give a new folder name, e.g. "
                          "evplan template my-inputs/.")
    from evplan.outputs.files import OwnerToken

    source = data if data is not None else china_export()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_staging(target.parent)
    staging = target.parent / f".{target.name}.{OwnerToken.new()}.template"
    staging.mkdir()  # mode 0o777 less the umask: ordinary permissions
    try:
        if target.exists():  # an empty folder the user made keeps its permissions
            os.chmod(staging, target.stat().st_mode & 0o7777)
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


def _remove_dead_staging(parent: Path) -> None:
    """Remove the staging folders (:data:`_STAGING`) of templates whose writer is dead."""
    from evplan.outputs.files import OwnerToken

    for entry in parent.iterdir():
        match = _STAGING.match(entry.name)
        token = OwnerToken.parse(match["token"]) if match else None
        if token is not None and not token.alive() and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
