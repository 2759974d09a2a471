"""Example inputs shipped with evplan: the ``china-export`` default scenario and small networks.

Nothing here downloads: every example is a file inside the package or built in code.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from evplan.data import NetworkData, load
from evplan.examples.small import random_network, single_lane
from evplan.examples.strategic_small import random_strategic_network, strategic_lane

__all__ = [
    "china_export",
    "china_export_path",
    "china_strategic",
    "china_strategic_path",
    "default_run_folder",
    "example_path",
    "random_network",
    "random_strategic_network",
    "single_lane",
    "strategic_lane",
]


def china_export_path() -> Path:
    """Return the folder of the embedded ``china-export`` scenario."""
    return Path(str(resources.files("evplan.examples") / "china_export"))


def china_strategic_path() -> Path:
    """Return the folder of the embedded ``china-strategic`` example (laid over china-export)."""
    return Path(str(resources.files("evplan.examples") / "china_strategic"))


def china_strategic() -> NetworkData:
    """Load the ``china-strategic`` example: china-export with its network decisions (a MILP).

    Examples
    --------
    >>> from evplan.examples import china_strategic
    >>> len(china_strategic()["plant_strategy"]) > 0
    True
    """
    return load(china_strategic_path())


def example_path(name: str) -> Path | None:
    """The folder of an embedded example by name (``china-export``, ``china-strategic``)."""
    folders = {"china-export": china_export_path, "china-strategic": china_strategic_path}
    return folders[name]() if name in folders else None


def china_export() -> NetworkData:
    """Load the embedded ``china-export`` default scenario.

    Examples
    --------
    >>> from evplan.examples import china_export
    >>> china_export().scenario.first_year
    2023
    """
    return load(china_export_path())


def default_run_folder(output: Path | None = None) -> Path:
    """The run folder of the embedded default scenario, planned by ``evplan run`` if missing.

    Used by the commands that carry on from a plan (fleet, charging, recycling) when no
    run folder is given. The plan runs as ``evplan run -o FOLDER`` in a child process, so
    the folder is exactly what the command line writes (tables, report, store record).

    Raises
    ------
    EvplanError
        With ``evplan run``'s message and exit code when planning fails.
    """
    import subprocess
    import sys

    from evplan.errors import EvplanError

    folder = output or Path("evplan-output") / "china-export"
    if (folder / "shipments.parquet").exists() and (folder / "run.json").exists():
        return folder
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "run", "-o", str(folder)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        error = EvplanError(done.stderr.strip() or "evplan run failed")
        error.exit_code = done.returncode
        raise error
    return folder
