"""Fixtures of the fuzz suite: the pristine inputs, a workbook of them, the reference plans."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evplan.data import NetworkData, load
from evplan.examples import china_export_path
from evplan.scenarios import Catalog, load_catalog
from tests.fuzz.variants import COMMITTED_ROWS, WORKBOOK

#: Seconds each variant took, by kind ("in-process", "cli"), for the terminal summary.
TIMINGS: dict[str, list[tuple[float, str]]] = {"in-process": [], "cli": []}


@pytest.fixture(scope="session")
def fuzz_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example inputs with a workbook written from them (``book.xlsx``)."""
    from evplan.report import write_template

    base = tmp_path_factory.mktemp("fuzz-base") / "inputs"
    shutil.copytree(china_export_path(), base)
    write_template(base / WORKBOOK, load(base))
    return base


@pytest.fixture(scope="session")
def references(fuzz_base: Path, tmp_path_factory: pytest.TempPathFactory
               ) -> dict[str, NetworkData | Catalog]:
    """The inputs an accepted variant must equal: as shipped, without CVDs, with commitments."""
    root = tmp_path_factory.mktemp("fuzz-references")
    no_cvd = shutil.copytree(fuzz_base, root / "no-cvd")
    (no_cvd / "countervailing_duties.csv").unlink()
    committed = shutil.copytree(fuzz_base, root / "with-committed")
    (committed / "committed_sales.csv").write_text(COMMITTED_ROWS, encoding="utf-8")
    return {"original": load(fuzz_base), "no-cvd": load(no_cvd),
            "with-committed": load(committed), "catalog": load_catalog(fuzz_base)}


def evplan_cli(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``python -m evplan.cli`` with a hang guard; return the process and its seconds."""
    import time

    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "evplan.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    return done, time.perf_counter() - started


@pytest.fixture(scope="session")
def reference_run(fuzz_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run folder of the unchanged inputs, written by the CLI."""
    root = tmp_path_factory.mktemp("fuzz-reference-run")
    done, _ = evplan_cli("run", str(fuzz_base), "-o", str(root / "out"), "--no-report",
                         "--no-record", cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "out"


@pytest.fixture(autouse=True)
def _no_stray_files() -> Iterator[None]:
    """Nothing in the fuzz suite may write into the working directory."""
    before = set(Path.cwd().iterdir())
    yield
    assert set(Path.cwd().iterdir()) == before


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print how long the variants took (timings are reported, never asserted)."""
    for kind, seen in TIMINGS.items():
        if not seen:
            continue
        seconds = sorted(seen, reverse=True)
        terminalreporter.write_line(
            f"fuzz {kind}: {len(seen)} variants, {sum(s for s, _ in seen):.1f} s, median "
            f"{statistics.median(s for s, _ in seen):.2f} s, slowest {seconds[0][0]:.2f} s "
            f"({seconds[0][1]})")
