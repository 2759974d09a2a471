"""Time the certificate checks of evplan.verify against the solves they check; print a table.

Usage::

    python benchmarks/verify_location_overhead.py [--location] [--recycling] [--time-limit 300]

``--location``: OR-Library instances (ten capacitated, the first of each group: cap41,
cap51, cap61 ... cap131; three uncapacitated: cap71, cap101, cap131; capb at 8000;
pmed1-pmed10). Each row: instance, solve seconds (the whole solve as
``LocationResult.seconds``, wall), CPU seconds of the solve, check milliseconds
(``details["verify_seconds"]``, wall) and the check's share of the solve's wall time;
medians of three runs where a solve takes under 10 CPU seconds.
``--recycling``: the default scenario's recycling plan (the
``china-export`` run folder, planned first if missing; minutes), solve seconds
(``RecyclingResult.seconds``: MILP, fixed LP, run without targets), check seconds
(``verify_seconds``) and share. Wall-clock and CPU seconds of each part are printed with
the load average; never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from evplan.location import (
    SolveOptions,
    capacitated,
    default_orlib_dir,
    p_median,
    read_capacitated,
    read_pmedian,
    uncapacitated,
)

CAP = ["cap41", "cap51", "cap61", "cap71", "cap81", "cap91", "cap101", "cap111", "cap121",
       "cap131"]
UFLP = ["cap71", "cap101", "cap131"]


def _row(name: str, solve: float, cpu: float, check: float) -> str:
    return (f"{name:<14}{solve:>10.2f}{cpu:>10.2f}{check * 1000:>12.1f}"
            f"{100 * check / solve:>9.2f} %")


def _timed(solve: Callable[[], Any]) -> tuple[float, float, float]:
    """Wall seconds of the solve, CPU seconds of this process, check seconds (wall): medians
    of three runs when the first takes under 10 CPU seconds, else the one run."""
    runs = []
    while len(runs) < 3:
        cpu = time.process_time()
        result = solve()
        runs.append((result.seconds, time.process_time() - cpu,
                     float(result.details["verify_seconds"])))
        if runs[0][1] >= 10.0:
            break
    wall, cpu, check = (statistics.median(column) for column in zip(*runs, strict=True))
    return wall, cpu, check


def location(time_limit: float) -> None:
    """Solve a spread of OR-Library instances with the check on; print its share."""
    folder = default_orlib_dir()
    options = SolveOptions(time_limit=time_limit)
    print(f"{'instance':<14}{'solve s':>10}{'CPU s':>10}{'check ms':>12}{'share':>11}")
    totals = [0.0, 0.0, 0.0]
    runs = []
    for name in CAP:
        instance = read_capacitated(folder / f"{name}.txt")
        runs.append((name, lambda i=instance: capacitated(i.sites, i.customers, i.costs,
                                                          options=options)))
    for name in UFLP:
        instance = read_capacitated(folder / f"{name}.txt")
        runs.append((f"{name}-uflp", lambda i=instance: uncapacitated(
            i.sites, i.customers, i.costs, options=options)))
    capb = read_capacitated(folder / "capb.txt", 8000)
    runs.append(("capb_8000", lambda i=capb: capacitated(i.sites, i.customers, i.costs,
                                                         options=options)))
    for number in range(1, 11):
        graph = read_pmedian(folder / f"pmed{number}.txt")
        runs.append((f"pmed{number}", lambda g=graph: p_median(
            g.sites, g.customers, g.distances, g.medians, options=options)))
    for name, solve in runs:
        wall, cpu, check = _timed(solve)
        totals[0] += wall
        totals[1] += cpu
        totals[2] += check
        print(_row(name, wall, cpu, check), flush=True)
    print(_row("all", *totals))


def recycling() -> None:
    """The default scenario's recycling plan: solve and check seconds."""
    from evplan.examples import default_run_folder
    from evplan.recycling.scenario import plan_from_run

    folder = default_run_folder()
    cpu, wall = time.process_time(), time.perf_counter()
    result = plan_from_run(folder)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"recycling default scenario: status {result.status}, gap {result.mip_gap:.2%}, "
          f"objective {result.objective_usd:,.0f} USD")
    print(f"  solver {result.seconds:.1f} s (MILP, fixed LP, run without targets); whole plan "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"  check {result.verify_seconds * 1000:.0f} ms = "
          f"{100 * result.verify_seconds / result.seconds:.2f} % of the solver time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--location", action="store_true")
    parser.add_argument("--recycling", action="store_true")
    parser.add_argument("--time-limit", type=float, default=300.0)
    args = parser.parse_args()
    both = not (args.location or args.recycling)
    print(f"load average at start: {' '.join(map(str, os.getloadavg()))}")
    cpu = time.process_time()
    if args.location or both:
        location(args.time_limit)
    if args.recycling or both:
        recycling()
    print(f"CPU {time.process_time() - cpu:.1f} s; load average at end: "
          f"{' '.join(map(str, os.getloadavg()))}")


if __name__ == "__main__":
    main()
