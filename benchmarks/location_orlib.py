"""Solve every OR-Library facility-location and p-median instance; print a table.

Usage::

    python benchmarks/location_orlib.py --time-limit 60 [--only pmed] [--skip-textbook]
        [--textbook-time-limit 120] [--jobs 2] [--match 'pmed3[0-9]'] [--repeats 3]

Families: ``cap`` (37 capacitated cap41-cap134), ``capabc`` (capa/capb/capc at their
four capacities), ``uflp`` (the 15 uncapacitated optima of uncapopt), ``pmed`` (40) and
``rand`` (random 50 sites x 200 customers CFLP, total capacity 1.1x and 1.5x the demand,
three seeds each, generated here from fixed seeds: no download). Each instance is solved
by evplan's strong pipeline and, unless ``--skip-textbook``, by two plain MILPs handed to
HiGHS as they are (presolve on, the same threads and limit, or ``--textbook-time-limit``):

* ``aggregated``: evplan's ``formulation="textbook"`` (capacity row as the only link;
  ``sum_j x_ij <= n y_i`` when uncapacitated; assignment p-median);
* ``strong``: the strong textbook formulation, every ``x_ij <= y_i`` row beside the
  capacity rows (facility families only: the textbook p-median already has them).

Columns: instance, optimum (``rand``: the best value any solve proved), value found,
proven gap and CPU seconds of evplan, then CPU seconds of each textbook MILP (``*``: it hit
its limit) and the textbook's CPU over evplan's. A line ends ``FAILED`` when evplan raised,
``NOT PROVEN`` or ``MISMATCH`` when its value is unproven or not the optimum, and
``AGGREGATED MISMATCH`` / ``STRONG MISMATCH`` when a textbook solve called a value other than
the optimum optimal (its time then compares nothing). A solve is timed in CPU seconds of its
worker process (single-threaded HiGHS, ``--jobs`` workers at once); a solve under 10 CPU
seconds is repeated (``--repeats``, default 3) and its median reported. Each timed call
reads nothing but builds its model (evplan's, the aggregated and the strong one alike). The
limits are wall-clock seconds: a solve that hits its limit counts the CPU seconds it used
until then (less than the limit on a loaded machine), so a capped textbook figure
understates the textbook's true time. The summary lines give CPU and wall seconds per
family and how many textbook solves hit their limit. The load average is printed at start
and end. Never asserted in tests.

While it runs, a progress line on standard error (when it is a terminal, or ``--progress``)
says which solve runs, its MIP gap (``--jobs 1``: the solves run in this process) or how
many solves are done, and the elapsed time. Ctrl-C stops the running solves within a
second or two, prints ``# interrupted after N s; ...`` and exits 130 (no table).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import re
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np
import pandas as pd

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
from evplan.location.formulations import build_facility_model
from evplan.location.highs import Milp, solve_milp
from evplan.location.tables import to_dense
from evplan.progress import current, work

CAP_FILES = [f"cap{g}{k}" for g in (4, 6, 7, 8, 9, 10, 11, 12, 13) for k in (1, 2, 3, 4)]
CAP_FILES.insert(4, "cap51")
CAPACITIES = {
    "capa": (8000, 10000, 12000, 14000),
    "capb": (5000, 6000, 7000, 8000),
    "capc": (5000, 5750, 6500, 7250),
}
UFLP_FILES = [f"cap{n}" for n in (71, 72, 73, 74, 101, 102, 103, 104, 131, 132, 133, 134)]
UFLP_FILES += ["capa", "capb", "capc"]
RANDOM = [f"rand50x200_{ratio}_s{seed}" for ratio in ("1.1", "1.5") for seed in range(3)]
Solver = Callable[[SolveOptions], LocationResult]
Tables = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]


def random_cflp(key: str) -> Tables:
    """A random CFLP ``rand{m}x{n}_{ratio}_s{seed}`` (Cornuejols et al. 1991 style).

    Sites and customers uniform in the unit square; demand U[5, 35]; capacities U[10, 160]
    scaled so that they sum to ``ratio`` x the demand; fixed cost U[0, 90] + U[100, 110] x
    sqrt(capacity); serving all of a customer costs 10 x distance x demand. Rounded to
    integers (costs to 3 decimals). NumPy's default generator with ``seed``.
    """
    size, ratio_text, seed_text = key.removeprefix("rand").split("_")
    sites, customers = (int(n) for n in size.split("x"))
    ratio, seed = float(ratio_text), int(seed_text.removeprefix("s"))
    rng = np.random.default_rng(seed)
    site_xy, customer_xy = rng.random((sites, 2)), rng.random((customers, 2))
    demand = rng.uniform(5, 35, customers).round()
    capacity = rng.uniform(10, 160, sites)
    capacity = np.round(capacity * ratio * demand.sum() / capacity.sum())
    fixed = np.round(rng.uniform(0, 90, sites) + rng.uniform(100, 110, sites) * np.sqrt(capacity))
    distance = np.sqrt(((site_xy[:, None, :] - customer_xy[None, :, :]) ** 2).sum(-1))
    cost = np.round(10 * distance * demand[None, :], 3)
    site_ids = [f"s{i}" for i in range(sites)]
    customer_ids = [f"c{j}" for j in range(customers)]
    i, j = np.meshgrid(np.arange(sites), np.arange(customers), indexing="ij")
    return (
        pd.DataFrame({"site": site_ids, "capacity": capacity, "fixed_cost": fixed}),
        pd.DataFrame({"customer": customer_ids, "demand": demand}),
        pd.DataFrame(
            {
                "site": np.array(site_ids)[i.ravel()],
                "customer": np.array(customer_ids)[j.ravel()],
                "cost": cost.ravel(),
            }
        ),
    )


def strong_textbook_model(tables: Tables, capacitated_sites: bool) -> Milp:
    """The strong textbook MILP: assignment, capacity and every ``x_ij <= y_i`` row.

    evplan's strong model (:func:`build_facility_model` with ``strong=True``) without its
    demand-cover row, which it adds (last) only when every site has a finite capacity.
    """
    instance = to_dense(
        *tables, value_column="cost", need_fixed_cost=True, need_capacity=capacitated_sites
    )
    capacity = instance.capacity if capacitated_sites else np.full(len(instance.site_ids), np.inf)
    model = build_facility_model(
        instance.value, instance.demand, capacity, instance.fixed_cost, strong=True
    ).milp
    if np.isfinite(capacity).all():  # drop evplan's demand-cover row (the last): plain textbook
        rows = model.matrix.shape[0] - 1
        model = Milp(
            cost=model.cost,
            lower=model.lower,
            upper=model.upper,
            integer=model.integer,
            matrix=model.matrix.tocsr()[:rows].tocsc(),
            row_lower=model.row_lower[:rows],
            row_upper=model.row_upper[:rows],
        )
    return model


def strong_textbook(tables: Tables, capacitated_sites: bool) -> Solver:
    """Solve the strong textbook MILP; like evplan's solves, the timed call builds it too."""

    def solve(options: SolveOptions) -> LocationResult:
        started = time.perf_counter()
        model = strong_textbook_model(tables, capacitated_sites)
        left = options.time_limit - (time.perf_counter() - started)  # the build counts too
        solution = solve_milp(model, options, time_limit=left)
        return LocationResult(
            problem="capacitated",
            status=solution.status,
            objective=float(solution.objective),
            bound=float(solution.bound),
            gap=float(solution.gap),
            open_sites=[],
            assignment=pd.DataFrame(),
            seconds=solution.seconds,
            details={},
        )

    return solve


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
    if "rand" in families:
        for key in RANDOM:
            yield "rand", key


def solver(folder: Path, family: str, key: str, formulation: str) -> Solver:
    """Read the instance behind ``key`` and return a function solving it with options.

    ``formulation``: ``evplan`` or ``aggregated`` (evplan's own solve with
    ``formulation`` strong / textbook in the options), ``strong`` (the strong textbook).
    """
    if formulation == "strong":
        if family == "rand":
            return strong_textbook(random_cflp(key), True)
        if family == "uflp":
            data = read_capacitated(folder / f"{key.removeprefix('uflp_')}.txt", float("inf"))
            return strong_textbook((data.sites, data.customers, data.costs), False)
        name, _, capacity = key.partition("_")
        data = read_capacitated(folder / f"{name}.txt", float(capacity) if capacity else None)
        return strong_textbook((data.sites, data.customers, data.costs), True)
    if family == "rand":
        tables = random_cflp(key)
        return lambda options: capacitated(*tables, options=options)
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
    """One solve: value found, proven gap, status, CPU and wall seconds (None if failed)."""

    objective: float | None
    gap: float | None
    status: str
    cpu: float
    wall: float


def run(task: tuple[Path, str, str, str, SolveOptions, int]) -> Outcome:
    """Solve one instance with one formulation (in a worker process); median of repeats
    when a solve takes under 10 CPU seconds."""
    folder, family, key, formulation, options, repeats = task
    # a worker process: its own work, so that Ctrl-C stops its HiGHS run at once
    with work(key, show=False) if current() is None else contextlib.nullcontext():
        return _repeat(solve=solver(folder, family, key, formulation), key=key,
                       formulation=formulation, options=options, repeats=repeats)


def _repeat(solve: Solver, key: str, formulation: str, options: SolveOptions, repeats: int
            ) -> Outcome:
    outcomes: list[Outcome] = []
    while len(outcomes) < repeats:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            result: LocationResult = solve(options)
        except Exception as error:  # reported in the table, the run goes on
            print(f"    {key} ({formulation}) failed: {error}", file=sys.stderr, flush=True)
            return Outcome(
                None, None, "failed", time.process_time() - cpu, time.perf_counter() - wall
            )
        outcomes.append(
            Outcome(
                result.objective,
                result.gap,
                result.status,
                time.process_time() - cpu,
                time.perf_counter() - wall,
            )
        )
        if outcomes[0].cpu >= 10.0:
            break
    middle = statistics.median_low([outcome.cpu for outcome in outcomes])
    chosen = next(outcome for outcome in outcomes if outcome.cpu == middle)
    return Outcome(
        chosen.objective,
        chosen.gap,
        chosen.status,
        middle,
        statistics.median([outcome.wall for outcome in outcomes]),
    )


def _matches(objective: float, optimum: float) -> bool:
    return abs(objective - optimum) <= max(0.01, 1e-8 * abs(optimum))


def flags(
    optimum: float, mine: Outcome, aggregated: Outcome | None, strong: Outcome | None
) -> str:
    """What a table line ends with: ``FAILED`` (evplan raised), ``NOT PROVEN`` or
    ``MISMATCH`` (evplan's value), and ``AGGREGATED MISMATCH`` / ``STRONG MISMATCH`` when a
    textbook solve called a value other than the optimum optimal (its time compares
    nothing then)."""
    text = ""
    if mine.objective is None:
        text += "  FAILED"
    elif not _matches(mine.objective, optimum):
        text += "  MISMATCH"
    elif mine.status != "optimal":
        text += "  NOT PROVEN"
    for label, other in (("aggregated", aggregated), ("strong", strong)):
        if (
            other is not None
            and other.status == "optimal"
            and other.objective is not None
            and not _matches(other.objective, optimum)
        ):
            text += f"  {label.upper()} MISMATCH ({other.objective:.3f})"
    return text


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _seconds(outcome: Outcome | None) -> str:
    if outcome is None:
        return f"{'-':>10}"
    mark = "*" if outcome.status != "optimal" else " "
    return f"{outcome.cpu:>9.2f}{mark}"


def _solve_all(
    tasks: list[tuple[Path, str, str, str, SolveOptions, int]],
    jobs: int,
    outcomes: dict[tuple[str, str], Outcome],
    step: Callable[[str], None],
) -> None:
    """Run every task (here with ``jobs`` 1, else in worker processes) into ``outcomes``."""

    def done(key: str, formulation: str, outcome: Outcome) -> None:
        outcomes[key, formulation] = outcome
        print(f"  done {key} ({formulation}) in {outcome.cpu:.1f} s CPU", file=sys.stderr,
              flush=True)

    if jobs == 1:  # in this process: the progress line shows each solve's gap
        for number, task in enumerate(tasks, 1):
            step(f"solve {number}/{len(tasks)}: {task[2]} ({task[3]})")
            done(task[2], task[3], run(task))
        return
    # forkserver: workers do not inherit this process's live display (its thread and locks)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"))
    try:
        futures = {pool.submit(run, task): task for task in tasks}
        step(f"0/{len(tasks)} solves done, {jobs} at once")
        for future in as_completed(futures):
            done(futures[future][2], futures[future][3], future.result())
            step(f"{len(outcomes)}/{len(tasks)} solves done, {jobs} at once")
    except KeyboardInterrupt:
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:  # stop their HiGHS runs (a terminal's Ctrl-C reached them too)
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGINT)
        raise
    pool.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--textbook-time-limit", type=float, default=None)
    parser.add_argument("--only", default="cap,capabc,uflp,pmed,rand")
    parser.add_argument("--skip-textbook", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="HiGHS threads per solve")
    parser.add_argument(
        "--jobs", type=int, default=1, help="solves run at once, each in its own process"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs of a solve under 10 s")
    parser.add_argument("--match", default=None, help="regular expression on instance names")
    parser.add_argument("--orlib", type=Path, default=None)
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress line on stderr (default: when stderr is a terminal)")
    arguments = parser.parse_args()
    print(f"# load average at start: {_load()}", flush=True)
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
    repeats = max(1, arguments.repeats)
    tasks = [(folder, family, key, "evplan", ours, repeats) for family, key in selected]
    if not arguments.skip_textbook:
        tasks += [
            (folder, family, key, "aggregated", textbook, repeats) for family, key in selected
        ]
        tasks += [
            (folder, family, key, "strong", textbook, repeats)
            for family, key in selected
            if family != "pmed"
        ]
    print(
        f"# time limit {ours.time_limit:g} s (textbook {textbook.time_limit:g} s), "
        f"threads {ours.threads}, jobs {arguments.jobs}, medians of {repeats} under 10 s",
        flush=True,
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    outcomes: dict[tuple[str, str], Outcome] = {}
    try:
        with work("location benchmark", show=arguments.progress) as progress:
            _solve_all(tasks, arguments.jobs, outcomes, progress.step)
    except KeyboardInterrupt:
        print(
            f"# interrupted after {time.perf_counter() - started:.0f} s; "
            f"{len(outcomes)} of {len(tasks)} solves done, no table printed",
            file=sys.stderr,
            flush=True,
        )
        raise SystemExit(130) from None
    header = (
        f"{'instance':<20}{'optimum':>16}{'found':>16}{'gap':>10}{'CPU s':>10}"
        f"{'aggr. s':>10}{'strong s':>10}{'aggr/ev':>9}{'strong/ev':>10}"
    )
    print(header)
    totals: dict[str, dict[str, float]] = {}
    for family, key in selected:
        mine = outcomes[key, "evplan"]
        aggregated = outcomes.get((key, "aggregated"))
        strong = outcomes.get((key, "strong"))
        optimum = optima.get(key)
        if optimum is None:  # random instances: the best value a solve proved optimal
            proven_values = [
                o.objective
                for o in (mine, aggregated, strong)
                if o is not None and o.objective is not None and o.status == "optimal"
            ]
            optimum = min(proven_values) if proven_values else float("nan")
        line = f"{key:<20}{optimum:>16.3f}"
        if mine.objective is None or mine.gap is None:
            line += f"{'-':>16}{'-':>10}"
        else:
            line += f"{mine.objective:>16.3f}{mine.gap:>10.2e}"
        line += _seconds(mine) + _seconds(aggregated) + _seconds(strong)
        for other in (aggregated, strong):
            line += (
                f"{other.cpu / max(mine.cpu, 1e-9):>9.1f} " if other is not None else f"{'-':>10}"
            )
        matches = mine.objective is not None and _matches(mine.objective, optimum)
        proven = matches and mine.status == "optimal"
        record = totals.setdefault(
            family,
            dict.fromkeys(
                (
                    "count",
                    "proven",
                    "cpu",
                    "aggregated",
                    "aggregated_capped",
                    "strong",
                    "strong_capped",
                    "strong_count",
                    "strong_ev_cpu",
                    "wall",
                    "aggregated_wall",
                    "strong_wall",
                ),
                0.0,
            ),
        )
        record["count"] += 1
        record["proven"] += int(proven)
        record["cpu"] += mine.cpu
        record["wall"] += mine.wall
        if aggregated is not None:
            record["aggregated"] += aggregated.cpu
            record["aggregated_wall"] += aggregated.wall
            record["aggregated_capped"] += int(aggregated.status != "optimal")
        if strong is not None:
            record["strong"] += strong.cpu
            record["strong_wall"] += strong.wall
            record["strong_capped"] += int(strong.status != "optimal")
            record["strong_count"] += 1
            record["strong_ev_cpu"] += mine.cpu
        print(line + flags(optimum, mine, aggregated, strong))
    print()
    for family, record in totals.items():
        summary = (
            f"summary {family}: {record['proven']:.0f}/{record['count']:.0f} proven "
            f"optimal in {record['cpu']:.1f} s CPU ({record['wall']:.1f} s wall)"
        )
        if not arguments.skip_textbook:
            summary += (
                f"; aggregated textbook {record['aggregated']:.1f} s CPU "
                f"({record['aggregated_wall']:.1f} s wall, "
                f"{record['aggregated'] / max(record['cpu'], 1e-9):.1f}x CPU, "
                f"{record['aggregated_capped']:.0f} hit the limit)"
            )
            if record["strong_count"]:
                summary += (
                    f"; strong textbook {record['strong']:.1f} s CPU "
                    f"({record['strong_wall']:.1f} s wall, "
                    f"{record['strong'] / max(record['strong_ev_cpu'], 1e-9):.1f}x CPU, "
                    f"{record['strong_capped']:.0f} hit the limit)"
                )
        print(summary)
    print(
        f"# wall clock {time.perf_counter() - started:.1f} s, parent CPU "
        f"{time.process_time() - cpu_started:.1f} s; load average at end: {_load()}",
        flush=True,
    )


if __name__ == "__main__":
    main()
