"""Build and solve the default scenario with and without its CO2 and zero-emission rules.

Usage::

    python benchmarks/compliance.py [--repeats 3] [--threads 1]

"plain" is china-export with the compliance tables (issue 16) emptied; "rules" is the
default scenario as shipped (EU fleet targets, UK ZEV mandate, China NEV credits, CO2 of
production and shipping, carbon price rows). For each, the script times the model build
(``build_index`` + ``build_model``) and the HiGHS solve separately, plus the whole
``evplan.optimize`` (result tables, KPIs and, with rules, the compliance certificate),
and prints medians of ``--repeats`` runs in CPU seconds (this process) and wall seconds,
the model sizes, whether the model has integer variables (it must not: the rules are an
LP), and the load average at start and end. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from evplan import optimize
from evplan.data import NetworkData
from evplan.examples import china_export
from evplan.highs import SolverOptions, run_highs
from evplan.model.build import BuildOptions, build_model
from evplan.model.index import build_index
from evplan.schema import COMPLIANCE_TABLES


def plain(data: NetworkData) -> NetworkData:
    """``data`` without its compliance rows (the network model of before issue 16)."""
    tables = {name: (frame.iloc[0:0] if name in COMPLIANCE_TABLES else frame)
              for name, frame in data.tables.items()}
    return data.replace(tables=tables)


def timed(function):  # type: ignore[no-untyped-def]
    cpu, wall = time.process_time(), time.perf_counter()
    value = function()
    return value, time.process_time() - cpu, time.perf_counter() - wall


def measure(data: NetworkData, solver: SolverOptions, repeats: int) -> dict[str, object]:
    rows: dict[str, list[float]] = {key: [] for key in (
        "build_cpu", "build_wall", "solve_cpu", "solve_wall", "total_cpu", "total_wall")}
    sizes = {}
    for _ in range(repeats):
        (m, _index), cpu, wall = timed(lambda: build_model(data, BuildOptions(),
                                                           build_index(data)))
        rows["build_cpu"].append(cpu)
        rows["build_wall"].append(wall)
        run, cpu, wall = timed(lambda m=m: run_highs(m, solver))
        assert run.status == "optimal", run.status
        rows["solve_cpu"].append(cpu)
        rows["solve_wall"].append(wall)
        sizes = {"variables": int(m.nvars), "constraints": int(m.ncons),
                 "integers": int(len(m.integers) + len(m.binaries)),
                 "objective": run.objective}
        _result, cpu, wall = timed(lambda: optimize(data, solver))
        rows["total_cpu"].append(cpu)
        rows["total_wall"].append(wall)
    return {**{key: statistics.median(values) for key, values in rows.items()}, **sizes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    solver = SolverOptions(threads=args.threads)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rules = china_export()
    results = {"plain": measure(plain(rules), solver, args.repeats),
               "rules": measure(rules, solver, args.repeats)}
    print(f"medians of {args.repeats} runs, HiGHS threads={args.threads}")
    header = (f"{'case':<6} {'vars':>7} {'rows':>7} {'ints':>4} {'build cpu':>9} "
              f"{'build wall':>10} {'solve cpu':>9} {'solve wall':>10} {'b+s cpu':>8} "
              f"{'b+s wall':>8} {'optimize cpu':>12} {'optimize wall':>13}")
    print(header)
    for case, row in results.items():
        print(f"{case:<6} {row['variables']:>7,} {row['constraints']:>7,} {row['integers']:>4} "
              f"{row['build_cpu']:>9.2f} {row['build_wall']:>10.2f} {row['solve_cpu']:>9.2f} "
              f"{row['solve_wall']:>10.2f} {row['build_cpu'] + row['solve_cpu']:>8.2f} "
              f"{row['build_wall'] + row['solve_wall']:>8.2f} {row['total_cpu']:>12.2f} "
              f"{row['total_wall']:>13.2f}")
    base, full = results["plain"], results["rules"]
    for kind in ("cpu", "wall"):
        ratio = (full[f"build_{kind}"] + full[f"solve_{kind}"]) / (
            base[f"build_{kind}"] + base[f"solve_{kind}"])
        print(f"build+solve ratio rules/plain ({kind}): {ratio:.2f}  (target <= 1.5)")
    print(f"integer variables with rules: {full['integers']} (an LP: 0)")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
