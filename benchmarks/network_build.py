"""Benchmark: build and solve the network model at three sizes, linopy against Pyomo.

Every layer builds the same formulation from the same sparse flat index
(:func:`evplan.model.index.build_index`), so the ratio measures the modelling layer.
"Build" is model construction plus the hand-off to HiGHS in memory:

* ``linopy``: :func:`evplan.model.build.build_model`, then its matrices passed to
  ``highspy`` (what ``evplan run`` does);
* ``pyomo-sf``: the Pyomo model compiled by Pyomo's standard-form compiler
  (``pyomo.repn.plugins.standard_form``, its fastest in-memory route to matrices), then
  passed to ``highspy`` the same way;
* ``pyomo-appsi``: the Pyomo model handed to ``appsi_highs.set_instance`` (Pyomo's
  persistent HiGHS interface).

Columns, rows and nonzeros are counted on the model each layer handed to HiGHS (outside
the clock), and the ratio line says whether they agree: equal counts and objectives mean
the layers built the same model. The Pyomo models use Python floats and ints as
coefficients and indices (not NumPy scalars, which Pyomo's expression system handles more
slowly). Both modelling layers are imported before any clock starts. Each measurement
runs in a fresh subprocess so that peak memory (max RSS) belongs to that layer alone; a
measurement whose build and solve take under 10 CPU seconds runs three times and the
medians are printed (CPU, not wall: on a busy machine wall time stretches). Wall and CPU
seconds are both printed, with the load average at start and end: on a shared machine CPU
seconds are the steadier figure.

Usage::

    pip install ".[benchmark]"
    python benchmarks/network_build.py                 # small, medium, large; all layers
    python benchmarks/network_build.py --sizes small --no-solve

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
from typing import Any

SIZES = {
    # plants, programs, programs_per_plant, markets, markets_per_plant, years, tiers
    "small": dict(plants=10, programs=10, programs_per_plant=5, markets=20, markets_per_plant=20,
                  years=10, tiers=2),
    "medium": dict(plants=40, programs=30, programs_per_plant=10, markets=40,
                   markets_per_plant=25, years=10, tiers=3),
    "large": dict(plants=100, programs=50, programs_per_plant=20, markets=50,
                  markets_per_plant=50, years=10, tiers=3),
}


LAYERS = ("linopy", "pyomo-sf", "pyomo-appsi")
REPEAT_BELOW_SECONDS = 10.0


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} CPUs)"


class Clock:
    """Wall and CPU seconds since it was made (or last reset)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


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
    capacity_array = index.plant_years["capacity_vehicles_per_year"].to_numpy()
    capacity = capacity_array.tolist()  # Python floats: Pyomo is slower on NumPy scalars
    m.plant_capacity = pyo.Constraint(
        range(len(index.plant_years)),
        rule=lambda m, g: sum(m.shipment[f] for f in by_plant_year[g]) <= capacity[g])
    floor = (index.plant_years["min_utilisation"].to_numpy() * capacity_array).tolist()
    minimum = [g for g in range(len(floor)) if floor[g] > 0]
    m.plant_minimum = pyo.Constraint(
        minimum, rule=lambda m, g: sum(m.shipment[f] for f in by_plant_year[g]) >= floor[g])
    if len(index.route_years):
        by_route_year = members(flows["route_year"].to_numpy(), len(index.route_years))
        lane = index.route_years["capacity_vehicles_per_year"].to_numpy().tolist()
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
    volume = pools["volume_vehicles"].to_numpy().tolist()
    m.demand_tier = pyo.Constraint(
        range(len(pools)), rule=lambda m, g: sum(m.sales[s] for s in by_pool[g]) <= volume[g]
        if by_pool[g] else pyo.Constraint.Skip)
    quota_flows = index.quota_flows
    saving: list[float] = []
    if len(quota_flows):
        m.quota_flow = pyo.RangeSet(0, len(quota_flows) - 1)
        m.in_quota = pyo.Var(m.quota_flow, within=pyo.NonNegativeReals)
        flow_of = quota_flows["flow"].to_numpy().tolist()
        m.duty_quota_share = pyo.Constraint(
            m.quota_flow, rule=lambda m, q: m.in_quota[q] <= m.shipment[flow_of[q]])
        by_group = members(quota_flows["quota_group"].to_numpy(), len(index.quota_groups))
        quota = index.quota_groups["quota_vehicles_per_year"].to_numpy().tolist()
        m.duty_quota = pyo.Constraint(
            range(len(index.quota_groups)),
            rule=lambda m, g: sum(m.in_quota[q] for q in by_group[g]) <= quota[g])
        chosen = flows.loc[flow_of]
        saving = ((chosen["duty_usd_per_vehicle"] - chosen["in_quota_duty_usd_per_vehicle"])
                  * chosen["year"].map(index.discount)).to_numpy().tolist()
    committed = index.committed
    penalty_terms = 0
    if len(committed):
        m.committed = pyo.RangeSet(0, len(committed) - 1)
        m.unmet = pyo.Var(m.committed, within=pyo.NonNegativeReals)
        terms = index.committed_terms
        by_commitment = [terms.loc[terms["committed"] == c, "sale"].tolist()
                         for c in range(len(committed))]
        need = committed["min_vehicles"].to_numpy().tolist()
        m.committed_sales = pyo.Constraint(
            m.committed, rule=lambda m, c: sum(m.sales[s] for s in by_commitment[c])
            + m.unmet[c] >= need[c])
        weight = (committed["year"].map(index.discount) * penalty).to_numpy().tolist()
        penalty_terms = sum(weight[c] * m.unmet[c] for c in m.committed)
    price = (sales["price_usd_per_vehicle"] * sales["year"].map(index.discount)
             ).to_numpy().tolist()
    cost = ((flows["unit_cost_usd_per_vehicle"] + flows["duty_usd_per_vehicle"])
            * flows["year"].map(index.discount)).to_numpy().tolist()
    expression = sum(price[s] * m.sales[s] for s in m.sale) - sum(
        cost[f] * m.shipment[f] for f in m.flow)
    if len(quota_flows):
        expression = expression + sum(saving[q] * m.in_quota[q] for q in m.quota_flow)
    m.objective = pyo.Objective(expr=expression - penalty_terms, sense=pyo.maximize)
    return m


def standard_form_to_highs(model: Any) -> Any:
    """Compile a Pyomo model with the standard-form compiler and load it into highspy."""
    import highspy
    import numpy as np
    from pyomo.core.base.objective import ObjectiveSense
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    from evplan.highs import new_highs

    form = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    columns = form.columns
    lower = np.array([-np.inf if v.lb is None else v.lb for v in columns], dtype=float)
    upper = np.array([np.inf if v.ub is None else v.ub for v in columns], dtype=float)
    h = new_highs()
    h.addVars(len(columns), lower, upper)
    cost = np.asarray(form.c.toarray()).ravel() if hasattr(form.c, "toarray") else np.asarray(
        form.c, dtype=float).ravel()
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
    kind = np.array([row.bound_type for row in form.rows])
    rhs = np.asarray(form.rhs, dtype=float)
    a = form.A.tocsr()
    h.addRows(a.shape[0], np.where(kind <= 0, rhs, -np.inf), np.where(kind >= 0, rhs, np.inf),
              a.nnz, a.indptr, a.indices, a.data)
    if form.objectives[0].sense == ObjectiveSense.maximize:
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    return h


def highs_counts(h: Any) -> dict[str, int]:
    """Columns, rows and nonzeros of the model loaded in a ``highspy.Highs``."""
    return {"variables": int(h.getNumCol()), "constraints": int(h.getNumRow()),
            "nonzeros": int(h.getNumNz())}


def measure(size: str, layer: str, solve: bool) -> dict[str, float | int | str]:
    """Build (and optionally solve) one size with one layer; return the figures."""
    import linopy  # noqa: F401  (both modelling layers load before the clock)
    import pyomo.environ
    import pyomo.repn.plugins.standard_form  # noqa: F401
    from pyomo.contrib.appsi.solvers import Highs

    from evplan.examples import random_network
    from evplan.highs import _to_highs
    from evplan.model.build import build_model
    from evplan.model.index import build_index

    data = random_network(7, **SIZES[size], countries=8)
    index = build_index(data)
    baseline = _peak_mib()
    figures: dict[str, float | int | str] = {"size": size, "layer": layer,
                                             "flows": len(index.flows)}
    clock = Clock()
    h: Any = None
    if layer == "linopy":
        m, _ = build_model(data, index=index)
        figures["model_seconds"], figures["model_cpu"] = clock.read()
        h = _to_highs(m)
    else:
        model = build_pyomo(index, data.scenario.unmet_committed_penalty_usd_per_vehicle)
        figures["model_seconds"], figures["model_cpu"] = clock.read()
        if layer == "pyomo-sf":
            h = standard_form_to_highs(model)
        else:
            solver = Highs()
            solver.config.load_solution = False
            solver.set_instance(model)
    figures["build_seconds"], figures["build_cpu"] = clock.read()
    # counted outside the clock, on the model HiGHS received: equal counts = the same model
    figures.update(highs_counts(h if h is not None else solver._solver_model))
    if solve:
        clock.reset()
        if h is not None:
            h.run()
            figures["objective"] = h.getInfo().objective_function_value
        else:
            figures["objective"] = solver.solve(model).best_feasible_objective
        figures["solve_seconds"], figures["solve_cpu"] = clock.read()
    figures["peak_mib"] = _peak_mib()
    figures["peak_over_data_mib"] = _peak_mib() - baseline
    return figures


def run_one(size: str, layer: str, solve: bool) -> dict[str, Any] | None:
    """One measurement in a fresh subprocess (three, medians, under 10 CPU seconds)."""
    command = [sys.executable, __file__, "--one", size, layer]
    if not solve:
        command.append("--no-solve")
    rows = []
    for _ in range(3):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            print(f"{size}/{layer} failed:\n{done.stderr}", file=sys.stderr)
            return None
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if rows[0]["build_cpu"] + rows[0].get("solve_cpu", 0.0) >= REPEAT_BELOW_SECONDS:
            break
    row = dict(rows[0])
    for key, value in rows[0].items():
        if isinstance(value, float) and key != "objective":
            row[key] = statistics.median(r[key] for r in rows)
    row["runs"] = len(rows)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--layers", default=",".join(LAYERS))
    parser.add_argument("--no-solve", action="store_true", help="Measure the build only.")
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "LAYER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], args.one[1], not args.no_solve)))
        return
    print(f"load average at start: {load_average()}")
    rows = []
    for size in args.sizes.split(","):
        for layer in args.layers.split(","):
            row = run_one(size, layer, not args.no_solve)
            if row is None:
                continue
            rows.append(row)
            print(f"{size:7s} {layer:11s} flows {row['flows']:>9,}  vars {row['variables']:>9,}"
                  f"  cons {row['constraints']:>9,}  nz {row['nonzeros']:>10,}  "
                  f"model {row['model_seconds']:7.2f} s "
                  f"({row['model_cpu']:.2f} CPU)  build+handoff {row['build_seconds']:7.2f} s "
                  f"({row['build_cpu']:.2f} CPU)  solve "
                  f"{row.get('solve_seconds', float('nan')):7.2f} s "
                  f"({row.get('solve_cpu', float('nan')):.2f} CPU)  peak "
                  f"{row['peak_mib']:6.0f} MiB (+{row['peak_over_data_mib']:.0f} over data)  "
                  f"objective {row.get('objective', float('nan')):.6e}  "
                  f"{'median of ' + str(row['runs']) if row['runs'] > 1 else '1 run'}",
                  flush=True)
    print("\nratios of build + hand-off to HiGHS (Pyomo / linopy; wall and CPU):")
    for size in args.sizes.split(","):
        pair = {row["layer"]: row for row in rows if row["size"] == size}
        if "linopy" not in pair:
            continue
        base = pair["linopy"]
        parts = []
        for layer in LAYERS[1:]:
            if layer in pair:
                other = pair[layer]
                text = (f"{layer} {other['build_seconds'] / base['build_seconds']:5.1f}x wall "
                        f"{other['build_cpu'] / base['build_cpu']:5.1f}x CPU, memory "
                        f"{other['peak_over_data_mib'] / max(base['peak_over_data_mib'], 1):4.1f}x")
                same = all(other[k] == base[k] for k in ("variables", "constraints",
                                                          "nonzeros"))
                text += ", same columns/rows/nonzeros" if same else ", DIFFERENT MODEL SIZE"
                if "objective" in base and "objective" in other:
                    gap = abs(base["objective"] - other["objective"]) / abs(base["objective"])
                    text += f", objectives agree to {gap:.1e}"
                parts.append(text)
        print(f"  {size:7s} {base['flows']:>9,} flows: " + "; ".join(parts))
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
