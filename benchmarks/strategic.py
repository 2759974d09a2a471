"""Benchmark: the strategic network-design MILP, tight against textbook, at two sizes.

Cases (each in a fresh subprocess, so peak memory is its own):

* ``default``: the embedded china-strategic example (2023-2030), tight formulation with
  today's network and the rounded LP plan as a cutoff, to a 0.1 % gap (limit 120 s);
* ``default-ordered``: tight, with the explicit order between identical modules;
* ``default-disaggregated``: tight plus one link per flow, tier, sale and kit;
* ``default-textbook``: the same decisions with one big-M per link, no plant-open link and
  no cutoff, same gap and limit;
* ``large``: a synthetic network about 5x larger (every plant cloned, half the programs
  and markets cloned, years to 2035), tight, to a 1 % gap (limit 900 s);
* ``large-textbook``: the same, textbook (limit 900 s).

Printed per case: build, solve and total seconds, CPU seconds, peak memory, integer
variables, status, gap, objective and bound (a case whose first run takes under 10 CPU
seconds runs three times and its timings are medians); the load average before and after;
and the ratio textbook / tight in wall seconds of the solve and in CPU seconds of the whole
case (a lower bound when the textbook case hits its limit).

Usage::

    python benchmarks/strategic.py                      # every case, 2 threads
    python benchmarks/strategic.py --cases default default-textbook

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = {
    "default": {"scale": "default", "formulation": "tight", "gap": 1e-3, "limit": 120.0},
    "default-ordered": {"scale": "default", "formulation": "tight", "order": True,
                        "gap": 1e-3, "limit": 120.0},
    "default-disaggregated": {"scale": "default", "formulation": "disaggregated", "gap": 1e-3,
                              "limit": 120.0},
    "default-textbook": {"scale": "default", "formulation": "textbook", "gap": 1e-3,
                         "limit": 120.0},
    "large": {"scale": "large", "formulation": "tight", "gap": 1e-2, "limit": 900.0},
    "large-textbook": {"scale": "large", "formulation": "textbook", "gap": 1e-2,
                       "limit": 900.0},
}


def large_network():  # type: ignore[no-untyped-def]
    """china-strategic about 5x larger: plants x2, half the programs and markets x2, to 2035.

    Clones carry perturbed costs (plants 3 % dearer, programs and markets with 60 % of the
    volume at 2 % higher prices); years 2031-2035 repeat 2030's demand.
    """
    import pandas as pd

    from evplan.data import validate_tables
    from evplan.examples import china_strategic
    from evplan.schema import TABLES

    data = china_strategic()
    tables = {name: frame.drop(columns=["row"]).copy() for name, frame in data.tables.items()
              if len(frame)}
    for frame in tables.values():  # rows that ran to 2030 now run to 2035
        if "last_year" in frame:
            frame["last_year"] = frame["last_year"].astype("Float64").where(
                frame["last_year"].astype("Float64") != 2030).astype("Int64")
    demand = tables["demand"]
    later = [demand[demand["year"] == 2030].assign(year=year) for year in range(2031, 2036)]
    tables["demand"] = pd.concat([demand, *later], ignore_index=True)

    def clone(name: str, column: str, mapping: dict[str, str], **changes: float) -> None:
        if name not in tables:
            return
        frame = tables[name]
        copies = frame[frame[column].isin(mapping)].copy()
        copies[column] = copies[column].map(mapping)
        for target, factor in changes.items():
            if target in copies:
                copies[target] = copies[target].astype(float) * factor
        tables[name] = pd.concat([frame, copies], ignore_index=True)

    plants = {plant: f"{plant}-B" for plant in tables["plants"]["plant"]}
    clone("plants", "plant", plants, capacity_vehicles_per_year=0.8, fixed_cost_usd_per_year=0.8)
    for name in ("plant_programs", "routes", "plant_strategy", "plant_program_options",
                 "plant_equity", "steering_variants", "kit_routes"):
        clone(name, "plant", plants, variable_cost_usd_per_vehicle=1.03)
    lifecycle = tables["program_lifecycle"]
    lifecycle["max_plants"] = lifecycle["max_plants"].astype("Float64") * 2  # plants doubled
    programs = sorted(set(tables["programs"]["program"]))[::2]
    programs = {program: f"{program}-2" for program in programs}
    clone("programs", "program", programs)
    for name in ("plant_programs", "plant_program_options", "homologations",
                 "steering_variants", "program_lifecycle"):
        clone(name, "program", programs)
    clone("demand", "product", programs, volume_vehicles=0.6, price_usd_per_vehicle=1.02)
    markets = sorted(set(tables["markets"]["market"]))[1::2]
    markets = {market: f"{market}-2" for market in markets}
    clone("markets", "market", markets)
    for name in ("routes", "duties", "countervailing_duties", "market_steering",
                 "homologations", "market_entry"):
        clone(name, "market", markets)
    clone("demand", "market", markets, volume_vehicles=0.6, price_usd_per_vehicle=1.02)
    clone("kit_duties", "market", markets)
    settings = {**data.scenario.as_dict(), "sources": dict(data.scenario.sources),
                "name": "china-strategic-x5 (synthetic)", "last_year": 2035}
    tables = {name: frame for name, frame in tables.items() if name in TABLES}
    return validate_tables(tables, settings, origin="benchmarks/strategic.py large")


def run_case(name: str, threads: int) -> dict[str, object]:
    """Solve one case in this process and return its figures."""
    import evplan
    from evplan.examples import china_strategic
    from evplan.strategic import StrategicOptions, optimize_strategic

    case = CASES[name]
    started = time.perf_counter()
    cpu = time.process_time()
    data = china_strategic() if case["scale"] == "default" else large_network()
    load_seconds = time.perf_counter() - started
    textbook = case["formulation"] == "textbook"
    options = StrategicOptions(formulation=str(case["formulation"]), heuristics=not textbook,
                               module_order=bool(case.get("order", False)), compare=False)
    solver = evplan.SolverOptions(mip_gap=float(case["gap"]), threads=threads,
                                  time_limit_s=float(case["limit"]))
    try:
        result = optimize_strategic(data, solver, options)
        meta = result.metadata
        figures = {"status": result.status, "objective_usd": result.objective_usd,
                   "bound_usd": meta["mip_bound_usd"], "gap": meta["mip_gap"],
                   "integer_variables": meta["integer_variables"],
                   "variables": meta["variables"], "constraints": meta["constraints"],
                   "build_seconds": meta["build_seconds"],
                   "solve_seconds": meta["solve_seconds"], "nodes": meta["mip_nodes"],
                   "heuristic_seconds": meta["strategic_seconds"].get("heuristic_seconds", 0.0)
                   + meta["strategic_seconds"].get("today_seconds", 0.0)}
    except evplan.EvplanError as error:
        figures = {"status": f"error: {error}"}
    figures |= {"case": name, "load_seconds": load_seconds,
                "total_seconds": time.perf_counter() - started,
                "cpu_seconds": time.process_time() - cpu,
                "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    return figures


def median_figures(runs: list[dict[str, object]]) -> dict[str, object]:
    """The first run's figures with every float timing replaced by the median over ``runs``
    (objective, bound and gap are the first run's), and ``runs`` their count."""
    figures = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, float) and key.endswith(("seconds", "_mib")):
            figures[key] = statistics.median(float(run[key]) for run in runs)  # type: ignore[arg-type]
    figures["runs"] = len(runs)
    return figures


def _repeated(name: str, threads: int) -> dict[str, object] | None:
    """Run one case in fresh subprocesses: three times (medians) when the first run takes
    under 10 CPU seconds, else once; None (and the error printed) if a run fails."""
    runs: list[dict[str, object]] = []
    while len(runs) < 3:
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--one", name,
                               "--threads", str(threads)], capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            print(f"{name:<18} failed: {done.stderr.strip().splitlines()[-1:]}")
            return None
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if float(runs[0].get("cpu_seconds", 0.0)) >= 10.0:  # type: ignore[arg-type]
            break
    return median_figures(runs)


def _print(figures: dict[str, object]) -> None:
    if not str(figures.get("status", "")).startswith(("optimal", "time_limit")):
        print(f"{figures['case']:<18} {figures['status']}")
        return
    print(f"{figures['case']:<18} {figures['status']:<10} ints {figures['integer_variables']:>6,}"
          f"  build {figures['build_seconds']:6.1f} s  solve {figures['solve_seconds']:7.1f} s"
          f"  (heuristics {figures['heuristic_seconds']:5.1f} s)  total "
          f"{figures['total_seconds']:7.1f} s  cpu {figures['cpu_seconds']:7.1f} s  peak "
          f"{figures['peak_mib']:6.0f} MiB  gap {float(figures['gap']):.3%}  objective "
          f"{float(figures['objective_usd']) / 1e9:,.4f} bn  bound "
          f"{float(figures['bound_usd']) / 1e9:,.4f} bn  nodes {figures['nodes']}  "
          f"{'median of ' + str(figures['runs']) if figures.get('runs', 1) != 1 else '1 run'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_case(args.one, args.threads)))
        return
    print(f"load average at start: {open('/proc/loadavg').read().strip()}  "
          f"(cpus: {os.cpu_count()})")
    results: dict[str, dict[str, object]] = {}
    for name in args.cases:
        figures = _repeated(name, args.threads)
        if figures is not None:
            results[name] = figures
            _print(results[name])
    for scale in ("default", "large"):
        tight, textbook = results.get(scale), results.get(f"{scale}-textbook")
        if tight and textbook and "solve_seconds" in tight and "solve_seconds" in textbook:
            ratio = float(textbook["solve_seconds"]) / max(float(tight["solve_seconds"]) + float(
                tight["heuristic_seconds"]), 1e-9)
            bound = "at least " if textbook["status"] != "optimal" else ""
            cpu_ratio = float(textbook["cpu_seconds"]) / max(float(tight["cpu_seconds"]), 1e-9)
            print(f"{scale}: textbook / tight solve time = {bound}{ratio:.1f}x wall "
                  f"(tight includes its heuristics); whole case {bound}{cpu_ratio:.1f}x CPU")
    print(f"load average at end: {open('/proc/loadavg').read().strip()}")


if __name__ == "__main__":
    main()
