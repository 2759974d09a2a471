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
    """The run folder ``fleet``, ``charging``, ``recycling`` and ``report`` use by default.

    The latest finished run in ``evplan-output`` (the folder ``evplan-output/latest`` names);
    when there is none, the embedded default scenario is planned first by ``evplan run`` in
    a child process, so the folder is exactly what the command line writes (tables,
    report, store record). With ``output``, that folder: used when it is a run folder
    evplan wrote, else planned as ``evplan run -o OUTPUT``.

    Raises
    ------
    EvplanError
        With ``evplan run``'s message and exit code when planning fails.
    """
    import subprocess
    import sys

    from evplan.errors import EvplanError
    from evplan.outputs import DEFAULT_ROOT, latest_run_folder, read_marker

    if output is not None and output.is_dir() and read_marker(output) is not None:
        return output
    if output is None and (found := latest_run_folder(DEFAULT_ROOT)) is not None:
        return found
    command = [sys.executable, "-m", "evplan.cli", "run",
               *(["-o", str(output)] if output is not None else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        error = EvplanError(done.stderr.strip() or "evplan run failed")
        error.exit_code = done.returncode
        raise error
    folder = output if output is not None else latest_run_folder(DEFAULT_ROOT)
    if folder is None:
        raise EvplanError(f"evplan: `evplan run` wrote no run folder into {DEFAULT_ROOT}.")
    return folder
