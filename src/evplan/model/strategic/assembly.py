r"""Local assembly: kits, sites, and rules of origin that gate a preferential kit duty.

For kit flow k (plant -> site s, program v, year y) with kits :math:`z_k`:

.. math::

    \sum_{k \in K(s,y)} z_k \le C_s\, u_{s,y}, \qquad z_k \le M_k\, u_{s,y} \ (M_k < C_s),
    \qquad u_{s,y} \ge u_{s,y-1}

    z^P_k \le z_k, \qquad \sum_{k \in g} z^P_k \le \bar Z_g\, \beta_g

    \sum_{k \in g} (O_k - \theta_g W_k)\, z_k \ge -B_g (1 - \beta_g),
    \qquad B_g = \bar Z_g \max_{k \in g} (\theta_g W_k - O_k)^+

where g = (site, program, year) groups the kits that claim a preferential rate. Kits also
enter the market balance of (v, market of s, y) as supply, the program-allocation and
steering links of their plant, and (with ``plant_capacity_share``) the plant's capacity.

======  ===================================  ==============================================
symbol  code                                 meaning
======  ===================================  ==============================================
z_k     ``kit_shipment``                     kits shipped = vehicles assembled
u       ``site_open``                        the site is open (opening cost when it opens)
C_s     ``assembly_sites.capacity...``       site capacity
M_k     ``kits.site_bound``                  min(C_s, demand of the kit's market)
z^P_k   ``kit_preferential``                 kits entering at the preferential rate
β_g     ``rvc_met``                          the site's program meets the RVC threshold
O_k     ``originating_usd_per_vehicle``      local content + originating share of the kit
W_k     ``rvc_value_usd_per_vehicle``        kit customs value + assembly cost
θ_g     ``kit_duties.rvc_threshold``         the strictest of the group's kits (sites_index)
Z̄_g     ``rvc_groups.volume_bound``          min(C_s, demand the group can reach)
======  ===================================  ==============================================

The regional-value-content condition averages over the kits of one program assembled at
the site in the year; B_g is the smallest constant that makes the row void when
:math:`\beta_g = 0`.
"""

from __future__ import annotations

import linopy
import numpy as np

from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.strategic.rows import add_rows, fan_out, own, shifted

__all__ = ["add_assembly"]


def add_assembly(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    """Site capacity and opening, kit links, and the rules-of-origin rows."""
    strategic = index.strategic
    v = m.variables
    sites = strategic.site_years
    kits = strategic.kits
    if len(sites):
        later = np.flatnonzero(sites["prev"].to_numpy() >= 0)
        add_rows(m, [(v["site_open"], own(len(sites)), -1.0),
                     (v["site_open"], shifted(sites["next"].to_numpy()), 1.0)],
                 len(sites), "site_monotone", "<=", 0.0, "site-monotone", rows=later)
    if not len(kits):
        return
    site_year = kits["site_year"].to_numpy(dtype=np.int64)
    capacity = sites["capacity_vehicles_per_year"].to_numpy(dtype=float)
    add_rows(m, [(v["kit_shipment"], site_year, 1.0),
                 (v["site_open"], own(len(sites)), -capacity)],
             len(sites), "site_capacity", "<=", 0.0, "site-capacity")
    if options.strategic_formulation == "disaggregated":
        bound = kits["site_bound"].to_numpy(dtype=float)
        rows = np.flatnonzero(bound < capacity[site_year] - 0.5)
        if len(rows):
            add_rows(m, [(v["kit_shipment"], np.where(np.isin(own(len(kits)), rows),
                                                      own(len(kits)), -1), 1.0),
                         *fan_out(v["site_open"], np.where(np.isin(own(len(kits)), rows),
                                                           site_year, -1), -bound)],
                     len(kits), "kit_site_link", "<=", 0.0, "kit-site-link", rows=rows)
    groups = strategic.rvc_groups
    if not len(groups):
        return
    preferred = np.flatnonzero(kits["kit_pref"].to_numpy() >= 0)
    pref_count = len(preferred)
    pref_kit = np.full(len(kits), -1, dtype=np.int64)
    pref_kit[preferred] = np.arange(pref_count)
    add_rows(m, [(v["kit_preferential"], own(pref_count), 1.0),
                 (v["kit_shipment"], pref_kit, -1.0)],
             pref_count, "kit_preference_share", "<=", 0.0, "kit-preference-share")
    group = kits["rvc_group"].to_numpy(dtype=np.int64)
    volume = groups["volume_bound"].to_numpy(dtype=float)
    add_rows(m, [(v["kit_preferential"], group[preferred], 1.0),
                 (v["rvc_met"], own(len(groups)), -volume)],
             len(groups), "kit_preference_cap", "<=", 0.0, "kit-preference-cap")
    slack = (kits["originating_usd_per_vehicle"].to_numpy(dtype=float)
             - kits["rvc_threshold"].fillna(0.0).to_numpy(dtype=float)
             * kits["rvc_value_usd_per_vehicle"].to_numpy(dtype=float))
    big = groups["rvc_bound_usd"].to_numpy(dtype=float)
    if options.strategic_formulation == "textbook":
        big = np.full(len(groups), 1e10)
    add_rows(m, [(v["kit_shipment"], group, slack), (v["rvc_met"], own(len(groups)), -big)],
             len(groups), "rules_of_origin", ">=", -big, "rules-of-origin")
