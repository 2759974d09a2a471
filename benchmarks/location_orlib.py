"""Solve every OR-Library facility-location and p-median instance; print a table.

Usage::

    python benchmarks/location_orlib.py --time-limit 60 [--only pmed] [--skip-textbook]

Families: ``cap`` (37 capacitated cap41-cap134), ``capabc`` (capa/capb/capc at their
four capacities), ``uflp`` (the 15 uncapacitated optima of uncapopt) and ``pmed`` (40).
Each instance is solved by evplan's strong pipeline and, unless ``--skip-textbook``, by
the textbook MILP handed to HiGHS with the same (or ``--textbook-time-limit``) limit.
Columns: instance, optimum, value found, proven gap, seconds, textbook value, textbook
gap, textbook seconds. Times are wall-clock on this machine; never asserted in tests.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
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


def instances(folder: Path, families: set[str]) -> Iterator[tuple[str, str, Solver]]:
    """Yield (family, optimum key, solver taking options) for each selected instance."""
    if "cap" in families:
        for name in CAP_FILES:
            data = read_capacitated(folder / f"{name}.txt")
            yield "cap", name, _capacitated(data)
    if "capabc" in families:
        for name, capacities in CAPACITIES.items():
            for capacity in capacities:
                data = read_capacitated(folder / f"{name}.txt", capacity)
                yield "capabc", f"{name}_{capacity}", _capacitated(data)
    if "uflp" in families:
        for name in UFLP_FILES:
            data = read_capacitated(folder / f"{name}.txt", float("inf"))
            yield "uflp", f"uflp_{name}", _uncapacitated(data)
    if "pmed" in families:
        for number in range(1, 41):
            graph = read_pmedian(folder / f"pmed{number}.txt")
            yield "pmed", f"pmed{number}", _p_median(graph)


def _capacitated(data) -> Solver:  # type: ignore[no-untyped-def]
    return lambda options: capacitated(data.sites, data.customers, data.costs, options=options)


def _uncapacitated(data) -> Solver:  # type: ignore[no-untyped-def]
    return lambda options: uncapacitated(data.sites, data.customers, data.costs, options=options)


def _p_median(graph) -> Solver:  # type: ignore[no-untyped-def]
    return lambda options: p_median(
        graph.sites, graph.customers, graph.distances, graph.medians, options=options
    )


def _timed(solver: Solver, options: SolveOptions) -> tuple[LocationResult | None, float]:
    started = time.perf_counter()
    try:
        result: LocationResult | None = solver(options)
    except Exception as error:
        print(f"    failed: {error}", flush=True)
        result = None
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--textbook-time-limit", type=float, default=None)
    parser.add_argument("--only", default="cap,capabc,uflp,pmed")
    parser.add_argument("--skip-textbook", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
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
    header = (
        f"{'instance':<14}{'optimum':>16}{'found':>16}{'gap':>10}{'s':>9}"
        f"{'textbook':>16}{'tb gap':>10}{'tb s':>9}{'ratio':>8}"
    )
    print(
        f"# time limit {ours.time_limit:g} s (textbook {textbook.time_limit:g} s), "
        f"threads {ours.threads}"
    )
    print(header, flush=True)
    totals: dict[str, list[float]] = {}
    for family, key, solver in instances(folder, set(arguments.only.split(","))):
        if arguments.match and not re.fullmatch(arguments.match, key):
            continue
        result, seconds = _timed(solver, ours)
        line = f"{key:<14}{optima[key]:>16.3f}"
        if result is None:
            line += f"{'-':>16}{'-':>10}{seconds:>9.2f}"
        else:
            line += f"{result.objective:>16.3f}{result.gap:>10.2e}{seconds:>9.2f}"
        matches = result is not None and abs(result.objective - optima[key]) <= max(
            0.01, 1e-8 * abs(optima[key])
        )
        proven = matches and result is not None and result.status == "optimal"
        record = totals.setdefault(family, [0, 0, 0.0, 0.0, 0, 0])
        record[0] += 1
        record[1] += int(proven)
        record[2] += seconds
        if not arguments.skip_textbook:
            plain, plain_seconds = _timed(solver, textbook)
            if plain is None:
                line += f"{'-':>16}{'-':>10}{plain_seconds:>9.2f}"
            else:
                line += f"{plain.objective:>16.3f}{plain.gap:>10.2e}{plain_seconds:>9.2f}"
                record[4] += int(plain.status == "optimal")
            line += f"{plain_seconds / max(seconds, 1e-9):>8.1f}"
            record[3] += plain_seconds
            record[5] += 1
        if not proven:
            line += "  NOT PROVEN" if matches else "  MISMATCH"
        print(line, flush=True)
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
    print(line, flush=True)


if __name__ == "__main__":
    main()
