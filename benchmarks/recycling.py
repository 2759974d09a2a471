"""Time ``evplan recycling`` on the default scenario and check that its answer repeats.

Usage::

    python benchmarks/recycling.py [--runs 2] [--time-limit 240]

Each run plans the default scenario's recycling network from the ``china-export`` run
folder (planned first if missing) exactly as ``evplan recycling`` does: the fleet, the
MILP part by part, the fixed-network LP, the run without the EU targets, the certificate
check. Printed: the load average at start and end, each part's status, gap and seconds,
CPU and wall seconds of the whole plan, its proven gap, and the binding targets; the last
line says whether every run gave the same plan and the same answer. Runs take well over
10 s each, so they are not repeated for a median. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from evplan.examples import default_run_folder
from evplan.highs import SolverOptions
from evplan.recycling import RecyclingOptions
from evplan.recycling.scenario import plan_from_run


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=240.0)
    args = parser.parse_args()
    print(f"load average at start: {_load()}")
    folder = default_run_folder()
    options = RecyclingOptions()
    options = replace(options, solver=replace(options.solver, time_limit_s=args.time_limit))
    assert isinstance(options.solver, SolverOptions)
    answers = []
    for run in range(1, args.runs + 1):
        cpu, wall = time.process_time(), time.perf_counter()
        result = plan_from_run(folder, options=options,
                               progress=lambda line: print(f"  {line}", flush=True))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        binding = result.binding["processing_target"] or {}
        answer = (round(result.objective_usd, 2), tuple(result["plants"]["plant"]),
                  binding.get("year"), binding.get("target"), binding.get("scope"))
        answers.append(answer)
        print(f"run {run}: status {result.status}, proven gap {result.mip_gap:.2%}, objective "
              f"{result.objective_usd:,.0f} USD; {cpu:.1f} s CPU, {wall:.1f} s wall (HiGHS "
              f"{result.seconds:.1f} s, check {result.verify_seconds:.2f} s); load {_load()}")
        print(f"  first binding target: {binding.get('target')} {binding.get('material')} "
              f"in {binding.get('year')} at {binding.get('scope')}; unattainable: "
              f"{(result.binding['unattainable'] or {}).get('year')} "
              f"{(result.binding['unattainable'] or {}).get('target')} "
              f"{(result.binding['unattainable'] or {}).get('material')}")
    same = all(answer == answers[0] for answer in answers)
    print(f"same plan and answer in every run: {same}")
    print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()
