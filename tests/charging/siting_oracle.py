"""Independent formulations of the siting example, written from docs/fleet-charging.md and
the siting module docstring: maximal covering and capacitated siting as scipy.optimize.milp
models over haversine distances, the capacity of K ports by bisection on a recursive
Erlang-B, and the corridor as a shortest chain of pools (ends within S/2, gaps within S)."""
# ruff: noqa: E501, E701, E702

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from evplan.charging.siting import corridor_pools, site_chargers
from evplan.errors import InfeasibleError


def hav(a, b, c, d):
    R = 6371.0
    p1, p2 = math.radians(a), math.radians(c); dp = p2 - p1; dl = math.radians(d - b)
    h = math.sin(dp/2)**2 + math.cos(p1)*math.cos(p2)*math.sin(dl/2)**2
    return 2*R*math.asin(math.sqrt(min(1, max(0, h))))

def erlang_c(c, A):
    if A <= 0: return 0.0
    if A >= c: return 1.0
    b = 1.0
    for k in range(1, c+1): b = A*b/(k+A*b)
    return c*b/(c - A*(1-b))

def amax(K, p):  # largest load K ports serve with P(wait) <= p (bisection)
    lo, hi = 0.0, float(K)
    for _ in range(200):
        mid = (lo+hi)/2
        if erlang_c(K, mid) <= p: lo = mid
        else: hi = mid
    return lo

def instance(rng):
    nz, ns = int(rng.integers(3, 9)), int(rng.integers(2, 7))
    zones = pd.DataFrame({"zone": [f"z{i}" for i in range(nz)], "lat": 13.7 + rng.uniform(-.3, .3, nz),
                          "lon": 100.5 + rng.uniform(-.3, .3, nz), "demand_weight": rng.choice([0, 1, 2, 5], nz).astype(float)})
    if zones.demand_weight.sum() == 0: zones.loc[0, "demand_weight"] = 1.0
    sites = pd.DataFrame({"site": [f"s{i}" for i in range(ns)], "lat": 13.7 + rng.uniform(-.3, .3, ns),
                          "lon": 100.5 + rng.uniform(-.3, .3, ns), "max_ports": rng.integers(4, 20, ns),
                          "cost_usd": rng.uniform(1e5, 1e6, ns).round()})
    return zones, sites

def covering(zones, sites, R, p, lam):
    d = np.array([[hav(s.lat, s.lon, z.lat, z.lon) for z in zones.itertuples()] for s in sites.itertuples()])
    ns, nz = d.shape; cov = d <= R
    c = np.concatenate([np.zeros(ns), -lam])
    A = []; lb = []; ub = []
    for j in range(nz):
        row = np.zeros(ns+nz); row[ns+j] = 1; row[:ns] = -cov[:, j].astype(float); A.append(row); lb.append(-np.inf); ub.append(0)
    row = np.zeros(ns+nz); row[:ns] = 1; A.append(row); lb.append(-np.inf); ub.append(p)
    r = milp(c, constraints=LinearConstraint(np.array(A), lb, ub), integrality=np.ones(ns+nz), bounds=Bounds(0, 1))
    return -r.fun, d

def capacitated(zones, sites, R, lam, cap, kappa):
    d = np.array([[hav(s.lat, s.lon, z.lat, z.lon) for z in zones.itertuples()] for s in sites.itertuples()])
    ns, nz = d.shape
    pairs = [(i, j) for i in range(ns) for j in range(nz) if d[i, j] <= R]
    nv = ns + len(pairs)
    c = np.concatenate([sites.cost_usd.to_numpy(float), [kappa*lam[j]*d[i, j] for i, j in pairs]])
    A = []; lb = []; ub = []
    for j in range(nz):
        row = np.zeros(nv)
        for k, (_i, jj) in enumerate(pairs):
            if jj == j: row[ns+k] = 1
        A.append(row); lb.append(1); ub.append(1)
    for i in range(ns):
        row = np.zeros(nv); row[i] = -cap[i]
        for k, (ii, j) in enumerate(pairs):
            if ii == i: row[ns+k] = lam[j]
        A.append(row); lb.append(-np.inf); ub.append(0)
    for k, (i, _j) in enumerate(pairs):
        row = np.zeros(nv); row[ns+k] = 1; row[i] = -1; A.append(row); lb.append(-np.inf); ub.append(0)
    integ = np.concatenate([np.ones(ns), np.zeros(len(pairs))])
    r = milp(c, constraints=LinearConstraint(np.array(A), lb, ub), integrality=integ, bounds=Bounds(0, 1),
             options={"mip_rel_gap": 1e-9})
    return (r.fun if r.status == 0 else None), d, pairs

def corridor_dp(kms, L, S):
    order = np.argsort(kms); k = kms[order]; n = len(k); best = [math.inf]*n
    for i in range(n):
        if k[i] <= S/2 + 1e-9: best[i] = 1
        for j in range(i):
            if k[i]-k[j] <= S + 1e-9 and best[j] + 1 < best[i]: best[i] = best[j] + 1
    ends = [best[i] for i in range(n) if k[i] >= L - S/2 - 1e-9]
    return min(ends) if ends else math.inf



def check_case(seed: int) -> tuple[dict[str, int], list[str]]:
    """Solve instance ``seed`` both ways; the counts solved and the disagreements."""
    stats = {"cover": 0, "cap": 0, "cap_inf": 0, "corr": 0, "corr_inf": 0}; bad: list[str] = []
    for seed in [seed]:  # noqa: B020
        rng = np.random.default_rng(1000+seed)
        zones, sites = instance(rng)
        R = float(rng.choice([15, 30, 60])); t = float(rng.choice([0.5, 0.6, 1.0]))
        P = float(rng.uniform(1, 25)); p = int(rng.integers(1, len(sites)+1))
        lam = P*zones.demand_weight.to_numpy()/zones.demand_weight.sum()
        # maximal covering
        res = site_chargers(zones, sites, peak_hour_arrivals=P, session_hours=t, service_radius_km=R, sites_to_open=p)
        want, d = covering(zones, sites, R, p, lam)
        got = res.location.objective
        opened = set(res.location.open_sites)
        covered = sum(lam[j] for j in range(len(zones)) if any(d[i, j] <= R for i in range(len(sites)) if sites.site[i] in opened))
        if abs(got-want) > 1e-6*max(1, want) or len(opened) > p or abs(covered - want) > 1e-6*max(1, want):
            bad.append(f"{seed} cover got {got} covered {covered} want {want}")
        # nearest open site
        for a in res.assignment.itertuples():
            j = int(a.zone[1:]); i = int(a.site[1:])
            near = min(d[k, j] for k in range(len(sites)) if sites.site[k] in opened)
            if d[i, j] > near + 1e-6: bad.append(f"{seed} not nearest {a.zone}")
        stats["cover"] += 1
        # capacitated
        cap = np.array([amax(int(K), 0.2)/t for K in sites.max_ports])
        kappa = 1000.0
        want, d, _pairs = capacitated(zones, sites, R, lam, cap, kappa)
        try:
            res = site_chargers(zones, sites, peak_hour_arrivals=P, session_hours=t, service_radius_km=R, method="capacitated")
            got = res.location.objective
            # evplan plan feasible in mine, objective recomputed
            opened = set(res.location.open_sites)
            obj = sites.cost_usd[sites.site.isin(opened)].sum()
            load = {s: 0.0 for s in sites.site}; frac = {}
            for a in res.assignment.itertuples():
                j = int(a.zone[1:]); i = int(a.site[1:])
                if a.site not in opened or d[i, j] > R + 1e-9: bad.append(f"{seed} cap assigns to closed/far")
                obj += kappa*a.peak_hour_arrivals*d[i, j]
                load[a.site] += a.peak_hour_arrivals; frac[j] = frac.get(j, 0) + a.peak_hour_arrivals
            for j in range(len(zones)):
                if abs(frac.get(j, 0) - lam[j]) > 1e-6*max(1, lam[j]): bad.append(f"{seed} cap zone {j} served {frac.get(j, 0)} of {lam[j]}")
            for i, s in enumerate(sites.site):
                if load[s] > cap[i]*(1+1e-6) + 1e-6: bad.append(f"{seed} cap site {s} over {load[s]} > {cap[i]}")
            if abs(obj - got) > 1e-6*max(1, abs(got)): bad.append(f"{seed} cap reported objective {got} recomputed {obj}")
            if want is None: bad.append(f"{seed} cap evplan solved, oracle infeasible")
            elif abs(got-want) > 1e-6*max(1, abs(want)): bad.append(f"{seed} cap objective {got} want {want}")
            sr = res.sites
            for r in sr.itertuples():
                if r.open and not r.short_of_ports and erlang_c(int(r.ports), r.peak_hour_arrivals*t) > 0.2 + 1e-12: bad.append(f"{seed} ports {r.site}")
            stats["cap"] += 1
        except InfeasibleError as e:
            if want is not None: bad.append(f"{seed} cap evplan infeasible, oracle {want}: {e}")
            stats["cap_inf"] += 1
        # corridor
        L = float(rng.uniform(50, 400)); nc = int(rng.integers(4, 20))
        corr = pd.DataFrame({"site": [f"c{i}" for i in range(nc)], "km": rng.uniform(0, L, nc).round(1)})
        want = corridor_dp(corr.km.to_numpy(), L, 60.0)
        try:
            cres = corridor_pools(corr, L)
            if len(cres.pools) != want: bad.append(f"{seed} corridor {len(cres.pools)} want {want}")
            stats["corr"] += 1
        except InfeasibleError:
            if want != math.inf: bad.append(f"{seed} corridor infeasible but dp {want}")
            stats["corr_inf"] += 1
    return stats, bad
