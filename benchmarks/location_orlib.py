"""Solve every OR-Library facility-location and p-median instance; print a table.

Usage::

    python benchmarks/location_orlib.py --time-limit 60 [--only pmed] [--skip-textbook]
        [--textbook-time-limit 120] [--jobs 2] [--match 'pmed3[0-9]']

Families: ``cap`` (37 capacitated cap41-cap134), ``capabc`` (capa/capb/capc at their
four capacities), ``uflp`` (the 15 uncapacitated optima of uncapopt) and ``pmed`` (40).
Each instance is solved by evplan's strong pipeline and, unless ``--skip-textbook``, by
the textbook MILP handed to HiGHS with the same (or ``--textbook-time-limit``) limit.
Columns: instance, optimum, value found, proven gap, seconds, textbook value, textbook
gap, textbook seconds, ratio. Every solve runs in a worker process (``--jobs`` at once,
single-threaded HiGHS each), so with ``--jobs 2`` on two cores evplan's and the textbook's
solves share the machine in the same run. Times are wall-clock per solve; a solve that
hits its limit counts its limit, so a capped textbook total understates the textbook's
true time. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from evplan.location import (
    LocationResult,
    SolveOptions,
    capacitated,
    default_orlib_dir,
    p_median,
    read_capacitated,
    read_optima,
    read_pmedian,
    uncapacitated,
)

CAP_FILES = [f"cap{g}{k}" for g in (4, 6, 7, 8, 9, 10, 11, 12, 13) for k in (1, 2, 3, 4)]
CAP_FILES.insert(4, "cap51")
CAPACITIES = {
    "capa": (8000, 10000, 12000, 14000),
    "capb": (5000, 6000, 7000, 8000),
    "capc": (5000, 5750, 6500, 7250),
}
UFLP_FILES = [f"cap{n}" for n in (71, 72, 73, 74, 101, 102, 103, 104, 131, 132, 133, 134)]
UFLP_FILES += ["capa", "capb", "capc"]
Solver = Callable[[SolveOptions], LocationResult]


def instances(families: set[str]) -> Iterator[tuple[str, str]]:
    """Yield (family, instance key) for each selected instance, in table order."""
    if "cap" in families:
        for name in CAP_FILES:
            yield "cap", name
    if "capabc" in families:
        for name, capacities in CAPACITIES.items():
            for capacity in capacities:
                yield "capabc", f"{name}_{capacity}"
    if "uflp" in families:
        for name in UFLP_FILES:
            yield "uflp", f"uflp_{name}"
    if "pmed" in families:
        for number in range(1, 41):
            yield "pmed", f"pmed{number}"


def solver(folder: Path, family: str, key: str) -> Solver:
    """Read the instance behind ``key`` and return a function solving it with options."""
    if family == "cap":
        data = read_capacitated(folder / f"{key}.txt")
        return lambda options: capacitated(data.sites, data.customers, data.costs, options=options)
    if family == "capabc":
        name, capacity = key.split("_")
        data = read_capacitated(folder / f"{name}.txt", float(capacity))
        return lambda options: capacitated(data.sites, data.customers, data.costs, options=options)
    if family == "uflp":
        data = read_capacitated(folder / f"{key.removeprefix('uflp_')}.txt", float("inf"))
        return lambda options: uncapacitated(
            data.sites, data.customers, data.costs, options=options
        )
    graph = read_pmedian(folder / f"{key}.txt")
    return lambda options: p_median(
        graph.sites, graph.customers, graph.distances, graph.medians, options=options
    )


@dataclass(frozen=True)
class Outcome:
    """One solve: value found, proven gap, status and wall-clock seconds (None if failed)."""

    objective: float | None
    gap: float | None
    status: str
    seconds: float


def run(task: tuple[Path, str, str, SolveOptions]) -> Outcome:
    """Solve one instance with one set of options (runs in a worker process)."""
    folder, family, key, options = task
    solve = solver(folder, family, key)
    started = time.perf_counter()
    try:
        result: LocationResult = solve(options)
    except Exception as error:  # reported in the table, the run goes on
        print(f"    {key} failed: {error}", file=sys.stderr, flush=True)
        return Outcome(None, None, "failed", time.perf_counter() - started)
    return Outcome(result.objective, result.gap, result.status, time.perf_counter() - started)


def _cells(outcome: Outcome) -> str:
    if outcome.objective is None or outcome.gap is None:
        return f"{'-':>16}{'-':>10}{outcome.seconds:>9.2f}"
    return f"{outcome.objective:>16.3f}{outcome.gap:>10.2e}{outcome.seconds:>9.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--textbook-time-limit", type=float, default=None)
    parser.add_argument("--only", default="cap,capabc,uflp,pmed")
    parser.add_argument("--skip-textbook", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="HiGHS threads per solve")
    parser.add_argument(
        "--jobs", type=int, default=1, help="solves run at once, each in its own process"
    )
    parser.add_argument("--match", default=None, help="regular expression on instance names")
    parser.add_argument("--orlib", type=Path, default=None)
    arguments = parser.parse_args()
    folder = arguments.orlib or default_orlib_dir(Path(__file__).resolve().parent)
    optima = read_optima(folder)
    ours = SolveOptions(time_limit=arguments.time_limit, threads=arguments.threads)
    textbook = replace(
        ours,
        formulation="textbook",
        warm_start=False,
        time_limit=arguments.textbook_time_limit or arguments.time_limit,
    )
    selected = [
        (family, key)
        for family, key in instances(set(arguments.only.split(",")))
        if not arguments.match or re.fullmatch(arguments.match, key)
    ]
    tasks = [(folder, family, key, ours) for family, key in selected]
    if not arguments.skip_textbook:
        tasks += [(folder, family, key, textbook) for family, key in selected]
    print(
        f"# time limit {ours.time_limit:g} s (textbook {textbook.time_limit:g} s), "
        f"threads {ours.threads}, jobs {arguments.jobs}",
        flush=True,
    )
    started = time.perf_counter()
    outcomes: dict[tuple[str, str], Outcome] = {}
    with ProcessPoolExecutor(max_workers=arguments.jobs) as pool:
        futures = {pool.submit(run, task): task for task in tasks}
        for future in as_completed(futures):
            _, _, key, options = futures[future]
            outcomes[key, options.formulation] = outcome = future.result()
            print(
                f"  done {key} ({options.formulation}) in {outcome.seconds:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    header = (
        f"{'instance':<14}{'optimum':>16}{'found':>16}{'gap':>10}{'s':>9}"
        f"{'textbook':>16}{'tb gap':>10}{'tb s':>9}{'ratio':>8}"
    )
    print(header)
    totals: dict[str, list[float]] = {}
    for family, key in selected:
        mine = outcomes[key, "strong"]
        line = f"{key:<14}{optima[key]:>16.3f}{_cells(mine)}"
        matches = mine.objective is not None and abs(mine.objective - optima[key]) <= max(
            0.01, 1e-8 * abs(optima[key])
        )
        proven = matches and mine.status == "optimal"
        record = totals.setdefault(family, [0, 0, 0.0, 0.0, 0, 0])
        record[0] += 1
        record[1] += int(proven)
        record[2] += mine.seconds
        if not arguments.skip_textbook:
            plain = outcomes[key, "textbook"]
            line += _cells(plain) + f"{plain.seconds / max(mine.seconds, 1e-9):>8.1f}"
            record[3] += plain.seconds
            record[4] += int(plain.status == "optimal")
            record[5] += 1
        if not proven:
            line += "  NOT PROVEN" if matches else "  MISMATCH"
        print(line)
    print()
    grand = [0.0, 0.0]
    for family, (
        count,
        proven,
        seconds,
        plain_seconds,
        plain_proven,
        plain_count,
    ) in totals.items():
        summary = f"summary {family}: {proven}/{count} proven optimal in {seconds:.1f} s"
        if plain_count:
            summary += (
                f"; textbook {plain_proven}/{plain_count} proven in {plain_seconds:.1f} s, "
                f"ratio {plain_seconds / max(seconds, 1e-9):.1f}x"
            )
        print(summary)
        grand[0] += seconds
        grand[1] += plain_seconds
    total_count = sum(record[0] for record in totals.values())
    total_proven = sum(record[1] for record in totals.values())
    line = f"summary all: {total_proven}/{total_count} proven optimal in {grand[0]:.1f} s"
    if not arguments.skip_textbook:
        line += f"; textbook {grand[1]:.1f} s, ratio {grand[1] / max(grand[0], 1e-9):.1f}x"
    print(line)
    print(f"# wall clock {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
