r"""The recycling network as a multi-year MILP (RELOG-like), built with linopy on flat indices.

Collection points :math:`i` hold retired packs of chemistry :math:`c`; candidate plants
:math:`s` may open in a size tier :math:`t` running a process :math:`p` (a *config*
:math:`k = (s, t, p)`). With flows :math:`x_f \ge 0` (tonnes of one group on one allowed
lane to one process in year :math:`y`), storage :math:`u_{g,y} \ge 0` and open
:math:`z_{k,y} \in \{0, 1\}`:

.. math::
    \min \sum_y \delta_y \Big[\sum_{f \in y} (\tau_f + \pi_p - v_{c,p})\,x_f
      + \sum_k (a_k + F_k)\, z_{k,y} + \sigma \sum_g u_{g,y} + \rho \sum e_{\cdot,y}\Big]

subject to

=================  ==========================================================================
row                meaning
=================  ==========================================================================
``balance``        :math:`\sum_{f \ni (g,y)} x_f + u_{g,y} - u_{g,y-1} = q_{g,y}`
                   (``=`` for meet_all, ``<=`` for max_value)
``storage-age``    :math:`u_{g,y} \le \sum_{y-K<y'\le y} q_{g,y'}` (variable bound; 0 in the
                   last year for meet_all)
``capacity``       :math:`\sum_{f \ni (s,p,y)} x_f \le \sum_t K_t\, z_{(s,t,p),y}`
``flow-linking``   :math:`x_f \le M_f \sum_t z_{(s,t,p),y}` (tightens the relaxation)
``one-config``     :math:`\sum_{k \ni s} z_{k,y} \le 1`
``no-closure``     :math:`z_{k,y} \ge z_{k,y-1}` (and ``=`` outside building years)
``eu-target``      per EU plant, year and target:
                   :math:`\sum_f x_f\, w_{c,m}\,(r_{p,m} - T_{m,y}) + e \ge 0`
                   (material recovery of m; recycling efficiency uses
                   :math:`\sum_m w_{c,m} r_{p,m} - T_y`)
=================  ==========================================================================

:math:`\tau` transport per tonne on the lane, :math:`\pi_p` processing per tonne,
:math:`v_{c,p} = \sum_m w_{c,m} r_{p,m} P_m` recovered value per tonne (mass share
:math:`w`, recovery :math:`r`, price :math:`P`), :math:`a_k` the capital annuity,
:math:`F_k` the fixed cost, :math:`\sigma` storage cost, :math:`\delta_y` the discount
factor, :math:`e` a target shortfall at penalty :math:`\rho` (only with a penalty; hard
targets have no :math:`e`).

The marginal cost per tonne at a collection point is the dual of its ``balance`` row in
the LP with the binaries fixed at the optimum, divided by :math:`\delta_y`.
"""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd

from evplan.highs import HighsRun, run_highs
from evplan.model.terms import Part, grouped_sum, labelled
from evplan.recycling.index import NetworkIndex, codes
from evplan.recycling.options import RecyclingOptions

__all__ = ["NetworkModel", "build_network", "solve_network"]


class NetworkModel:
    """A built linopy model and the index it was built on."""

    def __init__(self, m: linopy.Model, index: NetworkIndex, fixed: bool) -> None:
        self.m = m
        self.index = index
        self.fixed = fixed


def _target_coefficients(index: NetworkIndex, flow_codes: np.ndarray) -> np.ndarray:
    """Coefficient of each (flow, target row) pair: w (r - T), or sum_m w r - T."""
    flows = index.flows.iloc[flow_codes[:, 0]]
    targets = index.targets.iloc[flow_codes[:, 1]]
    content = index.shares.reindex(flows["chemistry"].to_numpy())
    rates = index.recovery.reindex(index=flows["process"].to_numpy(), columns=content.columns)
    recovered = content.to_numpy() * rates.to_numpy()
    efficiency = recovered.sum(axis=1)
    material = targets["material"].to_numpy()
    columns = pd.Index(content.columns)
    position = columns.get_indexer(pd.Index(np.where(material == "*", columns[0], material)))
    rows = np.arange(len(flows))
    by_material = recovered[rows, position] - content.to_numpy()[rows, position] * targets[
        "share"].to_numpy()
    is_efficiency = targets["target"].to_numpy() == "recycling_efficiency"
    return np.where(is_efficiency, efficiency - targets["share"].to_numpy(), by_material)


def add_balance(m: linopy.Model, index: NetworkIndex, options: RecyclingOptions) -> None:
    """Retired tonnes leave a collection point by flows or wait in storage (see above)."""
    flow = m.variables["flow"]
    balances = index.balances
    parts: list[Part] = [(flow, codes(index.flows, balances,
                                      ["collection_point", "chemistry", "year"]), 1.0)]
    if "storage" in m.variables:
        storage = m.variables["storage"]
        previous = balances[["collection_point", "chemistry"]].assign(year=balances["year"] + 1)
        parts += [(storage, np.arange(len(balances)), 1.0),
                  (storage, codes(previous, balances, ["collection_point", "chemistry", "year"]),
                   -1.0)]
    lhs = grouped_sum(m, parts, len(balances), "balance")
    supply = labelled(balances["supply_tonnes"].to_numpy(), "balance")
    if options.objective == "meet_all":
        m.add_constraints(lhs == supply, name="balance")
    else:
        m.add_constraints(lhs <= supply, name="balance")


def add_capacity(m: linopy.Model, index: NetworkIndex, tight: bool = True) -> None:
    """Tonnes processed at a plant x process in a year fit the open tier's capacity.

    With ``tight`` the capacity of a tier is capped at the tonnes that can reach the plant
    in the year (the sum of :math:`M_f` over the groups with a lane to it): valid, since no
    more can arrive, and it lets the LP relaxation see that a small region needs a whole
    plant. The fixed-network LP uses the plain capacity so that its duals are not taken by
    these caps.
    """
    on = ["plant", "process", "year"]
    column = "tight_capacity_tonnes" if tight else "capacity_tonnes_per_year"
    parts: list[Part] = [(m.variables["flow"], codes(index.flows, index.capacities, on), 1.0),
                         (m.variables["open"], codes(index.slots, index.capacities, on),
                          -index.slots[column].to_numpy())]
    lhs = grouped_sum(m, parts, len(index.capacities), "capacity")
    m.add_constraints(lhs <= 0, name="capacity")


def add_flow_linking(m: linopy.Model, index: NetworkIndex) -> None:
    r"""A flow needs its plant open with its process: :math:`x_f \le M_f \sum_t z_{(s,t,p),y}`.

    :math:`M_f` is the most the group can hold in the year (its supply of the year and the
    storage window before it, and never more than the largest tier). Implied by
    ``capacity`` in integer solutions; it tightens the LP relaxation where volumes are
    small next to the tiers, which is what makes early, thin years hard to solve.
    """
    flows = index.flows
    slots = index.slots
    pairs = slots[["plant", "process", "year"]].reset_index(names="slot").merge(
        flows[["plant", "process", "year"]].reset_index(names="flow"),
        on=["plant", "process", "year"])
    bound = flows["flow_max_tonnes"].to_numpy()
    parts: list[Part] = [
        (m.variables["flow"], np.arange(len(flows)), 1.0),
        (m.variables["open"].isel(slot=pairs["slot"].to_numpy()), pairs["flow"].to_numpy(),
         -bound[pairs["flow"].to_numpy()]),
    ]
    lhs = grouped_sum(m, parts, len(flows), "flow")
    m.add_constraints(lhs <= 0, name="flow-linking")


def add_configuration(m: linopy.Model, index: NetworkIndex) -> None:
    """One config per site and year; a plant never closes; openings only in building years."""
    slots = index.slots
    open_ = m.variables["open"]
    one = grouped_sum(m, [(open_, codes(slots, index.site_years, ["plant", "year"]), 1.0)],
                      len(index.site_years), "site_year")
    m.add_constraints(one <= 1, name="one-config")
    previous = slots[["config"]].assign(year=slots["year"] - 1)
    before = codes(previous, slots, ["config", "year"])
    has_before = np.flatnonzero(before >= 0)
    if len(has_before):
        row = np.full(len(slots), -1, dtype=np.int64)
        row[has_before] = np.arange(len(has_before))
        before_row = np.full(len(slots), -1, dtype=np.int64)
        before_row[before[has_before]] = np.arange(len(has_before))
        step = grouped_sum(m, [(open_, row, 1.0), (open_, before_row, -1.0)], len(has_before),
                           "slot_step")
        m.add_constraints(step >= 0, name="no-closure")
        frozen = ~slots["build_year"].to_numpy()[has_before]
        if frozen.any():
            m.add_constraints(step <= labelled(np.where(frozen, 0.0, 1.0), "slot_step"),
                              name="no-opening-outside-building-years")


def add_targets(m: linopy.Model, index: NetworkIndex) -> None:
    """Each EU plant meets the EU recycling targets in force on what it processes."""
    targets = index.targets
    if targets.empty:
        return
    pairs = index.flows[["plant", "year"]].reset_index(names="flow").merge(
        targets[["plant", "year"]].reset_index(names="target"), on=["plant", "year"])
    pair_codes = pairs[["flow", "target"]].to_numpy()
    coefficients = _target_coefficients(index, pair_codes)
    # a flow appears in several target rows: one linopy term per (flow, target) pair
    repeated = m.variables["flow"].isel(flow=pair_codes[:, 0])
    parts: list[Part] = [(repeated, pair_codes[:, 1], coefficients)]
    if "shortfall" in m.variables:
        parts.append((m.variables["shortfall"], np.arange(len(targets)), 1.0))
    lhs = grouped_sum(m, parts, len(targets), "target")
    m.add_constraints(lhs >= 0, name="eu-target")


def add_objective(m: linopy.Model, index: NetworkIndex, options: RecyclingOptions) -> None:
    """Discounted net cost: transport + processing - value, plant annuity and fixed cost."""
    flows = index.flows
    discount = index.discount
    flow_cost = (flows["transport_usd_per_tonne"] + flows["processing_usd_per_tonne"]
                 - flows["value_usd_per_tonne"]).to_numpy() * discount.reindex(
        flows["year"]).to_numpy()
    slot_cost = index.slots["annual_cost_usd"].to_numpy() * discount.reindex(
        index.slots["year"]).to_numpy()
    expression = (m.variables["flow"] * labelled(flow_cost, "flow")).sum() + (
        m.variables["open"] * labelled(slot_cost, "slot")).sum()
    if "storage" in m.variables:
        storage_cost = options.storage_usd_per_tonne_year * discount.reindex(
            index.balances["year"]).to_numpy()
        expression = expression + (m.variables["storage"] * labelled(storage_cost, "balance")
                                   ).sum()
    if "shortfall" in m.variables:
        penalty = float(options.target_penalty_usd_per_tonne or 0.0) * discount.reindex(
            index.targets["year"]).to_numpy()
        expression = expression + (m.variables["shortfall"] * labelled(penalty, "target")).sum()
    m.add_objective(expression, sense="min")


def build_network(index: NetworkIndex, options: RecyclingOptions,
                  fixed_open: np.ndarray | None = None) -> NetworkModel:
    """Build the model (a table of contents of the families above).

    ``fixed_open`` (one 0/1 per slot) builds the fixed-network LP whose duals price a
    tonne at each collection point.
    """
    m = linopy.Model()
    m.add_variables(lower=0.0, coords=[pd.RangeIndex(len(index.flows), name="flow")],
                    name="flow")
    slot_coords = [pd.RangeIndex(len(index.slots), name="slot")]
    if fixed_open is None:
        m.add_variables(binary=True, coords=slot_coords, name="open")
    else:
        fixed = labelled(np.round(fixed_open), "slot")
        m.add_variables(lower=fixed, upper=fixed, coords=slot_coords, name="open")
    if options.max_storage_years > 0:
        upper = labelled(index.balances["storage_max_tonnes"].to_numpy(), "balance")
        m.add_variables(lower=0.0, upper=upper, coords=[pd.RangeIndex(len(index.balances),
                                                                      name="balance")],
                        name="storage")
    if len(index.targets) and options.target_penalty_usd_per_tonne is not None:
        m.add_variables(lower=0.0, coords=[pd.RangeIndex(len(index.targets), name="target")],
                        name="shortfall")
    add_balance(m, index, options)
    add_capacity(m, index, tight=fixed_open is None)
    if fixed_open is None:
        add_flow_linking(m, index)
    add_configuration(m, index)
    add_targets(m, index)
    add_objective(m, index, options)
    return NetworkModel(m, index, fixed=fixed_open is not None)


def solve_network(model: NetworkModel, options: RecyclingOptions) -> HighsRun:
    """Solve with HiGHS in memory."""
    return run_highs(model.m, options.solver)


def values(model: NetworkModel, run: HighsRun, name: str) -> np.ndarray:
    """Primal values of one variable, in index order (zeros when absent)."""
    if name not in model.m.variables:
        return np.zeros(0)
    labels = model.m.variables[name].labels.values.ravel()
    return np.nan_to_num(run.primal[labels])


def duals(model: NetworkModel, run: HighsRun, name: str) -> np.ndarray:
    """Dual values of one constraint, in index order (NaN when absent)."""
    if name not in model.m.constraints:
        return np.zeros(0)
    labels = model.m.constraints[name].labels.values.ravel()
    out = np.full(labels.shape, np.nan)
    present = labels >= 0
    out[present] = run.dual[labels[present]]
    return out
