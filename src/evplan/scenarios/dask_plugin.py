"""The Dask side of a sweep: a worker plugin holding one warm model per worker.

Imported only on the Dask path (it imports ``distributed``); see
:mod:`evplan.scenarios.worker` for what the :class:`~evplan.scenarios.worker.Solver` a
worker holds does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from evplan.scenarios.cases import Case
from evplan.scenarios.warm import WarmState
from evplan.scenarios.worker import ChunkResult, Solver

__all__ = ["WarmModelPlugin", "solve_on_dask"]


class WarmModelPlugin(WorkerPlugin):
    """Gives each Dask worker one :class:`~evplan.scenarios.worker.Solver` for a base.

    Registered by the sweep under :attr:`name` (``evplan-warm-<inputs hash>``); a worker
    builds its Solver when the plugin is set up (on registration, or when it joins), and
    tasks find it with :func:`solve_on_dask`.
    """

    def __init__(self, key: str, state: WarmState) -> None:
        self.key = key
        self.name = f"evplan-warm-{key}"
        self.state = state
        self.solver: Solver | None = None

    def setup(self, worker: Any) -> None:
        self.solver = Solver.of_state(self.state)

    def teardown(self, worker: Any) -> None:
        self.solver = None


def solve_on_dask(name: str, cases: Sequence[Case], tables: bool, stored: bool = True
                  ) -> ChunkResult:
    """Solve a chunk on this Dask worker's Solver (its plugin ``name``).

    With ``tables``, each outcome carries its tables' numbers (not frames): the sweep's
    process, which holds the same templates, makes the frames and records them; frames
    when the warm state had no templates to share.
    """
    plugin = get_worker().plugins[name]
    solver = plugin.solver if isinstance(plugin, WarmModelPlugin) else None
    if solver is None or not isinstance(plugin, WarmModelPlugin):
        raise RuntimeError(f"evplan: the Dask worker plugin {name} is not set up")
    # Numbers only when the sweep's process holds the same templates (the state's); without
    # them (a base case with no plan) the tables travel as frames.
    mode = ("numbers" if plugin.state.templates is not None else "frames") if tables else ""
    outcomes = solver.solve(cases, tables=mode, stored=stored)
    return ChunkResult(outcomes, os.getpid(), time.process_time())
