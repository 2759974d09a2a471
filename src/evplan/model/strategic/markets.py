r"""Market entry and exit, and homologations.

.. math::

    \sum_{s \in T(k,y)} q_s \le V_{k,y}\, e_{k,y}, \qquad
    n^+_{k,y} \ge e_{k,y} - e_{k,y-1}, \qquad n^-_{k,y} \ge e_{k,y-1} - e_{k,y}

    \sum_{s \text{ of } v \text{ in } (k, y)} q_s \le V_{v,k,y}\, h_{v,k,y}, \qquad
    h_{v,k,y} \ge h_{v,k,y-1}

======  ============================  ==================================================
symbol  code                          meaning
======  ============================  ==================================================
e       ``market_present``            the automaker sells in market k in year y
n+, n-  ``market_entered/exited``     entry and exit events (their one-off costs)
h       ``homologated``               program v is approved in market k
V       ``demand.volume_vehicles``    volume of the tiers the sales can fill (the bound
                                      the data give)
======  ============================  ==================================================

``disaggregated`` links every tier (q_s <= V_t e) and every sale (q_s <= V_t h) on its own
(stronger LP, more rows); ``textbook`` uses one big constant instead of V.
"""

from __future__ import annotations

import linopy
import numpy as np

from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.strategic.programs import BIG_M_VEHICLES
from evplan.model.strategic.rows import add_rows, fan_out, own, shifted

__all__ = ["add_market_decisions"]


def add_market_decisions(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    """Presence links and events; homologation links and monotonicity."""
    strategic = index.strategic
    mode = options.strategic_formulation
    v = m.variables
    sale_pool = index.sales["pool"].to_numpy()
    volume = index.pools["volume_vehicles"].to_numpy(dtype=float)
    markets = strategic.market_years
    if len(markets):
        size = len(markets)
        pool_code = strategic.pool_market_year
        if mode == "disaggregated":
            rows = np.flatnonzero(pool_code >= 0)
            parts = [(v["sales"], sale_pool, 1.0),
                     *fan_out(v["market_present"], pool_code, -volume)]
            add_rows(m, parts, len(index.pools), "market_presence_link", "<=", 0.0,
                     "market-presence-link", rows=rows)
        else:
            bound = (np.full(size, BIG_M_VEHICLES) if mode == "textbook" else np.bincount(
                pool_code[pool_code >= 0], weights=volume[pool_code >= 0], minlength=size))
            add_rows(m, [(v["sales"], pool_code[sale_pool], 1.0),
                         (v["market_present"], own(size), -bound)],
                     size, "market_presence_link", "<=", 0.0, "market-presence-link")
        prev, nxt = markets["prev"].to_numpy(), markets["next"].to_numpy()
        initial = markets["initial"].to_numpy(dtype=float)
        first = prev < 0
        add_rows(m, [(v["market_entered"], own(size), 1.0), (v["market_present"], own(size), -1.0),
                     (v["market_present"], shifted(nxt), 1.0)],
                 size, "market_entered", ">=", np.where(first, -initial, 0.0), "market-entered")
        add_rows(m, [(v["market_exited"], own(size), 1.0), (v["market_present"], own(size), 1.0),
                     (v["market_present"], shifted(nxt), -1.0)],
                 size, "market_exited", ">=", np.where(first, initial, 0.0), "market-exited")
    homologations = strategic.homologations
    if len(homologations):
        size = len(homologations)
        sale_code = strategic.sale_homologation
        if mode == "disaggregated":
            rows = np.flatnonzero(sale_code >= 0)
            add_rows(m, [(v["sales"], own(len(sale_pool)), 1.0),
                         *fan_out(v["homologated"], sale_code, -volume[sale_pool])],
                     len(sale_pool), "homologation_link", "<=", 0.0, "homologation-link",
                     rows=rows)
        else:
            gated = sale_code >= 0
            bound = (np.full(size, BIG_M_VEHICLES) if mode == "textbook" else np.bincount(
                sale_code[gated], weights=volume[sale_pool][gated], minlength=size))
            add_rows(m, [(v["sales"], sale_code, 1.0), (v["homologated"], own(size), -bound)],
                     size, "homologation_link", "<=", 0.0, "homologation-link")
        later = np.flatnonzero(homologations["prev"].to_numpy() >= 0)
        add_rows(m, [(v["homologated"], own(size), -1.0),
                     (v["homologated"], shifted(homologations["next"].to_numpy()), 1.0)],
                 size, "homologation_monotone", "<=", 0.0, "homologation-monotone", rows=later)
