r"""Plant capacity decisions: close, mothball and reopen, resize in modules.

For a plant p of plant_strategy.csv in year y (``splant_year``), with module capacity
:math:`\kappa_p`, initial modules :math:`n^0_p` and at most :math:`\bar n_p` modules:

.. math::

    o_{p,y} \le o_{p,y-1}, \qquad r_{p,y} \le o_{p,y}, \qquad
    r_{p,y} \le n_{p,y} \le \bar n_p\, o_{p,y}, \qquad
    c_{p,y} = o_{p,y-1} - o_{p,y}

    n_{p,y} - n_{p,y-1} \le \bar n_p r_{p,y}, \qquad
    n_{p,y-1} - n_{p,y} \le \bar n_p (r_{p,y} + c_{p,y})

    R_{p,y} \le n_{p,y}, \quad R_{p,y} \le \bar n_p r_{p,y}, \quad
    R_{p,y} \ge n_{p,y} - \bar n_p (1 - r_{p,y})

    \sum_{f \in F(p,y)} x_f + \sum_{k \in K(p,y)} \sigma_k z_k \le \kappa_p R_{p,y}, \qquad
    z_k \le M_k r_{p,y} \quad (k \in K(p,y))

    a^+_{p,y} \ge n_{p,y} - n_{p,y-1}, \quad
    a^-_{p,y} \ge n_{p,y-1} - n_{p,y} - \bar n_p c_{p,y}

    b_{p,y} \ge (o_{p,y} - r_{p,y}) - (o_{p,y-1} - r_{p,y-1}), \quad
    e_{p,y} \ge r_{p,y} - r_{p,y-1}, \quad
    r_{p,y} + \sum_{t=y-L_p+1}^{y} b_{p,t} \le 1

with the initial state :math:`o = r = 1, n = n^0` before the first year. Bounds fix
everything before ``earliest_change_year``; a running plant runs at least one module
(removing the last one is a closure, with its cost), a mothballed plant keeps its modules
as they are; the bounds forbid closure before
``earliest_closure_year`` (or ever, with ``can_close = no``), keep
:math:`n \le n^0` until the add lead time has passed, and tie r = o when
``can_mothball = no``.

======  =============================  =============================================
symbol  code                           meaning
======  =============================  =============================================
o       ``plant_open``                 the plant exists
r       ``plant_running``              the plant runs (o - r: mothballed)
n       ``plant_modules``              modules installed
R       ``modules_running``            modules installed and running (n r)
a+, a-  ``modules_added/removed``      module changes (their one-off costs)
c       ``plant_closing``              the closure event (its one-off cost)
b, e    ``mothball_started``,          mothball and reopening events
        ``plant_reopened``
σ_k     ``kit_routes.plant_capacity_share``  plant capacity a kit uses
M_k     ``kits.site_bound``            min(site capacity, demand the kit can serve)
L_p     ``min_mothball_years``         minimum years idle
======  =============================  =============================================

The running-module product :math:`R = n r` is linearised exactly (r is 0-1 and n is at most
:math:`\bar n`); capacity then needs no big-M. A kit k from the plant ships only in
years the plant runs (``kit-plant-running``), whatever its capacity share: with σ_k = 0 the
capacity row does not see it. The count is also the sum of one 0-1
variable per possible module, :math:`n = \sum_j u_j` (``plant-module-count``): the binary
expansion gives HiGHS stronger cuts than the general integer alone. The symmetry between
identical modules (:math:`\binom{\bar n}{n}` equivalent solutions) is left to HiGHS's own
symmetry detection; the explicit order :math:`u_j \ge u_{j+1}` (``module-order``) is an
option, slower on the default example.
"""

from __future__ import annotations

import linopy
import numpy as np

from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.strategic.rows import add_rows, fan_out, new_variable, own, shifted
from evplan.model.terms import Part

__all__ = ["add_plant_decisions", "add_strategic_capacity"]


def add_plant_decisions(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    """Plant state rows: monotone closure, running and modules, change events, mothballing."""
    years = index.strategic.plant_years
    size = len(years)
    if not size:
        return
    v = m.variables
    prev, nxt = years["prev"].to_numpy(), years["next"].to_numpy()
    first = prev < 0
    cap = years["modules_max"].to_numpy(dtype=float)
    initial = years["modules_initial"].to_numpy(dtype=float)
    later = np.flatnonzero(~first)
    add_rows(m, [(v["plant_open"], own(size), 1.0), (v["plant_open"], shifted(nxt), -1.0)],
             size, "plant_open_monotone", "<=", 0.0, "plant-open-monotone", rows=later)
    add_rows(m, [(v["plant_closing"], own(size), 1.0), (v["plant_open"], own(size), 1.0),
                 (v["plant_open"], shifted(nxt), -1.0)],
             size, "plant_closing", "==", np.where(first, 1.0, 0.0), "plant-closing")
    add_rows(m, [(v["plant_running"], own(size), 1.0), (v["plant_open"], own(size), -1.0)],
             size, "plant_running_open", "<=", 0.0, "plant-running-open")
    tied = np.flatnonzero(years["running_equals_open"].to_numpy())
    add_rows(m, [(v["plant_running"], own(size), 1.0), (v["plant_open"], own(size), -1.0)],
             size, "plant_not_mothballed", "==", 0.0, "plant-not-mothballed", rows=tied)
    add_rows(m, [(v["plant_modules"], own(size), 1.0), (v["plant_open"], own(size), -cap)],
             size, "plant_modules_open", "<=", 0.0, "plant-modules-open")
    add_rows(m, [(v["modules_running"], own(size), 1.0), (v["plant_modules"], own(size), -1.0)],
             size, "modules_running_installed", "<=", 0.0, "modules-running-installed")
    add_rows(m, [(v["plant_modules"], own(size), 1.0), (v["plant_running"], own(size), -1.0)],
             size, "plant_running_modules", ">=", 0.0, "plant-running-modules")
    # modules change only while the plant runs (or all go at closure): n_y - n_{y-1} <=
    # n̄ r_y and n_{y-1} - n_y <= n̄ (r_y + c_y)
    add_rows(m, [(v["plant_modules"], own(size), 1.0), (v["plant_modules"], shifted(nxt), -1.0),
                 (v["plant_running"], own(size), -cap)],
             size, "modules_grow_running", "<=", np.where(first, initial, 0.0),
             "modules-grow-running")
    add_rows(m, [(v["plant_modules"], own(size), -1.0), (v["plant_modules"], shifted(nxt), 1.0),
                 (v["plant_running"], own(size), -cap), (v["plant_closing"], own(size), -cap)],
             size, "modules_shrink_running", "<=", np.where(first, -initial, 0.0),
             "modules-shrink-running")
    add_rows(m, [(v["modules_running"], own(size), 1.0), (v["plant_running"], own(size), -cap)],
             size, "modules_running_on", "<=", 0.0, "modules-running-on")
    add_rows(m, [(v["modules_running"], own(size), 1.0), (v["plant_modules"], own(size), -1.0),
                 (v["plant_running"], own(size), -cap)],
             size, "modules_running_floor", ">=", -cap, "modules-running-floor")
    add_rows(m, [(v["modules_added"], own(size), 1.0), (v["plant_modules"], own(size), -1.0),
                 (v["plant_modules"], shifted(nxt), 1.0)],
             size, "modules_added", ">=", np.where(first, -initial, 0.0), "modules-added")
    add_rows(m, [(v["modules_removed"], own(size), 1.0), (v["plant_modules"], own(size), 1.0),
                 (v["plant_modules"], shifted(nxt), -1.0), (v["plant_closing"], own(size), cap)],
             size, "modules_removed", ">=", np.where(first, initial, 0.0), "modules-removed")
    add_rows(m, [(v["mothball_started"], own(size), 1.0), (v["plant_open"], own(size), -1.0),
                 (v["plant_running"], own(size), 1.0), (v["plant_open"], shifted(nxt), 1.0),
                 (v["plant_running"], shifted(nxt), -1.0)],
             size, "mothball_started", ">=", 0.0, "mothball-started")
    add_rows(m, [(v["plant_reopened"], own(size), 1.0), (v["plant_running"], own(size), -1.0),
                 (v["plant_running"], shifted(nxt), 1.0)],
             size, "plant_reopened", ">=", np.where(first, -1.0, 0.0), "plant-reopened")
    _add_min_mothball(m, index)
    _add_module_binaries(m, index, options)


def _add_module_binaries(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    """n = sum_j u_j over one 0-1 variable per possible module; optionally u_j >= u_{j+1}.

    The order (``BuildOptions.strategic_module_order``) is the textbook symmetry breaking
    between identical modules: without it a plant with n of n̄ modules has C(n̄, n)
    equivalent solutions. It is off by default: HiGHS detects the symmetry itself (orbital
    fixing) and, on the default example, solved 2.7x faster without the order rows
    (``benchmarks/strategic.py``).
    """
    years = index.strategic.plant_years
    size = len(years)
    v = m.variables
    upper = years["modules_upper"].to_numpy(dtype=int)
    owner = np.repeat(np.arange(size), upper)
    add_rows(m, [(v["plant_modules"], own(size), 1.0), (v["module_on"], owner, -1.0)],
             size, "plant_module_count", "==", 0.0, "plant-module-count")
    if not options.strategic_module_order:
        return
    count = len(owner)
    position = np.arange(count) - np.repeat(np.cumsum(upper) - upper, upper)
    following = np.where(np.r_[owner[1:] == owner[:-1], False], np.arange(count) + 1, -1)
    add_rows(m, [(v["module_on"], own(count), -1.0), (v["module_on"], following, 1.0)],
             count, "module_order", "<=", 0.0, "module-order",
             rows=np.flatnonzero(position >= 1))


def _add_min_mothball(m: linopy.Model, index: ModelIndex) -> None:
    """A mothballed plant stays idle ``min_mothball_years``: r_y + sum of recent b <= 1."""
    years = index.strategic.plant_years
    plants = index.strategic.plants.set_index("plant")
    length = years["plant"].map(plants["min_mothball_years"]).to_numpy(dtype=int)
    allowed = years["plant"].map(plants["can_mothball"]).eq("yes").to_numpy()
    rows = np.flatnonzero(allowed & (length >= 2))
    if not len(rows):
        return
    size = len(years)
    nxt = years["next"].to_numpy()
    v = m.variables
    parts = [(v["plant_running"], own(size), 1.0)]
    reach = own(size)
    for lag in range(int(length.max())):
        codes = np.where((reach >= 0) & (lag < length[np.maximum(reach, 0)]), reach, -1)
        parts.append((v["mothball_started"], codes, 1.0))
        reach = np.where(reach >= 0, nxt[np.maximum(reach, 0)], -1)
    add_rows(m, parts, size, "plant_min_mothball", "<=", 1.0, "plant-min-mothball", rows=rows)


def add_strategic_capacity(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    """Production within the running modules' capacity, and their break-even floor.

    Rows ``strategic-plant-capacity`` (every strategic plant-year) and
    ``strategic-plant-minimum`` (plants with min_utilisation > 0; a shortfall variable in
    the elastic copy). Plants without a strategy row but with kit lanes that use plant
    capacity get ``plant-capacity-kits``: built-up vehicles plus kits within capacity, and
    ``plant-minimum-kits``: the same sum at least min_utilisation of that capacity.
    """
    strategic = index.strategic
    years = strategic.plant_years
    v = m.variables
    size = len(years)
    flow_row = np.full(len(index.plant_years), -1, dtype=np.int64)
    flow_row[years["plant_year"].to_numpy()] = np.arange(size)
    flow_codes = flow_row[index.flows["plant_year"].to_numpy()]
    kits = strategic.kits
    kit_share = kits["plant_capacity_share"].to_numpy(dtype=float) if len(kits) else np.zeros(0)
    kit_plant_year = kits["plant_year"].to_numpy(dtype=np.int64) if len(kits) else np.zeros(
        0, dtype=np.int64)
    kit_codes = np.where(kit_share > 0, flow_row[kit_plant_year], -1) if len(kits) else (
        np.zeros(0, dtype=np.int64))
    plants = strategic.plants.set_index("plant")
    module_capacity = years["plant"].map(plants["module_capacity_vehicles_per_year"]).to_numpy(
        dtype=float)
    production: list[Part] = [(v["shipment"], flow_codes, 1.0)]
    if len(kits):
        _add_kit_running(m, kits, flow_row[kit_plant_year])
    if len(kits):
        production.append((v["kit_shipment"], kit_codes, kit_share))
    if size:
        add_rows(m, [*production, (v["modules_running"], own(size), -module_capacity)], size,
                 "strategic_plant_capacity", "<=", 0.0, "strategic-plant-capacity")
        floor = years["plant"].map(plants["min_utilisation"]).to_numpy(dtype=float)
        chosen = np.flatnonzero(floor > 0)
        if len(chosen):
            parts = [*production,
                     (v["modules_running"], own(size), -floor * module_capacity)]
            if options.elastic:
                shortfall = new_variable(m, "strategic_minimum_shortfall", len(chosen),
                                         "strategic_minimum")
                codes = np.full(len(chosen), -1, dtype=np.int64)
                codes[:] = chosen
                parts.append((shortfall, codes, 1.0))
            add_rows(m, parts, size, "strategic_plant_minimum", ">=", 0.0,
                     "strategic-plant-minimum", rows=chosen)
    if len(kits) and (kit_share > 0).any():
        other = np.setdiff1d(np.unique(kit_plant_year[kit_share > 0]),
                             years["plant_year"].to_numpy())
        if len(other):
            plant_years = index.plant_years
            add_rows(m, [(v["shipment"], index.flows["plant_year"].to_numpy(), 1.0),
                         (v["kit_shipment"], np.where(kit_share > 0, kit_plant_year, -1),
                          kit_share)],
                     len(plant_years), "plant_capacity_kits", "<=",
                     plant_years["capacity_vehicles_per_year"].to_numpy(dtype=float),
                     "plant-capacity-kits", rows=other)
    _add_kit_floors(m, index, options, kit_plant_year, kit_share)


def _add_kit_floors(m: linopy.Model, index: ModelIndex, options: BuildOptions,
                    kit_plant_year: np.ndarray, kit_share: np.ndarray) -> None:
    """``plant-minimum-kits``: the break-even floor of a plant without a strategy row whose
    kits use its capacity, on built-up vehicles plus the kits' capacity share (as
    ``plant-capacity-kits``): sum_f x_f + sum_k σ_k z_k + s >= u K (s: elastic copy only).
    """
    floors = index.strategic.kit_floors
    if not len(floors):
        return
    v = m.variables
    plant_years = index.plant_years
    chosen = floors.index.to_numpy(dtype=np.int64)
    capacity = plant_years["capacity_vehicles_per_year"].to_numpy(dtype=float)
    rhs = np.zeros(len(plant_years))
    rhs[chosen] = floors.to_numpy(dtype=float) * capacity[chosen]
    parts: list[Part] = [(v["shipment"], index.flows["plant_year"].to_numpy(), 1.0),
                         (v["kit_shipment"], np.where(kit_share > 0, kit_plant_year, -1),
                          kit_share)]
    if options.elastic:
        shortfall = new_variable(m, "kit_minimum_shortfall", len(chosen), "kit_minimum")
        parts.append((shortfall, chosen, 1.0))
    add_rows(m, parts, len(plant_years), "plant_minimum_kits", ">=", rhs,
             "plant-minimum-kits", rows=chosen)


def _add_kit_running(m: linopy.Model, kits: object, plant_row: np.ndarray) -> None:
    """Kits from a strategic plant only in years it runs: z_k <= M_k r_{p,y}.

    ``plant_row`` is each kit's strategic plant-year (-1: a plant without a strategy row,
    which operates in every year it has). M_k (``site_bound``: the smaller of the site's
    capacity and the demand the kit can serve) is an upper bound of z_k, so the row only
    forbids kits from a closed or mothballed plant (whatever their capacity share).
    """
    chosen = np.flatnonzero(plant_row >= 0)
    if not len(chosen):
        return
    v = m.variables
    size = len(plant_row)
    bound = kits["site_bound"].to_numpy(dtype=float)  # type: ignore[index]
    add_rows(m, [(v["kit_shipment"], own(size), 1.0),
                 *fan_out(v["plant_running"], np.where(plant_row >= 0, plant_row, -1), -bound)],
             size, "kit_plant_running", "<=", 0.0, "kit-plant-running", rows=chosen)
