"""Benchmark: build and solve the network model at three sizes, linopy against Pyomo.

Both layers build the same formulation from the same sparse flat index
(:func:`evplan.model.index.build_index`), so the ratio measures the modelling layer.
"Build" is model construction plus the hand-off to HiGHS in memory (linopy: the
matrices passed to ``highspy``; Pyomo: ``appsi_highs.set_instance``). Each measurement
runs in a fresh subprocess so that peak memory (max RSS) belongs to that layer alone.

Usage::

    pip install ".[benchmark]"
    python benchmarks/network_build.py                 # small, medium, large; both layers
    python benchmarks/network_build.py --sizes small --no-solve

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

SIZES = {
    # plants, programs, programs_per_plant, markets, markets_per_plant, years, tiers
    "small": dict(plants=10, programs=10, programs_per_plant=5, markets=20, markets_per_plant=20,
                  years=10, tiers=2),
    "medium": dict(plants=40, programs=30, programs_per_plant=10, markets=40,
                   markets_per_plant=25, years=10, tiers=3),
    "large": dict(plants=100, programs=50, programs_per_plant=20, markets=50,
                  markets_per_plant=50, years=10, tiers=3),
}


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_pyomo(index, penalty):  # type: ignore[no-untyped-def]
    """The same formulation as evplan.model, written in Pyomo over the same flat index."""
    import numpy as np
    import pyomo.environ as pyo

    flows, sales, pools = index.flows, index.sales, index.pools
    m = pyo.ConcreteModel()
    m.flow = pyo.RangeSet(0, len(flows) - 1)
    m.sale = pyo.RangeSet(0, len(sales) - 1)
    m.shipment = pyo.Var(m.flow, within=pyo.NonNegativeReals)
    m.sales = pyo.Var(m.sale, within=pyo.NonNegativeReals)

    def members(codes, count):
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(count + 1))
        return [order[bounds[g]:bounds[g + 1]].tolist() for g in range(count)]

    by_plant_year = members(flows["plant_year"].to_numpy(), len(index.plant_years))
    capacity = index.plant_years["capacity_vehicles_per_year"].to_numpy()
    m.plant_capacity = pyo.Constraint(
        range(len(index.plant_years)),
        rule=lambda m, g: sum(m.shipment[f] for f in by_plant_year[g]) <= capacity[g])
    floor = (index.plant_years["min_utilisation"] * capacity).to_numpy()
    minimum = [g for g in range(len(floor)) if floor[g] > 0]
    m.plant_minimum = pyo.Constraint(
        minimum, rule=lambda m, g: sum(m.shipment[f] for f in by_plant_year[g]) >= floor[g])
    if len(index.route_years):
        by_route_year = members(flows["route_year"].to_numpy(), len(index.route_years))
        lane = index.route_years["capacity_vehicles_per_year"].to_numpy()
        m.route_capacity = pyo.Constraint(
            range(len(index.route_years)),
            rule=lambda m, g: sum(m.shipment[f] for f in by_route_year[g]) <= lane[g])
    ship_by_balance = members(flows["balance"].to_numpy(), len(index.balances))
    sale_by_balance = members(sales["balance"].to_numpy(), len(index.balances))
    m.market_balance = pyo.Constraint(
        range(len(index.balances)),
        rule=lambda m, g: sum(m.shipment[f] for f in ship_by_balance[g])
        - sum(m.sales[s] for s in sale_by_balance[g]) == 0)
    by_pool = members(sales["pool"].to_numpy(), len(pools))
    volume = pools["volume_vehicles"].to_numpy()
    m.demand_tier = pyo.Constraint(
        range(len(pools)), rule=lambda m, g: sum(m.sales[s] for s in by_pool[g]) <= volume[g]
        if by_pool[g] else pyo.Constraint.Skip)
    quota_flows = index.quota_flows
    saving = np.zeros(0)
    if len(quota_flows):
        m.quota_flow = pyo.RangeSet(0, len(quota_flows) - 1)
        m.in_quota = pyo.Var(m.quota_flow, within=pyo.NonNegativeReals)
        flow_of = quota_flows["flow"].to_numpy()
        m.duty_quota_share = pyo.Constraint(
            m.quota_flow, rule=lambda m, q: m.in_quota[q] <= m.shipment[int(flow_of[q])])
        by_group = members(quota_flows["quota_group"].to_numpy(), len(index.quota_groups))
        quota = index.quota_groups["quota_vehicles_per_year"].to_numpy()
        m.duty_quota = pyo.Constraint(
            range(len(index.quota_groups)),
            rule=lambda m, g: sum(m.in_quota[q] for q in by_group[g]) <= quota[g])
        chosen = flows.loc[flow_of]
        saving = ((chosen["duty_usd_per_vehicle"] - chosen["in_quota_duty_usd_per_vehicle"])
                  * chosen["year"].map(index.discount)).to_numpy()
    committed = index.committed
    penalty_terms = 0
    if len(committed):
        m.committed = pyo.RangeSet(0, len(committed) - 1)
        m.unmet = pyo.Var(m.committed, within=pyo.NonNegativeReals)
        terms = index.committed_terms
        by_commitment = [terms.loc[terms["committed"] == c, "sale"].tolist()
                         for c in range(len(committed))]
        need = committed["min_vehicles"].to_numpy()
        m.committed_sales = pyo.Constraint(
            m.committed, rule=lambda m, c: sum(m.sales[s] for s in by_commitment[c])
            + m.unmet[c] >= need[c])
        weight = (committed["year"].map(index.discount) * penalty).to_numpy()
        penalty_terms = sum(weight[c] * m.unmet[c] for c in m.committed)
    price = (sales["price_usd_per_vehicle"] * sales["year"].map(index.discount)).to_numpy()
    cost = ((flows["unit_cost_usd_per_vehicle"] + flows["duty_usd_per_vehicle"])
            * flows["year"].map(index.discount)).to_numpy()
    expression = sum(price[s] * m.sales[s] for s in m.sale) - sum(
        cost[f] * m.shipment[f] for f in m.flow)
    if len(quota_flows):
        expression = expression + sum(saving[q] * m.in_quota[q] for q in m.quota_flow)
    m.objective = pyo.Objective(expr=expression - penalty_terms, sense=pyo.maximize)
    return m


def measure(size: str, layer: str, solve: bool) -> dict[str, float | int | str]:
    """Build (and optionally solve) one size with one layer; return the figures."""
    from evplan.examples import random_network
    from evplan.model.index import build_index

    data = random_network(7, **SIZES[size], countries=8)
    index = build_index(data)
    baseline = _peak_mib()
    figures: dict[str, float | int | str] = {"size": size, "layer": layer,
                                             "flows": len(index.flows)}
    started = time.perf_counter()
    if layer == "linopy":
        from evplan.highs import SolverOptions, _to_highs
        from evplan.model.build import build_model

        m, _ = build_model(data, index=index)
        figures["model_seconds"] = time.perf_counter() - started
        h = _to_highs(m)
        figures["build_seconds"] = time.perf_counter() - started
        figures["variables"] = int(m.nvars)
        figures["constraints"] = int(m.ncons)
        if solve:
            del SolverOptions
            started = time.perf_counter()
            h.run()
            figures["solve_seconds"] = time.perf_counter() - started
            figures["objective"] = h.getInfo().objective_function_value
    else:
        import pyomo.environ as pyo
        from pyomo.contrib.appsi.solvers import Highs

        model = build_pyomo(index, data.scenario.unmet_committed_penalty_usd_per_vehicle)
        figures["model_seconds"] = time.perf_counter() - started
        solver = Highs()
        solver.config.load_solution = False
        solver.set_instance(model)
        figures["build_seconds"] = time.perf_counter() - started
        figures["variables"] = sum(len(v) for v in model.component_objects(pyo.Var))
        figures["constraints"] = sum(len(c) for c in model.component_objects(pyo.Constraint))
        if solve:
            started = time.perf_counter()
            results = solver.solve(model)
            figures["solve_seconds"] = time.perf_counter() - started
            figures["objective"] = results.best_feasible_objective
    figures["peak_mib"] = _peak_mib()
    figures["peak_over_data_mib"] = _peak_mib() - baseline
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--layers", default="linopy,pyomo")
    parser.add_argument("--no-solve", action="store_true", help="Measure the build only.")
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "LAYER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], args.one[1], not args.no_solve)))
        return
    rows = []
    for size in args.sizes.split(","):
        for layer in args.layers.split(","):
            command = [sys.executable, __file__, "--one", size, layer]
            if args.no_solve:
                command.append("--no-solve")
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode:
                print(f"{size}/{layer} failed:\n{done.stderr}", file=sys.stderr)
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(f"{size:7s} {layer:7s} flows {row['flows']:>9,}  vars {row['variables']:>9,}  "
                  f"cons {row['constraints']:>9,}  model {row['model_seconds']:7.2f} s  "
                  f"build+handoff {row['build_seconds']:7.2f} s  "
                  f"solve {row.get('solve_seconds', float('nan')):7.2f} s  "
                  f"peak {row['peak_mib']:7.0f} MiB (+{row['peak_over_data_mib']:.0f} over data)"
                  f"  objective {row.get('objective', float('nan')):.6e}", flush=True)
    print("\nratios (Pyomo / linopy):")
    for size in args.sizes.split(","):
        pair = {row["layer"]: row for row in rows if row["size"] == size}
        if {"linopy", "pyomo"} <= set(pair):
            linopy_row, pyomo_row = pair["linopy"], pair["pyomo"]
            build_ratio = pyomo_row["build_seconds"] / linopy_row["build_seconds"]
            memory_ratio = pyomo_row["peak_over_data_mib"] / max(
                linopy_row["peak_over_data_mib"], 1)
            text = (f"  {size:7s} build {build_ratio:5.1f}x"
                    f"  peak memory over data {memory_ratio:5.1f}x")
            if "objective" in linopy_row and "objective" in pyomo_row:
                gap = abs(linopy_row["objective"] - pyomo_row["objective"]) / abs(
                    linopy_row["objective"])
                text += f"  objectives agree to {gap:.1e}"
            print(text)


if __name__ == "__main__":
    main()
