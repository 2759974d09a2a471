"""Output safety: where results go, how they are written, and what is never touched.

==========================  ==============================================================
module                      what it does
==========================  ==============================================================
:mod:`.names`               a name read from inputs -> one safe path component
:mod:`.files`               single files whole or not at all, ordinary permissions,
                            spreadsheet-safe CSVs (text starting ``= + - @`` neutralised)
:mod:`.marker`              the ``.evplan-run`` marker that makes a folder evplan's
:mod:`.targets`             the rules: new folders, marked folders, never a user's files
:mod:`.transaction`         stage -> swap -> commit -> finish, for every folder writer
:mod:`.recover`             the next start repairs what a killed writer left
==========================  ==============================================================
"""

from __future__ import annotations

from evplan.outputs.files import atomic_write, spreadsheet_safe, write_csv, write_table
from evplan.outputs.marker import MARKER, Marker, read_marker
from evplan.outputs.names import safe_component
from evplan.outputs.recover import reconcile
from evplan.outputs.targets import (
    DEFAULT_ROOT,
    LATEST,
    OutputError,
    Target,
    existing_folder_target,
    latest_run_folder,
    new_folder_target,
)
from evplan.outputs.transaction import write_folder

__all__ = [
    "DEFAULT_ROOT",
    "LATEST",
    "MARKER",
    "Marker",
    "OutputError",
    "Target",
    "atomic_write",
    "existing_folder_target",
    "latest_run_folder",
    "new_folder_target",
    "read_marker",
    "reconcile",
    "safe_component",
    "spreadsheet_safe",
    "write_csv",
    "write_folder",
    "write_table",
]
