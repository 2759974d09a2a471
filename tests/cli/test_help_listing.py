"""Each command's line in ``evplan --help`` is its docstring's first paragraph on one line."""

from __future__ import annotations

import inspect
from pathlib import Path

from evplan.cli import app
from tests.cli.terminal import run_in_terminal


def test_each_command_is_listed_on_one_line_in_a_wide_terminal(tmp_path: Path) -> None:
    screen = run_in_terminal("--help", cwd=tmp_path, columns=400)
    assert screen.returncode == 0
    lines = screen.lines
    for command in app.registered_commands:
        assert command.callback is not None
        name = command.name or command.callback.__name__
        first = " ".join((inspect.getdoc(command.callback) or "").split("\n\n")[0].split())
        listed = [line for line in lines if line.strip("│ ").startswith(f"{name} ")]
        assert len(listed) == 1, (name, listed)
        assert first in " ".join(listed[0].strip("│ ").split()), (name, listed[0])
        # and the next line is another command or the panel's end, not a wrapped tail
        after = lines[lines.index(listed[0]) + 1].strip("│ ")
        assert after == "" or after.startswith("╰") or after.split()[0] in {
            other.name or (other.callback.__name__ if other.callback else "")
            for other in app.registered_commands}, (name, after)
