"""Demand families: market balance, price-volume tiers and committed sales."""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd

from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.terms import add_grouped_rows, grouped_sum


def add_market_balance(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    r"""Vehicles of a program shipped into a market in a year are the vehicles sold there.

    .. math:: \sum_{f \in F(v,k,y)} x_f - \sum_{s \in S(v,k,y)} q_s = 0
              \quad \forall (v, k, y)

    ======  ============================  ===========================================
    symbol  code                          meaning
    ======  ============================  ===========================================
    x_f     ``shipment``                  vehicles shipped on flow f
    q_s     ``sales``                     vehicles of program v sold in tier s
    ======  ============================  ===========================================
    """
    parts = [
        (m.variables["shipment"], index.flows["balance"].to_numpy(), 1.0),
        (m.variables["sales"], index.sales["balance"].to_numpy(), -1.0),
    ]
    if "kit_shipment" in m.variables:  # vehicles assembled locally from kits (strategic)
        parts.append((m.variables["kit_shipment"], index.strategic.kits["balance"].to_numpy(),
                      1.0))
    lhs = grouped_sum(m, parts, len(index.balances), "balance")
    add_grouped_rows(m, lhs, "=", 0.0, "market-balance")


def add_demand_tiers(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    r"""Sales in a price-volume tier do not exceed its volume.

    .. math:: \sum_{s \in S(t)} q_s \le D_t \quad \forall t \text{ (market, year, product, tier)}

    Tier prices fall tier by tier (validated), so a maximising model fills the
    best-priced tier first: the tiers form a concave revenue curve, i.e. a
    price-responsive demand. The dual of this row is the marginal value of one more
    vehicle of demand in the tier.
    """
    lhs = grouped_sum(m, [(m.variables["sales"], index.sales["pool"].to_numpy(), 1.0)],
                      len(index.pools), "pool")
    add_grouped_rows(m, lhs, "<=", index.pools["volume_vehicles"].to_numpy(), "demand-tier")


def add_committed_sales(m: linopy.Model, index: ModelIndex, options: BuildOptions,
                        penalty_usd_per_vehicle: float | None = None) -> None:
    r"""Committed volumes are sold, or the shortfall ``u`` is penalised where allowed.

    .. math:: \sum_{s \in S(c)} q_s + u_c \ge M_c \quad \forall c

    ``u`` (``unmet_committed``) exists when scenario.yaml sets
    ``unmet_committed_penalty_usd_per_vehicle`` or in the elastic copy.
    """
    committed = index.committed
    if committed.empty:
        return
    terms = index.committed_terms
    parts = []
    # A sale can count towards several commitments (a program and its segment):
    # one grouped sum per layer of repeated sales keeps the construction loop-free.
    layer = terms.groupby("sale").cumcount().to_numpy()
    for depth in range(int(layer.max()) + 1 if len(layer) else 0):
        chosen = terms[layer == depth]
        codes = np.full(len(index.sales), -1)
        codes[chosen["sale"].to_numpy()] = chosen["committed"].to_numpy()
        parts.append((m.variables["sales"], codes, 1.0))
    if penalty_usd_per_vehicle is not None or options.elastic:
        unmet = m.add_variables(lower=0, coords=[pd.RangeIndex(len(committed), name="committed")],
                                name="unmet_committed")
        parts.append((unmet, np.arange(len(committed)), 1.0))
    lhs = grouped_sum(m, parts, len(committed), "committed")
    add_grouped_rows(m, lhs, ">=", committed["min_vehicles"].to_numpy(), "committed-sales")
