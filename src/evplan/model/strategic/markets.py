r"""Market entry and exit, and homologations.

.. math::

    \sum_{s \in t} q_s \le V_t\, e_{k,y} \quad \forall t \in T(k,y), \qquad
    n^+_{k,y} \ge e_{k,y} - e_{k,y-1}, \qquad n^-_{k,y} \ge e_{k,y-1} - e_{k,y}

    q_s \le V_{t(s)}\, h_{v,k,y} \quad \forall s \text{ of } v \text{ in } (k, y), \qquad
    h_{v,k,y} \ge h_{v,k,y-1}

======  ============================  ==================================================
symbol  code                          meaning
======  ============================  ==================================================
e       ``market_present``            the automaker sells in market k in year y
n+, n-  ``market_entered/exited``     entry and exit events (their one-off costs)
h       ``homologated``               program v is approved in market k
V_t     ``demand.volume_vehicles``    volume of demand tier t (the tightest bound)
======  ============================  ==================================================

The ``textbook`` formulation links presence once per market-year and homologation once
per program-market-year, with one big constant.
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
    textbook = options.strategic_formulation == "textbook"
    v = m.variables
    sale_pool = index.sales["pool"].to_numpy()
    markets = strategic.market_years
    if len(markets):
        size = len(markets)
        pool_code = strategic.pool_market_year
        if textbook:
            add_rows(m, [(v["sales"], pool_code[sale_pool], 1.0),
                         (v["market_present"], own(size), -BIG_M_VEHICLES)],
                     size, "market_presence_link", "<=", 0.0, "market-presence-link")
        else:
            pools = index.pools
            rows = np.flatnonzero(pool_code >= 0)
            parts = [(v["sales"], sale_pool, 1.0),
                     *fan_out(v["market_present"], pool_code,
                              -pools["volume_vehicles"].to_numpy(dtype=float))]
            add_rows(m, parts, len(pools), "market_presence_link", "<=", 0.0,
                     "market-presence-link", rows=rows)
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
        if textbook:
            add_rows(m, [(v["sales"], sale_code, 1.0),
                         (v["homologated"], own(size), -BIG_M_VEHICLES)],
                     size, "homologation_link", "<=", 0.0, "homologation-link")
        else:
            rows = np.flatnonzero(sale_code >= 0)
            volume = index.pools["volume_vehicles"].to_numpy(dtype=float)[sale_pool]
            add_rows(m, [(v["sales"], own(len(sale_pool)), 1.0),
                         *fan_out(v["homologated"], sale_code, -volume)],
                     len(sale_pool), "homologation_link", "<=", 0.0, "homologation-link",
                     rows=rows)
        later = np.flatnonzero(homologations["prev"].to_numpy() >= 0)
        add_rows(m, [(v["homologated"], own(size), -1.0),
                     (v["homologated"], shifted(homologations["next"].to_numpy()), 1.0)],
                 size, "homologation_monotone", "<=", 0.0, "homologation-monotone", rows=later)
