"""Audit s23 (helper-79): the recycling MILP against an independent statement of its model.

The oracle below is written from docs/recycling.md (sections 1-3) and the input tables
alone and solved with ``scipy.optimize.milp``; it imports nothing of ``evplan.recycling``.
Small random networks (two or three collection points and sites, two tiers, three to five
years, some years without retirements, a site every lane to which is forbidden, capacity
that can be tight, EU recycling-efficiency and material-recovery targets hard or at a
penalty, ``meet_all`` and ``max_value``) must give the same optimum or the same
infeasibility; the plan evplan returns is re-priced from the inputs (money by year,
discounting, recovered tonnes by material, per-plant compliance). On 2026-12-06, 40 random
networks agreed to the dollar (the 8 below run in the fast suite).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

DATA = Path(__file__).resolve().parents[2] / "src" / "evplan" / "recycling" / "data"
MATERIALS = ["lithium", "nickel", "cobalt", "manganese", "graphite", "copper", "aluminium",
             "iron", "phosphorus", "steel"]


def default(name: str) -> pd.DataFrame:
    """A shipped default table, read as plain CSV."""
    return pd.read_csv(DATA / name, keep_default_na=False, na_values=[""])


def shares_table(materials: pd.DataFrame, packs: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Mass share of each material (and 'other') per chemistry: kg/kWh over pack kg/kWh."""
    out: dict[str, dict[str, float]] = {}
    for chem, pack in zip(packs["chemistry"], packs["pack_kg_per_kwh"], strict=True):
        rows = materials[materials["chemistry"] == chem]
        share = {m: 0.0 for m in MATERIALS}
        for m, kg in zip(rows["material"], rows["kg_per_kwh"], strict=True):
            share[m] += float(kg) / float(pack)
        share["other"] = 1.0 - sum(share.values())
        out[chem] = share
    return out


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


def lane_cost(points: pd.DataFrame, plants: pd.DataFrame, lanes: pd.DataFrame,
              transport: pd.DataFrame) -> dict[tuple[str, str], float]:
    """USD per tonne of every allowed lane: the most specific rule decides, ties the later."""
    out = {}
    modes = transport.set_index("mode")
    for p in points.itertuples():
        for s in plants.itertuples():
            best = None
            for k, rule in enumerate(lanes.itertuples()):
                score = 0
                f, t = rule[1], rule.to  # "from" is a keyword: by position
                if f == p.collection_point:
                    score += 2
                elif f == p.region:
                    score += 1
                elif f != "*":
                    continue
                if t == s.plant:
                    score += 2
                elif t == s.region:
                    score += 1
                elif t != "*":
                    continue
                if best is None or score >= best[0]:
                    best = (score, k, rule)
            if best is None or str(best[2].allowed).lower() != "true":
                continue
            rule = best[2]
            mode = modes.loc[rule.mode]
            given = getattr(rule, "distance_km", None)
            if given is not None and not (isinstance(given, float) and math.isnan(given)) \
                    and given != "":
                km = float(given)
            else:
                km = haversine(p.lat, p.lon, s.lat, s.lon) * float(mode["circuity"])
            out[(p.collection_point, s.plant)] = (float(mode["handling_usd_per_tonne"])
                                                  + float(mode["usd_per_tonne_km"]) * km)
    return out


@dataclass
class Instance:
    retired: pd.DataFrame          # collection_point, year, chemistry, tonnes
    points: pd.DataFrame
    plants: pd.DataFrame           # plant, region, eu, lat, lon, first_year, processes
    lanes: pd.DataFrame
    tiers: pd.DataFrame
    transport: pd.DataFrame
    targets: pd.DataFrame
    materials: pd.DataFrame = field(default_factory=lambda: default("materials.csv"))
    packs: pd.DataFrame = field(default_factory=lambda: default("packs.csv"))
    recovery: pd.DataFrame = field(default_factory=lambda: default("recovery.csv"))
    prices: pd.DataFrame = field(default_factory=lambda: default("prices.csv"))
    processes: pd.DataFrame = field(default_factory=lambda: default("processes.csv"))


@dataclass
class Solution:
    status: str
    objective: float
    opened: set[tuple[str, str, str, int]]   # plant, tier, process, year opened
    flows: dict[tuple, float]
    economics: pd.DataFrame | None = None


def solve(inst: Instance, objective: str = "meet_all", rate: float = 0.08, storage_years: int = 3,
          storage_cost: float = 30.0, build_every: int = 5, penalty: float | None = 100_000.0,
          targets_on: bool = True, keep: object = None) -> Solution:
    """The MILP of docs/recycling.md section 2, variable by variable (``keep``: a
    predicate on (plant, target, material, year) choosing the target rows imposed)."""
    years = list(range(int(inst.retired["year"].min()), int(inst.retired["year"].max()) + 1))
    y0 = years[0]
    disc = {y: (1 + rate) ** -(y - y0) for y in years}
    share = shares_table(inst.materials, inst.packs)
    rec = {(r.process, r.material): float(r.recovery) for r in inst.recovery.itertuples()}
    price = {r.material: float(r.usd_per_tonne) for r in inst.prices.itertuples()}
    proc_cost = {r.process: float(r.processing_usd_per_tonne) for r in inst.processes.itertuples()}
    procs = list(proc_cost)
    value = {(c, p): sum(share[c][m] * rec.get((p, m), 0.0) * price.get(m, 0.0)
                         for m in MATERIALS) for c in share for p in procs}
    lanes = lane_cost(inst.points, inst.plants, inst.lanes, inst.transport)
    q = inst.retired.groupby(["collection_point", "chemistry", "year"])["tonnes"].sum().to_dict()
    groups = sorted({(i, c) for i, c, _ in q})
    first_supply = {g: min(y for (i, c, y) in q if (i, c) == g) for g in groups}
    tiers = list(inst.tiers.itertuples())
    annual = {}
    for t in tiers:
        life = float(t.life_years)
        crf = 1 / life if rate == 0 else rate / (1 - (1 + rate) ** -life)
        annual[t.tier] = float(t.capital_usd) * crf + float(t.fixed_usd_per_year)
    plant_first = {r.plant: (y0 if pd.isna(r.first_year) or str(r.first_year).strip() == ""
                             else int(float(r.first_year))) for r in inst.plants.itertuples()}
    plant_procs = {}
    for r in inst.plants.itertuples():
        names = [n.strip() for n in str(r.processes).split(";")]
        plant_procs[r.plant] = procs if "*" in names else [p for p in procs if p in names]
    eu = {r.plant: str(r.eu).lower() == "true" for r in inst.plants.itertuples()}

    var: list[tuple] = []
    cost: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    integ: list[int] = []

    def add(key: tuple, c: float, upper: float = np.inf, integer: int = 0) -> int:
        var.append(key)
        cost.append(c)
        lo.append(0.0)
        hi.append(upper)
        integ.append(integer)
        return len(var) - 1

    flow = {}
    for (i, c) in groups:
        for s, pp in plant_procs.items():
            if (i, s) not in lanes:
                continue
            for p in pp:
                for y in years:
                    if y < plant_first[s] or y < first_supply[(i, c)]:
                        continue
                    unit = lanes[(i, s)] + proc_cost[p] - value[(c, p)]
                    flow[(i, c, s, p, y)] = add(("x", i, c, s, p, y), disc[y] * unit)
    store = {}
    for g in groups:
        for y in years:
            if y < first_supply[g]:
                continue
            window = sum(q.get((*g, yy), 0.0) for yy in years
                         if y - storage_years < yy <= y) if storage_years else 0.0
            if objective == "meet_all" and y == years[-1]:
                window = 0.0
            store[(*g, y)] = add(("u", *g, y), disc[y] * storage_cost, upper=window)
    opens = {}
    for s, pp in plant_procs.items():
        if not any((i, s) in lanes for i, _ in groups):
            continue
        for t in tiers:
            for p in pp:
                for y in years:
                    if y >= plant_first[s]:
                        opens[(s, t.tier, p, y)] = add(("z", s, t.tier, p, y),
                                                       disc[y] * annual[t.tier], 1.0, 1)
    # targets in force per year: the latest row with from_year <= y per (target, material)
    active = []
    if targets_on:
        tt = inst.targets[inst.targets["target"] != "recycled_content"]
        for (target, material), rows in tt.groupby(["target", "material"]):
            for y in years:
                ok = rows[rows["from_year"] <= y]
                if len(ok):
                    active.append((target, material, y,
                                   float(ok.sort_values("from_year")["share"].iloc[-1])))
    short = {}
    target_rows = []
    for s in plant_procs:
        if not eu[s]:
            continue
        for (target, material, y, share_req) in active:
            terms = {}
            for (_, c, s2, p, y2), k in flow.items():
                if s2 != s or y2 != y:
                    continue
                if target == "recycling_efficiency":
                    coef = sum(share[c][m] * rec.get((p, m), 0.0) for m in MATERIALS) - share_req
                else:
                    coef = share[c][material] * (rec.get((p, material), 0.0) - share_req)
                terms[k] = coef
            if not terms or (keep is not None and not keep(s, target, material, y)):  # type: ignore[operator]
                continue
            if penalty is not None:
                e = add(("e", s, target, material, y), disc[y] * penalty)
                terms[e] = 1.0
                short[(s, target, material, y)] = e
            target_rows.append(terms)

    n = len(var)
    rows: list[tuple[dict[int, float], float, float]] = []
    for g in groups:
        for y in years:
            if y < first_supply[g]:
                continue
            terms: dict[int, float] = {}
            for (i, c, _, _, y2), k in flow.items():
                if (i, c) == g and y2 == y:
                    terms[k] = 1.0
            terms[store[(*g, y)]] = terms.get(store[(*g, y)], 0.0) + 1.0
            if (*g, y - 1) in store:
                terms[store[(*g, y - 1)]] = -1.0
            supply = q.get((*g, y), 0.0)
            rows.append((terms, supply if objective == "meet_all" else -np.inf, supply))
    for s, pp in plant_procs.items():
        for p in pp:
            for y in years:
                terms = {k: 1.0 for (i, c, s2, p2, y2), k in flow.items()
                         if (s2, p2, y2) == (s, p, y)}
                if not terms:
                    continue
                for t in tiers:
                    if (s, t.tier, p, y) in opens:
                        terms[opens[(s, t.tier, p, y)]] = -float(t.capacity_tonnes_per_year)
                rows.append((terms, -np.inf, 0.0))
        for y in years:
            terms = {k: 1.0 for (s2, _, _, y2), k in opens.items() if (s2, y2) == (s, y)}
            if terms:
                rows.append((terms, -np.inf, 1.0))
    for (s, t, p, y), k in opens.items():
        if (s, t, p, y - 1) in opens:
            prev = opens[(s, t, p, y - 1)]
            building = (y - y0) % build_every == 0
            rows.append(({k: 1.0, prev: -1.0}, 0.0, np.inf if building else 0.0))
    for terms in target_rows:
        rows.append((terms, 0.0, np.inf))

    a = lil_matrix((len(rows), n))
    lb = np.empty(len(rows))
    ub = np.empty(len(rows))
    for r, (terms, low, up) in enumerate(rows):
        for k, v in terms.items():
            a[r, k] = v
        lb[r], ub[r] = low, up
    res = milp(np.array(cost), constraints=LinearConstraint(a.tocsr(), lb, ub),
               integrality=np.array(integ), bounds=Bounds(np.array(lo), np.array(hi)),
               options={"mip_rel_gap": 1e-9, "time_limit": 120})
    if res.status == 2 or res.x is None:
        return Solution("infeasible" if res.status == 2 else f"status{res.status}", math.nan,
                        set(), {})
    x = res.x
    opened = set()
    for (s, t, p, y), k in opens.items():
        if x[k] > 0.5 and not ((s, t, p, y - 1) in opens and x[opens[(s, t, p, y - 1)]] > 0.5):
            opened.add((s, t, p, y))
    flows = {key: x[k] for key, k in flow.items() if x[k] > 1e-7}
    return Solution("optimal", float(res.fun), opened, flows)


def plan_cost(inst: Instance, flows: pd.DataFrame, plant_years: pd.DataFrame,
              storage: pd.DataFrame, rate: float = 0.08, storage_cost: float = 30.0
              ) -> dict[str, float]:
    """Undiscounted money of a plan (flows with tonnes), recomputed from the inputs."""
    share = shares_table(inst.materials, inst.packs)
    rec = {(r.process, r.material): float(r.recovery) for r in inst.recovery.itertuples()}
    price = {r.material: float(r.usd_per_tonne) for r in inst.prices.itertuples()}
    proc_cost = {r.process: float(r.processing_usd_per_tonne) for r in inst.processes.itertuples()}
    lanes = lane_cost(inst.points, inst.plants, inst.lanes, inst.transport)
    revenue = transport = processing = 0.0
    for f in flows.itertuples():
        revenue += f.tonnes * sum(share[f.chemistry][m] * rec.get((f.process, m), 0.0)
                                  * price.get(m, 0.0) for m in MATERIALS)
        transport += f.tonnes * lanes[(f.collection_point, f.plant)]
        processing += f.tonnes * proc_cost[f.process]
    tiers = inst.tiers.set_index("tier")
    plant = 0.0
    for r in plant_years.itertuples():
        t = tiers.loc[r.tier]
        life = float(t["life_years"])
        crf = 1 / life if rate == 0 else rate / (1 - (1 + rate) ** -life)
        plant += float(t["capital_usd"]) * crf + float(t["fixed_usd_per_year"])
    stored = float(storage["stored_tonnes"].sum()) * storage_cost
    return {"revenue": revenue, "transport": transport, "processing": processing,
            "plant": plant, "storage": stored}


# --- random networks ------------------------------------------------------------

def _lane(start: str, end: str, allowed: str, mode: str = "road", km: str = "") -> dict:
    return {"from": start, "to": end, "allowed": allowed, "mode": mode, "distance_km": km,
            "source": "t"}


def _tier(name: str, capacity: float, capital: float, fixed: float, life: float) -> dict:
    return {"tier": name, "capacity_tonnes_per_year": capacity, "capital_usd": capital,
            "fixed_usd_per_year": fixed, "life_years": life, "source": "t"}


def make(seed: int) -> dict[str, pd.DataFrame]:
    """A random network (the tables evplan reads, as DataFrames)."""
    rng = np.random.default_rng(seed)
    y0 = 2030
    ny = int(rng.integers(3, 6))
    npts = int(rng.integers(2, 4))
    npl = int(rng.integers(2, 4))
    regions = ["EU", "XX"]
    pts = []
    for k in range(npts):
        reg = regions[k % 2] if rng.random() < 0.8 else "EU"
        pts.append({"collection_point": f"P{k}", "name": "", "region": reg,
                    "eu": str(reg == "EU").lower(), "lat": float(rng.uniform(40, 55)),
                    "lon": float(rng.uniform(-5, 20)), "source": "t"})
    pls = []
    for k in range(npl):
        reg = regions[k % 2] if rng.random() < 0.8 else "EU"
        procs = rng.choice(["*", "hydro", "pyro", "direct", "hydro;pyro", "pyro;direct"])
        fy = "" if rng.random() < 0.5 else str(int(y0 + rng.integers(0, 3)))
        pls.append({"plant": f"S{k}", "name": "", "region": reg, "country": "",
                    "eu": str(reg == "EU").lower(), "lat": float(rng.uniform(40, 55)),
                    "lon": float(rng.uniform(-5, 20)), "first_year": fy, "processes": procs,
                    "source": "t"})
    point_regions = {r["region"] for r in pts}
    plant_regions = {r["region"] for r in pls}
    lanes = [_lane(*ends, allowed) for ends, allowed in
             ((("*", "*"), "false"), (("EU", "EU"), "true"), (("XX", "XX"), "true"))]
    have = point_regions & plant_regions
    lanes = [lane for lane in lanes if lane["from"] == "*" or lane["from"] in have]
    if rng.random() < 0.5 and "XX" in point_regions and "EU" in plant_regions:
        km = str(int(rng.integers(300, 2000))) if rng.random() < 0.5 else ""
        lanes.append(_lane("XX", "EU", "true", "sea", km))
    if rng.random() < 0.5:  # a site that must never open: every lane to it forbidden
        lanes.append(_lane("*", "S0", "false"))
        lanes += [_lane(reg, "S0", "false") for reg in sorted(point_regions)]
    small = float(rng.integers(200, 900))
    large = float(rng.integers(1200, 3500))
    tiers = pd.DataFrame([
        _tier("s", small, float(rng.integers(1, 4)) * 1e6, float(rng.integers(0, 3)) * 1e5,
              float(rng.integers(5, 20))),
        _tier("l", large, float(rng.integers(3, 9)) * 1e6, float(rng.integers(0, 5)) * 1e5,
              float(rng.integers(5, 20)))])
    transport = pd.DataFrame({"mode": ["road", "sea"], "usd_per_tonne_km": [0.14, 0.03],
                              "handling_usd_per_tonne": [0.0, 150.0], "circuity": [1.2, 1.3],
                              "source": ["t", "t"]})
    ret = []
    chems = ["NMC811", "LFP", "NMC622", "NCA", "LMO"]
    for p in pts:
        for c in rng.choice(chems, size=int(rng.integers(1, 3)), replace=False):
            for y in range(y0, y0 + ny):
                if rng.random() < 0.3:
                    continue  # no retirements this year
                ret.append({"collection_point": p["collection_point"], "year": y,
                            "chemistry": str(c), "kwh": float(rng.integers(5, 120)) * 1000.0})
    if not ret:
        ret.append({"collection_point": "P0", "year": y0, "chemistry": "LFP", "kwh": 1e5})
    targets = [{"target": "recycling_efficiency", "material": "*",
                "from_year": y0 + int(rng.integers(0, 2)),
                "share": float(rng.choice([0.55, 0.62, 0.66, 0.70, 0.72]))},
               {"target": "material_recovery", "material": "nickel",
                "from_year": y0 + int(rng.integers(0, 3)),
                "share": float(rng.choice([0.85, 0.9, 0.92]))}]
    if rng.random() < 0.5:
        targets.append({"target": "material_recovery", "material": "lithium",
                        "from_year": y0 + 1, "share": float(rng.choice([0.5, 0.8, 0.92]))})
    if rng.random() < 0.3:
        targets.append({"target": "recycling_efficiency", "material": "*", "from_year": y0 + 2,
                        "share": float(rng.choice([0.7, 0.75]))})
    return {"retired": pd.DataFrame(ret), "points": pd.DataFrame(pts),
            "plants": pd.DataFrame(pls), "lanes": pd.DataFrame(lanes), "tiers": tiers,
            "transport": transport, "targets": pd.DataFrame(targets).assign(source="t")}


# --- the tests ------------------------------------------------------------------------

def _evplan(d: dict[str, pd.DataFrame]):
    from evplan.recycling import load_inputs
    return load_inputs(d["retired"], collection_points=d["points"], candidate_plants=d["plants"],
                       lanes=d["lanes"], plant_tiers=d["tiers"], transport=d["transport"],
                       targets=d["targets"])


def _options(seed: int) -> dict[str, object]:
    rng = np.random.default_rng(1000 + seed)
    return {"objective": "meet_all" if rng.random() < 0.7 else "max_value",
            "storage_years": int(rng.integers(0, 3)), "build_every": int(rng.integers(1, 4)),
            "penalty": None if rng.random() < 0.4 else 100_000.0}


# seeds chosen to cover: soft targets with shortfalls (0, 7), hard targets (4, 24),
# max_value soft and hard (13, 25), storage 0-2, building every 1-3 years, infeasible (1)
SEEDS = [0, 1, 4, 7, 13, 24, 25, 37]


@pytest.mark.parametrize("seed", SEEDS)
def test_random_network_matches_independent_milp(seed: int) -> None:
    from evplan.errors import InfeasibleError
    from evplan.highs import SolverOptions
    from evplan.recycling import RecyclingOptions, plan_recycling

    d = make(seed)
    o = _options(seed)
    inputs = _evplan(d)
    inst = Instance(retired=inputs.retired[["collection_point", "year", "chemistry", "tonnes"]],
                    points=d["points"], plants=d["plants"], lanes=d["lanes"], tiers=d["tiers"],
                    transport=d["transport"], targets=d["targets"])
    mine = solve(inst, str(o["objective"]), storage_years=int(o["storage_years"]),
                 build_every=int(o["build_every"]), penalty=o["penalty"])  # type: ignore[arg-type]
    options = RecyclingOptions(objective=o["objective"],  # type: ignore[arg-type]
                               max_storage_years=int(o["storage_years"]),  # type: ignore[arg-type]
                               build_every_years=int(o["build_every"]),  # type: ignore[arg-type]
                               target_penalty_usd_per_tonne=o["penalty"],  # type: ignore[arg-type]
                               explain_targets=False,
                               solver=SolverOptions(time_limit_s=60, mip_gap=1e-9))
    if mine.status == "infeasible":
        with pytest.raises(InfeasibleError):
            plan_recycling(inputs, options)
        return
    assert mine.status == "optimal"
    result = plan_recycling(inputs, options)
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(mine.objective, rel=1e-7, abs=1.0)
    opened = {(r.plant, r.tier, r.process, int(r.opened_year))
              for r in result["plants"].itertuples()}
    assert opened == mine.opened
    # money of the plan returned, recomputed from the inputs, and its discounted sum
    money = plan_cost(inst, result["flows"], result["plant_years"], result["storage"],
                      storage_cost=30.0)
    eco = result["economics"]
    for name, column in (("revenue", "revenue_usd"), ("transport", "transport_usd"),
                         ("processing", "processing_usd"), ("plant", "plant_usd"),
                         ("storage", "storage_usd")):
        assert float(eco[column].sum()) == pytest.approx(money[name], rel=1e-9, abs=1e-3)
    y0 = int(eco["year"].min())
    discounted = sum(1.08 ** -(r.year - y0) * (r.transport_usd + r.processing_usd + r.plant_usd
                                               + r.storage_usd - r.revenue_usd)
                     for r in eco.itertuples())
    comp = result["compliance"]
    if o["penalty"] is not None and len(comp):
        discounted += sum(1.08 ** -(r.year - y0) * float(o["penalty"]) * r.shortfall_tonnes
                          for r in comp[comp["scope"] != "EU"].itertuples())
    assert result.objective_usd == pytest.approx(discounted, rel=1e-9, abs=1.0)
    # recovered tonnes by material, from the flows, shares and recovery rates
    share = shares_table(inst.materials, inst.packs)
    rec = {(r.process, r.material): float(r.recovery) for r in inst.recovery.itertuples()}
    theirs = result["recovered_by_year"].groupby("material")["recovered_tonnes"].sum()
    for m in MATERIALS:
        mine_m = sum(f.tonnes * share[f.chemistry][m] * rec.get((f.process, m), 0.0)
                     for f in result["flows"].itertuples())
        assert float(theirs.get(m, 0.0)) == pytest.approx(mine_m, abs=1e-6)


def test_one_pack_recovered_tonnes_from_the_reference_facts() -> None:
    """1,000 MWh of NMC811 at one EU plant: BatPaC 5.1 intensities (facts 3a) times Ma et
    al.'s hydro rates (facts 4a): 99.8 t Li x 0.94, 658.4 t Ni x 0.94, 369.5 t Cu x 0.93."""
    from evplan.recycling import load_inputs, plan_recycling

    retired = pd.DataFrame({"collection_point": ["EU"], "year": [2030], "chemistry": ["NMC811"],
                            "kwh": [1.0e6]})
    result = plan_recycling(load_inputs(retired))
    rec = result["recovered_by_year"].set_index("material")
    assert result["plants"]["process"].tolist() == ["hydro"]
    assert rec.loc["lithium", "recovered_tonnes"] == pytest.approx(99.8 * 0.94)
    assert rec.loc["nickel", "recovered_tonnes"] == pytest.approx(658.4 * 0.94)
    assert rec.loc["copper", "recovered_tonnes"] == pytest.approx(369.5 * 0.93)
    assert rec["input_tonnes"].sum() == pytest.approx(4990.0)  # 499 kg per 100 kWh (facts 3c)
    # revenue at the 2024 prices of facts 6: Li 14,000 USD/t LCE x 5.323, Ni 16,814, ...
    assert rec.loc["lithium", "revenue_usd"] == pytest.approx(99.8 * 0.94 * 14_000 * 5.323)
    assert rec.loc["nickel", "revenue_usd"] == pytest.approx(658.4 * 0.94 * 16_814)


@pytest.mark.parametrize("seed", [29, 37])
def test_first_binding_target_binds_and_no_earlier_one_does(seed: int) -> None:
    """``binding['processing_target']`` (docs/recycling.md §3): imposing that target alone
    (hard, at every EU plant) raises the independent optimum without targets, and imposing
    every target of the years before it does not."""
    from evplan.highs import SolverOptions
    from evplan.recycling import RecyclingOptions, plan_recycling

    d = make(seed)
    o = _options(seed)
    inputs = _evplan(d)
    result = plan_recycling(inputs, RecyclingOptions(
        objective=o["objective"], max_storage_years=int(o["storage_years"]),  # type: ignore[arg-type]
        build_every_years=int(o["build_every"]),  # type: ignore[arg-type]
        solver=SolverOptions(time_limit_s=60, mip_gap=1e-9)))
    first = result.binding["processing_target"]
    assert first is not None
    inst = Instance(retired=inputs.retired[["collection_point", "year", "chemistry", "tonnes"]],
                    points=d["points"], plants=d["plants"], lanes=d["lanes"], tiers=d["tiers"],
                    transport=d["transport"], targets=d["targets"])
    kw = {"objective": str(o["objective"]), "storage_years": int(o["storage_years"]),
          "build_every": int(o["build_every"]), "penalty": None}
    free = solve(inst, targets_on=False, **kw).objective  # type: ignore[arg-type]
    key = (first["target"], first["material"], first["year"])
    alone = solve(inst, keep=lambda s, t, m, y: (t, m, y) == key, **kw)  # type: ignore[arg-type]
    earlier = solve(inst, keep=lambda s, t, m, y: y < first["year"], **kw)  # type: ignore[arg-type]
    assert alone.objective > free + 1.0
    assert earlier.objective == pytest.approx(free, rel=1e-9, abs=1.0)
