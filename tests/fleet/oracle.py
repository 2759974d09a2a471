"""An independent fleet model written from docs/fleet-charging.md: plain loops over vintages.

Survival: Weibull exp(-(t/a)^b) (a = mean / Gamma(1 + 1/b) when only the mean is given) or a
logistic renormalised to 1 at age 0, 0 beyond the maximum age; mid-year ages; packs leave
with P = S x B (B logistic, mean (1 - SOH) / fade); second life for packs up to the age
limit, at the chemistry's share; only vehicles sold with a pack count as packs.
"""
# ruff: noqa: E501, E701, E702, E731

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import gamma

from evplan.fleet.tables import default_table_path

SURV = pd.read_csv(default_table_path("fleet", "survival.csv")).set_index("market")
BAT = pd.read_csv(default_table_path("fleet", "battery.csv")).set_index("chemistry")
PT_KWH = {"BEV": 60.0, "PHEV": 20.0, "HEV": 1.5, "ICE": 0.0}

def S_curve(row, t):
    if t < 0: return 1.0
    if row["curve"] == "weibull":
        a = row["scale_years"] if not pd.isna(row["scale_years"]) else row["mean_years"] / gamma(1 + 1 / row["shape"])
        v = math.exp(-(t / a) ** row["shape"])
    else:
        s = row["sd_years"] * math.sqrt(3) / math.pi
        F = lambda x: 1 / (1 + math.exp(-(x - row["mean_years"]) / s))
        v = (1 - F(t)) / (1 - F(0))
    if not pd.isna(row.get("max_age_years", np.nan)) and t > row["max_age_years"]:
        v = 0.0
    return v

def S_market(m, t):
    return S_curve(SURV.loc[m] if m in SURV.index else SURV.loc["*"], t)

def B(chem, t):
    b = BAT.loc[chem]
    life = (1 - b["retirement_state_of_health"]) / b["capacity_fade_per_year"]
    return S_curve({"curve": "logistic", "mean_years": life, "sd_years": b["life_sd_years"],
                    "max_age_years": np.nan}, t)

def chem_of(origin, pt):
    if pt in ("BEV", "PHEV") and origin == "CN": return "LFP"
    return "NMC622"

def oracle(hist, after, extra):
    h = hist.copy()
    h["battery_kwh"] = h["battery_kwh"].fillna(h["powertrain"].map(PT_KWH))
    h["chemistry"] = [c if isinstance(c, str) and c else chem_of(o, p)
                      for c, o, p in zip(h["chemistry"], h["origin"], h["powertrain"], strict=True)]
    plan_last = int(h.year.max())
    last = plan_last + extra
    rows = []
    for r in h.itertuples():
        rows.append((r.market, r.powertrain, r.chemistry, int(r.year), r.sales_vehicles, r.battery_kwh))
    # extend: per group (market, pt, chem), last-year level held
    groups = {}
    for m, p, c, y, q, k in rows:
        groups.setdefault((m, p, c), []).append((y, q, k))
    sales = []
    for g, lst in groups.items():
        for y, q, k in lst:
            sales.append((*g, y, q, q * k))
        if after == "flat":
            tot_q = sum(q for y, q, k in lst if y == plan_last)
            tot_k = sum(q * k for y, q, k in lst if y == plan_last)
            for y in range(plan_last + 1, last + 1):
                sales.append((*g, y, tot_q, tot_k))
    fleet, packs, eol, inuse = {}, {}, {}, {}
    for m, p, c, v, q, kwh in sales:
        b = BAT.loc[c]
        has_pack = kwh > 0
        for y in range(v, last + 1):
            age = y - v
            n = q * S_market(m, age + .5)
            ret = q * (S_market(m, age - .5) - S_market(m, age + .5))
            f = fleet.setdefault((m, p, y), [0, 0, 0])
            f[1] += n; f[2] += ret
            if age == 0: f[0] += q
            P0 = S_market(m, age - .5) * B(c, age - .5)
            P1 = S_market(m, age + .5) * B(c, age + .5)
            pk = (q if has_pack else 0) * (P0 - P1); kw = kwh * (P0 - P1)
            t = packs.setdefault((m, y, c), [0, 0, 0])
            t[0] += pk; t[1] += kw; t[2] += kw * b["pack_kg_per_kwh"] / 1000
            share = b["second_life_share"] if age <= b["second_life_max_age_years"] else 0.0
            for route, part in (("second_life", share), ("recycling", 1 - share)):
                e = eol.setdefault((m, y, c, route), [0, 0, 0])
                e[0] += pk * part; e[1] += kw * part; e[2] += kw * part * b["pack_kg_per_kwh"] / 1000
            u = inuse.setdefault((m, y, c), [0, 0])
            u[0] += (q if has_pack else 0) * P1; u[1] += kwh * P1
    return fleet, packs, eol, inuse

def compare(res, orc, tol=1e-7):
    fleet, packs, eol, inuse = orc
    bad = []
    def cmp(name, table, keys, cols, want):
        got = {tuple(r[k] for k in keys): [r[c] for c in cols] for r in table.to_dict("records")}
        for key in set(got) | set(want):
            g = got.get(key, [0.0] * len(cols)); w = want.get(key, [0.0] * len(cols))
            for c, a, b in zip(cols, g, w, strict=True):
                if abs(a - b) > tol * max(1, abs(b)) + 1e-6:
                    bad.append(f"{name} {key} {c}: evplan {a} oracle {b}")
    cmp("fleet", res["fleet"], ["market", "powertrain", "year"], ["sales_vehicles", "vehicles_in_use", "retired_vehicles"], fleet)
    cmp("packs_retired", res["packs_retired"], ["market", "year", "chemistry"], ["packs", "kwh", "tonnes"], packs)
    cmp("pack_eol", res["pack_end_of_life"], ["market", "year", "chemistry", "route"], ["packs", "kwh", "tonnes"], eol)
    cmp("packs_in_use", res["packs_in_use"], ["market", "year", "chemistry"], ["packs", "kwh"], inuse)
    # vintage table sums to fleet
    bv = res["fleet_by_vintage"].groupby(["market", "powertrain", "year"])[["vehicles_in_use", "retired_vehicles"]].sum()
    fl = res["fleet"].set_index(["market", "powertrain", "year"])[["vehicles_in_use", "retired_vehicles"]]
    d = (bv.reindex(fl.index, fill_value=0) - fl).abs().max().max()
    if d > 1e-6: bad.append(f"by_vintage vs fleet {d}")
    return bad

def random_history(rng):
    markets = list(rng.choice(["CN", "EU", "US", "TH", "DE", "FI", "BR"], rng.integers(1, 4), replace=False))
    rows = []
    for m in markets:
        for pt in rng.choice(["BEV", "PHEV", "HEV", "ICE"], rng.integers(1, 4), replace=False):
            y0 = int(rng.integers(2000, 2015)); y1 = y0 + int(rng.integers(0, 12))
            for y in range(y0, y1 + 1):
                for _ in range(int(rng.integers(1, 3))):
                    origin = str(rng.choice(["", "CN", "JP"]))
                    rows.append({"market": m, "year": y, "powertrain": pt,
                                 "sales_vehicles": float(rng.choice([0, rng.uniform(0, 5e4)])),
                                 "origin": origin,
                                 "battery_kwh": float(rng.choice([np.nan, rng.uniform(10, 100)])) if pt != "ICE" else np.nan,
                                 "chemistry": str(rng.choice(["", "", "NMC811", "LFP"]))})
    return pd.DataFrame(rows)

