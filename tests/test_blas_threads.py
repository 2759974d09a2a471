"""The ``evplan`` program runs numpy's OpenBLAS on one thread (:func:`evplan.cli.one_blas_thread`):
its spinning workers cost CPU and evplan's BLAS calls are too small to share."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evplan.cli import BLAS_THREADS_ENV, one_blas_thread


def test_the_program_sets_one_blas_thread_only_when_nobody_else_has() -> None:
    environ: dict[str, str] = {}
    assert one_blas_thread(environ, modules={}) is True
    assert environ == {BLAS_THREADS_ENV: "1"}
    users = {BLAS_THREADS_ENV: "2"}
    assert one_blas_thread(users, modules={}) is False and users == {BLAS_THREADS_ENV: "2"}
    for other in ("OMP_NUM_THREADS", "GOTO_NUM_THREADS"):  # OpenBLAS reads these too
        theirs = {other: "4"}
        assert one_blas_thread(theirs, modules={}) is False and theirs == {other: "4"}
    late: dict[str, str] = {}  # numpy already imported: OpenBLAS has started its threads
    assert one_blas_thread(late, modules={"numpy": object()}) is False and late == {}


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS starts no worker on one core")
def test_the_program_sets_it_before_numpy_starts_its_threads() -> None:
    # console() itself, with main() replaced: what numpy sees when the program imports it.
    probe = ("import os, sys\n"
             "import evplan.cli as c\n"
             "def main():\n"
             "    import numpy as np\n"
             "    a = np.ones((200, 200)); a @ a\n"
             "    threads = len(os.listdir('/proc/self/task'))\n"
             "    print(os.environ.get('OPENBLAS_NUM_THREADS'), threads)\n"
             "    raise SystemExit(0)\n"
             "c.main = main\n"
             "c.console()\n")
    env = {key: value for key, value in os.environ.items()
           if key not in (BLAS_THREADS_ENV, "OMP_NUM_THREADS", "GOTO_NUM_THREADS")}
    shown = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                           text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["1", "1"], shown.stdout  # one thread: no BLAS workers
