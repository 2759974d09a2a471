"""Wall-clock and CPU seconds per stage of a run, for ``evplan run --verbose``.

CPU seconds are this process's (every thread, user + system), the figure that stays honest
on a busy machine; wall seconds are what the user waits. Nothing here prints: the CLI turns
:meth:`Stopwatch.rows` into a table.

Examples
--------
>>> watch = Stopwatch()
>>> with watch.stage("load"):
...     total = sum(range(1000))
>>> watch.lap("build")  # since the watch was made
>>> [name for name, _, _ in watch.rows()]
['load', 'build']
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping

__all__ = ["Stopwatch", "cpu_seconds", "process_wall_seconds"]


def cpu_seconds() -> float:
    """CPU seconds this process has used so far (user + system, every thread)."""
    return time.process_time()


def process_wall_seconds() -> float | None:
    """Wall seconds since this process started (Linux ``/proc``; None elsewhere)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as file:
            fields = file.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as file:
            uptime = float(file.read().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        return max(uptime - int(fields[19]) / ticks, 0.0)
    except (OSError, ValueError, IndexError):
        return None


class Stopwatch:
    """Collects (stage, wall seconds, CPU seconds) in the order stages ran."""

    def __init__(self) -> None:
        self._rows: list[tuple[str, float, float]] = []
        self._mark = (time.perf_counter(), time.process_time())

    def lap(self, name: str) -> None:
        """Record the time since the watch was made or the last lap as stage ``name``."""
        wall, cpu = time.perf_counter(), time.process_time()
        self.add(name, wall - self._mark[0], cpu - self._mark[1])
        self._mark = (wall, cpu)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the body of a ``with`` block as stage ``name``."""
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - wall, time.process_time() - cpu)

    def lap_parts(self, parts: Mapping[str, Mapping[str, float]], rest: str) -> None:
        """Close a lap whose parts were timed inside it (e.g. by :func:`evplan.optimize`).

        ``parts`` is :meth:`as_dict` output; what the parts do not account for is recorded
        as stage ``rest`` (when it is more than a millisecond).
        """
        wall, cpu = time.perf_counter(), time.process_time()
        lap_wall, lap_cpu = wall - self._mark[0], cpu - self._mark[1]
        for name, seconds in parts.items():
            self.add(name, seconds["wall_s"], seconds["cpu_s"])
            lap_wall -= seconds["wall_s"]
            lap_cpu -= seconds["cpu_s"]
        if lap_wall > 1e-3 or lap_cpu > 1e-3:
            self.add(rest, max(lap_wall, 0.0), max(lap_cpu, 0.0))
        self._mark = (wall, cpu)

    def add(self, name: str, wall_s: float, cpu_s: float) -> None:
        """Record a stage timed elsewhere."""
        self._rows.append((name, float(wall_s), float(cpu_s)))

    def rows(self) -> list[tuple[str, float, float]]:
        """(stage, wall seconds, CPU seconds) per stage."""
        return list(self._rows)

    def as_dict(self) -> dict[str, dict[str, float]]:
        """``{stage: {"wall_s": ..., "cpu_s": ...}}`` (JSON-ready)."""
        return {name: {"wall_s": round(wall, 6), "cpu_s": round(cpu, 6)}
                for name, wall, cpu in self._rows}
