"""Warm re-solves against cold build-and-solve on the default scenario, and sweep throughput.

    python benchmarks/warm_sweep.py [--cold-cases 6] [--rounds 3] [--cases 120] [--repeats 3]
                                    [--no-dask]
                                    [--dask-malloc-trim BYTES] [--dask-defaults]

Prints, with the load average at start and end (timings on a busy machine are noisy; CPU
seconds are the steadier figure):

* per scenario, CPU and wall medians (over ``--rounds`` alternating blocks: ``--cold-cases``
  split into a cold block per round, each followed by a new warm model's re-solve of every
  case) of
  - cold: apply the case's overrides, build the linopy model, hand it to HiGHS, solve, make
    the result tables and KPIs (``evplan.optimize``);
  - warm: apply the overrides, update costs and row bounds of the kept HiGHS model,
    re-solve from the basis of the nearest case solved before (by the case's parameters, as
    a sweep does), make the same tables and KPIs (``WarmModel.solve`` with ``checked=True``,
    as a sweep's cases: the patched tables were checked by ``apply_patches``);
  and their ratio;
* for the 24-case sweep ``eu-duty-x-freight`` and a larger grid (``--cases``), serially, on
  2 local processes (this one and a child) and on a 2-worker Dask ``LocalCluster`` (started
  before the clock, after the local runs, so its processes do not run beside them; its
  workers' ``MALLOC_TRIM_THRESHOLD_`` is ``--dask-malloc-trim``, 128 MiB by default, where
  Dask's own 64 KiB costs a warm case about 16 % more CPU):
  wall seconds, CPU seconds of this process plus its workers, cases per minute, and the
  ratios to serial. Each is the median of ``--repeats`` runs when a run takes under 10 CPU
  seconds (CPU, not wall: on a busy machine wall time stretches).
  The local workers start from a fork server that imports evplan's worker module once per
  process; its CPU is printed on its own line (it is not part of any one sweep);
* two independent processes (spawned, each with its own inputs and warm model, warmed up
  before the clock), each solving one half of the sweep's cases (the first and the second
  half, so each warm-starts from neighbouring cases as a sweep's chunks do) serially,
  started together; their wall seconds (the later one's) and CPU seconds (both). Nothing
  passes between them and nothing balances their loads: it shows what the machine gives two
  processes that share nothing (on a VM, two vCPUs that slow each other down or are not both
  given at once), beside what evplan's pool gets.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import evplan
from evplan.scenarios import WarmModel, apply_patches, catalog_for, grid_cases, run_cases


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} CPUs)"


def clocked(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s of this process, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def forkserver_cpu() -> float:
    """CPU seconds of this process's multiprocessing fork server (0 when none runs)."""
    try:
        from multiprocessing import forkserver

        pid = forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
        if not pid:
            return 0.0
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            fields = file.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, AttributeError, ValueError, IndexError):
        return 0.0


def per_case(data: Any, cases: list, cold_cases: int, rounds: int) -> None:
    """Cold and warm CPU per scenario, measured in ``rounds`` alternating blocks (a block of
    cold solves, then the warm re-solve of every case), so that a host whose speed drifts
    while the benchmark runs slows both alike; medians over all blocks, and the ratio of
    each round's medians."""
    evplan.optimize(apply_patches(data, cases[0].patches).data)  # first call: lazy imports
    per_round = max(1, cold_cases // rounds)
    cold: list[tuple[float, float, Any]] = []
    hot: list[tuple[float, float, Any]] = []
    ratios = []

    def cold_solve(case: Any) -> Callable[[], Any]:
        return lambda: evplan.optimize(apply_patches(data, case.patches).data)

    def warm_solve(warm: WarmModel, case: Any) -> Callable[[], Any]:
        # checked=True, as a sweep solves its cases: apply_patches has just checked what it
        # changed (a public solve of inputs from elsewhere re-checks them, about 2.7 ms)
        return lambda: warm.solve(apply_patches(data, case.patches).data,
                                  parameters=case.parameters, checked=True)

    for round_number in range(rounds):
        block = [cases[(round_number * per_round + at) % len(cases)] for at in range(per_round)]
        cold_block = [clocked(cold_solve(case)) for case in block]
        # A new warm model each round: its cases start from bases of this round only, as in
        # a sweep that solves each case once.
        build_wall, build_cpu, warm = clocked(lambda: WarmModel(data))
        warm.solve(apply_patches(data, cases[0].patches).data)  # checks the result templates
        hot_block = [clocked(warm_solve(warm, case)) for case in cases]
        cold += cold_block
        hot += hot_block
        ratios.append(statistics.median(c for _, c, _ in cold_block)
                      / statistics.median(c for _, c, _ in hot_block))
    cold_wall = statistics.median(w for w, _, _ in cold)
    cold_cpu = statistics.median(c for _, c, _ in cold)
    hot_wall = statistics.median(w for w, _, _ in hot)
    hot_cpu = statistics.median(c for _, c, _ in hot)
    print(f"cold build-and-solve   {cold_cpu * 1e3:8.1f} ms CPU {cold_wall * 1e3:8.1f} ms wall "
          f"per scenario (median of {len(cold)}, {rounds} rounds)")
    print(f"warm re-solve          {hot_cpu * 1e3:8.1f} ms CPU {hot_wall * 1e3:8.1f} ms wall "
          f"per scenario (median of {len(hot)}; {warm.stats.warm_fast} warm, "
          f"{warm.stats.warm_reindexed} reindexed, {warm.stats.cold} cold)")
    print(f"one-time warm build    {build_cpu * 1e3:8.1f} ms CPU {build_wall * 1e3:8.1f} ms wall")
    print(f"warm/cold ratio        {cold_cpu / hot_cpu:8.1f}x CPU {cold_wall / hot_wall:8.1f}x "
          f"wall per scenario; by round (CPU): "
          + ", ".join(f"{ratio:.1f}x" for ratio in ratios))


def sweep_runs(data: Any, cases: list, repeats: int, options: dict[str, Any]
               ) -> tuple[float, float, list[float]]:
    """(median wall s, median CPU s, load at the start of each run) of one sweep mode."""
    runs = []
    for _ in range(repeats):
        load = os.getloadavg()[0]
        study = run_cases(data, cases, **options)
        runs.append((study.seconds, study.cpu_seconds, load))
        if study.cpu_seconds >= 10:
            break
    return (statistics.median(run[0] for run in runs), statistics.median(run[1] for run in runs),
            [run[2] for run in runs])


def _independent_half(cases: list, barrier: Any, results: Any) -> None:
    """One of the two independent processes of :func:`independent_runs` (spawned)."""
    data = evplan.examples.china_export()
    run_cases(data, cases[:24], workers=1)  # warm-up: imports, first builds, caches
    barrier.wait()
    wall, cpu, _ = clocked(lambda: run_cases(data, cases, workers=1))
    results.put((wall, cpu))


def independent_runs(cases: list, repeats: int) -> tuple[float, float, list[float]]:
    """(median wall s, median CPU s, load at the start of each run) of two independent
    spawned processes, each solving one half of ``cases`` serially, started together."""
    context = multiprocessing.get_context("spawn")
    runs = []
    for _ in range(repeats):
        barrier, results = context.Barrier(3), context.SimpleQueue()
        middle = len(cases) // 2
        children = [context.Process(target=_independent_half, args=(half, barrier, results))
                    for half in (cases[:middle], cases[middle:])]
        for child in children:
            child.start()
        barrier.wait()
        load = os.getloadavg()[0]
        halves = [results.get() for _ in children]
        for child in children:
            child.join()
        runs.append((max(wall for wall, _ in halves), sum(cpu for _, cpu in halves), load))
        if runs[-1][1] >= 10:
            break
    return (statistics.median(run[0] for run in runs), statistics.median(run[1] for run in runs),
            [run[2] for run in runs])


def print_modes(title: str, cases: list, rows: list[tuple[str, float, float, list[float]]],
                repeats: int) -> None:
    print(f"\n{title}: {len(cases)} cases (median of up to {repeats} runs; a run of 10 CPU "
          "seconds or more is not repeated)")
    print(f"  {'mode':16s} {'wall s':>8s} {'CPU s':>8s} {'cases/min':>10s} "
          f"{'x serial (speed)':>17s} {'x serial (CPU)':>15s}  load at start")
    serial_wall, serial_cpu = rows[0][1], rows[0][2]
    for name, wall, cpu, loads in rows:
        print(f"  {name:16s} {wall:8.2f} {cpu:8.2f} {60 * len(cases) / wall:10.1f} "
              f"{serial_wall / wall:16.2f}x {cpu / serial_cpu:14.2f}x  "
              f"{', '.join(f'{load:.1f}' for load in loads)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cold-cases", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating blocks of cold and warm solves (default 3)")
    parser.add_argument("--cases", type=int, default=120, help="cases of the larger grid")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--dask-malloc-trim", type=int, default=128 * 1024 * 1024,
                        help="MALLOC_TRIM_THRESHOLD_ of the Dask workers, bytes (default 128 "
                        "MiB; 65536 is Dask's own default)")
    parser.add_argument("--dask-defaults", action="store_true",
                        help="start the Dask cluster with Dask's own background settings "
                        "(tick 20ms, system monitor 500ms) instead of "
                        "evplan.dask_local's")
    arguments = parser.parse_args()
    print(f"load average at start: {load_average()}")

    data = evplan.examples.china_export()
    catalog = catalog_for(data)
    cases = grid_cases(catalog, catalog.sweeps["eu-duty-x-freight"])
    print(f"default scenario china-export, sweep eu-duty-x-freight: {len(cases)} cases")
    per_case(data, cases, arguments.cold_cases, arguments.rounds)

    demand = max(1, round(arguments.cases / 24))
    large = grid_cases(catalog, {
        "eu-bev-cvd": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], "freight": [0.5, 1.0, 1.5, 2.0],
        "demand": [round(0.8 + 0.4 * i / max(demand - 1, 1), 4) for i in range(demand)]})

    sweeps = [("sweep eu-duty-x-freight", cases), ("grid eu-bev-cvd x freight x demand", large)]
    Row = tuple[str, float, float, list[float]]
    rows: dict[str, list[Row]] = {title: [] for title, _ in sweeps}
    # The local modes first, with no Dask cluster alive: its scheduler, nanny and client
    # threads would take CPU (and this process's GIL) from the sweep.
    for title, grid in sweeps:
        for name, options in (("serial", {"workers": 1}), ("2 processes", {"workers": 2})):
            rows[title].append((name, *sweep_runs(data, grid, arguments.repeats, options)))
        rows[title].append(("2 independent", *independent_runs(grid, arguments.repeats)))
    if not arguments.no_dask:
        import dask
        from distributed import Client, LocalCluster

        # The cluster evplan starts itself (evplan.dask_local): Dask's nannies start
        # workers with MALLOC_TRIM_THRESHOLD_=65536 (freed memory goes back to the OS at
        # once), which costs a warm case about 16 % more CPU, so --dask-malloc-trim (128
        # MiB); and quieter background tasks (--dask-defaults: Dask's own). docs/scenarios.md
        # says how to set both on a cluster.
        from evplan.dask_local import DASK_DEFAULTS, LOCAL_CLUSTER_SETTINGS, TRIM_KEY

        settings = {**(DASK_DEFAULTS if arguments.dask_defaults else LOCAL_CLUSTER_SETTINGS),
                    TRIM_KEY: arguments.dask_malloc_trim}
        print("Dask settings: " + ", ".join(f"{key.removeprefix('distributed.')}={value}"
                                            for key, value in settings.items()))
        with dask.config.set(settings), LocalCluster(
                n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                dashboard_address=None) as cluster, Client(cluster) as client:
            client.run(lambda: __import__("evplan.scenarios.worker"))  # imports, before the clock
            seen = set(client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_")).values())
            print(f"Dask workers: MALLOC_TRIM_THRESHOLD_={', '.join(map(str, seen))}")
            for title, grid in sweeps:
                rows[title].append(("Dask 2 workers", *sweep_runs(
                    data, grid, arguments.repeats, {"scheduler": client})))
    for title, grid in sweeps:
        print_modes(title, grid, rows[title], arguments.repeats)
    print("\n2 independent: two spawned processes, each solving one half of the cases "
          "serially, nothing shared (what the host gives two processes)")
    print(f"fork server of the local pools (once per process, imports the worker module): "
          f"{forkserver_cpu():.2f} s CPU")
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
