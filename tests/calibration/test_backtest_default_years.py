"""`evplan backtest` without --base-year calibrates on the scenario's first year (as `evplan
calibrate` does) and predicts the year after, not a fixed 2023/2024."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evplan.cli import app
from evplan.errors import InputError


@pytest.mark.parametrize(("options", "years"), [
    ((), (2026, 2027)), (("--base-year", "2027"), (2027, 2028)),
    (("--base-year", "2026", "--target-year", "2028"), (2026, 2028))])
def test_the_default_years_follow_the_scenario(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               options: tuple[str, ...],
                                               years: tuple[int, int]) -> None:
    import evplan.calibration
    import evplan.cli.validation as validation

    data = evplan.examples.china_export()
    later = dataclasses.replace(data, scenario=dataclasses.replace(data.scenario,
                                                                   first_year=2026))
    monkeypatch.setattr(validation, "load_inputs", lambda _path: later)
    asked = []

    def fake_backtest(_data, _inputs, base_year, target_year):  # type: ignore[no-untyped-def]
        asked.append((base_year, target_year))
        raise InputError(["stop here: the years are what this test reads"])

    monkeypatch.setattr(evplan.calibration, "backtest", fake_backtest)
    monkeypatch.setattr(evplan.calibration, "read_calibration_inputs",
                        lambda *_args, **_kwargs: None)  # the files of no year: not read here
    done = CliRunner().invoke(app, ["backtest", *options, "-o", str(tmp_path / "out")])
    assert done.exit_code == 1, done.output
    assert asked == [years]
    assert not (tmp_path / "out").exists()
