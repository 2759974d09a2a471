"""Charging sizes re-derived independently from docs/fleet-charging.md: energy and ratio
ports by hand, Erlang C from the recursive Erlang-B formula (no Poisson functions), the
fewest stations by trying 1, 2, ... stations, costs of ports added."""
# ruff: noqa: E501, E701, E702

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from evplan.charging import ChargingOptions, QueueTarget, plan_charging
from evplan.fleet import FleetOptions, project_fleet
from evplan.fleet.tables import default_table_path

MK = pd.read_csv(default_table_path("charging", "markets.csv")).set_index("market")
CL = pd.read_csv(default_table_path("charging", "charger_classes.csv"))
CO = pd.read_csv(default_table_path("charging", "charger_costs.csv"))

def erlang_c(c, A):
    if A <= 0: return 0.0
    if A >= c: return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = A * b / (k + A * b)
    return c * b / (c - A * (1 - b))

def wq_hours(c, A, t):
    if A <= 0: return 0.0
    if A >= c: return math.inf
    return erlang_c(c, A) / (c / t - A / t)

def ok(c, A, t, p, w):
    return (p is None or erlang_c(c, A) <= p) and (w is None or wq_hours(c, A, t) * 60 <= w)

def fewest(A, t, p, w):
    if A <= 0: return 0
    c = max(1, math.floor(A))
    while not ok(c, A, t, p, w): c += 1
    return c

def check(fleet, res, p, w, bad):
    fl = fleet["fleet"]
    for r in res["charging_energy"].itertuples():
        mrow = MK.loc[r.market] if r.market in MK.index else MK.loc["*"]
        sel = fl[(fl.market == r.market) & (fl.year == r.year)]
        nb = sel[sel.powertrain == "BEV"].vehicles_in_use.sum(); npv = sel[sel.powertrain == "PHEV"].vehicles_in_use.sum()
        E = mrow.annual_km * (nb * mrow.bev_kwh_per_km + npv * mrow.phev_kwh_per_km * mrow.phev_electric_share) / 365
        h = mrow.home_charging_share
        pub = E * (h * mrow.public_share_with_home + (1 - h) * mrow.public_share_without_home)
        for name, a, b in (("bev", r.bev_vehicles, nb), ("E", r.energy_kwh_per_day, E), ("pub", r.public_energy_kwh_per_day, pub)):
            if abs(a - b) > 1e-7 * max(1, abs(b)): bad.append(f"energy {r.market} {r.year} {name} {a} {b}")
        evs = nb + npv
        req_kw = 1.3 * nb + 0.8 * npv
        ports = res["charging_ports"]
        fast_share = CL[CL.power_kw > 22].public_energy_share.sum(); slow_share = 1 - fast_share
        allp = evs / mrow.evs_per_public_point; fastp = min(evs / mrow.evs_per_public_fast_point, allp)
        for c in CL.itertuples():
            Ek = pub * c.public_energy_share
            lam = Ek / c.session_kwh * mrow.peak_hour_share
            t = c.session_minutes / 60; A = lam * t
            want = {"afir": math.ceil(req_kw * c.public_energy_share / c.power_kw - 1e-9)}
            within = c.public_energy_share / (fast_share if c.power_kw > 22 else slow_share)
            want["benchmark"] = math.ceil((fastp if c.power_kw > 22 else allp - fastp) * within - 1e-9)
            K = c.max_ports_per_station
            n = 0
            if A > 0:
                n = 1
                while fewest(A / n, t, p, w) > K: n += 1
            want["queueing"] = n * fewest(A / n, t, p, w) if n else 0
            for method, v in want.items():
                got = ports[(ports.market == r.market) & (ports.year == r.year) & (ports.method == method) & (ports.charger_class == c.charger_class)]
                if len(got) != 1 or abs(got.ports.iloc[0] - v) > 0:
                    bad.append(f"ports {r.market} {r.year} {method} {c.charger_class}: {got.ports.tolist()} want {v} (A={A:.6g})")
                if method == "queueing" and len(got) == 1 and n and got.stations.iloc[0] != n:
                    bad.append(f"stations {r.market} {r.year} {c.charger_class}: {got.stations.iloc[0]} want {n}")
    # costs
    pt = res["charging_ports"].sort_values(["market", "method", "charger_class", "year"])
    CO.set_index("charger_class")
    for (m, meth, cls), g in pt.groupby(["market", "method", "charger_class"]):
        before = 0.0
        for r in g.itertuples():
            added = max(r.ports - before, 0); before = r.ports
            crow = CO[(CO.charger_class == cls) & (CO.market == m)]
            if not len(crow): crow = CO[(CO.charger_class == cls) & (CO.market == "*")]
            cx = added * (crow.capex_usd_per_port.iloc[0] + crow.grid_usd_per_port.iloc[0])
            if abs(r.capex_usd - cx) > 1e-6 * max(1, cx): bad.append(f"capex {m} {meth} {cls} {r.year} {r.capex_usd} {cx}")
    s = res["charging_summary"]
    tot = pt.groupby(["market", "year", "method"])[["ports", "capex_usd", "public_power_kw"]].sum()
    ss = s.set_index(["market", "year", "method"])
    for c in ["ports", "capex_usd", "public_power_kw"]:
        d = (ss[c] - tot[c]).abs().max()
        if d > 1e-6: bad.append(f"summary {c} {d}")



def check_case(seed: int) -> tuple[int, list[str]]:
    """Plan charging for random fleet ``seed``; the port rows and the disagreements."""
    rng = np.random.default_rng(100 + seed)
    markets = list(rng.choice(["CN", "EU", "US", "TH", "GB", "BR"], 2, replace=False))
    rows = [{"market": m, "year": y, "powertrain": pt, "sales_vehicles": float(rng.uniform(0, 10 ** rng.uniform(0, 5)))}
            for m in markets for pt in ("BEV", "PHEV") for y in range(2018, 2024)]
    fleet = project_fleet(history=pd.DataFrame(rows), options=FleetOptions(years_after_plan=3))
    p = [None, 0.2, 0.05, 0.5][seed % 4]; w = None if seed % 3 else float(rng.choice([1, 5, 15]))
    if p is None and w is None: p = 0.3
    res = plan_charging(fleet, options=ChargingOptions(target=QueueTarget(p, w)))
    bad: list[str] = []
    check(fleet, res, p, w, bad)
    return len(res["charging_ports"]), bad
