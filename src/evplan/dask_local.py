"""Dask settings for a local cluster evplan starts (``evplan stochastic --workers N``).

A local cluster shares the machine with its workers: the scheduler, the nannies and the
client run in the process that starts it, and every background task they run takes CPU
from the workers. For evplan's studies (a few long tasks per worker, KPIs back) four of
Dask's defaults cost more than they give:

* ``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_``: Dask 65536, evplan
  128 MiB (freed memory is kept for the next case instead of handed back at once);
* ``distributed.admin.tick.interval``: Dask 20ms, evplan 1s (each process's watch for a
  blocked event loop; it still warns of one);
* ``distributed.admin.system-monitor.interval``: Dask 500ms, evplan 5s (CPU and memory
  samples for a dashboard; evplan's clusters start none);
* ``distributed.worker.profile.enabled``: Dask True, evplan False (each worker's event
  loop samples the stack of the thread running a task every 10 ms and folds the samples
  into a call tree for the dashboard's profile page).

Measured on a 480-case sweep of the default scenario on 2 workers (benchmarks/README.md):
the trim threshold saves about 16 % of a worker's CPU per warm case, the tick and monitor
intervals about 5 % of the sweep's CPU, and the profiler 0.2 of the 0.7 CPU seconds the
workers' event loops used (2 % of the sweep's CPU; medians of 4 paired runs). Work stealing
(every 100 ms on the scheduler) and the nanny's memory monitor (which restarts a worker
near its memory limit) keep Dask's settings: turning stealing off made no difference that
4 paired runs could tell apart. Each setting applies only while the user's Dask
configuration still holds Dask's default: a value the user chose is kept. evplan never
changes a cluster it did not start; docs/scenarios.md shows the same settings for one.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DASK_DEFAULTS", "LOCAL_CLUSTER_SETTINGS", "TRIM_KEY", "WORKER_MALLOC_TRIM_BYTES",
           "local_cluster_settings"]

WORKER_MALLOC_TRIM_BYTES = 128 * 2**20
"""``MALLOC_TRIM_THRESHOLD_`` of the workers of a local cluster evplan starts itself.

Dask's nannies set 64 KiB, which hands freed memory back to the system after every task
and takes it again for the next: a warm case cost about 16 % more CPU on such a worker
(docs/scenarios.md). A value set in the environment (which the nanny keeps) stays."""

TRIM_KEY = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"

#: evplan's setting for each key (see the module docstring).
LOCAL_CLUSTER_SETTINGS: dict[str, Any] = {
    TRIM_KEY: WORKER_MALLOC_TRIM_BYTES,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.profile.enabled": False,
}

#: Dask's own default for each key of :data:`LOCAL_CLUSTER_SETTINGS`.
DASK_DEFAULTS: dict[str, Any] = {
    TRIM_KEY: 65536,
    "distributed.admin.tick.interval": "20ms",
    "distributed.admin.system-monitor.interval": "500ms",
    "distributed.worker.profile.enabled": True,
}


def _is_default(key: str, value: Any) -> bool:
    """Whether ``value`` (from Dask's configuration) is Dask's default for ``key``."""
    default = DASK_DEFAULTS[key]
    if key == TRIM_KEY:
        try:
            return int(value) == default
        except (TypeError, ValueError):
            return False  # something the user wrote: theirs
    if isinstance(default, bool):
        return value is default
    return str(value).replace(" ", "") == default


def local_cluster_settings() -> dict[str, Any]:
    """The :data:`LOCAL_CLUSTER_SETTINGS` whose key still holds Dask's default here.

    Pass the result to ``dask.config.set`` around ``LocalCluster(...)``.

    Examples
    --------
    >>> import dask
    >>> with dask.config.set({"distributed.admin.tick.interval": "50ms"}):
    ...     "distributed.admin.tick.interval" in local_cluster_settings()  # the user's: kept
    False
    """
    import dask
    import distributed  # noqa: F401 - loads Dask's distributed defaults into dask.config

    settings = {}
    for key, value in LOCAL_CLUSTER_SETTINGS.items():
        current = dask.config.get(key, DASK_DEFAULTS[key])
        if _is_default(key, current):
            settings[key] = value
    return settings
