"""Run many cases: in this process, in local worker processes, or on a Dask cluster.

Cases are cut into chunks; a chunk builds one :class:`~evplan.scenarios.warm.WarmModel`
and solves its cases warm, one after the other. Chunks run in parallel:

* ``workers=1`` (or one chunk): in this process, with per-case progress;
* otherwise local processes (``concurrent.futures`` with the ``spawn`` start method);
* ``scheduler="tcp://host:8786"``: an existing ``dask.distributed`` cluster (or pass a
  ``distributed.Client``). The inputs are scattered to the workers once.

Whatever runs the chunks, this process collects the outcomes and records them in the
results store, one transaction per chunk, so the store has a single writer per study.
The returned frame is tidy: one row per case and KPI value.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evplan.data import NetworkData
from evplan.errors import EvplanError, InputError, Problem
from evplan.highs import SolverOptions
from evplan.results import Result
from evplan.scenarios.apply import apply_patches
from evplan.scenarios.cases import Case
from evplan.scenarios.warm import WarmModel
from evplan.store import ResultsStore, RunRecord, inputs_hash, new_run_id

__all__ = ["CaseOutcome", "StudyResult", "check_scheduler_address", "run_cases"]

MAX_CHUNK = 25
CONNECT_TIMEOUT_S = 30  # seconds to reach a Dask scheduler before giving up
SERIAL_BELOW = 50  # cases per CPU under which a default run stays in this process


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


@dataclass(frozen=True)
class StudyResult:
    """A sweep's or Monte Carlo study's outcome: tidy KPIs plus timing."""

    kpis: pd.DataFrame
    cases: pd.DataFrame
    batch_id: str
    seconds: float
    workers: int

    @property
    def cases_per_minute(self) -> float:
        """Throughput over the whole study, including start-up."""
        return 60.0 * len(self.cases) / self.seconds if self.seconds > 0 else float("nan")


def _outcome(case: Case, applied_overrides: tuple[dict[str, Any], ...], data: NetworkData,
             result: Result, with_tables: bool, seconds: float) -> CaseOutcome:
    return CaseOutcome(case=case, status=result.status, objective_usd=result.objective_usd,
                       kpis=result.kpis, tables=dict(result.tables) if with_tables else {},
                       overrides=applied_overrides, inputs_hash=inputs_hash(data),
                       metadata=dict(result.metadata), seconds=seconds)


@dataclass(frozen=True)
class _Portable:
    """NetworkData in a picklable form (its tables mapping is a read-only proxy)."""

    scenario: Any
    tables: dict[str, pd.DataFrame]
    origin: str

    @classmethod
    def of(cls, data: NetworkData) -> _Portable:
        return cls(data.scenario, dict(data.tables), data.origin)

    def data(self) -> NetworkData:
        return NetworkData(scenario=self.scenario, tables=self.tables, origin=self.origin)


def solve_chunk(data: NetworkData | _Portable, cases: Sequence[Case],
                solver: SolverOptions | None = None, with_tables: bool = True,
                on_case: Callable[[CaseOutcome], None] | None = None) -> list[CaseOutcome]:
    """Build one warm model for ``data`` and solve each case on it (runs on a worker)."""
    if isinstance(data, _Portable):
        data = data.data()
    warm = WarmModel(data, solver)
    outcomes = []
    for case in cases:
        started = time.perf_counter()
        try:
            applied = apply_patches(data, case.patches, case.label)
            result = warm.solve(applied.data)
            outcome = _outcome(case, applied.overrides, applied.data, result, with_tables,
                               time.perf_counter() - started)
        except EvplanError as error:
            status = {1: "input_error", 2: "infeasible", 3: "solver_limit"}.get(
                error.exit_code, "error")
            outcome = CaseOutcome(case=case, status=status, objective_usd=float("nan"),
                                  kpis=None, error=str(error),
                                  seconds=time.perf_counter() - started)
        outcomes.append(outcome)
        if on_case is not None:
            on_case(outcome)
    return outcomes


SCHEDULER_ADDRESS = re.compile(
    r"^(?:(?P<scheme>tcp|tls|ws|wss|ucx|inproc)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+)"
    r"(?::(?P<port>\d{1,5}))?/?$")


def check_scheduler_address(address: str) -> str:
    """Return ``address`` when it reads as a Dask scheduler address, else raise InputError.

    Examples
    --------
    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    match = SCHEDULER_ADDRESS.match(str(address).strip())
    port = match.group("port") if match else None
    if match is None or (match.group("scheme") != "inproc" and (
            port is None or not 0 < int(port) < 65536)):
        raise InputError([Problem("--scheduler", f"'{address}' is not a Dask scheduler "
                                  "address. Give tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786 (the "
                                  "address `dask scheduler` prints).")])
    return str(address).strip()


def _connect(address: str) -> Any:
    """A Client on the scheduler at ``address``; InputError when it cannot be reached."""
    from distributed import Client

    address = check_scheduler_address(address)
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, ValueError, TypeError) as error:
        raise InputError([Problem("--scheduler", f"cannot reach the Dask scheduler at "
                                  f"{address} within {CONNECT_TIMEOUT_S} s ({error}). Start it "
                                  "(`dask scheduler`), or check the address and the "
                                  "firewall.")]) from None


def _chunks(cases: Sequence[Case], workers: int, chunk_size: int | None) -> list[list[Case]]:
    if chunk_size is None:
        count = workers * max(1, math.ceil(len(cases) / (workers * MAX_CHUNK)))
        chunk_size = max(1, math.ceil(len(cases) / count))
    return [list(cases[start:start + chunk_size]) for start in range(0, len(cases), chunk_size)]


class _Progress:
    """A rich progress bar with ETA, or nothing."""

    def __init__(self, total: int, description: str, enabled: bool) -> None:
        self.bar: Any = None
        if enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
                                TimeRemainingColumn(), transient=False)
            self.bar.start()
            self.task = self.bar.add_task(description, total=total)

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _local(data: NetworkData, chunks: list[list[Case]], solver: SolverOptions | None,
           with_tables: bool, workers: int) -> Iterator[list[CaseOutcome]]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        portable = _Portable.of(data)
        futures = [pool.submit(solve_chunk, portable, chunk, solver, with_tables)
                   for chunk in chunks]
        for future in as_completed(futures):
            yield future.result()


def _dask(data: NetworkData, chunks: list[list[Case]], solver: SolverOptions | None,
          with_tables: bool, scheduler: Any) -> Iterator[list[CaseOutcome]]:
    from distributed import as_completed as dask_completed

    shared = scheduler.scatter(_Portable.of(data), broadcast=True)
    futures = [scheduler.submit(solve_chunk, shared, chunk, solver, with_tables, pure=False)
               for chunk in chunks]
    for future in dask_completed(futures):
        yield future.result()


def _tidy(outcomes: list[CaseOutcome], run_ids: dict[int, str]) -> tuple[pd.DataFrame,
                                                                          pd.DataFrame]:
    outcomes = sorted(outcomes, key=lambda outcome: outcome.case.number)
    cases = pd.DataFrame([{
        "case": outcome.case.number, "label": outcome.case.label,
        **outcome.case.parameters, "run_id": run_ids.get(outcome.case.number, ""),
        "status": outcome.status, "objective_usd": outcome.objective_usd,
        "solve_mode": outcome.metadata.get("solve_mode", ""),
        "seconds": outcome.seconds, "error": outcome.error,
    } for outcome in outcomes])
    frames = [outcome.kpis.assign(case=outcome.case.number) for outcome in outcomes
              if outcome.kpis is not None]
    if frames:
        kpis = pd.concat(frames, ignore_index=True)
        kpis = cases.drop(columns=["seconds", "error"]).merge(kpis, on="case")
    else:
        kpis = cases.iloc[:0]
    return kpis, cases


def run_cases(data: NetworkData, cases: Sequence[Case], *, solver: SolverOptions | None = None,
              workers: int | None = None, scheduler: Any = None,
              store: ResultsStore | None = None, scenario: str = "sweep",
              batch_id: str | None = None, with_tables: bool = True, progress: bool = False,
              chunk_size: int | None = None) -> StudyResult:
    """Solve every case (warm where possible) and return tidy KPIs per case.

    Parameters
    ----------
    data : NetworkData
        The base inputs every case patches.
    cases : sequence of Case
        From :func:`~evplan.scenarios.cases.grid_cases` or
        :func:`~evplan.scenarios.cases.montecarlo_cases`.
    solver : SolverOptions, optional
        Limits for every solve.
    workers : int, optional
        Local worker processes; 1 runs in this process (default: 1 below 50 cases per CPU,
        where starting processes costs more than it saves, else the CPU count).
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``tcp://host:8786``) or a Client: run there instead.
    store : ResultsStore, optional
        Record every case as a run (batch id, parameters, overrides, KPIs, tables).
    scenario : str
        Scenario label recorded with each case (``sweep eu-duty-x-freight``).
    batch_id : str, optional
        Id shared by the study's runs (default: a new one).
    with_tables : bool
        Keep and store every case's result tables (else KPIs only).
    progress : bool
        Show a progress bar with ETA on the terminal.
    chunk_size : int, optional
        Cases per warm model (default: spread evenly, at most 25).
    """
    started = time.perf_counter()
    client_given = scheduler
    batch_id = batch_id or f"{scenario.split()[0]}-{uuid.uuid4().hex[:8]}"
    if workers is None:  # starting processes costs seconds: worth it for many cases only
        cpus = os.cpu_count() or 1
        workers = 1 if len(cases) < SERIAL_BELOW * cpus else cpus
    if scheduler is not None:
        from distributed import Client

        scheduler = scheduler if isinstance(scheduler, Client) else _connect(scheduler)
        owned_client = scheduler if scheduler is not None else None
        workers = max(1, len(scheduler.scheduler_info().get("workers", {})))
    else:
        owned_client = None
    chunks = _chunks(cases, workers, chunk_size)
    bar = _Progress(len(cases), scenario, progress)
    outcomes: list[CaseOutcome] = []
    run_ids: dict[int, str] = {}

    def record(batch: list[CaseOutcome]) -> None:
        outcomes.extend(batch)
        if store is None:
            return
        records = []
        for outcome in batch:
            if outcome.kpis is None:
                continue
            run_id = new_run_id()
            run_ids[outcome.case.number] = run_id
            records.append(RunRecord(
                run_id=run_id, scenario=f"{scenario} [{outcome.case.label}]",
                base_scenario=data.scenario.name, status=outcome.status,
                objective_usd=outcome.objective_usd, kpis=outcome.kpis, tables=outcome.tables,
                overrides=list(outcome.overrides), inputs_hash=outcome.inputs_hash,
                batch_id=batch_id, case_label=outcome.case.label,
                parameters=dict(outcome.case.parameters), metadata=outcome.metadata))
        store.record_many(records)

    try:
        if scheduler is None and (workers == 1 or len(chunks) == 1):
            pending: list[CaseOutcome] = []

            def on_case(outcome: CaseOutcome) -> None:
                pending.append(outcome)
                bar.advance(1)
                if len(pending) >= MAX_CHUNK:
                    record(pending[:])
                    pending.clear()

            solve_chunk(data, list(cases), solver, with_tables, on_case)
            record(pending)
        else:
            runner = (_dask(data, chunks, solver, with_tables, scheduler) if scheduler
                      is not None else _local(data, chunks, solver, with_tables,
                                              min(workers, len(chunks))))
            for batch in runner:
                record(batch)
                bar.advance(len(batch))
    finally:
        bar.close()
        if owned_client is not None and owned_client is not client_given:
            owned_client.close()
    kpis, table = _tidy(outcomes, run_ids)
    used = 1 if scheduler is None and (workers == 1 or len(chunks) == 1) else min(
        workers, len(chunks))
    return StudyResult(kpis=kpis, cases=table, batch_id=batch_id,
                       seconds=time.perf_counter() - started, workers=used)
