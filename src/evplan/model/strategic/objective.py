r"""The strategic terms of the objective, and the two bases it can be counted on.

Added to the network objective (:mod:`evplan.model.objective`), every term discounted by
:math:`\delta_y`:

.. math::

    - \sum w_p \big[F^{site}_p r + F^{mod}_p R + F^{mb}_p (o - r)
        + A_p a^+ + D_p a^- + C_p c + B_p b + E_p e \big]
    - \sum w_p \big[T_{pv} s^+ + X_{pv} s^- + F_{pv} a\big]
    - \sum w_p\, G_{pv} \Delta w
    - \sum \big[H_k e + N^+_k n^+ + N^-_k n^-\big] - \sum H_{vk} \Delta h
    - \sum \big[G_s u + O_s \Delta u\big]
    - \sum_k (c^K_k + \phi^K_k + a_k + d^K_k) z_k + \sum_k (d^K_k - d^P_k) z^P_k

where :math:`\Delta s_y = s_y - s_{y-1}` for the decisions that only switch on once
(variants, homologations, sites), so their one-off cost needs no event variable.

With ``objective_basis: attributable`` the weights are :math:`w_p = \varepsilon_p` (the
automaker's equity share of a joint-venture plant, 1 otherwise) and the partners' share
of the joint ventures' margin on cost is subtracted:
:math:`-\sum_f (1-\varepsilon_p)\,\mu_p c_f x_f - \sum_k (1-\varepsilon_p)\,\mu_p c^K_k z_k`.
Consolidated: :math:`w_p = 1` and no such term. Fixed costs of plants without a strategy
row stay a constant (:func:`strategic_constant_usd`).

======  ==========================================  =======================================
symbol  code                                        meaning
======  ==========================================  =======================================
F^site  ``site_fixed_cost_usd_per_year``            (1 - share) x plant fixed cost
F^mod   ``module_fixed_cost_usd_per_year``          share x plant fixed cost / n0
F^mb    ``mothball_cost_usd_per_year``              cost of an idle year
A, D    ``add/remove_module_cost_usd``              per module added / removed
C, B, E ``closure/mothball/reopen_cost_usd``        one-off plant events
T, X    ``tooling_cost_usd``, ``exit_cost_usd``     program start / stop at a plant
G_pv    ``add_other_cost_usd``                      other steering variant at a plant
H_k     ``presence_cost_usd_per_year``              yearly cost of a market presence
N+, N-  ``entry_cost_usd``, ``exit_cost_usd``       market entry / exit
H_vk    ``homologations.cost_usd``                  type approval
G_s,O_s site ``fixed_cost...``, ``opening_cost``    assembly site
ε_p,μ_p ``plant_equity``                            equity share, JV margin on cost
======  ==========================================  =======================================
"""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions

__all__ = ["add_strategic_objective", "plant_weights", "strategic_constant_usd"]


def plant_weights(index: ModelIndex, plants: pd.Series) -> np.ndarray:
    """Cost weight per plant: its equity share under the attributable basis, else 1."""
    strategic = index.strategic
    if strategic is None or strategic.objective_basis != "attributable":
        return np.ones(len(plants))
    share = strategic.equity.set_index("plant")["equity_share"]
    return plants.map(share).fillna(1.0).to_numpy(dtype=float)


def _partner_margin(index: ModelIndex, plants: pd.Series, cost: np.ndarray) -> np.ndarray:
    """(1 - equity) x JV margin on cost per vehicle, 0 for wholly owned plants."""
    equity = index.strategic.equity.set_index("plant")
    share = plants.map(equity["equity_share"]).fillna(1.0).to_numpy(dtype=float)
    margin = plants.map(equity["jv_margin_on_cost"]).fillna(0.0).to_numpy(dtype=float)
    return (1 - share) * margin * cost


def strategic_constant_usd(index: ModelIndex) -> float:
    """Discounted fixed cost of plants without a strategy row (a constant of the model)."""
    plant_years = index.plant_years
    decided = set(index.strategic.plants["plant"]) if index.strategic is not None else set()
    keep = ~plant_years["plant"].isin(decided).to_numpy()
    discount = plant_years["year"].map(index.discount).to_numpy()
    weights = plant_weights(index, plant_years["plant"])
    return float((plant_years["fixed_cost_usd_per_year"].to_numpy() * discount * weights)[
        keep].sum())


def _term(m: linopy.Model, name: str, coefficients: np.ndarray | float
          ) -> tuple[np.ndarray, np.ndarray]:
    """(labels, coefficients) of ``sum_k coefficients[k] variable[k]``: plain arrays, joined
    into the objective at once (adding twenty linopy expressions one by one aligned and
    copied xarray datasets each time: a third of a small model's build)."""
    labels = np.asarray(m.variables[name].labels.values, dtype=np.int64).ravel()
    return labels, np.broadcast_to(np.asarray(coefficients, dtype=float), labels.shape)


def _with_terms(m: linopy.Model, terms: list[tuple[np.ndarray, np.ndarray]]
                ) -> linopy.LinearExpression:
    """The model's objective expression with ``terms`` appended along its ``_term`` dim (the
    same coefficients per variable as summing the expressions; the constant is kept)."""
    expression = m.objective.expression
    labels = np.concatenate([np.asarray(expression.vars.values, dtype=np.int64).ravel(),
                             *(labels for labels, _ in terms)])
    coefficients = np.concatenate([np.asarray(expression.coeffs.values, dtype=float).ravel(),
                                   *(values for _, values in terms)])
    data = xr.Dataset({"coeffs": ("_term", coefficients), "vars": ("_term", labels),
                       "const": expression.const})
    return linopy.LinearExpression(data, m)


def _next_discount(frame: pd.DataFrame, delta: np.ndarray) -> np.ndarray:
    nxt = frame["next"].to_numpy()
    return np.where(nxt >= 0, delta[np.maximum(nxt, 0)], 0.0)


def add_strategic_objective(m: linopy.Model, index: ModelIndex, options: BuildOptions
                            ) -> None:
    """Add the strategic cost terms (see the module docstring) to the model's objective."""
    strategic = index.strategic
    discount = index.discount
    terms: list[tuple[np.ndarray, np.ndarray]] = []
    years = strategic.plant_years
    if len(years):
        plants = strategic.plants.set_index("plant")
        delta = years["year"].map(discount).to_numpy() * plant_weights(index, years["plant"])

        def per_plant(column: str) -> np.ndarray:
            return years["plant"].map(plants[column]).to_numpy(dtype=float) * delta

        idle = per_plant("mothball_cost_usd_per_year")
        fx = years["fx"].to_numpy(dtype=float)  # fixed costs are local: year-y USD
        terms += [
            _term(m, "plant_running", -per_plant("site_fixed_cost_usd_per_year") * fx + idle),
            _term(m, "plant_open", -idle),
            _term(m, "modules_running", -per_plant("module_fixed_cost_usd_per_year") * fx),
            _term(m, "modules_added", -per_plant("add_module_cost_usd")),
            _term(m, "modules_removed", -per_plant("remove_module_cost_usd")),
            _term(m, "plant_closing", -per_plant("closure_cost_usd")),
            _term(m, "mothball_started", -per_plant("mothball_cost_usd")),
            _term(m, "plant_reopened", -per_plant("reopen_cost_usd")),
        ]
    allocations = strategic.allocations
    if len(allocations):
        delta = allocations["year"].map(discount).to_numpy() * plant_weights(
            index, allocations["plant"])
        terms += [
            _term(m, "program_allocated", -allocations["fixed_cost_usd_per_year"].to_numpy(
                dtype=float) * delta),
            _term(m, "program_started", -allocations["tooling_cost_usd"].to_numpy(
                dtype=float) * delta),
            _term(m, "program_stopped", -allocations["exit_cost_usd"].to_numpy(
                dtype=float) * delta),
        ]
    variants = strategic.variants
    if len(variants):
        delta = variants["year"].map(discount).to_numpy()
        cost = variants["add_other_cost_usd"].to_numpy(dtype=float) * plant_weights(
            index, variants["plant"])
        terms.append(_term(m, "variant_added", -cost * (delta - _next_discount(variants,
                                                                                delta))))
    markets = strategic.market_years
    if len(markets):
        delta = markets["year"].map(discount).to_numpy()
        terms += [
            _term(m, "market_present", -markets["presence_cost_usd_per_year"].to_numpy(
                dtype=float) * delta),
            _term(m, "market_entered", -markets["entry_cost_usd"].to_numpy(dtype=float)
                  * delta),
            _term(m, "market_exited", -markets["exit_cost_usd"].to_numpy(dtype=float) * delta),
        ]
    homologations = strategic.homologations
    if len(homologations):
        delta = homologations["year"].map(discount).to_numpy()
        cost = homologations["cost_usd"].to_numpy(dtype=float) * (
            1 - homologations["initial"].to_numpy(dtype=float))
        terms.append(_term(m, "homologated", -cost * (delta - _next_discount(homologations,
                                                                              delta))))
    sites = strategic.site_years
    if len(sites):
        delta = sites["year"].map(discount).to_numpy()
        opening = sites["opening_cost_usd"].to_numpy(dtype=float) * (
            1 - sites["initial"].to_numpy(dtype=float))
        terms.append(_term(m, "site_open", -sites["fixed_cost_usd_per_year"].to_numpy(
            dtype=float) * delta - opening * (delta - _next_discount(sites, delta))))
    kits = strategic.kits
    if len(kits):
        delta = kits["year"].map(discount).to_numpy()
        cost = (kits["unit_cost_usd_per_vehicle"] + kits["kit_duty_usd_per_vehicle"]).to_numpy(
            dtype=float)
        if strategic.objective_basis == "attributable":
            cost = cost + _partner_margin(index, kits["plant"], kits[
                "kit_value_usd_per_vehicle"].to_numpy(dtype=float))
        terms.append(_term(m, "kit_shipment", -cost * delta))
        preferred = kits[kits["kit_pref"] >= 0]
        if len(preferred):
            saving = (preferred["kit_duty_usd_per_vehicle"]
                      - preferred["preferential_duty_usd_per_vehicle"]).to_numpy(dtype=float)
            terms.append(_term(m, "kit_preferential", saving * preferred["year"].map(
                discount).to_numpy()))
    if strategic.objective_basis == "attributable" and len(strategic.equity):
        flows = index.flows
        partner = _partner_margin(index, flows["plant"], flows[
            "variable_cost_usd_per_vehicle"].to_numpy(dtype=float))
        if (partner > 0).any():
            terms.append(_term(m, "shipment", -partner * flows["year"].map(discount).to_numpy()))
    for name in ("strategic_minimum_shortfall", "kit_minimum_shortfall"):
        if name in m.variables:
            terms.append(_term(m, name, -options.elastic_penalty_usd_per_vehicle))
    if terms:
        m.add_objective(_with_terms(m, terms), overwrite=True, sense="max")
