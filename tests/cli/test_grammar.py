"""One grammar for every command (issue 18, items 4 and 5): inputs are the positional INPUTS
everywhere (``--inputs``/``-i`` is a deprecated alias), ``-h`` and ``--version``, ``validate``
and ``scenarios`` default to the embedded example, ``evplan sweep`` without a name lists the
sweeps."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from evplan import __version__
from evplan.cli import app
from evplan.examples import china_export_path
from tests.cli.terminal import run_in_terminal

INPUT_COMMANDS = ("run", "validate", "sweep", "montecarlo", "breakeven", "scenarios")


def evplan(*args: str, cwd: Path, columns: int = 100) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evplan.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": str(columns),
                               "HOME": str(cwd)})


def test_version_and_short_help(tmp_path: Path) -> None:
    done = evplan("--version", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, f"evplan {__version__}\n")
    short = evplan("-h", cwd=tmp_path)
    assert short.returncode == 0 and "[OPTIONS] COMMAND [ARGS]" in short.stdout
    assert short.stdout == evplan("--help", cwd=tmp_path).stdout
    sub = evplan("sweep", "-h", cwd=tmp_path)
    assert sub.returncode == 0 and "sweep [OPTIONS] [NAME] [INPUTS]" in sub.stdout


@pytest.mark.parametrize("command", INPUT_COMMANDS)
def test_inputs_are_positional_everywhere(command: str) -> None:
    """Every command that reads inputs takes them as the argument INPUTS; --inputs is hidden."""
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    arguments = [parameter for parameter in click_command.params
                 if parameter.param_type_name == "argument"]
    assert "INPUTS" in [argument.metavar for argument in arguments], command
    for option in click_command.params:
        if "--inputs" in getattr(option, "opts", []):
            assert option.hidden, f"{command}: --inputs must be a hidden, deprecated alias"


def test_validate_defaults_to_the_embedded_example(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["validate"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("embedded china-export: scenario 'china-export' 2023-2030 "
                                  "is valid")
    assert list(tmp_path.iterdir()) == []


def test_inputs_alias_still_works_and_says_it_is_deprecated(tmp_path: Path) -> None:
    folder = shutil.copytree(china_export_path(), tmp_path / "inputs")
    done = evplan("validate", "--inputs", str(folder), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{folder}: scenario 'china-export'" in done.stdout
    assert ("--inputs is deprecated; give the inputs as the positional argument: "
            f"`evplan validate {folder}`") in done.stderr
    twice = evplan("validate", str(folder), "-i", str(tmp_path), cwd=tmp_path)
    assert twice.returncode == 64 and "inputs given twice" in twice.stdout + twice.stderr


def test_scenarios_lists_scenarios_overrides_sweeps_and_studies(tmp_path: Path) -> None:
    done = run_in_terminal("scenarios", cwd=tmp_path, columns=120)
    assert done.returncode == 0, done.text
    text = done.text
    assert text.startswith("embedded china-export: scenarios.yaml\n")
    for title in ("Scenarios (evplan run INPUTS --scenario NAME)",
                  "Overrides (usable as --scenario NAME too)",
                  "Sweeps (evplan sweep NAME INPUTS)",
                  "Monte Carlo studies (evplan montecarlo NAME INPUTS)"):
        assert title in text
    for name in ("trade-war", "eu-detente", "freight-shock", "eu-duty-x-freight",
                 "uncertainty"):
        assert f"│ {name} " in text  # a whole name in its first column, never cut
    assert "the escalation plus a Mexican" in text  # the description (it may wrap)
    assert "24: eu-bev-cvd (6) × freight (4)" in text
    assert all(len(line) <= 120 for line in text.splitlines())


def test_scenarios_lists_two_stage_studies(tmp_path: Path) -> None:
    done = run_in_terminal("scenarios", "china-strategic", cwd=tmp_path, columns=120)
    assert done.returncode == 0, done.text
    assert "Two-stage studies (evplan stochastic NAME INPUTS)" in done.text
    assert "│ duty-risk-small │" in done.text
    row = next(line for line in done.lines if "│ duty-risk-small │" in line)
    assert "4 scenarios, revealed" in row  # the summary's start, on the study's own line
    assert all(len(line) <= 120 for line in done.text.splitlines())


def test_sweep_without_a_name_lists_the_sweeps_of_its_inputs(tmp_path: Path) -> None:
    folder = shutil.copytree(china_export_path(), tmp_path / "inputs")
    for args in (("sweep",), ("sweep", str(folder)), ("sweep", "--inputs", str(folder))):
        done = run_in_terminal(*args, cwd=tmp_path, columns=80)
        assert done.returncode == 0, done.text
        assert "Sweeps (evplan sweep NAME INPUTS)" in done.text
        assert "│ eu-duty-x-freight │" in done.text and "Scenarios (" not in done.text
        assert all(len(line) <= 80 for line in done.lines if "deprecated" not in line)
    assert list(tmp_path.iterdir()) == [folder]  # nothing written, nothing run


def test_scenarios_of_a_folder_without_scenarios_yaml(tmp_path: Path) -> None:
    folder = shutil.copytree(china_export_path(), tmp_path / "inputs")
    (folder / "scenarios.yaml").unlink()
    done = CliRunner().invoke(app, ["scenarios", str(folder)])
    assert done.exit_code == 0
    assert "no scenarios.yaml (or nothing declared in it)" in done.output
    missing = CliRunner().invoke(app, ["scenarios", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1


def test_template_writes_a_csv_folder_that_loads_back(tmp_path: Path) -> None:
    from evplan.data import load
    from evplan.examples import china_export

    done = evplan("template", "inputs/", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "inputs"
    assert "Edit the CSV files, then: evplan run inputs" in done.stdout
    assert {"plants.csv", "demand.csv", "scenario.yaml", "scenarios.yaml"} <= {
        path.name for path in folder.iterdir()}
    loaded, embedded = load(folder), china_export()
    assert loaded.summary() == {name: rows for name, rows in embedded.summary().items()}
    for name in ("plants", "demand", "duties", "routes"):
        left = loaded[name].drop(columns="row").reset_index(drop=True)
        right = embedded[name].drop(columns="row").reset_index(drop=True)
        assert left.equals(right), name
    listed = evplan("scenarios", "inputs", cwd=tmp_path)  # the scenarios came along
    assert listed.returncode == 0 and "│ trade-war " in listed.stdout
    again = evplan("template", "inputs/", cwd=tmp_path)  # never over a folder with files
    assert again.returncode == 1 and "is not an empty folder" in again.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["inputs"]  # no staging left


def _options_named(name: str) -> list[tuple[str, object]]:
    """(command, click option) for every option of every command spelled ``name``."""
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    return [(command_name, option) for command_name, command in commands.items()
            for option in command.params if name in getattr(option, "opts", [])]


def test_tables_is_the_same_switch_in_every_command() -> None:
    """``--tables`` is one thing: the switch ``--tables/--kpis-only`` (which result tables are
    stored). Folders of input CSVs are named for what they hold (``recycling --defaults``);
    the old path-valued ``recycling --tables DIR`` is a hidden, deprecated alias."""
    found = _options_named("--tables")
    assert {command for command, _ in found} >= {"sweep", "montecarlo"}
    for command, option in found:
        if option.hidden:  # type: ignore[attr-defined]
            assert command == "recycling"
            continue
        assert option.is_flag and option.secondary_opts == ["--kpis-only"], command  # type: ignore[attr-defined]
    defaults = _options_named("--defaults")
    assert [command for command, _ in defaults] == ["recycling"]
    assert not defaults[0][1].is_flag  # type: ignore[attr-defined]


def test_recycling_tables_alias_says_it_is_deprecated(tmp_path: Path) -> None:
    """``recycling --tables DIR`` still reads DIR (with a warning); given twice differently,
    it is a usage error (64)."""
    both = evplan("recycling", "--retired", "packs.csv", "--defaults", "a", "--tables", "b",
                  cwd=tmp_path)
    assert both.returncode == 64, both.stderr
    assert "given twice" in both.stderr and list(tmp_path.iterdir()) == []
    alias = evplan("recycling", "--retired", "missing.csv", "--tables", "mine", cwd=tmp_path)
    assert "`recycling --tables DIR` is deprecated; use --defaults mine." in alias.stderr
    assert alias.returncode == 1  # missing.csv: an input error, after the warning
