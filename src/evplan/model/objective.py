r"""The objective: discounted contribution margin over the horizon.

.. math::

    \max \sum_y \delta_y \Big[ \sum_{s} p_s q_s
        - \sum_f (c_f + \phi_f + d_f) x_f
        + \sum_{f \in Q} (d_f - d^Q_f) z_f
        - \pi \sum_c u_c \Big] - \sum_{p,y} \delta_y F_p

======  =========================================  ================================
symbol  code                                       meaning
======  =========================================  ================================
δ_y     ``index.discount``                         (1 + r) ** -(y - first_year)
p_s     ``demand.price_usd_per_vehicle``           price of the tier
c_f     ``plant_programs.variable_cost...``        variable production cost
φ_f     ``routes.freight_usd_per_vehicle``         freight
d_f     ``index.flows.duty_usd_per_vehicle``       full duty per vehicle
d^Q_f   ``in_quota_duty_usd_per_vehicle``          duty inside a tariff-rate quota
π       ``unmet_committed_penalty...``             penalty per committed vehicle unmet
F_p     ``plants.fixed_cost_usd_per_year``         fixed cost of an operating plant
======  =========================================  ================================

Plants operate in every year between their first and last year, so the fixed cost is
a constant: :func:`fixed_cost_usd` adds it to the reported objective.
"""

from __future__ import annotations

import linopy
import numpy as np

from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.terms import linear_terms


def fixed_cost_usd(index: ModelIndex) -> float:
    """Discounted fixed cost of the plant-years in the horizon."""
    plant_years = index.plant_years
    discount = plant_years["year"].map(index.discount)
    return float((plant_years["fixed_cost_usd_per_year"] * discount).sum())


def add_objective(m: linopy.Model, index: ModelIndex, options: BuildOptions,
                  penalty_usd_per_vehicle: float | None = None,
                  extra: linopy.LinearExpression | None = None) -> None:
    """Set the objective (see the module docstring); the fixed-cost constant is left out.

    ``extra`` holds further discounted terms, e.g. the compliance costs of
    :func:`evplan.model.families.compliance.compliance_objective`.
    """
    flows = index.flows
    flow_discount = flows["year"].map(index.discount).to_numpy()
    sale_discount = index.sales["year"].map(index.discount).to_numpy()
    flow_cost = (flows["unit_cost_usd_per_vehicle"] + flows["duty_usd_per_vehicle"]).to_numpy()
    # One term per variable element, in the order the sums of linopy expressions gave them
    # (sales, shipments, in-quota, shortfalls): one expression instead of a chain of
    # additions that aligned and copied the terms each time. A subtracted sum's
    # coefficients are negated, as linopy's subtraction does.
    parts = [(m.variables["sales"], index.sales["price_usd_per_vehicle"].to_numpy()
              * sale_discount),
             (m.variables["shipment"], -(flow_cost * flow_discount))]
    if not index.quota_flows.empty:
        quota_flow = flows.loc[index.quota_flows["flow"]]
        saving = (quota_flow["duty_usd_per_vehicle"]
                  - quota_flow["in_quota_duty_usd_per_vehicle"]).to_numpy()
        parts.append((m.variables["in_quota"],
                      saving * flow_discount[index.quota_flows["flow"]]))
    if "unmet_committed" in m.variables:
        # The user's shortfall penalty, when set, holds in the elastic copy too: such a
        # commitment may fall short anyway, so it never explains an infeasibility.
        per_vehicle = penalty_usd_per_vehicle if penalty_usd_per_vehicle is not None else (
            options.elastic_penalty_usd_per_vehicle if options.elastic else 0.0)
        committed_discount = index.committed["year"].map(index.discount).to_numpy()
        parts.append((m.variables["unmet_committed"], -(per_vehicle * committed_discount)))
    if "plant_minimum_shortfall" in m.variables:
        shortfall = m.variables["plant_minimum_shortfall"]
        parts.append((shortfall, -(options.elastic_penalty_usd_per_vehicle * np.ones(
            shortfall.labels.size))))
    expression = linear_terms(m, parts)
    if extra is not None:
        expression = expression + extra
    m.add_objective(expression, sense="max")
