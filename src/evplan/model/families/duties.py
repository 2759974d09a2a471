r"""Duty family: tariff-rate quotas, and the duty cost the objective charges.

Per vehicle, the duty of a flow is a parameter (see :mod:`evplan.model.index`):
ad valorem on the customs value, the higher of that and a minimum where a minimum
applies, plus a maker-specific countervailing duty and a specific duty. A tariff-rate
quota splits a flow's vehicles into ``in_quota`` (at the in-quota rate) and the rest
(at the full rate):

.. math::

    \text{duty} = \sum_f d_f x_f - \sum_{f \in Q} (d_f - d^Q_f)\, z_f

    z_f \le x_f \quad \forall f \in Q, \qquad
    \sum_{f \in Q(g)} z_f \le \bar Q_g \quad \forall g

Because :math:`d^Q_f \le d_f`, the model fills the quota before paying the full
rate, as an importer would.
"""

from __future__ import annotations

import linopy
import numpy as np

from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.terms import add_grouped_rows, grouped_sum


def add_duty_quota(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    r"""Vehicles inside a tariff-rate quota: no more than the flow, no more than the quota.

    ======  ======================================  ==========================================
    symbol  code                                    meaning
    ======  ======================================  ==========================================
    z_f     ``m.variables["in_quota"]``             vehicles of flow f entering inside quota
    Q(g)    ``index.quota_flows.quota_group``       flows sharing quota g (duty row x year)
    Q̄_g     ``duties.quota_vehicles_per_year``      quota volume
    ======  ======================================  ==========================================
    """
    quota_flows = index.quota_flows
    if quota_flows.empty:
        return
    in_quota = m.variables["in_quota"]
    count = len(quota_flows)
    shipment_codes = np.full(len(index.flows), -1)
    shipment_codes[quota_flows["flow"].to_numpy()] = np.arange(count)
    share = grouped_sum(m, [(in_quota, np.arange(count), 1.0),
                            (m.variables["shipment"], shipment_codes, -1.0)],
                        count, "quota_flow")
    add_grouped_rows(m, share, "<=", 0.0, "duty-quota-share")
    lhs = grouped_sum(m, [(in_quota, quota_flows["quota_group"].to_numpy(), 1.0)],
                      len(index.quota_groups), "quota_group")
    quota = index.quota_groups["quota_vehicles_per_year"].to_numpy(dtype=float)
    add_grouped_rows(m, lhs, "<=", quota, "duty-quota")
