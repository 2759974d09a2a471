"""The siting example's tables checked against its inputs before they are returned
(:func:`evplan.charging.siting.site_chargers`).

From the zones, the candidate sites, the distances, the arrivals and the queueing target:

* ``assignment``: each row a zone of the input sent to an open site (within the radius for
  ``capacitated``; the nearest open site for ``maximal_covering``), at the pair's distance;
  a zone's rows carry all its arrivals (``capacitated``: every zone);
* ``sites``: one row per candidate; ``open`` as the solve chose; ``zones`` and
  ``peak_hour_arrivals`` the assignment's; ``ports`` 0 when closed, else the fewest (at
  least 1) meeting the target at the site's load, capped at ``max_ports`` with
  ``short_of_ports`` saying so; the wait probability, mean wait, site cost and port capex;
* ``zones``: each zone's arrivals (its weight's share) and ``covered``; ``covered_share``;
* the corridor's ``pools``: candidates at their km, in km order, each ``gap_before_km`` the
  distance from the pool before (twice its km for the first), the AFIR ports, their power and
  capex.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from evplan.charging.erlang import erlang_c, mean_wait_hours

__all__ = ["corridor_problems", "siting_problems"]


def _near(got: Any, want: float) -> bool:
    try:
        value = float(got)
    except (TypeError, ValueError):
        return False
    return abs(value - want) <= 1e-9 * max(abs(value), abs(want)) + 1e-6


def siting_problems(result: Any, zones: pd.DataFrame, sites: pd.DataFrame,
                    pairs: pd.DataFrame, arrivals: np.ndarray, session_hours: float,
                    service_radius_km: float, method: str, target: Any,
                    capex_usd_per_port: float) -> list[str]:
    """Every cell of the module docstring's tables that the inputs contradict (empty: all
    agree)."""
    problems: list[str] = []
    opened = set(result.location.open_sites)
    distance = {(site, zone): float(km) for site, zone, km in zip(
        pairs["site"], pairs["zone"], pairs["distance_km"].astype(float), strict=True)}
    share = dict(zip(zones["zone"], arrivals, strict=True))
    served: dict[Any, float] = {}
    load: dict[Any, float] = {}
    count: dict[Any, set[Any]] = {}
    for row in result.assignment.itertuples(index=False):
        label = f"charging_site_assignment {row.zone} {row.site}"
        pair = distance.get((row.site, row.zone))
        if row.zone not in share or row.site not in opened or pair is None:
            problems.append(f"{label}: not a zone of the input sent to an open site.")
            continue
        if not _near(row.distance_km, pair):
            problems.append(f"{label}: distance_km is {row.distance_km}; the pair's is {pair}.")
        nearest = min(distance.get((site, row.zone), math.inf) for site in opened)
        if pair > service_radius_km + 1e-9 or (method == "maximal_covering"
                                               and pair > nearest + 1e-9):
            problems.append(f"{label}: {pair:g} km, beyond the radius or past a nearer open "
                            "site.")
        served[row.zone] = served.get(row.zone, 0.0) + float(row.peak_hour_arrivals)
        load[row.site] = load.get(row.site, 0.0) + float(row.peak_hour_arrivals)
        count.setdefault(row.site, set()).add(row.zone)
    for zone, amount in share.items():
        if (zone in served or method == "capacitated") and not _near(served.get(zone, 0.0),
                                                                     amount):
            problems.append(f"charging_zones {zone}: {served.get(zone, 0.0):g} of its "
                            f"{amount:g} peak-hour arrivals are assigned.")
    table = result.sites.set_index("site")
    if sorted(map(str, table.index)) != sorted(map(str, sites["site"])):
        problems.append("charging_sites: its rows are not the candidate sites.")
        return problems
    candidates: list[dict[str, Any]] = sites.to_dict("records")  # type: ignore[assignment]
    for candidate in candidates:
        site, largest = candidate["site"], int(candidate["max_ports"])
        row, name = table.loc[site], f"charging_sites {site}"
        is_open = site in opened
        arrivals_here = load.get(site, 0.0)
        offered = arrivals_here * session_hours
        need = 0
        if is_open:
            need = 1
            while not target.met(need, offered, session_hours) and need <= largest:
                need += 1
        ports = min(need, largest)
        want = {"open": float(is_open), "zones": float(len(count.get(site, ()))),
                "peak_hour_arrivals": arrivals_here, "ports": float(ports),
                "short_of_ports": float(need > ports), "max_ports": float(largest),
                "wait_probability": float(erlang_c(ports, offered)) if ports else 0.0,
                "mean_wait_minutes": float(mean_wait_hours(ports, arrivals_here, session_hours)
                                           ) * 60 if ports else 0.0,
                "site_cost_usd": float(candidate["cost_usd"]) if is_open else 0.0,
                "port_capex_usd": ports * capex_usd_per_port}
        for column, value in want.items():
            got = row[column]
            if isinstance(got, (bool, np.bool_)):
                got = float(got)
            if math.isinf(value) and got == value:
                continue
            if not _near(got, value):
                problems.append(f"{name}: {column} is {row[column]!r}; re-derived it is "
                                f"{value!r}.")
    covered = result.zones.set_index("zone")
    weight = zones.set_index("zone")["demand_weight"].astype(float)
    for zone in zones["zone"]:
        if not (_near(covered.loc[zone, "peak_hour_arrivals"], share[zone])
                and bool(covered.loc[zone, "covered"]) == (zone in served)):
            problems.append(f"charging_zones {zone}: arrivals or covered differ from the "
                            "input's weight and the assignment.")
    total = float(weight.sum())
    want_share = float(weight[[zone in served for zone in weight.index]].sum() / total
                       ) if total > 0 else 0.0
    if not _near(result.covered_share, want_share):
        problems.append(f"siting: covered_share is {result.covered_share}; the zones served "
                        f"weigh {want_share}.")
    return problems


def corridor_problems(pools: pd.DataFrame, corridor: pd.DataFrame, ports: int,
                      port_power_kw: float, capex_usd_per_port: float) -> list[str]:
    """Every cell of the chosen pools that the candidates and the AFIR pool contradict (the
    largest gap, ends included, is checked beside the solve)."""
    problems: list[str] = []
    km_of = dict(zip(corridor["site"], corridor["km"].astype(float), strict=True))
    before = 0.0
    for row_number, row in enumerate(pools.to_dict("records")):
        label = f"charging_corridor {row['site']}"
        km = km_of.get(row["site"])
        if km is None or not _near(row["km"], km) or km < before - 1e-9:
            problems.append(f"{label}: not a candidate at its km, in km order.")
            continue
        # the first pool's gap is twice its distance from km 0 (ends counted twice, as the
        # spacing check counts them)
        gap = km - before if row_number else 2 * km
        want = {"gap_before_km": gap, "ports": float(ports),
                "pool_kw": ports * port_power_kw, "capex_usd": ports * capex_usd_per_port}
        for column, value in want.items():
            if not _near(row[column], value):
                problems.append(f"{label}: {column} is {row[column]!r}; re-derived it is "
                                f"{value!r}.")
        before = km
    return problems
