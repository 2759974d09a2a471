"""An outside oracle for the export LP, written from docs/formulation.md only (helper-113).

`random_case(seed)` draws a small network as plain Python tables; `write_case` writes them as
a CSV input folder; `solve_case` solves the documented model with `scipy.optimize.linprog`
from the same tables (its own flow enumeration, duty lookup, trade terms). Nothing here
imports evplan.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linprog

from tests.audit_s27.oracle_compliance_h113 import add_compliance

Table = list[dict[str, Any]]

COLUMNS: dict[str, list[str]] = {
    "plants": ["plant", "country", "capacity_vehicles_per_year", "fixed_cost_usd_per_year",
               "min_utilisation", "first_year", "last_year"],
    "programs": ["program", "powertrain", "segment", "maker", "battery_kwh"],
    "plant_programs": ["plant", "program", "variable_cost_usd_per_vehicle"],
    "markets": ["market", "country", "customs_basis"],
    "demand": ["market", "year", "product", "tier", "volume_vehicles", "price_usd_per_vehicle"],
    "routes": ["plant", "market", "freight_usd_per_vehicle", "transit_days",
               "capacity_vehicles_per_year", "first_year", "last_year", "co2_kg_per_vehicle"],
    "duties": ["origin", "market", "powertrain", "first_year", "last_year", "ad_valorem_rate",
               "specific_usd_per_vehicle", "minimum_usd_per_vehicle",
               "quota_vehicles_per_year", "in_quota_rate", "quota_group"],
    "countervailing_duties": ["origin", "market", "powertrain", "maker", "first_year",
                              "last_year", "cvd_rate"],
    "committed_sales": ["market", "year", "product", "min_vehicles"],
    "exchange_rates": ["country", "year", "local_per_usd"],
    "transfer_prices": ["origin", "market", "markup_on_full_cost"],
    "quota_shares": ["quota_group", "share_of_quota"],
    "program_emissions": ["program", "co2_g_per_km", "electricity_kwh_per_100km", "lifetime_km"],
    "grid_intensity": ["country", "grid_g_co2_per_kwh"],
    "plant_emissions": ["plant", "assembly_kwh_per_vehicle", "battery_kg_co2_per_kwh"],
    "fleet_targets": ["market", "year", "target_g_per_km", "premium_usd_per_g_km",
                      "pool_price_usd_per_g_km", "averaging_group"],
    "production_credits": ["country", "year", "requirement_share", "bev_credits_per_vehicle",
                           "phev_credits_per_vehicle", "credit_price_usd",
                           "credit_sale_price_usd"],
    "carbon_prices": ["year", "carbon_price_usd_per_t", "cap_t_co2", "include_use_phase"],
    "zev_mandates": ["market", "year", "zev_share", "bev_credits_per_vehicle",
                     "phev_credits_per_vehicle", "penalty_usd_per_vehicle", "credit_price_usd",
                     "credit_sale_price_usd", "banking", "borrow_share"],
}


def random_case(seed: int) -> dict[str, Any]:
    """Draw a small export network with every duty mechanism and trade term."""
    rng = random.Random(seed)
    years = [2025, 2026]
    countries = ["AA", "BB", "CC"]
    plants = []
    for i in range(rng.randint(1, 3)):
        first = rng.choice(["", "", 2026])
        plants.append({
            "plant": f"P{i + 1}", "country": countries[i % 3],
            "capacity_vehicles_per_year": rng.choice([300, 500, 800, 1500]),
            "fixed_cost_usd_per_year": rng.choice([0, 100000, 500000]),
            "min_utilisation": rng.choice([0, 0, 0, 0.1]),
            "first_year": first, "last_year": rng.choice(["", "", 2025]) if first == "" else "",
        })
    programs = [
        {"program": "V1", "powertrain": "BEV", "segment": "SUV", "maker": "MkA"},
        {"program": "V2", "powertrain": "PHEV", "segment": "SUV", "maker": "MkB"},
        {"program": "V3", "powertrain": "BEV", "segment": "CAR", "maker": "MkB"},
    ][: rng.randint(1, 3)]
    plant_programs = []
    for p in plants:
        for v in programs:
            if rng.random() < 0.7:
                plant_programs.append({"plant": p["plant"], "program": v["program"],
                                       "variable_cost_usd_per_vehicle":
                                       rng.choice([8000, 10000, 12000])})
    if not plant_programs:
        plant_programs.append({"plant": plants[0]["plant"], "program": programs[0]["program"],
                               "variable_cost_usd_per_vehicle": 10000})
    markets = [{"market": f"M{j + 1}", "country": ["BB", "DD", "AA"][j],
                "customs_basis": rng.choice(["CIF", "FOB"])}
               for j in range(rng.randint(1, 3))]
    demand = []
    used_products: dict[tuple[str, int], str] = {}
    for m in markets:
        for y in years:
            mode = rng.choice(["program", "segment", "powertrain"])
            names = {"program": [v["program"] for v in programs],
                     "segment": sorted({v["segment"] for v in programs}),
                     "powertrain": sorted({v["powertrain"] for v in programs})}[mode]
            for prod in names:
                if rng.random() < 0.25:
                    continue
                price = rng.choice([18000, 20000, 24000])
                for t in range(1, rng.randint(1, 3) + 1):
                    demand.append({"market": m["market"], "year": y, "product": prod, "tier": t,
                                   "volume_vehicles": rng.choice([100, 200, 400]),
                                   "price_usd_per_vehicle": price})
                    price -= rng.choice([1500, 4000, 7000])
                used_products[(m["market"], y)] = mode
    routes = []
    for p in plants:
        for m in markets:
            if rng.random() < 0.8:
                routes.append({"plant": p["plant"], "market": m["market"],
                               "freight_usd_per_vehicle": rng.choice([0, 500, 1000]),
                               "transit_days": rng.choice([0, 10, 36.5]),
                               "capacity_vehicles_per_year": rng.choice(["", "", 250]),
                               "first_year": rng.choice(["", "", 2026]), "last_year": ""})
    duties = []
    groups_used: dict[str, tuple[str, float]] = {}
    for o in countries:
        for m in markets:
            if o == m["country"]:
                continue
            for pt in ["*", "BEV"]:
                if pt == "BEV" and rng.random() < 0.5:
                    continue
                split = pt == "BEV" and rng.random() < 0.5
                spans = [(2026, 2026)] if split else [("", "")]
                for fy, ly in spans:
                    row = {"origin": o, "market": m["market"], "powertrain": pt,
                           "first_year": fy, "last_year": ly,
                           "ad_valorem_rate": rng.choice([0.0, 0.1, 0.25, 0.5]),
                           "specific_usd_per_vehicle": rng.choice([0, 0, 300]),
                           "minimum_usd_per_vehicle": rng.choice([0, 0, 1500, 3000]),
                           "quota_vehicles_per_year": "", "in_quota_rate": "",
                           "quota_group": ""}
                    if rng.random() < 0.35:
                        g = rng.choice(["", f"Q{m['market']}"])
                        qv = rng.choice([50, 150])
                        if g:
                            qv = groups_used.setdefault(g, (m["market"], qv))[1]
                        row.update(quota_vehicles_per_year=qv, quota_group=g,
                                   in_quota_rate=rng.choice([0.0, min(0.05,
                                                             row["ad_valorem_rate"])]))
                    duties.append(row)
    cvds = []
    for o in countries:
        for m in markets:
            if o == m["country"] or rng.random() < 0.5:
                continue
            for mk, pt in rng.sample([("*", "*"), ("*", "BEV"), ("MkA", "*"), ("MkB", "BEV")],
                                     2):
                cvds.append({"origin": o, "market": m["market"], "powertrain": pt, "maker": mk,
                             "first_year": "", "last_year": "",
                             "cvd_rate": rng.choice([0.05, 0.2, 0.35])})
    committed = []
    if rng.random() < 0.3 and demand:
        d = rng.choice(demand)
        committed.append({"market": d["market"], "year": d["year"], "product": d["product"],
                          "min_vehicles": 20})
    fx = []
    for c in rng.sample(["AA", "BB", "DD"], rng.randint(0, 2)):
        r0 = rng.choice([1.0, 7.0, 100.0])
        fx.append({"country": c, "year": 2025, "local_per_usd": r0})
        fx.append({"country": c, "year": 2026, "local_per_usd": r0 * rng.choice([0.8, 1.25])})
    tps = []
    if rng.random() < 0.5:
        tps.append({"origin": rng.choice(countries), "market": "*",
                    "markup_on_full_cost": rng.choice([0.0, 0.1])})
        if rng.random() < 0.5:
            tps.append({"origin": tps[0]["origin"], "market": markets[0]["market"],
                        "markup_on_full_cost": 0.3})
    shares = [{"quota_group": g, "share_of_quota": rng.choice([0.25, 0.5])}
              for g in groups_used if rng.random() < 0.5]
    scenario = {"name": f"h113-{seed}", "first_year": 2025, "last_year": 2026,
                "discount_rate": rng.choice([0.0, 0.1]),
                "transfer_price_markup": rng.choice([0.0, 0.05]),
                "inventory_carrying_rate": rng.choice([0.0, 0.1]),
                "default_duty_rate": 0.1}
    if committed and rng.random() < 0.5:
        scenario["unmet_committed_penalty_usd_per_vehicle"] = 5000
    return {"scenario": scenario, "plants": plants, "programs": programs,
            "plant_programs": plant_programs, "markets": markets, "demand": demand,
            "routes": routes, "duties": duties, "countervailing_duties": cvds,
            "committed_sales": committed, "exchange_rates": fx, "transfer_prices": tps,
            "quota_shares": shares}


def write_case(case: dict[str, Any], folder: Path) -> Path:
    """Write the case as a CSV input folder (one file per table plus scenario.yaml)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, cols in COLUMNS.items():
        rows = case.get(table, [])
        if not rows and table not in ("duties",):
            (folder / f"{table}.csv").unlink(missing_ok=True)  # no stale table of a reused folder
            continue
        with open(folder / f"{table}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols)
            w.writeheader()
            for r in rows:
                w.writerow({c: r.get(c, "") for c in cols})
    lines = [f"{k}: {v}" for k, v in case["scenario"].items()]
    (folder / "scenario.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _covers(row: dict[str, Any], y: int) -> bool:
    lo = row.get("first_year", "")
    hi = row.get("last_year", "")
    return (lo == "" or int(lo) <= y) and (hi == "" or y <= int(hi))


def _fx(case: dict[str, Any], country: str, y: int) -> float:
    """fx[c, first] / fx[c, y]: the factor turning base-year USD into year-y USD."""
    rates = {(r["country"], r["year"]): r["local_per_usd"] for r in case["exchange_rates"]}
    first = case["scenario"]["first_year"]
    if (country, first) not in rates:
        return 1.0
    return rates[(country, first)] / rates[(country, y)]


def flow_terms(case: dict[str, Any], plant: str, program: str, market: str,
               y: int) -> dict[str, Any]:
    """Per-vehicle terms of one flow, as docs/formulation.md states them."""
    p = next(r for r in case["plants"] if r["plant"] == plant)
    v = next(r for r in case["programs"] if r["program"] == program)
    m = next(r for r in case["markets"] if r["market"] == market)
    route = next(r for r in case["routes"] if r["plant"] == plant and r["market"] == market)
    pp = next(r for r in case["plant_programs"]
              if r["plant"] == plant and r["program"] == program)
    o, k = p["country"], m["country"]
    f = _fx(case, o, y)
    var = pp["variable_cost_usd_per_vehicle"] * f
    fixed_per = (p["fixed_cost_usd_per_year"] * f / p["capacity_vehicles_per_year"]
                 if p["capacity_vehicles_per_year"] else 0.0)
    tp = [r for r in case["transfer_prices"] if r["origin"] == o]
    own = [r for r in tp if r["market"] == market] or [r for r in tp if r["market"] == "*"]
    if own:
        transfer = (var + fixed_per) * (1 + own[0]["markup_on_full_cost"])
    else:
        transfer = var * (1 + case["scenario"]["transfer_price_markup"])
    freight = route["freight_usd_per_vehicle"]
    value = transfer + (freight if m["customs_basis"] == "CIF" else 0.0)
    inventory = transfer * case["scenario"]["inventory_carrying_rate"] * route["transit_days"] / 365
    duty = duty_q = 0.0
    quota = None
    if o != k:
        rows = [r for r in case["duties"] if r["origin"] == o and r["market"] == market
                and _covers(r, y)]
        row = next((r for r in rows if r["powertrain"] == v["powertrain"]), None)
        row = row or next((r for r in rows if r["powertrain"] == "*"), None)
        cvd_rows = [r for r in case["countervailing_duties"] if r["origin"] == o
                    and r["market"] == market and _covers(r, y)]
        cvd = 0.0
        for mk, pt in [(v["maker"], v["powertrain"]), (v["maker"], "*"),
                       ("*", v["powertrain"]), ("*", "*")]:
            hit = [r for r in cvd_rows if r["maker"] == mk and r["powertrain"] == pt]
            if hit:
                cvd = hit[0]["cvd_rate"]
                break
        override = case.get("_rate_override", {}).get((plant, program, market, y))
        if row is None:
            rate = case["scenario"]["default_duty_rate"] if override is None else override
            duty = rate * value + cvd * value
        else:
            rate = row["ad_valorem_rate"] if override is None else override
            duty = (max(rate * value, row["minimum_usd_per_vehicle"])
                    + cvd * value + row["specific_usd_per_vehicle"])
            if row["quota_vehicles_per_year"] != "":
                duty_q = (row["in_quota_rate"] * value + cvd * value
                          + row["specific_usd_per_vehicle"])
                name = row["quota_group"] or f"row{case['duties'].index(row)}"
                share = next((s["share_of_quota"] for s in case["quota_shares"]
                              if s["quota_group"] == row["quota_group"]), 1.0)
                quota = (name, row["quota_vehicles_per_year"] * share)
    return {"var": var, "freight": freight, "inventory": inventory, "duty": duty,
            "duty_quota": duty_q, "quota": quota, "value": value, "transfer": transfer}


def _open(row: dict[str, Any], y: int) -> bool:
    return _covers(row, y)


def _programs_of(case: dict[str, Any], product: str) -> list[str]:
    return [v["program"] for v in case["programs"]
            if product in (v["program"], v["segment"], v["powertrain"])]


def solve_case(case: dict[str, Any], probe: tuple[str, str, str, int] | None = None
               ) -> dict[str, Any]:
    """Solve the documented LP; return status, objective and the flows' terms.

    With `probe` (plant, program, market, year), also the largest volume that flow takes
    in an optimal plan (`probe_max`).
    """
    sc = case["scenario"]
    years = list(range(sc["first_year"], sc["last_year"] + 1))
    disc = {y: (1 + sc["discount_rate"]) ** -(y - sc["first_year"]) for y in years}
    tiers = {(d["market"], d["year"]): [] for d in case["demand"]}
    for i, d in enumerate(case["demand"]):
        tiers[(d["market"], d["year"])].append(i)
    flows = []
    for pp in case["plant_programs"]:
        p = next(r for r in case["plants"] if r["plant"] == pp["plant"])
        for route in case["routes"]:
            if route["plant"] != pp["plant"]:
                continue
            for y in years:
                if not (_open(p, y) and _open(route, y)):
                    continue
                sold = any(pp["program"] in _programs_of(case, case["demand"][i]["product"])
                           for i in tiers.get((route["market"], y), []))
                if sold:
                    flows.append((pp["plant"], pp["program"], route["market"], y))
    sales = [(i, v) for i, d in enumerate(case["demand"]) for v in _programs_of(case, d["product"])]
    terms = [flow_terms(case, *f) for f in flows]
    qflows = [j for j, t in enumerate(terms) if t["quota"] is not None]
    commits = case["committed_sales"]
    pen = sc.get("unmet_committed_penalty_usd_per_vehicle")
    nx, ns, nz = len(flows), len(sales), len(qflows)
    nu = len(commits) if pen is not None else 0
    n = nx + ns + nz + nu
    c = np.zeros(n)
    for j, (_plant, _program, _market, y) in enumerate(flows):
        t = terms[j]
        c[j] = disc[y] * (t["var"] + t["freight"] + t["inventory"] + t["duty"])
    for s, (i, _program) in enumerate(sales):
        d = case["demand"][i]
        mc = next(m["country"] for m in case["markets"] if m["market"] == d["market"])
        c[nx + s] = -disc[d["year"]] * d["price_usd_per_vehicle"] * _fx(case, mc, d["year"])
    for q, j in enumerate(qflows):
        c[nx + ns + q] = -disc[flows[j][3]] * (terms[j]["duty"] - terms[j]["duty_quota"])
    for u in range(nu):
        c[nx + ns + nz + u] = disc[commits[u]["year"]] * pen
    a_ub, b_ub, a_eq, b_eq = [], [], [], []

    def row() -> np.ndarray:
        return np.zeros(n)

    for p in case["plants"]:
        for y in years:
            if not _open(p, y):
                continue
            idx = [j for j, f in enumerate(flows) if f[0] == p["plant"] and f[3] == y]
            r = row()
            r[idx] = 1
            a_ub.append(r)
            b_ub.append(p["capacity_vehicles_per_year"])
            if p["min_utilisation"] > 0:
                a_ub.append(-r)
                b_ub.append(-p["min_utilisation"] * p["capacity_vehicles_per_year"])
    for route in case["routes"]:
        if route["capacity_vehicles_per_year"] == "":
            continue
        for y in years:
            idx = [j for j, f in enumerate(flows)
                   if f[0] == route["plant"] and f[2] == route["market"] and f[3] == y]
            r = row()
            r[idx] = 1
            a_ub.append(r)
            b_ub.append(route["capacity_vehicles_per_year"])
    keys = {(v["program"], m["market"], y) for v in case["programs"]
            for m in case["markets"] for y in years}
    for v, mk, y in sorted(keys):
        r = row()
        for j, f in enumerate(flows):
            if (f[1], f[2], f[3]) == (v, mk, y):
                r[j] = 1
        for s, (i, vv) in enumerate(sales):
            d = case["demand"][i]
            if (vv, d["market"], d["year"]) == (v, mk, y):
                r[nx + s] = -1
        if r.any():
            a_eq.append(r)
            b_eq.append(0.0)
    for i, d in enumerate(case["demand"]):
        r = row()
        for s, (ii, _) in enumerate(sales):
            if ii == i:
                r[nx + s] = 1
        a_ub.append(r)
        b_ub.append(d["volume_vehicles"])
    groups: dict[tuple[str, int], list[int]] = {}
    caps: dict[tuple[str, int], float] = {}
    for q, j in enumerate(qflows):
        r = row()
        r[nx + ns + q] = 1
        r[j] = -1
        a_ub.append(r)
        b_ub.append(0.0)
        name, vol = terms[j]["quota"]
        groups.setdefault((name, flows[j][3]), []).append(q)
        caps[(name, flows[j][3])] = vol
    for key, qs in groups.items():
        r = row()
        r[[nx + ns + q for q in qs]] = 1
        a_ub.append(r)
        b_ub.append(caps[key])
    for u, cm in enumerate(commits):
        r = row()
        progs = _programs_of(case, cm["product"])
        for s, (i, v) in enumerate(sales):
            d = case["demand"][i]
            if d["market"] == cm["market"] and d["year"] == cm["year"] and v in progs:
                r[nx + s] = -1
        if pen is not None:
            r[nx + ns + nz + u] = -1
        a_ub.append(r)
        b_ub.append(-cm["min_vehicles"])
    fixed = sum(disc[y] * p["fixed_cost_usd_per_year"] * _fx(case, p["country"], y)
                for p in case["plants"] for y in years if _open(p, y))
    c, a_ub, b_ub, a_eq = add_compliance(case, flows, disc, c, a_ub, b_ub, a_eq)
    n = len(c)
    res = linprog(c, A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub or None,
                  A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                  bounds=(0, None), method="highs")
    if res.status == 2:
        return {"status": "infeasible"}
    assert res.status == 0, res.message
    if probe is not None and probe in flows:
        # the largest volume of flow `probe` over the optimal face
        j = flows.index(probe)
        face_ub = [*a_ub, c]
        face_b = [*b_ub, res.fun + 1e-9 * max(1.0, abs(res.fun))]
        obj = np.zeros(n)
        obj[j] = -1.0
        far = linprog(obj, A_ub=np.array(face_ub), b_ub=face_b,
                      A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                      bounds=(0, None), method="highs")
        assert far.status == 0, far.message
        return {"status": "optimal", "objective_usd": -res.fun - fixed, "probe_max": -far.fun}
    return {"status": "optimal", "objective_usd": -res.fun - fixed, "flows": flows,
            "terms": terms, "x": res.x[:nx], "fixed_usd": fixed}


def random_compliance_case(seed: int) -> dict[str, Any]:
    """`random_case` plus ICE/HEV programs, fleet targets, production credits, carbon prices."""
    case = random_case(seed)
    rng = random.Random(seed + 500)
    case["programs"] += [{"program": "V4", "powertrain": "ICE", "segment": "SUV", "maker": "MkA"},
                         {"program": "V5", "powertrain": "HEV", "segment": "CAR", "maker": "MkB"}]
    for v in case["programs"]:
        v["battery_kwh"] = {"BEV": 60.0, "PHEV": 20.0, "HEV": 1.5, "ICE": 0.0}[v["powertrain"]]
    for p in case["plants"]:
        for prog in ("V4", "V5"):
            if rng.random() < 0.8:
                case["plant_programs"].append({"plant": p["plant"], "program": prog,
                                               "variable_cost_usd_per_vehicle":
                                               rng.choice([6000, 7000, 9000])})
    for m in case["markets"]:
        for y in (2025, 2026):
            for prod, price in (("V4", 17000), ("V5", 19000)):
                if rng.random() < 0.7:
                    case["demand"].append({"market": m["market"], "year": y, "product": prod,
                                           "tier": 1, "volume_vehicles": rng.choice([100, 300]),
                                           "price_usd_per_vehicle": price})
    # a program must belong to one product per market-year: drop segment/powertrain tiers
    # that would also name V4/V5
    bad = {"SUV", "CAR", "ICE", "HEV"}
    case["demand"] = [d for d in case["demand"] if d["product"] not in bad]
    case["committed_sales"] = [cm for cm in case["committed_sales"] if cm["product"] not in bad]
    for r in case["routes"]:
        r["co2_kg_per_vehicle"] = rng.choice([0.0, 150.0, 900.0])
    case["program_emissions"] = [
        {"program": v["program"], "co2_g_per_km": {"BEV": 0.0, "PHEV": 40.0, "HEV": 100.0,
                                                   "ICE": 150.0}[v["powertrain"]],
         "electricity_kwh_per_100km": {"BEV": 17.0, "PHEV": 6.0}.get(v["powertrain"], 0.0),
         "lifetime_km": 150000.0}
        for v in case["programs"] if v["powertrain"] != "BEV" or rng.random() < 0.5]
    case["grid_intensity"] = [{"country": c, "grid_g_co2_per_kwh": rng.choice([100.0, 600.0])}
                              for c in ("AA", "BB", "CC", "DD")]
    case["plant_emissions"] = [{"plant": p["plant"], "assembly_kwh_per_vehicle": 700.0,
                                "battery_kg_co2_per_kwh": rng.choice([60.0, 100.0])}
                               for p in case["plants"] if rng.random() < 0.7]
    case["fleet_targets"] = []
    for m in case["markets"]:
        if rng.random() < 0.6:
            group = rng.choice(["", f"G{m['market']}"])
            prem = rng.choice([50.0, 100.0])
            pool = rng.choice(["", 30.0])
            for y in (2025, 2026):
                case["fleet_targets"].append({
                    "market": m["market"], "year": y,
                    "target_g_per_km": rng.choice([60.0, 95.0, 120.0]),
                    "premium_usd_per_g_km": prem, "pool_price_usd_per_g_km": pool,
                    "averaging_group": group})
    case["production_credits"] = []
    if rng.random() < 0.6:
        for y in (2025, 2026):
            price = rng.choice([100.0, 2000.0])
            case["production_credits"].append({
                "country": rng.choice(["AA", "BB"]) if y == 2025 else
                case["production_credits"][0]["country"],
                "year": y, "requirement_share": rng.choice([0.2, 0.5]),
                "bev_credits_per_vehicle": 2.0, "phev_credits_per_vehicle": 1.0,
                "credit_price_usd": price,
                "credit_sale_price_usd": rng.choice(["", price / 2])})
    case["zev_mandates"] = []
    for m in case["markets"]:
        if rng.random() < 0.6:
            price = rng.choice([500.0, 3000.0])
            for y in (2025, 2026):
                case["zev_mandates"].append({
                    "market": m["market"], "year": y, "zev_share": rng.choice([0.2, 0.6]),
                    "bev_credits_per_vehicle": 1.0, "phev_credits_per_vehicle":
                    rng.choice([0.0, 0.5]), "penalty_usd_per_vehicle": 5000.0,
                    "credit_price_usd": rng.choice(["", price]),
                    "credit_sale_price_usd": rng.choice(["", price / 2]),
                    "banking": rng.choice(["yes", "no"]),
                    "borrow_share": rng.choice([0.0, 0.3])})
    case["carbon_prices"] = [{"year": y, "carbon_price_usd_per_t": rng.choice([0.0, 80.0]),
                              "cap_t_co2": rng.choice(["", "", 400.0]),
                              "include_use_phase": rng.choice(["yes", "no"])}
                             for y in (2025, 2026) if rng.random() < 0.7]
    return case
