"""Benchmark: the extensive form of china-strategic's two-stage studies.

Cases:

* ``small``: study ``duty-risk-small`` (2 x 2 = 4 scenarios, E[margin] + 0.5 x CVaR_0.8);
* ``default``: study ``duty-risk`` (3 x 3 x 3 = 27 scenarios, expected margin).

Each case solves the expected-value plan and evaluates it in every scenario (EEV: the
extensive form's cutoff and known plan, as in ``evplan stochastic``), then the extensive form
to ``--gap`` (default 0.5 %) within ``--time-limit`` (default 300 s, per HiGHS run), and
checks every scenario's plan. ``--no-vss`` skips the EV plan (no cutoff); EVPI and regret
run only with ``--full`` (one solve per scenario, and scenarios² for regret).
With ``--workers 2`` the scenario models are built, completed and checked on a local Dask
cluster of two processes (the extensive form is solved in this one); the workers' CPU is
printed beside this process's. Printed per case: build, solve and check wall seconds, the
process's CPU seconds, peak memory, columns, rows, non-anticipativity rows, status, gap,
objective and bound; the load average before and after. A case whose run takes under 10
CPU seconds (this process) is run three times and the medians of its wall and CPU seconds
are printed after the three runs.

Usage::

    python benchmarks/stochastic.py --cases small
    python benchmarks/stochastic.py --cases default --time-limit 300
    python benchmarks/stochastic.py --cases default --workers 1 2   # serial, then 2 workers

Timings are printed, never asserted; on a shared machine they are noisy (see the load).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

CASES = {"small": "duty-risk-small", "default": "duty-risk"}


def run_case(name: str, gap: float, limit: float, threads: int | None, full: bool,
             vss: bool, workers: int) -> tuple[float, float]:
    """Run and print one case; return its wall and CPU seconds (this process)."""
    import evplan
    from evplan.examples import china_strategic
    from evplan.twostage.hedging import study_client

    data = china_strategic()
    load = os.getloadavg()
    started = time.perf_counter()
    with study_client(workers=workers) as client:
        if client is not None:
            print(f"case {name}: a local Dask cluster of {workers} worker processes started in "
                  f"{time.perf_counter() - started:.1f} s (outside the clock)")
            worker_cpu = client.run(time.process_time)
        cpu = time.process_time()
        wall = time.perf_counter()
        result = evplan.stochastic(data, CASES[name],
                                   evplan.SolverOptions(mip_gap=gap, time_limit_s=limit,
                                                        threads=threads),
                                   evpi=full, vss=vss or full, regret=full, client=client)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        if client is not None:
            after = client.run(time.process_time)
            spent = sum(after[key] - worker_cpu[key] for key in after)
            print(f"  workers' CPU {spent:.1f} s (beside this process's)")
    meta = result.metadata
    timings = meta["timings"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"case {name} (study {CASES[name]}, {workers} worker(s)): {meta['scenarios']} "
          f"scenarios, "
          f"{meta['columns']:,} columns, {meta['rows']:,} rows, "
          f"{meta['nonanticipativity_rows']:,} non-anticipativity rows, "
          f"{meta['shared_elements']:,} shared elements")
    print(f"  build {timings['build_seconds']:.1f} s, solve {timings['solve_seconds']:.1f} s, "
          f"check {timings['check_seconds']:.1f} s, EV plan and EEV "
          f"{timings['vss_seconds']:.1f} s, total wall {wall:.1f} s, "
          f"CPU {cpu:.1f} s, peak memory {peak:,.0f} MiB")
    print(f"  plan from: {meta.get('plan_from', 'extensive form')}")
    print(f"  status {result.status}, gap {meta['mip_gap']:.3%}, objective "
          f"{result.objective_usd / 1e9:,.4f} bn USD, bound {meta['bound_usd'] / 1e9:,.4f} bn "
          f"USD, E[margin] {result.expected_margin_usd / 1e9:,.4f} bn, CVaR "
          f"{result.cvar_usd / 1e9:,.4f} bn")
    if vss or full:
        vss_usd = result.vss_usd if result.vss_usd is not None else float("nan")
        print(f"  EEV {meta.get('eev_usd', float('nan')) / 1e9:,.4f} bn USD (the cutoff and "
              f"known plan), VSS {vss_usd / 1e9:,.4f} bn USD")
    if full:
        print(f"  EVPI {result.evpi_usd}, VSS {result.vss_usd}, EEV status "
              f"{meta.get('eev_status')}; wait-and-see {timings['wait_and_see_seconds']:.1f} "
              f"s, VSS {timings['vss_seconds']:.1f} s")
    print(f"  load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, after "
          + " ".join(f"{value:.2f}" for value in os.getloadavg()))
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=["small"])
    parser.add_argument("--gap", type=float, default=5e-3)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--full", action="store_true", help="also EVPI and regret")
    parser.add_argument("--no-vss", dest="vss", action="store_false",
                        help="skip the expected-value plan (and so the cutoff)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="run each case in this process (1) and/or on a local Dask "
                             "cluster of N workers, e.g. --workers 1 2")
    args = parser.parse_args()
    for name in args.cases:
        for workers in args.workers:
            runs = [run_case(name, args.gap, args.time_limit, args.threads, args.full,
                             args.vss, workers)]
            while len(runs) < 3 and runs[0][1] < 10.0:  # under 10 CPU s: median of 3
                runs.append(run_case(name, args.gap, args.time_limit, args.threads, args.full,
                                     args.vss, workers))
            if len(runs) > 1:
                print(f"case {name}, {workers} worker(s): median of {len(runs)} runs: wall "
                      f"{statistics.median(w for w, _ in runs):.1f} s, CPU "
                      f"{statistics.median(c for _, c in runs):.1f} s (this process)")


if __name__ == "__main__":
    main()
