"""Progress on the terminal, and a prompt stop on Ctrl-C, for long work.

A long command runs its work inside :func:`work`::

    with work("recycling") as progress:
        progress.step("part 3/6 (CA)")
        run_solver(h)        # instead of h.run(): interruptible, reports the MIP gap

Inside the block:

* a one-line display on standard error (only when standard error is a terminal, or when
  asked with ``show=True``) says what runs, the solver's progress (the MIP gap, or the
  simplex iterations of an LP) and the elapsed time; it never touches standard output, so
  tables and machine output stay clean;
* Ctrl-C (SIGINT) raises :class:`KeyboardInterrupt` at once in Python code; while HiGHS
  runs (through :func:`run_solver`), it asks HiGHS to stop at its next interrupt check (a
  simplex iteration, an interior-point iteration, a branch-and-bound step) and raises
  :class:`KeyboardInterrupt` as soon as HiGHS returns. The caller decides what an
  interrupt means (the CLI: one line, exit code 130, nothing written).

Outside such a block :func:`run_solver` is ``h.run()``: library use is unchanged.

The block in force is held in a :class:`contextvars.ContextVar`, so a solve loop deep in
the library reports to it without a progress argument threaded through every call.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

__all__ = ["Work", "current", "run_solver", "work"]

_CURRENT: contextvars.ContextVar[Work | None] = contextvars.ContextVar(
    "evplan_progress_work", default=None)


class Work:
    """One long piece of work: what it does now, the solver's progress, a stop request.

    Parameters
    ----------
    title : str
        What runs (``recycling``, ``stochastic duty-risk``).
    clock : callable, optional
        Seconds now (``time.monotonic``); tests pass their own.
    """

    def __init__(self, title: str, clock: Any = time.monotonic) -> None:
        self.title = title
        self.detail = ""
        self.solver = ""
        self._clock = clock
        self.started = clock()
        self.stop_requested = threading.Event()
        self.in_solver = False
        self.redraw: Any = None  # the live display's refresh, when there is one
        self._drawn = 0.0
        self.written: list[str] = []  # folders written whole during the work

    @property
    def elapsed_s(self) -> float:
        """Seconds since the work started."""
        return float(self._clock() - self.started)

    def step(self, detail: str) -> None:
        """Say what the work does now (``part 3/6 (CA)``, ``scenario 2/4 alone``)."""
        self.detail = detail
        self.solver = ""

    def solver_progress(self, *, mip_gap: float | None = None, nodes: int | None = None,
                        iterations: int | None = None) -> None:
        """Record the solver's progress (from a HiGHS callback)."""
        if mip_gap is not None:
            gap = "no plan yet" if not math.isfinite(mip_gap) or mip_gap >= 1e20 else (
                f"MIP gap {mip_gap:.2%}")
            self.solver = gap + (f", {nodes:,} nodes" if nodes else "")
        elif iterations is not None:
            self.solver = f"LP, {iterations:,} iterations"
        now = self._clock()
        if self.redraw is not None and now - self._drawn >= 0.25:
            # HiGHS holds the GIL while it runs: the display's own thread may not get to
            # redraw, so the solver's callbacks do
            self._drawn = now
            self.redraw()

    def line(self) -> str:
        """The display line: title, step, solver progress, elapsed time, how to stop."""
        seconds = int(self.elapsed_s)
        parts = [self.title, self.detail, self.solver,
                 f"{seconds // 60}:{seconds % 60:02d} elapsed", "Ctrl-C stops"]
        return " · ".join(part for part in parts if part)

    def __rich__(self) -> Text:
        from rich.text import Text

        return Text(self.line(), style="dim", no_wrap=True, overflow="ellipsis")

    def _on_sigint(self, signum: int, frame: object) -> None:
        """SIGINT: a stop request; raised at once unless HiGHS runs (then after it stops)."""
        self.stop_requested.set()
        if not self.in_solver:
            raise KeyboardInterrupt


def current() -> Work | None:
    """The :class:`Work` in force in this context (None outside :func:`work`)."""
    return _CURRENT.get()


def _display(progress: Work, show: bool | None, console: Console | None
             ) -> contextlib.AbstractContextManager[object]:
    """A live line on standard error (or ``console``), or nothing."""
    if console is None:
        show_given = show is not None
        if show is None:
            show = sys.stderr.isatty()
        if not show:
            return contextlib.nullcontext()
        from rich.console import Console

        console = Console(stderr=True, markup=False, emoji=False)
        if console.is_dumb_terminal and not show_given:  # TERM=dumb: no live line
            return contextlib.nullcontext()
    elif show is False:
        return contextlib.nullcontext()
    from rich.live import Live

    # Lines printed to standard output meanwhile go above the live line only when both
    # streams are the same terminal (a piped standard output is left alone); lines printed
    # to standard error go above it.
    return Live(progress, console=console, refresh_per_second=4, transient=True,
                redirect_stdout=sys.stdout.isatty() and console.is_terminal,
                redirect_stderr=console.stderr)


def note_written(folder: Path) -> None:
    """Say that ``folder`` is written whole (by :func:`evplan.outputs.write_folder`), so a
    Ctrl-C later in the same work reports it rather than "nothing written"."""
    current = _CURRENT.get(None)
    if current is not None:
        current.written.append(str(folder))


@contextlib.contextmanager
def work(title: str, *, show: bool | None = None, console: Console | None = None
         ) -> Iterator[Work]:
    """Run a block as one long piece of work: progress line, Ctrl-C stops it promptly.

    Parameters
    ----------
    title : str
        What runs, first on the progress line.
    show : bool, optional
        Show the progress line (default: when standard error is a terminal).
    console : rich.console.Console, optional
        Where the line goes (default: standard error).

    Yields
    ------
    Work
        Call :meth:`Work.step` to say what runs now.

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C, after the solver (if one runs) has stopped.
    """
    progress = Work(title)
    token = _CURRENT.set(progress)
    previous = None
    main = threading.current_thread() is threading.main_thread()
    if main:  # signal handlers can only be set from the main thread
        previous = signal.signal(signal.SIGINT, progress._on_sigint)
    try:
        display = _display(progress, show, console)
        progress.redraw = getattr(display, "refresh", None)
        with display:
            yield progress
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
        _CURRENT.reset(token)


def run_solver(h: Any, what: str | None = None) -> object:
    """``h.run()`` that reports progress and stops on Ctrl-C inside :func:`work`.

    Parameters
    ----------
    h : highspy.Highs
        A loaded model.
    what : str, optional
        What this solve is, for the progress line (``MILP of 4 scenarios``); without it the
        line keeps the step its caller set.

    Returns
    -------
    highspy.HighsStatus
        What ``h.run()`` returned.

    Raises
    ------
    KeyboardInterrupt
        When Ctrl-C stopped the solve.
    """
    progress = _CURRENT.get()
    if progress is None or not hasattr(h, "cbMipInterrupt"):
        return h.run()
    if progress.stop_requested.is_set():
        raise KeyboardInterrupt
    if what:
        progress.step(what)

    mip_seen = False

    def on_mip(event: Any) -> None:
        nonlocal mip_seen
        mip_seen = True
        out = event.data_out
        progress.solver_progress(mip_gap=float(out.mip_gap), nodes=int(out.mip_node_count))
        if progress.stop_requested.is_set():
            event.interrupt()

    def on_lp(event: Any) -> None:
        if progress.stop_requested.is_set():
            event.interrupt()

    def on_simplex(event: Any) -> None:
        if not mip_seen:  # a MIP's LPs: the gap says more
            progress.solver_progress(iterations=int(event.data_out.simplex_iteration_count))
        on_lp(event)

    subscribed = ((h.cbMipInterrupt, on_mip), (h.cbSimplexInterrupt, on_simplex),
                  (h.cbIpmInterrupt, on_lp))
    for event, callback in subscribed:
        event.subscribe(callback)
    progress.in_solver = True
    try:
        status = h.run()
    finally:
        progress.in_solver = False
        for event, callback in subscribed:
            event.unsubscribe(callback)
    if progress.stop_requested.is_set():
        raise KeyboardInterrupt
    return status
