"""The workers of a Dask cluster, on every ``distributed`` version evplan supports.

``Client.scheduler_info()`` returned the first five workers only in ``distributed``
2025.4 to 2026.6 unless asked for all with ``n_workers=-1`` (dask/distributed#9045, undone
in #9308); older versions take no ``n_workers`` and return every worker. A study that
counted the workers this way used five of a larger cluster, and took a sixth worker's
chunks for those of a worker that had left.
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["worker_addresses"]


def worker_addresses(client: Any) -> set[str]:
    """The addresses of every worker of ``client``'s cluster now (asks the scheduler).

    Examples
    --------
    >>> class FirstFive:  # distributed 2025.4-2026.6: five workers unless asked for all
    ...     def scheduler_info(self, n_workers=5):
    ...         workers = [f"tcp://10.0.0.{i}:40000" for i in range(8)]
    ...         return {"workers": dict.fromkeys(workers[:None if n_workers < 0 else n_workers])}
    >>> len(worker_addresses(FirstFive()))
    8
    """
    ask = client.scheduler_info
    everyone = "n_workers" in inspect.signature(ask).parameters
    info = ask(n_workers=-1) if everyone else ask()
    return set(info.get("workers", {}))
