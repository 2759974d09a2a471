"""Each command's line in ``evplan --help`` is its docstring's first paragraph on one line."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("columns", [80, 110])
def test_no_option_name_or_help_is_cut_in_an_80_or_110_column_terminal(
        tmp_path: Path, columns: int) -> None:
    """Rich's panels cut long tokens with '…' when narrow (``--years-after-pl…``,
    ``evplan-output/<sc…`` at 80 columns); every option name must show in full."""
    import typer.main

    group = typer.main.get_command(app)  # typer's own click: no isinstance with pip's click
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        screen = run_in_terminal(name, "--help", cwd=tmp_path, columns=columns)
        assert screen.returncode == 0, (name, screen.text)
        assert "…" not in screen.text, (name, columns, screen.text)
        shown = screen.text
        for parameter in command.params:
            for option in parameter.opts:
                if option.startswith("--") and not getattr(parameter, "hidden", False):
                    assert option in shown, (name, option, columns)
        assert all(len(line) <= columns for line in screen.lines), (name, columns)


def test_main_puts_the_help_layout_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() in a narrow terminal switches to the plain layout for its command only: a
    later in-process CliRunner keeps the app's own (the layout no longer leaks between
    tests or notebook calls)."""
    import sys

    from evplan.cli import main

    before = app.rich_markup_mode
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys, "argv", ["evplan", "--version"])
    with pytest.raises(SystemExit):
        main()
    assert app.rich_markup_mode == before
