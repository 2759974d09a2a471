"""Fixtures of the fuzz suite: the pristine inputs, a workbook of them, the reference plans."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from evplan.data import NetworkData, load
from evplan.errors import InputError
from evplan.examples import china_export_path
from evplan.scenarios import Catalog, load_catalog
from evplan.schema import TABLES
from tests.fuzz.variants import COMMITTED_ROWS, WORKBOOK

#: Seconds each variant took, by kind ("in-process", "cli wall", "cli cpu"), for the summary.
TIMINGS: dict[str, list[tuple[float, str]]] = {"in-process": [], "cli wall": [], "cli cpu": []}


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
    found: dict[str, NetworkData | Catalog] = {
        "original": load(fuzz_base), "no-cvd": load(no_cvd), "with-committed": load(committed),
        "catalog": load_catalog(fuzz_base)}
    for table in TABLES.values():  # an optional table missing (or header only): no rows
        if table.required:
            continue
        if not (fuzz_base / table.file).exists():  # not shipped: no rows already
            found[f"without:{table.name}"] = found["original"]
            continue
        without = shutil.copytree(fuzz_base, root / f"without-{table.name}")
        (without / table.file).unlink()
        try:
            found[f"without:{table.name}"] = load(without)
        except InputError:
            continue  # needed by another table: its variants expect the error
    return found


def evplan_cli(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run ``python -m evplan.cli`` with a hang guard; return it, its wall and CPU seconds."""
    import resource
    import time

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    started, cpu_started = time.perf_counter(), cpu()
    done = subprocess.run([sys.executable, "-m", "evplan.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    return done, time.perf_counter() - started, cpu() - cpu_started


@pytest.fixture(scope="session")
def reference_run(fuzz_base: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Callable[[str], Path]:
    """The run folder the CLI writes for a reference's inputs (made on first use)."""
    root = tmp_path_factory.mktemp("fuzz-reference-runs")
    made: dict[str, Path] = {}

    def run(reference: str) -> Path:
        if reference not in made:
            inputs = shutil.copytree(fuzz_base, root / reference / "inputs")
            if reference == "no-cvd":
                (inputs / "countervailing_duties.csv").unlink()
            elif reference == "with-committed":
                (inputs / "committed_sales.csv").write_text(COMMITTED_ROWS, encoding="utf-8")
            done, _, _ = evplan_cli("run", str(inputs), "-o", str(root / reference / "out"),
                                    "--no-report", "--no-record", cwd=root / reference)
            assert done.returncode == 0, done.stderr
            made[reference] = root / reference / "out"
        return made[reference]

    return run


@pytest.fixture(autouse=True)
def _no_stray_files() -> Iterator[None]:
    """Nothing in the fuzz suite may write a run folder or a store into the working directory."""
    def written() -> set[Path]:
        return {*Path.cwd().glob("evplan-output"), *Path.cwd().glob("*.duckdb")}

    before = written()
    yield
    assert written() == before


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print how long the variants took (timings are reported, never asserted)."""
    import os

    terminalreporter.write_line(f"fuzz: load average {os.getloadavg()[0]:.2f} at the end")
    for kind, seen in TIMINGS.items():
        if not seen:
            continue
        seconds = sorted(seen, reverse=True)
        terminalreporter.write_line(
            f"fuzz {kind}: {len(seen)} variants, {sum(s for s, _ in seen):.1f} s, median "
            f"{statistics.median(s for s, _ in seen):.2f} s, slowest {seconds[0][0]:.2f} s "
            f"({seconds[0][1]})")
