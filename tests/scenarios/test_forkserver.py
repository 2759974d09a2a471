"""The sweep's fork server hands its workers glibc's trim threshold (evplan.scenarios.forkserver).

Measured (benchmarks/README.md, session 20): with glibc's default a local worker faulted in
about 1,000 pages a warm case and took 18-20 ms where the sweep's own process took 16 ms.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from evplan.dask_local import WORKER_MALLOC_TRIM_BYTES
from evplan.scenarios import forkserver as fork_server
from evplan.scenarios.forkserver import TRIM_VARIABLE


def _spawned_with(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The trim threshold in the environment while the server is spawned (not spawned)."""
    import multiprocessing
    from multiprocessing import forkserver, resource_tracker

    seen: list[str | None] = []
    monkeypatch.setattr(resource_tracker, "ensure_running", lambda: None)
    monkeypatch.setattr(forkserver, "ensure_running",
                        lambda: seen.append(__import__("os").environ.get(TRIM_VARIABLE)))
    monkeypatch.setattr(fork_server, "pool_context",
                        lambda: multiprocessing.get_context("forkserver"))
    fork_server.start_fork_server()
    return seen


def test_the_workers_get_evplans_trim_threshold_and_this_process_keeps_none(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.delenv(TRIM_VARIABLE, raising=False)
    assert _spawned_with(monkeypatch) == [str(WORKER_MALLOC_TRIM_BYTES)]
    assert TRIM_VARIABLE not in os.environ


def test_a_trim_threshold_the_user_set_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setenv(TRIM_VARIABLE, "65536")
    assert _spawned_with(monkeypatch) == ["65536"]
    assert os.environ[TRIM_VARIABLE] == "65536"


def test_a_real_worker_sees_the_threshold() -> None:
    """A fresh process (its own fork server): a pool worker's environment has it, the
    sweep's process has not."""
    script = textwrap.dedent(f"""
        import os
        from concurrent.futures import ProcessPoolExecutor
        from evplan.scenarios.forkserver import pool_context, start_fork_server

        if __name__ == "__main__":
            start_fork_server()
            with ProcessPoolExecutor(1, mp_context=pool_context()) as pool:
                print(pool.submit(os.getenv, "{TRIM_VARIABLE}").result(),
                      os.environ.get("{TRIM_VARIABLE}"))
    """)
    environment = {key: value for key, value in __import__("os").environ.items()
                   if key != TRIM_VARIABLE}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=False, env=environment)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(WORKER_MALLOC_TRIM_BYTES), "None"]
