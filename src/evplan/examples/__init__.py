"""Example inputs shipped with evplan: the ``china-export`` default scenario and small networks.

Nothing here downloads: every example is a file inside the package or built in code.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from evplan.data import NetworkData, load
from evplan.examples.small import random_network, single_lane

__all__ = ["china_export", "china_export_path", "random_network", "single_lane"]


def china_export_path() -> Path:
    """Return the folder of the embedded ``china-export`` scenario."""
    return Path(str(resources.files("evplan.examples") / "china_export"))


def china_export() -> NetworkData:
    """Load the embedded ``china-export`` default scenario.

    Examples
    --------
    >>> from evplan.examples import china_export
    >>> china_export().scenario.first_year
    2023
    """
    return load(china_export_path())
