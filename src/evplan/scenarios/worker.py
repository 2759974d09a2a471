"""Solving cases on one warm model per process: here, in local workers, on Dask workers.

A :class:`Solver` holds what a process needs to solve the cases of one base: the base
inputs, one :class:`~evplan.scenarios.warm.WarmModel`, and the base's table hashes (so a
case's inputs hash reads only the tables it changed). The sweep's process builds the warm
model once and sends its :class:`~evplan.scenarios.warm_state.WarmState` to the workers:

* local child processes get it once each, through the pool's initializer
  (:func:`start_process`), and keep their :class:`Solver` for every chunk they are given;
  they start from a fork server that imported this module (and the certificate and
  compliance modules a case needs) once, so no worker imports evplan again, and none
  imports linopy; the sweep's own process solves chunks too, on the warm model it built;
* Dask workers get it through a worker plugin
  (:class:`~evplan.scenarios.dask_plugin.WarmModelPlugin`) named after the base's inputs
  hash, registered for the sweep: each worker, and any that joins later, builds its Solver
  once.

Workers send back KPIs; result tables are made only when they are stored: a local child
records its cases in the results store itself (one transaction per chunk), a Dask worker
(which may run on another machine) sends their numbers, which the sweep's process records
with the cases it solved itself.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.errors import EvplanError
from evplan.outputs.files import OwnerToken
from evplan.scenarios.apply import apply_patches
from evplan.scenarios.cases import Case
from evplan.scenarios.warm import WarmModel, WarmState
from evplan.store import ResultsStore, RunRecord, inputs_hash, new_run_id, table_hash_parts

__all__ = ["CaseOutcome", "ChunkResult", "Recording", "Solver", "frozen_heap", "run_record",
           "solve_in_process", "start_process", "without_tables"]

#: This process's Solvers, by base inputs hash. Only worker processes fill it (through
#: :func:`start_process`); it is the per-process cache a pool initializer needs.
_PROCESS_SOLVERS: dict[str, Solver] = {}


@dataclass(frozen=True)
class CaseOutcome:
    """What solving one case gave (picklable, sent back from workers)."""

    case: Case
    status: str
    objective_usd: float
    kpis: pd.DataFrame | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    overrides: tuple[dict[str, Any], ...] = ()
    inputs_hash: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0
    run_id: str = ""
    table_numbers: dict[str, dict[str, np.ndarray]] | None = None


@dataclass(frozen=True)
class Recording:
    """Where and how a worker records its cases (the sweep's store and batch)."""

    store: Path
    lock_timeout_s: float
    scenario: str
    base_scenario: str
    batch_id: str
    #: The resolved overrides of a study's ``--scenario``, applied to the base before the
    #: warm model was built: recorded before each case's own.
    base_overrides: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ChunkResult:
    """A chunk's outcomes, and the CPU seconds its worker process has used so far."""

    outcomes: list[CaseOutcome]
    pid: int
    cpu_seconds: float


def run_record(outcome: CaseOutcome, recording: Recording, run_id: str) -> RunRecord:
    """The store record of a solved case."""
    assert outcome.kpis is not None
    return RunRecord(
        run_id=run_id, scenario=f"{recording.scenario} [{outcome.case.label}]",
        base_scenario=recording.base_scenario, status=outcome.status,
        objective_usd=outcome.objective_usd, kpis=outcome.kpis, tables=outcome.tables,
        overrides=[*recording.base_overrides, *outcome.overrides],
        inputs_hash=outcome.inputs_hash, batch_id=recording.batch_id, case_label=outcome.case.label,
        parameters=dict(outcome.case.parameters), metadata=outcome.metadata)


class Solver:
    """The cases of one base, solved on one warm model (see the module docstring)."""

    def __init__(self, data: NetworkData, warm: WarmModel) -> None:
        self.data = data
        self.warm = warm
        self.known_hashes = table_hash_parts(data)
        self.key = inputs_hash(data, self.known_hashes)

    @classmethod
    def of_state(cls, state: WarmState) -> Solver:
        data = state.base()
        return cls(data, WarmModel.from_state(state, data))

    def solve(self, cases: Sequence[Case], tables: str = "",
              on_case: Callable[[CaseOutcome], None] | None = None, stored: bool = True
              ) -> list[CaseOutcome]:
        """Solve ``cases`` in order.

        ``tables``: ``""`` (KPIs only), ``"frames"`` or ``"numbers"`` (the tables' numeric
        columns, for a process holding the same templates). ``stored``: the cases go to the
        results store, so each outcome carries its inputs hash and its resolved overrides (a
        demand scale lists every row it changed: 18 KB a case, sent back from workers for
        nothing when no store keeps them).
        """
        outcomes = []
        for case in cases:
            started = time.perf_counter()
            try:
                applied = apply_patches(self.data, case.patches, case.label)
                numbers = None
                # checked: apply_patches checked what it changed; the base was checked once
                if tables == "numbers":  # None without templates: the Result has frames
                    result, numbers = self.warm.solve_numbers(applied.data, case.parameters,
                                                              checked=True)
                else:
                    result = self.warm.solve(applied.data, tables == "frames", case.parameters,
                                             checked=True)
                outcome = CaseOutcome(
                    case=case, status=result.status, objective_usd=result.objective_usd,
                    kpis=result.kpis, tables=dict(result.tables),
                    overrides=applied.overrides if stored else (),
                    inputs_hash=inputs_hash(applied.data, self.known_hashes) if stored else "",
                    metadata=dict(result.metadata), seconds=time.perf_counter() - started,
                    table_numbers=numbers)
            except EvplanError as error:
                status = {1: "input_error", 2: "infeasible", 3: "solver_limit",
                          4: "verification_failed"}.get(
                    error.exit_code, "error")
                outcome = CaseOutcome(case=case, status=status, objective_usd=float("nan"),
                                      kpis=None, error=str(error),
                                      seconds=time.perf_counter() - started)
            outcomes.append(outcome)
            if on_case is not None:
                on_case(outcome)
        return outcomes


@contextlib.contextmanager
def frozen_heap() -> Generator[None, None, None]:
    """While a study runs in this process: what the process held before it (its imports,
    the base inputs, the warm model) is left out of the cyclic collector's full collections,
    as a worker's is for good (:func:`start_process`); put back when the study ends.

    A warm case makes many short-lived objects, and every full collection scanned all the
    process holds: about 5-8 % of a serial sweep's CPU. Nothing is changed when the
    collector is off or something in this process froze objects already (``gc.freeze``:
    only its owner may unfreeze them).
    """
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# ---- local worker processes -------------------------------------------------------------

def start_process(key: str, state: WarmState, sweep: str | None = None) -> None:
    """Pool initializer: build this worker's Solver once (no linopy, no evplan import).

    With ``sweep`` (the sweep process's :class:`~evplan.outputs.files.OwnerToken`: its pid
    and start time), a watchdog thread ends this worker within a second of that process
    ending. A pool's workers wait for work on a queue they also hold open, so a sweep killed
    outright (SIGKILL, out of memory) would otherwise leave them, and the fork server that
    started them, waiting for ever.
    """
    _PROCESS_SOLVERS[key] = Solver.of_state(state)
    # This process is the sweep's own (a local child, never a user's or Dask's): what it
    # holds now (its imports, the Solver) lives as long as it does, so the cyclic collector
    # need not scan it again at every full collection (about 5 % of a warm case's CPU).
    gc.freeze()
    if sweep is not None:
        threading.Thread(target=_end_with, args=(OwnerToken(sweep),), name="evplan-watchdog",
                         daemon=True).start()


def _end_with(owner: OwnerToken, every_s: float = 1.0) -> None:
    """End this process (exit 1, at once) when the process ``owner`` names has ended (a
    zombie, or its pid now another process's, counts as ended)."""
    while True:
        time.sleep(every_s)
        if not owner.alive():
            os._exit(1)


def solve_in_process(key: str, cases: Sequence[Case], recording: Recording | None,
                     tables: bool = True) -> ChunkResult:
    """Solve a chunk on this worker's Solver; record it in the store when asked.

    Recorded cases (with their tables when ``tables``) come back with their ``run_id``
    and KPIs only.
    """
    solver = _PROCESS_SOLVERS[key]
    outcomes = solver.solve(cases, tables="frames" if recording is not None and tables
                            else "", stored=recording is not None)
    if recording is not None:
        store = ResultsStore(recording.store, recording.lock_timeout_s)
        kept = []
        records = []
        for outcome in outcomes:
            if outcome.kpis is None:
                kept.append(outcome)
                continue
            run_id = new_run_id()
            records.append(run_record(outcome, recording, run_id))
            kept.append(without_tables(outcome, run_id))
        store.record_many(records)
        outcomes = kept
    return ChunkResult(outcomes, os.getpid(), time.process_time())


def without_tables(outcome: CaseOutcome, run_id: str) -> CaseOutcome:
    """A recorded case as the sweep keeps it: its KPIs and run id, its tables and resolved
    overrides left to the store."""
    return CaseOutcome(case=outcome.case, status=outcome.status,
                       objective_usd=outcome.objective_usd, kpis=outcome.kpis,
                       inputs_hash=outcome.inputs_hash,
                       metadata=outcome.metadata, error=outcome.error,
                       seconds=outcome.seconds, run_id=run_id)
