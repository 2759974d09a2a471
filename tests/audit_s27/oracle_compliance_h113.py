"""The CO2 and zero-emission rules of docs/formulation.md for helper-113's outside oracle.

Fleet CO2 targets (averaging groups, premium, pooling), ZEV mandates (banking, borrowing,
purchase, sale, penalty), production credits (purchase, sale) and carbon prices and caps
(production, shipping and use phase), added as rows and columns to the LP of `oracle_h113`.
Nothing here imports evplan.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _co2_t(case: dict[str, Any], flow: tuple[str, str, str, int], use: bool) -> float:
    """Tonnes of CO2 per vehicle of a flow (production + shipping [+ use])."""
    plant, program, market, _ = flow
    p = next(r for r in case["plants"] if r["plant"] == plant)
    v = next(r for r in case["programs"] if r["program"] == program)
    grid = {r["country"]: r["grid_g_co2_per_kwh"] for r in case.get("grid_intensity", [])}
    pe = next((r for r in case.get("plant_emissions", []) if r["plant"] == plant), None)
    tonnes = 0.0
    if pe is not None:
        tonnes += grid[p["country"]] * pe["assembly_kwh_per_vehicle"] / 1e6
        tonnes += v.get("battery_kwh", 0.0) * pe["battery_kg_co2_per_kwh"] / 1e3
    route = next(r for r in case["routes"] if r["plant"] == plant and r["market"] == market)
    tonnes += route.get("co2_kg_per_vehicle", 0.0) / 1e3
    if use:
        em = next((r for r in case.get("program_emissions", []) if r["program"] == program),
                  None)
        if em is not None:
            mc = next(m["country"] for m in case["markets"] if m["market"] == market)
            tonnes += em["lifetime_km"] * (em["co2_g_per_km"] + em["electricity_kwh_per_100km"]
                                           / 100 * grid.get(mc, 0.0)) / 1e6
    return tonnes


def add_compliance(case: dict[str, Any], flows: list[tuple[str, str, str, int]],
                    disc: dict[int, float], c: np.ndarray, a_ub: list, b_ub: list,
                    a_eq: list) -> tuple[np.ndarray, list, list, list]:
    """Fleet targets, production credits and carbon price/cap (docs/formulation.md)."""
    cols: list[float] = []
    rows: list[tuple[dict[int, float], dict[int, float], float]] = []  # (x coefs, new coefs, rhs)
    progs = {v["program"]: v for v in case["programs"]}
    emis = {r["program"]: r["co2_g_per_km"] for r in case.get("program_emissions", [])}
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for t in case.get("fleet_targets", []):
        key = (t["market"], t["averaging_group"] or f"year{t['year']}")
        groups.setdefault(key, []).append(t)
    for (market, _), ts in groups.items():
        target = {t["year"]: t["target_g_per_km"] for t in ts}
        last = max(target)
        coefs = {j: emis.get(f[1], 0.0) - target[f[3]] for j, f in enumerate(flows)
                 if f[2] == market and f[3] in target}
        new = {len(cols): -1.0}
        cols.append(disc[last] * ts[0]["premium_usd_per_g_km"])
        if ts[0]["pool_price_usd_per_g_km"] != "":
            new[len(cols)] = -1.0
            cols.append(disc[last] * ts[0]["pool_price_usd_per_g_km"])
        rows.append((coefs, new, 0.0))
    countries = {p["plant"]: p["country"] for p in case["plants"]}
    for pc in case.get("production_credits", []):
        coefs = {}
        for j, f in enumerate(flows):
            if countries[f[0]] != pc["country"] or f[3] != pc["year"]:
                continue
            pt = progs[f[1]]["powertrain"]
            earn = {"BEV": pc["bev_credits_per_vehicle"],
                    "PHEV": pc["phev_credits_per_vehicle"]}.get(pt, 0.0)
            need = pc["requirement_share"] if pt in ("ICE", "HEV") else 0.0
            coefs[j] = -(earn - need)
        new = {len(cols): -1.0}
        cols.append(disc[pc["year"]] * pc["credit_price_usd"])
        if pc["credit_sale_price_usd"] != "":
            new[len(cols)] = 1.0
            cols.append(-disc[pc["year"]] * pc["credit_sale_price_usd"])
        rows.append((coefs, new, 0.0))
    by_market: dict[str, list[dict[str, Any]]] = {}
    for z in case.get("zev_mandates", []):
        by_market.setdefault(z["market"], []).append(z)
    for market, zs in by_market.items():
        zs = sorted(zs, key=lambda z: z["year"])
        prev: tuple[int | None, int | None] = (None, None)  # (bank, debt) columns of last year
        for at, z in enumerate(zs):
            y = z["year"]
            credit = {"BEV": z["bev_credits_per_vehicle"], "PHEV": z["phev_credits_per_vehicle"]}
            mine = [j for j, f in enumerate(flows) if f[2] == market and f[3] == y]
            coefs = {j: -(credit.get(progs[flows[j][1]]["powertrain"], 0.0) - z["zev_share"])
                     for j in mine}
            new: dict[int, float] = {}
            if prev[0] is not None:
                new[prev[0]] = -1.0  # last year's bank enters
            if prev[1] is not None:
                new[prev[1]] = 1.0  # last year's debt is repaid
            bank = debt = None
            if z["banking"] == "yes":
                bank = len(cols)
                new[bank] = 1.0
                cols.append(0.0)
            if z["borrow_share"] and at < len(zs) - 1:
                debt = len(cols)
                new[debt] = -1.0
                cols.append(0.0)
                rows.append(({j: -z["borrow_share"] * z["zev_share"] for j in mine},
                             {debt: 1.0}, 0.0))
            if z["credit_price_usd"] != "":
                new[len(cols)] = -1.0
                cols.append(disc[y] * z["credit_price_usd"])
            if z["credit_sale_price_usd"] != "":
                new[len(cols)] = 1.0
                cols.append(-disc[y] * z["credit_sale_price_usd"])
            new[len(cols)] = -1.0
            cols.append(disc[y] * z["penalty_usd_per_vehicle"])
            rows.append((coefs, new, 0.0))
            prev = (bank, debt)
    c = c.copy()
    for cp in case.get("carbon_prices", []):
        use = cp.get("include_use_phase", "no") == "yes"
        tau = {j: _co2_t(case, f, use) for j, f in enumerate(flows) if f[3] == cp["year"]}
        for j, t in tau.items():
            c[j] += disc[cp["year"]] * cp["carbon_price_usd_per_t"] * t
        if cp.get("cap_t_co2", "") != "":
            rows.append((tau, {}, cp["cap_t_co2"]))
    n0 = len(c)
    extra = len(cols)
    c = np.concatenate([c, np.array(cols)])
    a_ub = [np.concatenate([r, np.zeros(extra)]) for r in a_ub]
    a_eq = [np.concatenate([r, np.zeros(extra)]) for r in a_eq]
    for coefs, new, rhs in rows:
        r = np.zeros(n0 + extra)
        for j, v in coefs.items():
            r[j] = v
        for k, v in new.items():
            r[n0 + k] = v
        a_ub.append(r)
        b_ub.append(rhs)
    return c, a_ub, b_ub, a_eq
