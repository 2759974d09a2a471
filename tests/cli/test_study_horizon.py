"""A study's revelation_year outside the planning horizon is listed with the tables'
problems, by `evplan validate` and `evplan stochastic` (it came only after they were fixed:
the horizon was checked once the inputs had loaded)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from evplan.cli import app
from evplan.data.write import write_inputs
from evplan.examples import single_lane

STUDY = ("overrides:\n  up:\n    demand: {scale: {volume_vehicles: 1.1}}\n"
         "studies:\n  late:\n    revelation_year: 2099\n    branches:\n      demand:\n"
         "        low: {probability: 0.5}\n        high: {probability: 0.5, overrides: [up]}\n")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = write_inputs(single_lane(), tmp_path / "inputs")
    (folder / "scenarios.yaml").write_text(STUDY, encoding="utf-8")
    return folder


def _break_a_table(folder: Path) -> None:
    plants = folder / "plants.csv"
    frame = pd.read_csv(plants)
    frame.loc[0, "capacity_vehicles_per_year"] = -5
    frame.to_csv(plants, index=False)


def _said(output: str) -> str:
    return " ".join(output.split())


def test_validate_lists_a_revelation_year_outside_the_horizon(folder: Path) -> None:
    alone = CliRunner().invoke(app, ["validate", str(folder)])
    assert alone.exit_code == 1, alone.output
    assert "revelation_year 2099 is outside the planning horizon" in _said(alone.output)
    _break_a_table(folder)
    both = CliRunner().invoke(app, ["validate", str(folder)])
    assert both.exit_code == 1
    said = _said(both.output)
    assert "plants.csv" in said and "revelation_year 2099 is outside the planning" in said


def test_stochastic_lists_it_with_the_tables_problems(folder: Path, tmp_path: Path) -> None:
    _break_a_table(folder)
    done = CliRunner().invoke(app, ["stochastic", "late", str(folder), "--no-record"])
    assert done.exit_code == 1, done.output
    said = _said(done.output)
    assert "plants.csv" in said and "revelation_year 2099 is outside the planning" in said


def test_a_year_inside_the_horizon_or_none_passes(folder: Path) -> None:
    (folder / "scenarios.yaml").write_text(STUDY.replace("2099", "2025"), encoding="utf-8")
    assert CliRunner().invoke(app, ["validate", str(folder)]).exit_code == 0
    (folder / "scenarios.yaml").write_text(STUDY.replace("    revelation_year: 2099\n", ""),
                                           encoding="utf-8")
    assert CliRunner().invoke(app, ["validate", str(folder)]).exit_code == 0


def test_inputs_that_do_not_exist_are_one_problem(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["validate", str(tmp_path / "nowhere")])
    assert done.exit_code == 1
    assert _said(done.output).count("does not exist") == 1
