"""Benchmarks repeat a case that takes under 10 CPU seconds and report medians, and print CPU
beside wall (issue 17): benchmarks/strategic.py, benchmarks/stochastic.py and
benchmarks/verify_location_overhead.py (audit s22, helper-77). Fake clocks and runs: nothing
is solved, no timing is asserted."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location(f"{name}_bench", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def strategic() -> Iterator[ModuleType]:
    yield from _load("strategic")


@pytest.fixture(scope="module")
def verify_location() -> Iterator[ModuleType]:
    yield from _load("verify_location_overhead")


@pytest.fixture(scope="module")
def stochastic() -> Iterator[ModuleType]:
    yield from _load("stochastic")


def _fake_runs(monkeypatch, module: ModuleType, cpu_seconds: list[float]):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def run(command, **_kwargs):  # type: ignore[no-untyped-def]
        cpu = cpu_seconds[len(calls)]
        calls.append(1)
        figures = {"case": "default", "status": "optimal", "cpu_seconds": cpu,
                   "solve_seconds": cpu + 1.0, "gap": 0.001 * len(calls), "peak_mib": 100.0}
        return SimpleNamespace(returncode=0, stdout=json.dumps(figures) + "\n", stderr="")

    monkeypatch.setattr(module.subprocess, "run", run)
    assert module.subprocess is subprocess
    return calls


def test_strategic_repeats_a_case_under_ten_cpu_seconds(strategic, monkeypatch) -> None:
    calls = _fake_runs(monkeypatch, strategic, [4.0, 9.0, 5.0])
    figures = strategic._repeated("default", 1)
    assert len(calls) == 3
    assert figures["cpu_seconds"] == 5.0 and figures["solve_seconds"] == 6.0
    assert figures["gap"] == 0.001  # the first run's, not a median
    assert figures["runs"] == 3


def test_strategic_runs_a_long_case_once(strategic, monkeypatch) -> None:
    calls = _fake_runs(monkeypatch, strategic, [12.0, 1.0, 1.0])
    figures = strategic._repeated("default", 1)
    assert len(calls) == 1 and figures["cpu_seconds"] == 12.0 and figures["runs"] == 1


def test_verify_location_overhead_gives_cpu_and_medians(verify_location, monkeypatch) -> None:
    ticks = iter([0.0, 2.0, 10.0, 11.0, 20.0, 23.0])  # solves of 2, 1 and 3 CPU seconds
    monkeypatch.setattr(verify_location.time, "process_time", lambda: next(ticks))
    walls = iter([5.0, 4.0, 6.0])
    calls: list[int] = []

    def solve() -> SimpleNamespace:
        calls.append(1)
        return SimpleNamespace(seconds=next(walls), details={"verify_seconds": 0.01 * len(calls)})

    wall, cpu, check = verify_location._timed(solve)
    assert len(calls) == 3
    assert (wall, cpu, check) == (5.0, 2.0, pytest.approx(0.02))
    row = verify_location._row("cap41", wall, cpu, check)
    assert row.split()[:4] == ["cap41", "5.00", "2.00", "20.0"]


@pytest.mark.parametrize(("cpu_seconds", "runs"), [([4.0, 8.0, 6.0], 3), ([27.0], 1)])
def test_stochastic_repeats_a_case_under_ten_cpu_seconds(stochastic, monkeypatch, capsys,
                                                        cpu_seconds, runs) -> None:
    module = stochastic
    calls: list[int] = []

    def run_case(*_args):  # type: ignore[no-untyped-def]
        calls.append(1)
        return 2.0 * cpu_seconds[len(calls) - 1], cpu_seconds[len(calls) - 1]

    monkeypatch.setattr(module, "run_case", run_case)
    monkeypatch.setattr(sys, "argv", ["stochastic.py", "--cases", "small"])
    module.main()
    assert len(calls) == runs
    printed = capsys.readouterr().out
    if runs == 3:
        assert "median of 3 runs: wall 12.0 s, CPU 6.0 s" in printed
    else:
        assert "median of" not in printed
