r"""Program allocation, lifecycle, plants per program, and steering variants.

For a plant-program option g = (p, v, y) with allocation :math:`a_g`, every production
element e of g (a built-up flow or a kit flow) obeys

.. math::

    \sum_{e \in g} x_e \le M_g\, a_g, \qquad a_g \le o_{p,y}

    s^+_g \ge a_g - a_{g-1}, \qquad s^-_g \ge a_{g-1} - a_g, \qquad
    \sum_{p} a_{p,v,y} \le P_v - P^{fixed}_{v,y}

    \sum_{e \text{ needing the other side}} x_e \le M_w\, w_{p,v,y}, \qquad
    w_{p,v,y} \ge w_{p,v,y-1}

    \sum_{e \text{ of } v \text{ in } y} x_e \le 0 \quad (y \text{ outside } v\text{'s life})

======  ==================================  ===========================================
symbol  code                                meaning
======  ==================================  ===========================================
a_g     ``program_allocated``               the plant builds the program in the year
M_g     ``allocations.bound``               min(plant's largest capacity K + sum over
                                            g's kits of (1 - sigma_k) M_k, demand of
                                            the markets g reaches)
M_e     ``flow_links.bound`` / ``kits``     flows: min(K, demand of e's market); kits:
                                            min(demand, site capacity, K / sigma_k)
s+, s-  ``program_started/stopped``         start (tooling) and stop events
P_v     ``program_lifecycle.max_plants``    most plants per program; P^fixed counts the
                                            plants that build v without an option row
w       ``variant_added``                   the other steering variant at the plant
o       ``plant_open``                      (strategic plants only)
======  ==================================  ===========================================

``disaggregated`` adds x_e <= M_e a_g for every element whose own bound is smaller (and
links variants per element): a stronger LP with many more rows. ``textbook`` replaces
every M by one big constant and drops the plant-open link.
"""

from __future__ import annotations

import linopy
import numpy as np

from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.strategic.rows import add_rows, fan_out, own, shifted
from evplan.model.terms import Part

__all__ = ["BIG_M_VEHICLES", "add_program_decisions"]

BIG_M_VEHICLES = 1e6


def _production_parts(m: linopy.Model, index: ModelIndex, column: str) -> list[Part]:
    """(variable, codes, 1) for flows and kits grouped by ``column`` of their links."""
    parts: list[Part] = [(m.variables["shipment"], index.strategic.flow_links[column].to_numpy(
        dtype=np.int64), 1.0)]
    kits = index.strategic.kits
    if len(kits):
        parts.append((m.variables["kit_shipment"], kits[column].to_numpy(dtype=np.int64), 1.0))
    return parts


def _element_links(m: linopy.Model, index: ModelIndex, column: str, variable: str,
                   bounds: np.ndarray | None, name: str) -> None:
    """x_e - M_e s_{column(e)} <= 0 for each production element with a code (and a bound)."""
    strategic = index.strategic
    frames = [("shipment", strategic.flow_links)]
    if len(strategic.kits):
        frames.append(("kit_shipment", strategic.kits))
    offsets = np.cumsum([0] + [len(frame) for _, frame in frames])
    codes = np.concatenate([frame[column].to_numpy(dtype=np.int64) for _, frame in frames])
    bound = np.concatenate([frame["bound"].to_numpy(dtype=float) for _, frame in frames])
    selected = codes >= 0
    if bounds is not None:
        selected &= bound < bounds[np.maximum(codes, 0)] - 0.5
    rows = np.flatnonzero(selected)
    if not len(rows):
        return
    parts: list[Part] = []
    for (name_of_variable, frame), start in zip(frames, offsets[:-1], strict=True):
        own_rows = np.full(len(frame), -1, dtype=np.int64)
        mine = (rows >= start) & (rows < start + len(frame))
        own_rows[rows[mine] - start] = np.flatnonzero(mine)
        parts.append((m.variables[name_of_variable], own_rows, 1.0))
    size = len(rows)
    parts += fan_out(m.variables[variable], codes[rows], -bound[rows])
    add_rows(m, parts, size, name.replace("-", "_"), "<=", 0.0, name)


def add_program_decisions(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    """Allocation links and events, plants per program, lifecycle and steering variants."""
    strategic = index.strategic
    mode = options.strategic_formulation
    textbook = mode == "textbook"
    v = m.variables
    allocations = strategic.allocations
    size = len(allocations)
    if size:
        bound = (np.full(size, BIG_M_VEHICLES) if textbook
                 else allocations["bound"].to_numpy(dtype=float))
        add_rows(m, [*_production_parts(m, index, "allocation"),
                     (v["program_allocated"], own(size), -bound)],
                 size, "program_allocation_link", "<=", 0.0, "program-allocation-link")
        if mode == "disaggregated":
            _element_links(m, index, "allocation", "program_allocated", bound,
                           "program-allocation-flow-link")
        if not textbook:
            _allocation_open(m, index)
        prev, nxt = allocations["prev"].to_numpy(), allocations["next"].to_numpy()
        initial = allocations["initial"].to_numpy(dtype=float)
        first = prev < 0
        add_rows(m, [(v["program_started"], own(size), 1.0),
                     (v["program_allocated"], own(size), -1.0),
                     (v["program_allocated"], shifted(nxt), 1.0)],
                 size, "program_started", ">=", np.where(first, -initial, 0.0),
                 "program-started")
        add_rows(m, [(v["program_stopped"], own(size), 1.0),
                     (v["program_allocated"], own(size), 1.0),
                     (v["program_allocated"], shifted(nxt), -1.0)],
                 size, "program_stopped", ">=", np.where(first, initial, 0.0),
                 "program-stopped")
        caps = strategic.max_plants
        if len(caps):
            add_rows(m, [(v["program_allocated"], allocations["max_plants_row"].to_numpy(),
                          1.0)], len(caps), "program_max_plants", "<=",
                     caps["rhs"].to_numpy(dtype=float), "program-max-plants")
    blocked = strategic.lifecycle_blocked
    if len(blocked):
        add_rows(m, _production_parts(m, index, "blocked"), len(blocked),
                 "program_lifecycle", "<=", 0.0, "program-lifecycle")
    variants = strategic.variants
    if len(variants):
        later = np.flatnonzero(variants["prev"].to_numpy() >= 0)
        add_rows(m, [(v["variant_added"], own(len(variants)), -1.0),
                     (v["variant_added"], shifted(variants["next"].to_numpy()), 1.0)],
                 len(variants), "variant_monotone", "<=", 0.0, "variant-monotone", rows=later)
        if mode == "disaggregated":
            _element_links(m, index, "variant", "variant_added", None,
                           "steering-variant-link")
        else:
            bound = (np.full(len(variants), BIG_M_VEHICLES) if textbook
                     else _variant_bounds(index))
            add_rows(m, [*_production_parts(m, index, "variant"),
                         (v["variant_added"], own(len(variants)), -bound)],
                     len(variants), "steering_variant_link", "<=", 0.0,
                     "steering-variant-link")


def _variant_bounds(index: ModelIndex) -> np.ndarray:
    """Per variant: min(plant's largest capacity K plus what its kits may add beyond K, the
    sum of its other-side elements' own bounds); see ``programs_index._element_bounds``."""
    strategic = index.strategic
    frames = [strategic.flow_links]
    if len(strategic.kits):
        frames.append(strategic.kits[["variant", "bound", "capacity_slack"]])
    codes = np.concatenate([frame["variant"].to_numpy(dtype=np.int64) for frame in frames])
    bounds = np.concatenate([frame["bound"].to_numpy(dtype=float) for frame in frames])
    slack = np.concatenate([frame["capacity_slack"].to_numpy(dtype=float) for frame in frames])
    chosen = codes >= 0
    total = np.bincount(codes[chosen], weights=bounds[chosen],
                        minlength=len(strategic.variants))
    beyond = np.bincount(codes[chosen], weights=slack[chosen],
                         minlength=len(strategic.variants))
    plant_max = strategic.variants["plant"].map(strategic.plant_max_capacity).to_numpy(
        dtype=float)
    return np.minimum(total, plant_max + beyond)


def _allocation_open(m: linopy.Model, index: ModelIndex) -> None:
    """a_{p,v,y} <= o_{p,y}: a closed plant builds nothing (strategic plants only)."""
    allocations = index.strategic.allocations
    splant_year = allocations["splant_year"].to_numpy(dtype=np.int64)
    rows = np.flatnonzero(splant_year >= 0)
    if not len(rows):
        return
    size = len(allocations)
    parts = [(m.variables["program_allocated"], own(size), 1.0),
             *fan_out(m.variables["plant_open"], splant_year, -1.0)]
    add_rows(m, parts, size, "program_allocation_open", "<=", 0.0, "program-allocation-open",
             rows=rows)
