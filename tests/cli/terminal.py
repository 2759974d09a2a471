"""Run ``evplan`` in a real (pseudo) terminal of a given width, as a user sees it.

The child's stdin, stdout and stderr are a pty whose window is ``columns`` wide (and
``COLUMNS`` says the same); ``TERM=dumb`` keeps rich from colouring or animating, so the text
read back is what the screen shows, line by line.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Screen:
    returncode: int
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def run_in_terminal(*args: str, cwd: Path, columns: int, timeout: float = 900) -> Screen:
    """Run ``python -m evplan.cli ARGS`` in a pty ``columns`` wide; return what it printed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50", "TERM": "dumb"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "evplan.cli", *args], cwd=cwd,
                               stdin=slave, stdout=slave, stderr=slave, env=env,
                               close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    returncode = process.wait(timeout=timeout)
    text = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
    return Screen(returncode, text)
