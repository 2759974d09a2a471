"""The fork server a sweep's local worker processes start from (:func:`start_fork_server`).

It imports :data:`WORKER_PRELOAD` once; each worker is a fork of it, so no worker imports
evplan again. Two of its settings matter for every case a worker solves:

* **Ctrl-C** (SIGINT) is blocked while it is spawned, and so in it and every worker it forks:
  a Ctrl-C in a terminal reaches every process of the group, and only the sweep's own
  process acts on it (it stops handing out chunks and waits for the ones its workers hold).
  Otherwise the fork server died with a traceback when the signal came while it imported,
  and workers stopped mid-chunk with DuckDB's "Query interrupted".
* **glibc's trim threshold** (``MALLOC_TRIM_THRESHOLD_``) is :data:`WORKER_MALLOC_TRIM_BYTES`
  unless the environment sets one. With glibc's default a worker handed the memory a case
  freed back to the system and faulted it in again for the next one: about 1,000 page faults
  a case, and a warm case took 18-20 ms of CPU in a worker where it takes 15.5-16 ms in the
  sweep's own process; with 128 MiB it faulted 50 times fewer and took 15.4-15.8 ms
  (``benchmarks/README.md``, session 20). The sweep's own process is not changed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from typing import Any

from evplan.dask_local import WORKER_MALLOC_TRIM_BYTES

__all__ = ["TRIM_VARIABLE", "WORKER_PRELOAD", "pool_context", "start_fork_server"]

#: What the fork server imports once for all workers: the worker module and what a warm
#: case imports on first use (the certificate and the compliance tables).
WORKER_PRELOAD = ["evplan.scenarios.worker", "evplan.verify.certify", "evplan.results.compliance"]

#: The environment variable glibc reads its trim threshold from when a process starts.
TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"


def pool_context() -> Any:
    """A fork server that has imported :data:`WORKER_PRELOAD` (``spawn`` where there is
    none)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(WORKER_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def start_fork_server() -> None:
    """Start the pool's fork server now (once per process), with Ctrl-C blocked and the
    workers' trim threshold set (see the module docstring), so it imports the worker modules
    in parallel with this process's work.

    The block is set in the spawning thread only and lifted after; the trim threshold is
    put in this process's environment for the spawn only. This process's Ctrl-C handler is
    never changed: a Ctrl-C that comes meanwhile is handled as ever (by another thread's
    delivery, or once the block is lifted).
    """
    if pool_context().get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver, resource_tracker

    # The fork server starts the resource tracker first, which unblocks SIGINT when it is
    # spawned (bpo-33613): started here beforehand, it leaves the block below in place.
    resource_tracker.ensure_running()
    given = TRIM_VARIABLE in os.environ
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        if not given:
            os.environ[TRIM_VARIABLE] = str(WORKER_MALLOC_TRIM_BYTES)
        forkserver.ensure_running()
    finally:
        if not given:
            os.environ.pop(TRIM_VARIABLE, None)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
