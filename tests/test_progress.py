"""evplan.progress: the progress line's text, the solver's gap on it, and Ctrl-C that stops
a real HiGHS solve (issue 18, item 7)."""

from __future__ import annotations

import io
import os
import signal
import threading
from pathlib import Path

import highspy
import numpy as np
import pytest
from rich.console import Console

from evplan.highs import new_highs
from evplan.progress import Work, current, run_solver, work


def _knapsacks(items: int, rows: int, seed: int = 0) -> highspy.Highs:
    """A multi-dimensional 0/1 knapsack: small, and hard for branch and bound."""
    rng = np.random.default_rng(seed)
    h = new_highs()
    h.addVars(items, np.zeros(items), np.ones(items))
    h.changeColsIntegrality(items, np.arange(items, dtype=np.int32),
                            np.ones(items, dtype=np.uint8))
    h.changeColsCost(items, np.arange(items, dtype=np.int32),
                     -rng.integers(10, 100, items).astype(float))
    weights = rng.integers(5, 50, (rows, items)).astype(float)
    starts = np.arange(rows, dtype=np.int32) * items
    h.addRows(rows, np.full(rows, -np.inf), weights.sum(axis=1) / 2, weights.size, starts,
              np.tile(np.arange(items, dtype=np.int32), rows), weights.ravel())
    return h


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_line_says_what_runs_the_gap_and_the_time() -> None:
    clock = _Clock()
    progress = Work("recycling", clock=clock)
    assert progress.line() == "recycling · 0:00 elapsed · Ctrl-C stops"
    progress.step("part 3/6 (CA)")
    progress.solver_progress(iterations=12345)
    clock.now += 7
    assert progress.line() == ("recycling · part 3/6 (CA) · LP, 12,345 iterations · 0:07 "
                               "elapsed · Ctrl-C stops")
    progress.solver_progress(mip_gap=float("inf"))
    assert "no plan yet" in progress.line()
    progress.solver_progress(mip_gap=0.0412, nodes=1234)
    clock.now += 58
    console = Console(file=io.StringIO(), width=120, record=True, color_system=None)
    console.print(progress)
    assert console.export_text() == ("recycling · part 3/6 (CA) · MIP gap 4.12%, 1,234 nodes · "
                                     "1:05 elapsed · Ctrl-C stops\n")
    progress.step("part 4/6 (CN)")  # a new step clears the last solver's figures
    assert "gap" not in progress.line()


def test_a_real_solve_reports_its_gap_on_a_recorded_console() -> None:
    """Inside work(), HiGHS's MIP callback puts the gap on the line (a recording console
    stands in for the terminal); outside, run_solver is plain h.run()."""
    console = Console(file=io.StringIO(), width=160, record=True, force_terminal=True,
                      color_system=None)
    before = signal.getsignal(signal.SIGINT)
    with work("recycling", console=console) as progress:
        assert current() is progress
        progress.step("part 1/1 (EU)")
        h = _knapsacks(40, 10)
        run_solver(h)
        assert str(h.getModelStatus()).endswith("kOptimal")
        assert progress.solver.startswith("MIP gap ")
        assert progress.line().startswith("recycling · part 1/1 (EU) · MIP gap ")
        run_solver(_knapsacks(30, 5), "MILP of 2 scenarios")  # a solve that names itself
        assert progress.line().startswith("recycling · MILP of 2 scenarios · MIP gap ")
    assert current() is None and signal.getsignal(signal.SIGINT) is before
    shown = console.export_text()
    assert "recycling · part 1/1 (EU)" in shown and "Ctrl-C stops" in shown
    h = _knapsacks(30, 5)
    run_solver(h)  # no work in force: a plain run
    assert str(h.getModelStatus()).endswith("kOptimal")


def test_ctrl_c_stops_a_running_solve_and_raises() -> None:
    """SIGINT while HiGHS runs: HiGHS stops at its next interrupt check (status kInterrupt,
    not a finished search), then KeyboardInterrupt is raised."""
    h = _knapsacks(150, 40)
    h.setOptionValue("time_limit", 600.0)
    with pytest.raises(KeyboardInterrupt), work("test", show=False):
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            run_solver(h)
        finally:
            timer.cancel()
    assert str(h.getModelStatus()).endswith("kInterrupt")


def test_ctrl_c_outside_the_solver_raises_at_once() -> None:
    with pytest.raises(KeyboardInterrupt), work("test", show=False) as progress:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10_000_000):  # Python code: interrupted at the next bytecode
            pass
    assert progress.stop_requested.is_set()


def test_ctrl_c_after_a_folder_is_written_says_so(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A Ctrl-C after write_folder committed a folder (and its store record) said "nothing
    written" (audit): the line now names the folder."""
    from evplan.cli.app import long_work
    from evplan.outputs import write_folder
    from evplan.outputs.marker import new_run_id
    from evplan.outputs.targets import new_folder_target

    target = new_folder_target(tmp_path / "out", "out", kind="run")
    with pytest.raises(SystemExit) as stopped, long_work("fleet", False):
        folder = write_folder(target, lambda staging: (staging / "x.csv").write_text("a\n"),
                              kind="run", run_id=new_run_id(), command="test")
        raise KeyboardInterrupt
    assert stopped.value.code == 130
    assert f"; {folder} had been written whole before it.\n" in capsys.readouterr().err
    with pytest.raises(SystemExit), long_work("fleet", False):
        raise KeyboardInterrupt
    assert capsys.readouterr().err.endswith("; nothing written.\n")
