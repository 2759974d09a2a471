"""Benchmark: what the export-LP certificate costs, against build and solve.

For the embedded default scenario (what ``evplan run`` plans) and optionally a larger random
network, each repetition builds the index and the model, solves it with HiGHS, makes the result
tables (with the CO2 and zero-emission tables where the inputs have rules), then runs the
certificate (:func:`evplan.verify.certify`, exactly as :func:`evplan.optimize` does: the network
rows, the objective, the compliance rows and, for a plain export LP only, the dual bound from the
HiGHS duals). The last column says whether a dual bound was computed. CPU seconds are printed
beside wall seconds because a shared machine inflates wall time; the overhead is the
certificate's share of build + solve.

Usage::

    python benchmarks/verify_overhead.py [--repeat 5] [--random 12 20 40 4]

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from evplan.data import NetworkData
from evplan.examples import china_export, random_network
from evplan.highs import run_highs
from evplan.model.build import build_model
from evplan.model.compliance_index import has_compliance
from evplan.model.index import build_index
from evplan.model.objective import fixed_cost_usd
from evplan.results import Result, compute_kpis, result_tables
from evplan.verify.certify import certify


def _clock() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def measure(data: NetworkData, repeat: int) -> tuple[dict[str, list[float]], bool]:
    """CPU and wall seconds of build + solve and of the certificate, per repetition; and
    whether the certificate computed a dual bound."""
    out: dict[str, list[float]] = {"build_solve_cpu": [], "build_solve_wall": [],
                                   "verify_cpu": [], "verify_wall": []}
    bound = False
    for _ in range(repeat + 1):
        cpu, wall = _clock()
        index = build_index(data)
        m, index = build_model(data, index=index)
        run = run_highs(m)
        cpu_solved, wall_solved = _clock()
        tables = result_tables(m, run, index, data)
        if has_compliance(data):
            from evplan.results.compliance import compliance_tables

            tables |= compliance_tables(m, run, index, data, index.compliance)
        result = Result(status=run.status, objective_usd=run.objective - fixed_cost_usd(index),
                        tables=tables, kpis=compute_kpis(tables), scenario={})
        cpu_tables, wall_tables = _clock()
        certified = certify(data, result, m, run, index)
        cpu_done, wall_done = _clock()
        bound = certified.metadata["certificate"].get("bound_usd") is not None
        out["build_solve_cpu"].append(cpu_solved - cpu)
        out["build_solve_wall"].append(wall_solved - wall)
        out["verify_cpu"].append(cpu_done - cpu_tables)
        out["verify_wall"].append(wall_done - wall_tables)
    return {key: values[1:] for key, values in out.items()}, bound  # run 1 warms caches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--random", type=int, nargs=4, metavar=("PLANTS", "PROGRAMS",
                                                                "MARKETS", "YEARS"))
    args = parser.parse_args()
    cases = {"china-export (evplan run)": china_export()}
    if args.random:
        plants, programs, markets, years = args.random
        cases[f"random {plants}x{programs}x{markets}x{years}"] = random_network(
            1, plants=plants, programs=programs, markets=markets, years=years)
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"{'case':<32}{'build+solve cpu':>16}{'wall':>9}{'verify cpu':>12}{'wall':>9}"
          f"{'share cpu':>11}{'share wall':>12}{'dual bound':>12}")
    for name, data in cases.items():
        times, bound = measure(data, args.repeat)
        median = {key: statistics.median(values) for key, values in times.items()}
        print(f"{name:<32}{median['build_solve_cpu']:>15.3f}s{median['build_solve_wall']:>8.3f}s"
              f"{median['verify_cpu']:>11.4f}s{median['verify_wall']:>8.4f}s"
              f"{100 * median['verify_cpu'] / median['build_solve_cpu']:>10.1f}%"
              f"{100 * median['verify_wall'] / median['build_solve_wall']:>11.1f}%"
              f"{'yes' if bound else 'no':>12}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
