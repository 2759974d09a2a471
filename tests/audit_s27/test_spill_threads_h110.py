"""helper-110: the store's spill token is made once per process, even by two threads at once.

DuckDB refuses a second connection to a file open in the process with another
``temp_directory``; evplan names the spill folder after a per-process token. Before, the
token was cached without a lock: two threads opening their first store at the same time
each made a token and used their own, two spill folders for one process.

The race is made certain, not likely: :meth:`OwnerToken.new` is patched (in a fresh
interpreter, so this is the process's first store) to wait at a two-party barrier. Unlocked,
both threads reach it and make two tokens; locked, the second thread waits for the first,
whose barrier wait gives up (a timeout that only bounds the wait, never a result).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import json, sys, threading
from pathlib import Path
import evplan.store_spill as spill

barrier = threading.Barrier(2)
original = spill.OwnerToken.new

def slow_new():
    try:
        barrier.wait(timeout=3)
    except threading.BrokenBarrierError:
        pass
    return original()

spill.OwnerToken.new = staticmethod(slow_new)
folder = Path(sys.argv[1])
names = {}

def open_first_store(name):
    connection = spill.connect_spilling(folder / f"{name}.duckdb", read_only=False)
    try:
        setting = connection.execute("SELECT current_setting('temp_directory')").fetchone()[0]
    finally:
        connection.close()
    names[name] = Path(setting).name.split(".")[-2]  # the token

threads = [threading.Thread(target=open_first_store, args=(name,)) for name in ("a", "b")]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(names))
"""


def test_two_threads_opening_their_first_store_share_one_spill_token(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                          text=True, check=True, timeout=120)
    tokens = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(tokens) == {"a", "b"}
    assert tokens["a"] == tokens["b"], tokens
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".spill")]  # none spilled


def test_a_forked_child_makes_its_own_token(tmp_path: Path) -> None:
    """The lock is made anew in a forked child and the child's token is its own."""
    script = r"""
import os, sys
from pathlib import Path
import evplan.store_spill as spill
parent = spill.spill_folder(Path("s.duckdb")).name
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(write, spill.spill_folder(Path("s.duckdb")).name.encode())
    os._exit(0)
os.waitpid(pid, 0)
child = os.read(read, 200).decode()
print(parent != child and child.startswith(".s.duckdb." + str(pid) + "-"))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60, cwd=tmp_path)
    assert done.stdout.strip() == "True", done.stdout + done.stderr
