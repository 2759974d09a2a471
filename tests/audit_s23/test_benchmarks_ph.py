"""benchmarks/stochastic_ph.py repeats a PH run under 10 CPU seconds and reports medians, and
runs without Dask when asked (issue 17). Fake runs: nothing is solved, no timing asserted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.audit_s22.test_benchmarks_timing import _load

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "stochastic_ph.py"


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    yield from _load("stochastic_ph")


def _work(runs: list[tuple[str, float, float]]):  # type: ignore[no-untyped-def]
    calls = iter(runs)
    return lambda: next(calls)


def test_a_short_run_is_repeated_and_the_medians_reported(bench: ModuleType) -> None:
    result, wall, cpu, runs = bench._repeated(
        _work([("first", 8.0, 4.0), ("second", 30.0, 9.0), ("third", 6.0, 5.0)]), 3)
    assert (result, wall, cpu, runs) == ("first", 8.0, 5.0, 3)


def test_a_long_run_is_run_once(bench: ModuleType) -> None:
    assert bench._repeated(_work([("only", 20.0, 12.0), ("never", 1.0, 1.0)]), 3) == (
        "only", 20.0, 12.0, 1)


def test_the_dask_and_repeat_options_are_documented_and_parsed(bench: ModuleType) -> None:
    text = BENCHMARK.read_text(encoding="utf-8")
    assert "--no-dask" in (bench.__doc__ or "") and "--repeats" in (bench.__doc__ or "")
    assert 'add_argument("--no-dask"' in text and 'add_argument("--repeats"' in text
    # the cluster is only started on the Dask path
    assert text.index("if not args.no_dask:") < text.index("LocalCluster(n_workers")
