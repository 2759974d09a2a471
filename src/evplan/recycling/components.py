"""Solve the recycling MILP part by part: one independent network per connected component.

Lanes keep most packs within a region (EU packs stay in the EU, China at home, ...), so the
network falls apart into parts that share no collection point and no plant. Every row of
the model (balance, capacity, flow-linking, one-config, no-closure, EU targets) lives
inside one part and the objective is a sum over parts, so the MILP is the union of
independent MILPs. Branch and bound on the union multiplies their difficulty; solving the
parts one at a time does not. The default scenario falls into six parts (the largest, the
EU's, has 1,554 of the 3,792 flows and the only EU targets).

The proven gap of the whole plan is recomputed from the parts: objective ``sum(obj_i)``,
bound ``sum(bound_i)``, gap ``(objective - bound) / max(|objective|, 1 USD)``. When the parts' own
relative gaps do not add up to the tolerance (parts of opposite sign), the parts that
exceed their share of it are solved again with an absolute gap (from scratch: no MIP start,
see :func:`_run`).

Nothing here is random: parts are solved in a fixed order (by their smallest collection
point), and HiGHS runs with its default, fixed random seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from evplan.highs import (
    _STATUS,
    SolverOptions,
    _to_highs,
    has_plan,
    run_solver,
    set_threads,
)
from evplan.progress import current as current_work
from evplan.recycling.index import NetworkIndex
from evplan.recycling.network import NetworkModel, build_network
from evplan.recycling.options import RecyclingOptions

__all__ = ["NetworkSolution", "Part", "solve_parts", "split_index"]

VARIABLES = ("flow", "open", "storage", "shortfall")


@dataclass(frozen=True)
class Part:
    """One independent part of a network: its index and positions in the whole index.

    ``positions`` maps an index name (``flow``, ``slot``, ``balance``, ``target``) to the
    positions of the part's elements in the whole index.
    """

    index: NetworkIndex
    positions: Mapping[str, np.ndarray]
    name: str


@dataclass(frozen=True)
class NetworkSolution:
    """The MILP's plan put together from its parts.

    Attributes
    ----------
    status : str
        ``optimal`` when every part was solved to the tolerance, else the first part's
        other status (``time_limit``, ``infeasible``, ...).
    has_solution : bool
        Every part has a plan.
    objective, bound : float
        Sums over parts of the incumbent and of the proven bound.
    mip_gap : float
        ``(objective - bound) / max(|objective|, 1)``.
    seconds : float
        HiGHS time over all parts.
    primal : Mapping[str, numpy.ndarray]
        Values of ``flow``, ``open``, ``storage``, ``shortfall`` in the whole index's order.
    parts : int
        Number of parts.
    part_results : Mapping[str, tuple]
        Per part name: ``(objective, bound, status)``.
    part_targets : frozenset of str
        Names of the parts with EU target rows.
    """

    status: str
    has_solution: bool
    objective: float
    bound: float
    mip_gap: float
    seconds: float
    primal: Mapping[str, np.ndarray]
    parts: int
    part_results: Mapping[str, tuple[float, float, str]]
    part_targets: frozenset[str]

    def values(self, name: str) -> np.ndarray:
        """Values of one variable in the whole index's order (empty when absent)."""
        return self.primal.get(name, np.zeros(0))


def _labels(index: NetworkIndex) -> tuple[pd.Series, pd.Series]:
    """Component label of every collection point and every plant."""
    points = pd.Index(sorted(set(index.groups["collection_point"])))
    plants = pd.Index(sorted(set(index.slots["plant"]) | set(index.flows["plant"])))
    edges = index.flows[["collection_point", "plant"]].drop_duplicates()
    size = len(points) + len(plants)
    graph = coo_matrix((np.ones(len(edges)), (points.get_indexer(edges["collection_point"]),
                                              len(points) + plants.get_indexer(edges["plant"]))),
                       shape=(size, size))
    _, label = connected_components(graph, directed=False)
    return (pd.Series(label[:len(points)], index=points),
            pd.Series(label[len(points):], index=plants))


def split_index(index: NetworkIndex) -> list[Part]:
    """The independent parts of ``index``, named and ordered by their first collection point."""
    point_label, plant_label = _labels(index)
    frames = {"group": (index.groups, point_label, "collection_point"),
              "balance": (index.balances, point_label, "collection_point"),
              "flow": (index.flows, point_label, "collection_point"),
              "config": (index.configs, plant_label, "plant"),
              "slot": (index.slots, plant_label, "plant"),
              "capacity": (index.capacities, plant_label, "plant"),
              "site_year": (index.site_years, plant_label, "plant"),
              "target": (index.targets, plant_label, "plant")}
    label_of = {name: frame[column].map(labels).to_numpy()
                for name, (frame, labels, column) in frames.items()}
    first_point = point_label.rename_axis("node").reset_index(name="label").groupby(
        "label")["node"].min()
    first_plant = plant_label.rename_axis("node").reset_index(name="label").groupby(
        "label")["node"].min()
    # a part is named by its first collection point (by its first plant if it has none)
    order = pd.concat([first_plant, first_point])
    order = order[~order.index.duplicated(keep="last")].sort_values(kind="stable")
    parts = []
    for label, first in order.items():
        positions = {name: np.flatnonzero(codes == label) for name, codes in label_of.items()}
        take = {name: frames[name][0].iloc[positions[name]].reset_index(drop=True)
                for name in frames}
        part = replace(index, groups=take["group"], balances=take["balance"],
                       flows=take["flow"], configs=take["config"], slots=take["slot"],
                       capacities=take["capacity"], site_years=take["site_year"],
                       targets=take["target"] if len(take["target"]) else index.targets.iloc[0:0])
        parts.append(Part(part, positions, str(first)))
    return parts


def _position_name(variable: str) -> str:
    return {"flow": "flow", "open": "slot", "storage": "balance", "shortfall": "target"}[variable]


@dataclass(frozen=True)
class _Run:
    status: str
    has_solution: bool
    objective: float
    bound: float
    mip_gap: float
    seconds: float
    primal: np.ndarray


def _run(model: NetworkModel, limits: SolverOptions, absolute_gap: float | None) -> _Run:
    """One HiGHS MILP run of a part, optionally to an absolute gap.

    No MIP start is handed to HiGHS: with presolve, HiGHS 1.16 can lose a start's objective
    offset and call a plan optimal that is not (docs/location.md). Measured on the default
    scenario, the follow-up solves took as long with the start as without it.
    """
    m = model.m
    matrices = m.matrices
    h = _to_highs(m, matrices)
    h.setOptionValue("output_flag", bool(limits.log))
    if limits.time_limit_s is not None:
        h.setOptionValue("time_limit", float(limits.time_limit_s))
    if limits.threads is not None:
        set_threads(h, limits.threads)
    h.setOptionValue("mip_rel_gap", float(limits.mip_gap))
    if absolute_gap is not None:
        h.setOptionValue("mip_abs_gap", float(absolute_gap))
    run_solver(h)
    status = _STATUS.get(str(h.getModelStatus()).split(".")[-1], "error")
    info = h.getInfo()
    primal = np.full(m._xCounter, np.nan)
    objective = bound = float("nan")
    solved = has_plan(h)
    if solved:
        primal[matrices.vlabels] = np.asarray(h.getSolution().col_value, dtype=float)
        objective = float(info.objective_function_value)
        mip = bool(len(m.binaries) + len(m.integers))
        bound = float(info.mip_dual_bound) if mip else float("nan")
        if not np.isfinite(bound):  # an LP part (no plant to open) or an empty one
            bound = objective if status == "optimal" else -np.inf
    return _Run(status=status, has_solution=solved, objective=objective, bound=bound,
                mip_gap=_objective_gap(objective, bound), seconds=float(h.getRunTime()),
                primal=primal)


def _values(model: NetworkModel, run: _Run, name: str) -> np.ndarray:
    if name not in model.m.variables:
        return np.zeros(0)
    return np.nan_to_num(run.primal[model.m.variables[name].labels.values.ravel()])


def _objective_gap(objective: float, bound: float) -> float:
    if not np.isfinite(objective) or not np.isfinite(bound):
        return float("inf")
    return max(0.0, objective - bound) / max(abs(objective), 1.0)


def solve_parts(index: NetworkIndex, options: RecyclingOptions,
                start: Mapping[str, np.ndarray] | None = None,
                progress: Callable[[str], None] | None = None,
                reuse: Mapping[str, tuple[float, float, str]] | None = None
                ) -> NetworkSolution:
    """Solve the MILP of ``index`` part by part (see the module docstring).

    Parameters
    ----------
    index : NetworkIndex
        The whole network.
    options : RecyclingOptions
        ``solver.time_limit_s`` bounds the whole solve (all parts together);
        ``solver.mip_gap`` is the relative gap of the whole plan.
    start : mapping, optional
        A feasible plan of the whole index (values per variable): the plan of the parts
        named in ``reuse``. (It is not handed to HiGHS as a MIP start, see :func:`_run`.)
    progress : callable, optional
        Called with one line of text after each part.
    reuse : mapping, optional
        Parts (by name) whose plan is taken from ``start`` as it is, with their
        ``(objective, bound, status)``: parts the change being solved does not touch.
    """
    solver = options.solver
    deadline = None if solver.time_limit_s is None else time.monotonic() + solver.time_limit_s
    # Smallest part first: with a time limit each part gets the time left in proportion to
    # its size among the parts still to solve, so small parts (which usually finish early
    # and hand their time on) never starve, and the largest, last, gets what is left (audit
    # s23: the first, largest part could use up the limit and leave 1 s to the others,
    # which then found no plan: exit 3 at --time-limit 4, 20 or 45 s on the default inputs).
    parts = sorted(split_index(index), key=lambda part: len(part.index.flows)
                   + len(part.index.slots))
    sizes = {"flow": len(index.flows), "slot": len(index.slots),
             "balance": len(index.balances), "target": len(index.targets)}
    primal = {name: np.zeros(sizes[_position_name(name)]) for name in VARIABLES}
    results: list[tuple[float, float, str, bool]] = []
    seconds = 0.0

    elements = [len(part.index.flows) + len(part.index.slots) + 1 for part in parts]

    def solve_one(number: int, part: Part, limits: SolverOptions,
                  absolute_gap: float | None = None, elements_left: float = 0.0) -> _Run:
        nonlocal seconds
        model = build_network(part.index, options)
        if deadline is not None:
            share = elements[number] / max(elements_left, elements[number])
            # No floor: a part left without time stops at once and finds no plan (exit 3),
            # as the limit asks; a floor of 1 s let six parts run 6 s at --time-limit 0.5.
            limits = replace(limits, time_limit_s=max(
                (deadline - time.monotonic()) * share, 0.0))
        work = current_work()
        if work is not None:  # the CLI's progress line (evplan.progress)
            work.step(f"part {number + 1}/{len(parts)} ({part.name})")
        run = _run(model, limits, absolute_gap)
        seconds += run.seconds
        if run.has_solution:
            for name in VARIABLES:
                value = _values(model, run, name)
                if len(value):
                    primal[name][part.positions[_position_name(name)]] = value
        result = (run.objective, run.bound, run.status, run.has_solution)
        if number < len(results):
            if run.has_solution:
                results[number] = result
        else:
            results.append(result)
        if progress is not None:
            progress(f"part {number + 1}/{len(parts)} ({part.name}: "
                     f"{len(part.index.flows):,} flows, {len(part.index.slots):,} slots): "
                     f"{run.status}, gap {run.mip_gap:.2%}, {run.seconds:.1f} s")
        return run

    reuse = reuse or {}
    for number, part in enumerate(parts):
        if part.name in reuse and start is not None:
            for name in VARIABLES:
                if name in start and len(start[name]):
                    where = part.positions[_position_name(name)]
                    primal[name][where] = np.asarray(start[name])[where]
            objective, bound, status = reuse[part.name]
            results.append((objective, bound, status, True))
            if progress is not None:
                progress(f"part {number + 1}/{len(parts)} ({part.name}): unchanged, "
                         f"plan reused")
            continue
        elements_left = sum(elements[later] for later in range(number, len(parts))
                            if parts[later].name not in reuse or start is None)
        run = solve_one(number, part, solver, elements_left=elements_left)
        if not run.has_solution:
            break
    for _ in range(3):
        if len(results) < len(parts) or not all(r[3] for r in results):
            break
        objective = sum(r[0] for r in results)
        if _objective_gap(objective, sum(r[1] for r in results)) <= solver.mip_gap:
            break
        weights = np.array([abs(r[0]) for r in results])
        allowed = solver.mip_gap * abs(objective) * weights / max(weights.sum(), 1e-9)
        redo = [k for k, r in enumerate(results) if r[0] - r[1] > allowed[k] + 1e-9]
        if not redo or (deadline is not None and time.monotonic() >= deadline):
            break
        for at, k in enumerate(redo):
            solve_one(k, parts[k], replace(solver, mip_gap=0.0), absolute_gap=allowed[k],
                      elements_left=sum(elements[later] for later in redo[at:]))
    has_solution = len(results) == len(parts) and all(r[3] for r in results)
    objective = sum(r[0] for r in results) if has_solution else float("nan")
    bound = sum(r[1] for r in results) if has_solution else float("nan")
    gap = _objective_gap(objective, bound) if has_solution else float("inf")
    statuses = [r[2] for r in results]
    status = next((s for s in statuses if s != "optimal"), "optimal")
    if status == "optimal" and len(results) < len(parts):
        status = "error"
    if status == "optimal" and gap > solver.mip_gap * (1 + 1e-9):
        # every part optimal at its own gap, but the deadline stopped the re-solves before
        # the combined plan was proven within --mip-gap: a limit, not optimal (audit s22)
        status = "time_limit"
    return NetworkSolution(
        status=status, has_solution=has_solution, objective=objective, bound=bound,
        mip_gap=gap, seconds=seconds, primal=primal, parts=len(parts),
        part_results={part.name: result[:3] for part, result in zip(parts, results,
                                                                     strict=False)},
        part_targets=frozenset(part.name for part in parts if len(part.index.targets)))
