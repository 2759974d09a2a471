"""An independent export LP written from docs/formulation.md alone (dense scipy linprog).

Not derived from evplan's model code or the other oracles: its own loops, its own duty,
countervailing-duty, transfer-price, exchange-rate and quota lookups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _covers(row: pd.Series, year: int) -> bool:
    first = row.get("first_year")
    last = row.get("last_year")
    return (_blank(first) or int(first) <= year) and (_blank(last) or year <= int(last))


@dataclass
class Solution:
    status: str
    objective: float
    flows: list
    x: np.ndarray | None


def solve(data, plant_state: dict | None = None, blocked: set | None = None) -> Solution:
    """Solve the export LP; ``plant_state[(p, y)]`` = (capacity, fixed cost) or None (closed).

    A flat transcription of docs/formulation.md; the plant states let a brute force over
    strategic decisions reuse it.
    """
    plant_state = plant_state or {}
    blocked = blocked or set()  # (program or '*', market, year) that may not sell
    t = data.tables
    sc = data.scenario
    first, last = int(sc.first_year), int(sc.last_year)
    years = list(range(first, last + 1))
    rate = float(sc.discount_rate or 0.0)
    delta = {y: (1 + rate) ** -(y - first) for y in years}
    h = float(getattr(sc, "inventory_carrying_rate", 0.0) or 0.0)
    tpm = float(sc.transfer_price_markup or 0.0)
    default_rate = getattr(sc, "default_duty_rate", None)
    penalty = sc.unmet_committed_penalty_usd_per_vehicle
    plants = t["plants"].set_index("plant")
    programs = t["programs"].set_index("program")
    markets = t["markets"].set_index("market")
    duties = t["duties"]
    cvds = t.get("countervailing_duties")
    fx_table = t.get("exchange_rates")
    tp_table = t.get("transfer_prices")
    shares_table = t.get("quota_shares")

    def fx(country: str, year: int) -> float:
        if fx_table is None or len(fx_table) == 0:
            return 1.0
        rows = fx_table[fx_table["country"] == country]
        if len(rows) == 0:
            return 1.0
        base = float(rows[rows["year"] == first]["local_per_usd"].iloc[0])
        now = float(rows[rows["year"] == year]["local_per_usd"].iloc[0])
        return base / now

    def markup_row(origin: str, market: str) -> float | None:
        if tp_table is None or len(tp_table) == 0:
            return None
        own = tp_table[(tp_table["origin"] == origin) & (tp_table["market"] == market)]
        if len(own):
            return float(own["markup_on_full_cost"].iloc[0])
        star = tp_table[(tp_table["origin"] == origin) & (tp_table["market"] == "*")]
        if len(star):
            return float(star["markup_on_full_cost"].iloc[0])
        return None

    def duty_row(origin, market, powertrain, year):
        rows = duties[(duties["origin"] == origin) & (duties["market"] == market)]
        for pt in (powertrain, "*"):
            for index, row in rows[rows["powertrain"] == pt].iterrows():
                if _covers(row, year):
                    return index, row
        return None, None

    def cvd_rate(origin, market, powertrain, maker, year):
        if cvds is None or len(cvds) == 0:
            return 0.0
        rows = cvds[(cvds["origin"] == origin) & (cvds["market"] == market)]
        for mk, pt in ((maker, powertrain), (maker, "*"), ("*", powertrain), ("*", "*")):
            for _, row in rows[(rows["maker"] == mk) & (rows["powertrain"] == pt)].iterrows():
                if _covers(row, year):
                    return float(row["cvd_rate"])
        return 0.0

    def plant_open(plant, year):
        if (plant, year) in plant_state:
            return plant_state[(plant, year)] is not None
        return _covers(plants.loc[plant], year)

    def plant_cap(plant, year):
        if (plant, year) in plant_state:
            return plant_state[(plant, year)][0]
        return float(plants.loc[plant, "capacity_vehicles_per_year"])

    def plant_fixed(plant, year):
        if (plant, year) in plant_state:
            return plant_state[(plant, year)][1]
        return float(plants.loc[plant, "fixed_cost_usd_per_year"])

    def product_programs(product, market, year):
        out = []
        for v, prog in programs.iterrows():
            if product in (v, prog["segment"], prog["powertrain"]):
                out.append(v)
        return out

    demand = t["demand"].reset_index(drop=True)
    # sales: demand row x programs its product names
    sales = []  # (demand index, program, market, year, price)
    for i, row in demand.iterrows():
        k, y = row["market"], int(row["year"])
        price = float(row["price_usd_per_vehicle"]) * fx(markets.loc[k, "country"], y)
        for v in product_programs(row["product"], k, y):
            if ("*", k, y) in blocked or (v, k, y) in blocked:
                continue
            sales.append((i, v, k, y, price))
    sold_keys = {(v, k, y) for (_, v, k, y, _) in sales}

    flows = []  # dicts
    routes = t["routes"].reset_index(drop=True)
    for r, route in routes.iterrows():
        p, k = route["plant"], route["market"]
        pc = plants.loc[p, "country"]
        kc = markets.loc[k, "country"]
        for _, pp in t["plant_programs"][t["plant_programs"]["plant"] == p].iterrows():
            v = pp["program"]
            for y in years:
                if not (plant_open(p, y) and _covers(route, y)):
                    continue
                if (v, k, y) not in sold_keys or ("flow", p, v, y) in blocked:
                    continue
                f = fx(pc, y)
                vc = float(pp["variable_cost_usd_per_vehicle"]) * f
                fixed = float(plants.loc[p, "fixed_cost_usd_per_year"]) * f
                cap = float(plants.loc[p, "capacity_vehicles_per_year"])
                mk = markup_row(pc, k)
                if mk is None:
                    transfer = vc * (1 + tpm)
                else:
                    transfer = (vc + (fixed / cap if cap > 0 else 0.0)) * (1 + mk)
                freight = float(route["freight_usd_per_vehicle"])
                value = transfer + (freight if markets.loc[k, "customs_basis"] == "CIF" else 0)
                inventory = transfer * h * float(route["transit_days"] or 0) / 365
                duty, duty_q, qkey = 0.0, 0.0, None
                if pc != kc:
                    pt = programs.loc[v, "powertrain"]
                    cvd = cvd_rate(pc, k, pt, programs.loc[v, "maker"], y)
                    index, drow = duty_row(pc, k, pt, y)
                    if drow is None:
                        if default_rate is None or _blank(default_rate):
                            raise ValueError("no duty row")
                        duty = float(default_rate) * value + cvd * value
                    else:
                        av = float(drow["ad_valorem_rate"])
                        mn = float(drow["minimum_usd_per_vehicle"] or 0)
                        sp = float(drow["specific_usd_per_vehicle"] or 0)
                        duty = max(av * value, mn) + cvd * value + sp
                        if not _blank(drow.get("quota_vehicles_per_year")):
                            iq = float(drow["in_quota_rate"])
                            duty_q = iq * value + cvd * value + sp
                            group = drow.get("quota_group")
                            qname = ("row", index) if _blank(group) else ("group", group)
                            vol = float(drow["quota_vehicles_per_year"])
                            if not _blank(group) and shares_table is not None and len(
                                    shares_table):
                                srow = shares_table[shares_table["quota_group"] == group]
                                if len(srow):
                                    vol *= float(srow["share_of_quota"].iloc[0])
                            qkey = (qname, y, vol)
                flows.append(dict(route=r, plant=p, program=v, market=k, year=y,
                                  cost=vc + freight + duty + inventory, duty=duty,
                                  duty_q=duty_q, qkey=qkey, vc=vc, freight=freight,
                                  inventory=inventory))
    commitments = t.get("committed_sales")
    commitments = [] if commitments is None else list(commitments.reset_index(drop=True)
                                                      .iterrows())
    kits = _kits(t, sc, years, delta, fx, markup_row, cvd_rate, plant_open, plants, programs,
                 markets, sold_keys, h, tpm, first)
    nx, ns = len(flows), len(sales)
    quota_flows = [i for i, f in enumerate(flows) if f["qkey"] is not None]
    nz = len(quota_flows)
    nu = len(commitments) if penalty is not None and not _blank(penalty) else 0
    sites = t.get("assembly_sites")
    sites = [] if sites is None else list(sites.reset_index(drop=True).iterrows())
    site_years = [(site["site"], y) for _, site in sites for y in years]
    pref = [i for i, kit in enumerate(kits) if kit["duty_p"] is not None]
    groups_rvc = sorted({(kits[i]["site"], kits[i]["program"], kits[i]["year"]) for i in pref})
    base = nx + ns + nz + nu
    nk, npf, nsy, ng = len(kits), len(pref), len(site_years), len(groups_rvc)
    col_k, col_p = base, base + nk
    col_u, col_b = base + nk + npf, base + nk + npf + nsy
    comp_cols = _compliance_columns(t, years)
    col_c = base + nk + npf + nsy + ng
    n = col_c + len(comp_cols)
    c = np.zeros(n)
    for i, kit in enumerate(kits):
        c[col_k + i] = delta[kit["year"]] * kit["cost"]
    for j, i in enumerate(pref):
        c[col_p + j] = -delta[kits[i]["year"]] * (kits[i]["duty"] - kits[i]["duty_p"])
    for i, f in enumerate(flows):
        c[i] = delta[f["year"]] * f["cost"]
    for j, (_, _v, _k, y, price) in enumerate(sales):
        c[nx + j] = -delta[y] * price
    for j, i in enumerate(quota_flows):
        f = flows[i]
        c[nx + ns + j] = -delta[f["year"]] * (f["duty"] - f["duty_q"])
    for j, (_, crow) in enumerate(commitments[:nu]):
        c[nx + ns + nz + j] = delta[int(crow["year"])] * float(penalty)
    a_ub, b_ub, a_eq, b_eq = [], [], [], []

    def row() -> np.ndarray:
        return np.zeros(n)

    for p, plant in plants.iterrows():
        for y in years:
            if not plant_open(p, y):
                continue
            members = [i for i, f in enumerate(flows) if f["plant"] == p and f["year"] == y]
            cap = plant_cap(p, y)
            a = row()
            a[members] = 1
            for i, kit in enumerate(kits):
                if kit["plant"] == p and kit["year"] == y:
                    a[col_k + i] += kit["sigma"]
            a_ub.append(a)
            b_ub.append(cap)
            u = float(plant["min_utilisation"] or 0)
            if u > 0:
                a_ub.append(-a)
                b_ub.append(-u * cap)
    for r, route in routes.iterrows():
        if _blank(route.get("capacity_vehicles_per_year")):
            continue
        for y in years:
            members = [i for i, f in enumerate(flows) if f["route"] == r and f["year"] == y]
            a = row()
            a[members] = 1
            a_ub.append(a)
            b_ub.append(float(route["capacity_vehicles_per_year"]))
    for key in sold_keys:
        a = row()
        for i, f in enumerate(flows):
            if (f["program"], f["market"], f["year"]) == key:
                a[i] = 1
        for j, s in enumerate(sales):
            if s[1:4] == key:
                a[nx + j] = -1
        for i, kit in enumerate(kits):
            if (kit["program"], kit["market"], kit["year"]) == key:
                a[col_k + i] = 1
        a_eq.append(a)
        b_eq.append(0.0)
    for i, drow in demand.iterrows():
        a = row()
        for j, s in enumerate(sales):
            if s[0] == i:
                a[nx + j] = 1
        a_ub.append(a)
        b_ub.append(float(drow["volume_vehicles"]))
    groups: dict = {}
    for j, i in enumerate(quota_flows):
        a = row()
        a[nx + ns + j] = 1
        a[i] = -1
        a_ub.append(a)
        b_ub.append(0.0)
        qname, y, vol = flows[i]["qkey"]
        groups.setdefault((qname, y), (vol, []))[1].append(j)
    for (_, _), (vol, members) in groups.items():
        a = row()
        for j in members:
            a[nx + ns + j] = 1
        a_ub.append(a)
        b_ub.append(vol)
    for j, (_, crow) in enumerate(commitments):
        k, y = crow["market"], int(crow["year"])
        progs = set(product_programs(crow["product"], k, y))
        a = row()
        for s_index, s in enumerate(sales):
            if s[2] == k and s[3] == y and s[1] in progs:
                a[nx + s_index] = -1
        if nu:
            a[nx + ns + nz + j] = -1
        a_ub.append(a)
        b_ub.append(-float(crow["min_vehicles"]))
    site_rows = {site["site"]: site for _, site in sites}
    for j, (site_id, y) in enumerate(site_years):
        site = site_rows[site_id]
        cost = float(site["opening_cost_usd"] or 0)
        c[col_u + j] += delta[y] * (float(site["fixed_cost_usd_per_year"] or 0) + cost)
        if y + 1 in delta:  # telescoped: the opening cost is paid in the year u turns on
            c[col_u + j] -= delta[y + 1] * cost
        a = row()
        for i, kit in enumerate(kits):
            if kit["site"] == site_id and kit["year"] == y:
                a[col_k + i] = 1
        a[col_u + j] = -float(site["capacity_vehicles_per_year"])
        a_ub.append(a)
        b_ub.append(0.0)
        if y > first:  # open for good
            a = row()
            a[col_u + j - 1] = 1
            a[col_u + j] = -1
            a_ub.append(a)
            b_ub.append(0.0)
    existing_open = {site["site"]: str(site.get("existing", "no")) == "yes" for _, site in sites}
    for j, i in enumerate(pref):
        a = row()
        a[col_p + j] = 1
        a[col_k + i] = -1
        a_ub.append(a)
        b_ub.append(0.0)
    for g, key in enumerate(groups_rvc):
        members = [i for i in pref if (kits[i]["site"], kits[i]["program"], kits[i]["year"])
                   == key]
        cap = float(site_rows[key[0]]["capacity_vehicles_per_year"])
        theta = max(kits[i]["theta"] for i in members)
        a = row()
        for j, i in enumerate(pref):
            if i in members:
                a[col_p + j] = 1
        a[col_b + g] = -cap
        a_ub.append(a)
        b_ub.append(0.0)
        big = cap * max(max(theta * kits[i]["w"] - kits[i]["o"], 0) for i in members)
        a = row()
        for i in members:
            a[col_k + i] = -(kits[i]["o"] - theta * kits[i]["w"])
        a[col_b + g] = big
        a_ub.append(a)
        b_ub.append(big)
    _compliance_rows(t, programs, flows, comp_cols, col_c, c, a_ub, b_ub, row, delta, years)
    constant = 0.0
    for p, plant in plants.iterrows():
        for y in years:
            if plant_open(p, y):
                constant += delta[y] * plant_fixed(p, y) * fx(plant["country"], y)
    if n == 0:  # nothing can move: feasible when every row reads 0 <= b
        if all(b >= 0 for b in b_ub):
            return Solution("optimal", -constant, flows, np.zeros(0))
        return Solution("infeasible", math.nan, flows, None)
    if nsy or ng:
        lower, upper = np.zeros(n), np.full(n, np.inf)
        integrality = np.zeros(n)
        integrality[col_u:] = 1
        upper[col_u:] = 1
        for j, (site_id, y) in enumerate(site_years):
            site = site_rows[site_id]
            if existing_open[site_id]:
                lower[col_u + j] = 1
                # an existing site pays no opening cost: remove the telescoped term
                if y == first:
                    c[col_u + j] -= delta[y] * float(site["opening_cost_usd"] or 0)
            if not _blank(site.get("first_year")) and y < int(site["first_year"]):
                upper[col_u + j] = 0
        constraints = []
        if a_ub:
            constraints.append(LinearConstraint(np.array(a_ub), -np.inf, np.array(b_ub)))
        if a_eq:
            constraints.append(LinearConstraint(np.array(a_eq), np.array(b_eq),
                                                np.array(b_eq)))
        res = milp(c, constraints=constraints, integrality=integrality,
                   bounds=Bounds(lower, upper), options={"mip_rel_gap": 1e-9})
        if res.status == 2 or (res.x is None and res.status != 0):
            return Solution("infeasible", math.nan, flows, None)
        return Solution("optimal", -res.fun - constant, flows, res.x)
    res = linprog(c, A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub or None,
                  A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                  bounds=[(0, None)] * n, method="highs")
    if res.status == 2:
        return Solution("infeasible", math.nan, flows, None)
    if res.status == 3:
        return Solution("unbounded", math.nan, flows, None)
    assert res.status == 0, res.message
    return Solution("optimal", -res.fun - constant, flows, res.x)


def _kits(t, sc, years, delta, fx, markup_row, cvd_rate, plant_open, plants, programs,
          markets, sold_keys, h, tpm, first):
    """Kit flows with their unit cost, duties and rules-of-origin values (docs)."""
    routes = t.get("kit_routes")
    if routes is None or len(routes) == 0:
        return []
    sites = t["assembly_sites"].set_index("site")
    kit_duties = t.get("kit_duties")
    lanes = t["routes"]
    out = []
    for _, lane in routes.iterrows():
        p, site = lane["plant"], lane["site"]
        k = sites.loc[site, "market"]
        pc, kc = plants.loc[p, "country"], markets.loc[k, "country"]
        sc_country = kc
        route = lanes[(lanes["plant"] == p) & (lanes["market"] == k)]
        transit = float(route["transit_days"].iloc[0]) if len(route) else 0.0
        for _, pp in t["plant_programs"][t["plant_programs"]["plant"] == p].iterrows():
            v = pp["program"]
            for y in years:
                if not (plant_open(p, y) and _covers(lane, y) and (v, k, y) in sold_keys):
                    continue
                f = fx(pc, y)
                vc = float(pp["variable_cost_usd_per_vehicle"]) * f
                fixed = float(plants.loc[p, "fixed_cost_usd_per_year"]) * f
                cap = float(plants.loc[p, "capacity_vehicles_per_year"])
                share = float(lane["kit_value_share"])
                mk = markup_row(pc, k)
                if mk is None:
                    transfer = share * vc * (1 + tpm)
                else:
                    transfer = share * (vc + (fixed / cap if cap > 0 else 0.0)) * (1 + mk)
                freight = float(lane["freight_usd_per_vehicle"])
                value = transfer + (freight if markets.loc[k, "customs_basis"] == "CIF" else 0)
                fs = fx(sc_country, y)
                assembly = float(lane["assembly_cost_usd_per_vehicle"]) * fs
                local = lane.get("local_content_usd_per_vehicle")
                local = assembly if _blank(local) else float(local) * fs
                duty, duty_p, theta, orig_share = 0.0, None, 0.0, 0.0
                if pc != kc:
                    pt = programs.loc[v, "powertrain"]
                    cvd = cvd_rate(pc, k, pt, programs.loc[v, "maker"], y)
                    rows = kit_duties[(kit_duties["origin"] == pc)
                                      & (kit_duties["market"] == k)]
                    chosen = None
                    for want in (pt, "*"):
                        for _, drow in rows[rows["powertrain"] == want].iterrows():
                            if _covers(drow, y) and chosen is None:
                                chosen = drow
                    if chosen is None:
                        raise ValueError("no kit duty row")
                    duty = (float(chosen["kit_duty_rate"]) + cvd) * value
                    if not _blank(chosen.get("preferential_rate")):
                        duty_p = (float(chosen["preferential_rate"]) + cvd) * value
                        theta = float(chosen["rvc_threshold"])
                        orig_share = float(chosen["kit_originating_share"] or 0)
                inventory = transfer * h * transit / 365
                out.append(dict(plant=p, site=site, program=v, market=k, year=y,
                                sigma=float(lane["plant_capacity_share"] or 0),
                                cost=share * vc + freight + duty + inventory + assembly,
                                duty=duty, duty_p=duty_p, theta=theta,
                                o=local + orig_share * value, w=value + assembly))
    return out


def _compliance_columns(t, years) -> list[tuple]:
    """Columns of the fleet-target and ZEV rules: (kind, key...)."""
    cols = []
    targets = t.get("fleet_targets")
    if targets is not None and len(targets):
        for group in _fleet_groups(targets):
            cols.append(("E", group))
            first_row = targets.loc[_fleet_groups(targets)[group][0]]
            if not _blank(first_row.get("pool_price_usd_per_g_km")):
                cols.append(("P", group))
    mandates = t.get("zev_mandates")
    if mandates is not None and len(mandates):
        for _, mrow in mandates.iterrows():
            for kind in ("B", "D", "U", "V", "M"):
                cols.append((kind, (mrow["market"], int(mrow["year"]))))
    return cols


def _fleet_groups(targets) -> dict:
    groups: dict = {}
    for index, trow in targets.iterrows():
        name = trow.get("averaging_group")
        key = (trow["market"], ("group", name) if not _blank(name) else ("year", int(
            trow["year"])))
        groups.setdefault(key, []).append(index)
    return groups


def _compliance_rows(t, programs, flows, cols, col_c, c, a_ub, b_ub, row, delta, years):
    if not cols:
        return
    where = {col: col_c + i for i, col in enumerate(cols)}
    emissions = t.get("program_emissions")
    grams = {} if emissions is None else dict(zip(emissions["program"],
                                                  emissions["co2_g_per_km"], strict=True))
    targets = t.get("fleet_targets")
    if targets is not None and len(targets):
        for group, indices in _fleet_groups(targets).items():
            a = row()
            last = max(int(targets.loc[i, "year"]) for i in indices)
            for i in indices:
                trow = targets.loc[i]
                for j, f in enumerate(flows):
                    if f["market"] == trow["market"] and f["year"] == int(trow["year"]):
                        a[j] += float(grams.get(f["program"], 0.0)) - float(
                            trow["target_g_per_km"])
            first_row = targets.loc[indices[0]]
            a[where[("E", group)]] = -1
            c[where[("E", group)]] += delta[last] * float(first_row["premium_usd_per_g_km"])
            if ("P", group) in where:
                a[where[("P", group)]] = -1
                c[where[("P", group)]] += delta[last] * float(
                    first_row["pool_price_usd_per_g_km"])
            a_ub.append(a)
            b_ub.append(0.0)
    mandates = t.get("zev_mandates")
    if mandates is None or len(mandates) == 0:
        return
    for market, rows in mandates.sort_values("year").groupby("market"):
        previous = None
        rows = list(rows.iterrows())
        for position, (_, mrow) in enumerate(rows):
            y = int(mrow["year"])
            key = (market, y)
            share = float(mrow["zev_share"])
            a = row()  # written as <=: minus the balance
            volume = row()
            for j, f in enumerate(flows):
                if f["market"] == market and f["year"] == y:
                    pt = programs.loc[f["program"], "powertrain"]
                    credit = float(mrow["bev_credits_per_vehicle"]) if pt == "BEV" else (
                        float(mrow["phev_credits_per_vehicle"]) if pt == "PHEV" else 0.0)
                    a[j] = -(credit - share)
                    volume[j] = 1
            if previous is not None:
                a[where[("B", previous)]] = -1
                a[where[("D", previous)]] = 1
            a[where[("B", key)]] = 1
            a[where[("D", key)]] = -1
            a[where[("U", key)]] = -1
            a[where[("V", key)]] = 1
            a[where[("M", key)]] = -1
            a_ub.append(a)
            b_ub.append(0.0)
            # borrowing limit D <= beta s sum x; no debt at the last mandate year
            limit = row()
            limit[where[("D", key)]] = 1
            limit -= float(mrow["borrow_share"] or 0) * share * volume
            a_ub.append(limit)
            b_ub.append(0.0)
            for kind, allowed in (
                    ("B", str(mrow["banking"]) == "yes" and position < len(rows) - 1),
                    ("D", position < len(rows) - 1),
                    ("U", not _blank(mrow.get("credit_price_usd"))),
                    ("V", not _blank(mrow.get("credit_sale_price_usd")))):
                if not allowed:
                    fix = row()
                    fix[where[(kind, key)]] = 1
                    a_ub.append(fix)
                    b_ub.append(0.0)
            if not _blank(mrow.get("credit_price_usd")):
                c[where[("U", key)]] += delta[y] * float(mrow["credit_price_usd"])
            if not _blank(mrow.get("credit_sale_price_usd")):
                c[where[("V", key)]] -= delta[y] * float(mrow["credit_sale_price_usd"])
            c[where[("M", key)]] += delta[y] * float(mrow["penalty_usd_per_vehicle"])
            previous = key
