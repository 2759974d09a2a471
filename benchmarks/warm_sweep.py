"""Warm re-solves against cold build-and-solve on the default scenario, and sweep throughput.

    python benchmarks/warm_sweep.py [--cold-cases 6] [--no-dask]

Prints the time per scenario of
  * cold: apply the case's overrides, build the linopy model, hand it to HiGHS, solve, make
    the result tables and KPIs (``evplan.optimize``);
  * warm: apply the overrides, update costs and row bounds of the kept HiGHS model, re-solve
    from the previous basis, make the same tables and KPIs (``WarmModel.solve``);
and their ratio, then the throughput (cases per minute) of the 24-case sweep
``eu-duty-x-freight`` serially, on 2 local processes and on a 2-worker Dask LocalCluster.
"""

from __future__ import annotations

import argparse
import statistics
import time

import evplan
from evplan.scenarios import WarmModel, apply_patches, catalog_for, grid_cases, run_sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-cases", type=int, default=6)
    parser.add_argument("--no-dask", action="store_true")
    arguments = parser.parse_args()

    data = evplan.examples.china_export()
    catalog = catalog_for(data)
    cases = grid_cases(catalog, catalog.sweeps["eu-duty-x-freight"])
    print(f"default scenario china-export, sweep eu-duty-x-freight: {len(cases)} cases")

    cold_times = []
    for case in cases[: arguments.cold_cases]:
        started = time.perf_counter()
        evplan.optimize(apply_patches(data, case.patches).data)
        cold_times.append(time.perf_counter() - started)

    started = time.perf_counter()
    warm = WarmModel(data)
    build = time.perf_counter() - started
    warm_times = []
    for case in cases:
        started = time.perf_counter()
        warm.solve(apply_patches(data, case.patches).data)
        warm_times.append(time.perf_counter() - started)
    cold = statistics.median(cold_times)
    hot = statistics.median(warm_times)
    amortised = (build + sum(warm_times)) / len(warm_times)
    print(f"cold build-and-solve   {cold * 1e3:8.1f} ms per scenario (median of "
          f"{len(cold_times)})")
    print(f"warm re-solve          {hot * 1e3:8.1f} ms per scenario (median of "
          f"{len(warm_times)}; modes {warm.stats.warm_fast} warm, "
          f"{warm.stats.warm_reindexed} reindexed, {warm.stats.cold} cold)")
    print(f"one-time warm build    {build * 1e3:8.1f} ms")
    print(f"warm/cold ratio        {cold / hot:8.1f}x per scenario; {cold / amortised:.1f}x "
          f"with the build amortised over {len(warm_times)} cases")

    serial = run_sweep(catalog.sweeps["eu-duty-x-freight"], data, workers=1)
    print(f"sweep, 1 process       {serial.cases_per_minute:8.1f} cases/min "
          f"({serial.seconds:.1f} s)")
    local = run_sweep(catalog.sweeps["eu-duty-x-freight"], data, workers=2)
    print(f"sweep, 2 processes     {local.cases_per_minute:8.1f} cases/min "
          f"({local.seconds:.1f} s, incl. process start-up)")
    if not arguments.no_dask:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                          host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            client.run(lambda: __import__("evplan"))  # workers import evplan first
            dask = run_sweep(catalog.sweeps["eu-duty-x-freight"], data, scheduler=client)
        print(f"sweep, Dask 2 workers  {dask.cases_per_minute:8.1f} cases/min "
              f"({dask.seconds:.1f} s, cluster already up)")


if __name__ == "__main__":
    main()
