"""Run many cases: in this process, in local worker processes, or on a Dask cluster.

The sweep's process builds one :class:`~evplan.scenarios.warm.WarmModel` for the base
inputs and hashes them once; every case is then a warm re-solve on it. With workers, each
worker gets that warm model once (see :mod:`evplan.scenarios.worker`) and solves chunks of
cases on it:

* ``workers=1`` (or one chunk): in this process, with per-case progress;
* otherwise ``workers`` local processes: this one, which already holds the warm model, and
  ``workers - 1`` children (``concurrent.futures``; started from a fork server that has
  imported the worker modules, ``spawn`` where there is none); each walks its own stretch
  of the list in chunks, and one done early takes half of the largest stretch left
  (:class:`~evplan.scenarios.segments.Segments`), so all finish close together; each child
  records its own chunks in the results store (one transaction per chunk, retried while
  another process holds the file) and sends back KPIs only;
* ``scheduler="tcp://host:8786"``: an existing ``dask.distributed`` cluster (or pass a
  ``distributed.Client``); the warm model goes to every worker once, as a worker plugin,
  and the workers send back KPIs, plus the tables' numbers when tables are stored, which
  this process records (the store is a file on this machine).

The returned frame is tidy: one row per case and KPI value. :class:`StudyResult` also says
how many CPU seconds the study used here and in its workers.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import time
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.errors import InputError, Problem
from evplan.highs import SolverOptions
from evplan.model.strategic import has_strategic
from evplan.outputs.files import OwnerToken
from evplan.scenarios.cases import Case
from evplan.scenarios.forkserver import pool_context, start_fork_server
from evplan.scenarios.overrides import STUDY_COLUMNS
from evplan.scenarios.segments import MAX_CHUNK, Segments
from evplan.scenarios.warm import WarmModel, WarmState
from evplan.scenarios.worker import (
    CaseOutcome,
    ChunkResult,
    Recording,
    Solver,
    frozen_heap,
    run_record,
    solve_in_process,
    start_process,
    without_tables,
)
from evplan.store import ResultsStore, new_run_id

__all__ = ["CaseOutcome", "StudyResult", "check_scheduler_address", "run_cases", "solve_chunk"]

QUEUE_WHILE_LEFT = 4  # cases left per process above which a child holds two chunks
MEMBERS_EVERY_S = 1.0  # how often a Dask study looks for workers that joined or left
NO_WORKER_WARN_S = 10.0  # a Dask study without a worker this long says so (once)
CONNECT_TIMEOUT_S = 30  # seconds to reach a Dask scheduler before giving up
SERIAL_BELOW = 50  # cases per CPU under which a default run stays in this process


@dataclass(frozen=True)
class StudyResult:
    """A sweep's or Monte Carlo study's outcome: tidy KPIs plus timing.

    ``cpu_seconds`` is this process's CPU time during the study plus its workers' (local
    workers from their start; Dask workers during the study); ``worker_cpu_seconds`` the
    workers' share.
    """

    kpis: pd.DataFrame
    cases: pd.DataFrame
    batch_id: str
    seconds: float
    workers: int
    cpu_seconds: float = float("nan")
    worker_cpu_seconds: float = 0.0

    @property
    def cases_per_minute(self) -> float:
        """Throughput over the whole study, including start-up."""
        return 60.0 * len(self.cases) / self.seconds if self.seconds > 0 else float("nan")


def solve_chunk(data: NetworkData, cases: Sequence[Case], solver: SolverOptions | None = None,
                with_tables: bool = True, on_case: Any = None) -> list[CaseOutcome]:
    """Build one warm model for ``data`` and solve each case on it, in this process."""
    return Solver(data, WarmModel(data, solver)).solve(
        cases, "frames" if with_tables else "", on_case)


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


class _Progress:
    """A rich progress bar with ETA, or nothing."""

    def __init__(self, total: int, description: str, enabled: bool) -> None:
        self.bar: Any = None
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            self.bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                                MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
                                TimeRemainingColumn(), transient=False,
                                console=Console(stderr=True, markup=False,
                                                emoji=False))  # never on stdout
            self.bar.start()
            self.task = self.bar.add_task(description, total=total)

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _local(key: str, state: WarmState, cases: Sequence[Case], segments: Segments,
           recording: Recording | None, tables: bool,
           solve_here: Callable[[list[Case]], ChunkResult]) -> Generator[ChunkResult, None, None]:
    """Solve ``cases`` with ``segments.workers`` processes in all: this one (worker 0) and a
    child for each other worker.

    Each process walks its own stretch of the list (:class:`Segments`). A child has a pool
    of its own (so its chunks run in that process) and holds up to two chunks (one solving,
    one queued behind it, so it never waits for this process) while more than
    :data:`QUEUE_WHILE_LEFT` cases per process are left, else one. This process already
    holds the warm model: it solves its chunks a case at a time (``solve_here``), handing
    the children new chunks between cases.
    """
    workers = segments.workers
    start_fork_server()  # started by run_cases already; if not, started as it says
    context, owner = pool_context(), OwnerToken.new()
    pools = [ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=start_process,
                                 initargs=(key, state, owner)) for _ in range(workers - 1)]
    try:
        running: dict[Future[ChunkResult], int] = {}
        mine: deque[Case] = deque()
        solved: list[CaseOutcome] = []
        while True:
            depth = 2 if segments.left > QUEUE_WHILE_LEFT * workers else 1
            for child in range(1, workers):
                while sum(1 for held in running.values() if held == child) < depth:
                    chunk = segments.take(child)
                    if chunk is None:
                        break
                    running[pools[child - 1].submit(solve_in_process, key,
                                                    [cases[at] for at in chunk], recording,
                                                    tables)] = child
            if not mine and (chunk := segments.take(0)) is not None:
                mine.extend(cases[at] for at in chunk)
            if not mine and not running:
                break
            done = {future for future in running if future.done()}
            if not done and not mine:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                del running[future]
                yield future.result()
            if mine:
                solved.extend(solve_here([mine.popleft()]).outcomes)
                if not mine:  # a chunk done here: record it as one batch
                    yield ChunkResult(solved, os.getpid(), 0.0)
                    solved = []
    except BaseException:
        # Ctrl-C, an error, or the caller closing this generator: start no more chunks, let
        # the workers finish (and record) the ones already handed to them (up to two each:
        # the one solving and the one queued behind it), then stop them. Chunks not yet
        # taken by a child are cancelled in every pool first; shutdown(wait=False) is never
        # called: it drops the pool's queues without waiting, so a later shutdown(wait=True)
        # waited for nothing (and the queues' semaphores leaked).
        for future in running:
            future.cancel()
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
        # The pools' queues (five semaphores each) are freed only when collected: collect
        # them now, or a process that exits on this Ctrl-C leaves the resource tracker to
        # warn of leaked semaphores on the terminal.
        running.clear()
        pools.clear()
        gc.collect()
        raise
    for pool in pools:
        pool.shutdown(wait=True)


def _dask(key: str, state: WarmState, cases: Sequence[Case], chunk_size: int | None,
          tables: bool, stored: bool, client: Any) -> Generator[ChunkResult, None, None]:
    """Solve ``cases`` on the cluster's workers, each walking its own stretch of the list
    (:class:`Segments`): a chunk is submitted for a worker (a loose restriction: Dask runs
    it elsewhere if that worker leaves) when one of its two in flight comes back; a worker
    that joins gets a stretch, one that leaves gives up the rest of its own.

    The cluster's workers are looked up every :data:`MEMBERS_EVERY_S`, also while no chunk
    comes back. A chunk held for a worker that has left is cancelled and submitted again
    without a restriction: Dask leaves a task whose restricted workers are all gone waiting
    for them even when other workers join later (its loose restrictions are not looked at
    then), so a study whose workers were all replaced hung. A chunk is submitted without a
    restriction too while the cluster has no worker (Dask refuses a loose restriction
    without one), and a worker that left still gets one when none is in flight, so the
    study never ends with cases not handed out.
    """
    from distributed import wait as dask_wait

    from evplan.scenarios.dask_plugin import WarmModelPlugin, solve_on_dask

    plugin = WarmModelPlugin(key, state)
    client.register_plugin(plugin, name=plugin.name)
    present = _members(client)
    addresses: list[str | None] = [*sorted(present)] or [None]
    segments = Segments(len(cases), len(addresses), chunk_size)
    owners: dict[Any, tuple[int, range]] = {}  # chunks in flight: their worker and cases

    def submit(worker: int, chunk: range | None = None) -> None:
        chunk = segments.take(worker) if chunk is None else chunk
        if chunk is None:
            return
        address = addresses[worker]
        where = {"workers": [address], "allow_other_workers": True} if (
            address is not None and address in present) else {}
        owners[client.submit(solve_on_dask, plugin.name, [cases[at] for at in chunk], tables,
                             stored, pure=False, **where)] = (worker, chunk)

    waiting_since = None if present else time.monotonic()  # with no worker in the cluster
    said_waiting = False

    def look_up_members() -> None:
        nonlocal present, waiting_since, said_waiting
        present = _members(client)
        if present:
            waiting_since = None
        elif waiting_since is None:
            waiting_since = time.monotonic()
        elif not said_waiting and time.monotonic() - waiting_since >= NO_WORKER_WARN_S:
            said_waiting = True
            address = getattr(getattr(client, "scheduler", None), "address", "the scheduler")
            warnings.warn(f"evplan: the Dask cluster at {address} has had no worker for "
                          f"{NO_WORKER_WARN_S:g} s; the study waits for one. Start workers "
                          f"(`dask worker {address}`), or stop the study with Ctrl-C.",
                          RuntimeWarning, stacklevel=2)
        for number, address in enumerate(addresses):
            if address is not None and address not in present:
                segments.retire(number)
        stranded = [future for future, (worker, _) in owners.items()
                    if addresses[worker] is not None and addresses[worker] not in present
                    and not future.done()]
        for future in stranded:  # held for a worker that left: anywhere, once
            worker, chunk = owners.pop(future)
            client.cancel([future])
            submit(worker, chunk)  # no longer present: unrestricted
        for address in sorted(present - set(addresses)):  # joined since the start
            addresses.append(address)
            joined = segments.add_worker()
            for _ in range(2):
                submit(joined)

    try:
        for worker in range(len(addresses)):
            for _ in range(2):
                submit(worker)
        checked = time.monotonic()
        while owners:
            try:
                done = dask_wait(list(owners), timeout=max(MEMBERS_EVERY_S, 0.05),
                                 return_when="FIRST_COMPLETED").done
            except TimeoutError:
                done = set()
            if time.monotonic() - checked >= MEMBERS_EVERY_S:  # a round trip: not per chunk
                look_up_members()
                checked = time.monotonic()
            for future in done:
                if future not in owners:
                    continue
                worker, _ = owners.pop(future)
                result = future.result()
                address = addresses[worker]
                if address is None or address in present or not owners:
                    submit(worker)
                yield result
        if segments.left:  # cannot happen: every chunk handed out comes back
            raise RuntimeError(f"{segments.left} cases of the study were never handed out")
    except BaseException:  # Ctrl-C, an error, or the caller closing this generator
        with contextlib.suppress(Exception):  # a closing client: what stopped us matters
            client.cancel(list(owners))
        raise
    finally:
        with contextlib.suppress(Exception):  # a closed client: what stopped us matters
            client.unregister_worker_plugin(plugin.name)


def _members(client: Any) -> set[str]:
    """The addresses of the cluster's workers now (asks the scheduler)."""
    from evplan.dask_members import worker_addresses

    return worker_addresses(client)


def _dask_cpu(client: Any) -> dict[str, float]:
    return dict(client.run(time.process_time))


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
    solved = [outcome for outcome in outcomes if outcome.kpis is not None]
    if solved:  # one concat (an assign per case costs 0.2 ms)
        kpis = pd.concat([outcome.kpis for outcome in solved], ignore_index=True)
        # each solved case's row beside its KPI rows, by position: half the time of a merge
        # on the case number (0.15 against 0.30 s for 1,920 cases); no parameter is named
        # like a KPI column (overrides.STUDY_COLUMNS)
        positions = np.repeat(np.flatnonzero([outcome.kpis is not None for outcome in outcomes]),
                              [len(outcome.kpis) for outcome in solved])  # type: ignore[arg-type]
        kpis = pd.concat([cases.drop(columns=["seconds", "error"]).take(positions).reset_index(
            drop=True), kpis], axis=1)
    else:
        kpis = cases.iloc[:0]
    return kpis, cases


def _check_cases(cases: Sequence[Case]) -> None:
    """InputError when two cases share a number (their runs and rows would be mixed up) or
    a parameter takes the name of a study table's column (cases made in Python; a study file's
    parameters are checked when it is read)."""
    problems: list[Problem] = []
    seen: dict[int, str] = {}
    for case in cases:
        if case.number in seen:
            problems.append(Problem("cases", f"cases '{seen[case.number]}' and '{case.label}' "
                                    f"are both number {case.number}: a study's rows and runs "
                                    "are kept by case number. Number the cases 0, 1, 2, ... "
                                    "(grid_cases and montecarlo_cases do)."))
        seen.setdefault(case.number, case.label)
    clashes = {name: case.label for case in reversed(cases) for name in case.parameters
               if name in STUDY_COLUMNS}  # each name with the first case that has it
    problems.extend(Problem("cases", f"case '{label}': parameter '{name}' is a column of every "
                            f"study's tables ({', '.join(STUDY_COLUMNS)}), where each parameter "
                            f"gets a column of its own. Rename it, e.g. '{name}-factor'.")
                    for name, label in sorted(clashes.items()))
    if problems:
        raise InputError(problems)


def run_cases(data: NetworkData, cases: Sequence[Case], *, solver: SolverOptions | None = None,
              workers: int | None = None, scheduler: Any = None,
              store: ResultsStore | None = None, scenario: str = "sweep",
              batch_id: str | None = None, with_tables: bool = True, progress: bool = False,
              chunk_size: int | None = None,
              base_overrides: Sequence[dict[str, Any]] = ()) -> StudyResult:
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
        Local processes that solve cases: this one and ``workers - 1`` children; 1 runs in
        this process only (default: 1 below 50 cases per CPU, where starting processes costs
        more than it saves, else the CPU count).
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``tcp://host:8786``) or a Client: run there instead.
    store : ResultsStore, optional
        Record every case as a run (batch id, parameters, overrides, KPIs, tables).
    scenario : str
        Scenario label recorded with each case (``sweep eu-duty-x-freight``).
    batch_id : str, optional
        Id shared by the study's runs (default: a new one).
    with_tables : bool
        Store every case's result tables with its KPIs (with a ``store``; without one no
        tables are made).
    progress : bool
        Show a progress bar with ETA on the terminal.
    chunk_size : int, optional
        Cases per task sent to a worker (default: shrinking towards the end of the list, at
        most 25, see :class:`~evplan.scenarios.segments.Segments`); each worker keeps one
        warm model for all its tasks.
    base_overrides : sequence of dict, optional
        The resolved overrides that made ``data`` from the user's inputs (a study's
        ``--scenario``): recorded before each case's own.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    _check_cases(cases)
    client_given = scheduler
    batch_id = batch_id or f"{scenario.split()[0]}-{uuid.uuid4().hex[:8]}"
    if workers is None:  # starting processes costs seconds: worth it for many cases only
        cpus = os.cpu_count() or 1
        workers = 1 if len(cases) < SERIAL_BELOW * cpus else cpus
    if scheduler is not None:
        from distributed import Client

        scheduler = scheduler if isinstance(scheduler, Client) else _connect(scheduler)
        owned_client = scheduler if scheduler is not None else None
        workers = max(1, len(_members(scheduler)))
    else:
        owned_client = None
    workers = max(1, min(workers, len(cases)))  # a worker per case at most
    serial = scheduler is None and (workers == 1 or (chunk_size or 0) >= len(cases))
    keep_tables = with_tables and store is not None  # tables only go to the store
    bar = _Progress(len(cases), scenario, progress)
    outcomes: list[CaseOutcome] = []
    run_ids: dict[int, str] = {}
    recording = None if store is None else Recording(
        store.path, store.lock_timeout_s, scenario, data.scenario.name, batch_id,
        tuple(base_overrides))
    if not serial and scheduler is None and not has_strategic(data):
        start_fork_server()  # its imports overlap the warm model's build below
    warm = WarmModel(data, solver)
    templates = warm.result_templates
    serial = serial or not warm.travels  # strategic MILPs per case: solved here, in turn

    def record(batch: list[CaseOutcome]) -> None:
        if recording is None or store is None:
            outcomes.extend(batch)
            return
        records = []
        for outcome in batch:
            if outcome.run_id:  # a worker recorded it
                run_ids[outcome.case.number] = outcome.run_id
                outcomes.append(outcome)
                continue
            if outcome.kpis is None:
                outcomes.append(outcome)
                continue
            if outcome.table_numbers is not None and templates is not None:
                # the templates' tables from their numbers, beside the tables sent whole
                outcome = replace(outcome, table_numbers=None, tables={
                    **templates.frames(outcome.table_numbers), **outcome.tables})
            run_id = new_run_id()
            run_ids[outcome.case.number] = run_id
            records.append(run_record(outcome, recording, run_id))
            outcomes.append(without_tables(outcome, run_id))  # the store holds its tables
        store.record_many(records)

    worker_cpu: dict[Any, float] = {}
    with frozen_heap():  # the heap held before the study: not scanned again per case
        try:
            if serial:
                pending: list[CaseOutcome] = []

                def on_case(outcome: CaseOutcome) -> None:
                    pending.append(outcome)
                    bar.advance(1)
                    if len(pending) >= MAX_CHUNK:
                        record(pending[:])
                        pending.clear()

                Solver(data, warm).solve(cases, "frames" if keep_tables else "", on_case,
                                         stored=store is not None)
                record(pending)
            else:
                state = warm.state()  # checks the result templates on the base case
                templates = warm.result_templates
                here = Solver(data, warm)  # this process solves chunks too (local processes)
                key = here.key
                if scheduler is not None:
                    before = _dask_cpu(scheduler)
                    runner = _dask(key, state, cases, chunk_size, keep_tables, store is not None,
                                   scheduler)
                else:

                    def solve_here(chunk: list[Case]) -> ChunkResult:
                        # Recorded by record() below; its CPU is this process's, counted once.
                        return ChunkResult(here.solve(chunk, "frames" if keep_tables else "",
                                                      stored=store is not None), os.getpid(), 0.0)

                    runner = _local(key, state, cases, Segments(len(cases), workers, chunk_size),
                                    recording, keep_tables, solve_here)
                with contextlib.closing(runner):  # an interrupt while recording stops it too
                    for chunk in runner:
                        worker_cpu[chunk.pid] = max(worker_cpu.get(chunk.pid, 0.0),
                                                    chunk.cpu_seconds)
                        record(chunk.outcomes)
                        bar.advance(len(chunk.outcomes))
                if scheduler is not None:
                    after = _dask_cpu(scheduler)
                    worker_cpu = {address: after[address] - before.get(address, 0.0)
                                  for address in after}
        finally:
            bar.close()
            if owned_client is not None and owned_client is not client_given:
                owned_client.close()
    kpis, table = _tidy(outcomes, run_ids)
    used = 1 if serial else workers
    worker_seconds = float(sum(worker_cpu.values()))
    return StudyResult(kpis=kpis, cases=table, batch_id=batch_id,
                       seconds=time.perf_counter() - started, workers=used,
                       cpu_seconds=time.process_time() - cpu_started + worker_seconds,
                       worker_cpu_seconds=worker_seconds)
