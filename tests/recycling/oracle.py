"""An independent recycling MILP, written with scipy.optimize.milp from the input tables.

It follows docs/recycling.md (section 2) and nothing of ``evplan.recycling`` beyond
:func:`~evplan.recycling.load_inputs` (typed tables): its own mass shares, lane rules
(most specific wins: id 2, region 1, '*' 0 summed over both ends, a tie to the later row),
great-circle distances, annuities, discounting, storage window, building years and EU
targets. Variables, one column each, in dictionaries keyed by tuples; rows as lists of
(column, coefficient). Small instances only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

EARTH_KM = 6371.0


@dataclass(frozen=True)
class OracleResult:
    """``status`` is ``optimal`` or ``infeasible``; ``objective`` the discounted net cost."""

    status: str
    objective: float


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_KM * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


def _lane(rules: list[dict], point: dict, plant: dict) -> dict | None:
    """The deciding rule for one point and plant (None: no rule matches)."""
    best, best_key = None, None
    for order, rule in enumerate(rules):
        levels = []
        for end, node, key in ((rule["from"], point, "collection_point"),
                               (rule["to"], plant, "plant")):
            if end == node[key]:
                levels.append(2)
            elif end == node["region"]:
                levels.append(1)
            elif end == "*":
                levels.append(0)
            else:
                levels.append(-1)
        if min(levels) < 0:
            continue
        rank = (sum(levels), order)
        if best_key is None or rank > best_key:
            best, best_key = rule, rank
    return best


def solve_oracle(inputs, *, objective: str, discount_rate: float, max_storage_years: int,
                 storage_usd_per_tonne_year: float, build_every_years: int,
                 eu_targets: bool, target_penalty: float | None,
                 years: list[int] | None = None) -> OracleResult:
    """Optimum of the recycling MILP as docs/recycling.md states it (see module docstring)."""
    t = {name: frame.to_dict("records") for name, frame in inputs.tables.items()}
    retired = inputs.retired.to_dict("records")
    if years is None:
        years = list(range(min(r["year"] for r in retired), max(r["year"] for r in retired) + 1))
    y0, last = years[0], years[-1]
    delta = {y: (1 + discount_rate) ** -(y - y0) for y in years}

    pack = {r["chemistry"]: r["pack_kg_per_kwh"] for r in t["packs"]}
    share: dict[tuple[str, str], float] = {}
    for r in t["materials"]:
        share[r["chemistry"], r["material"]] = share.get((r["chemistry"], r["material"]), 0.0) \
            + r["kg_per_kwh"] / pack[r["chemistry"]]
    materials = sorted({m for _, m in share})
    rate = {(r["process"], r["material"]): r["recovery"] for r in t["recovery"]}
    price = {r["material"]: r["usd_per_tonne"] for r in t["prices"]}
    processing = {r["process"]: r["processing_usd_per_tonne"] for r in t["processes"]}
    processes = list(processing)

    def recovered(chem: str, proc: str, material: str) -> float:
        return share.get((chem, material), 0.0) * rate.get((proc, material), 0.0)

    def value(chem: str, proc: str) -> float:
        return sum(recovered(chem, proc, m) * price.get(m, 0.0) for m in materials)

    supply: dict[tuple[str, str, int], float] = {}
    for r in retired:
        if y0 <= r["year"] <= last:
            key = (r["collection_point"], r["chemistry"], int(r["year"]))
            supply[key] = supply.get(key, 0.0) + r["tonnes"]
    groups = sorted({(p, c) for p, c, _ in supply})

    transport = {r["mode"]: r for r in t["transport"]}
    points = {r["collection_point"]: r for r in t["collection_points"]}
    plants = {r["plant"]: r for r in t["candidate_plants"]}
    lane_cost: dict[tuple[str, str], float] = {}
    for p in {g[0] for g in groups}:
        for s, plant in plants.items():
            rule = _lane(t["lanes"], points[p], plant)
            if rule is None or not rule["allowed"]:
                continue
            mode = transport[rule["mode"]]
            km = rule.get("distance_km")
            if km is None or (isinstance(km, float) and math.isnan(km)):
                km = _km(points[p]["lat"], points[p]["lon"], plant["lat"], plant["lon"]) \
                    * mode["circuity"]
            lane_cost[p, s] = mode["handling_usd_per_tonne"] + mode["usd_per_tonne_km"] * km

    def start(s: str) -> int:
        first = plants[s].get("first_year")
        return y0 if first is None or (isinstance(first, float) and math.isnan(first)) \
            else max(int(first), y0)

    def runs(s: str) -> list[str]:
        listed = [x.strip() for x in str(plants[s]["processes"]).split(";")]
        return processes if "*" in listed else [x for x in processes if x in listed]

    cols: dict[tuple, int] = {}
    cost: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    integer: list[int] = []

    def var(key: tuple, c: float, lo: float = 0.0, hi: float = np.inf, binary: bool = False
            ) -> None:
        cols[key] = len(cost)
        cost.append(c)
        lower.append(lo)
        upper.append(hi)
        integer.append(1 if binary else 0)

    for (p, c) in groups:
        for s in plants:
            if (p, s) not in lane_cost:
                continue
            for proc in runs(s):
                for y in years:
                    if y >= start(s):
                        var(("x", p, c, s, proc, y), delta[y] * (
                            lane_cost[p, s] + processing[proc] - value(c, proc)))
        for y in years:
            window = sum(supply.get((p, c, yy), 0.0) for yy in years
                         if y - max_storage_years < yy <= y)
            if objective == "meet_all" and y == last:
                window = 0.0
            var(("u", p, c, y), delta[y] * storage_usd_per_tonne_year, 0.0, window)
    tiers = t["plant_tiers"]
    for s in plants:
        for tier in tiers:
            life, capital = tier["life_years"], tier["capital_usd"]
            annuity = capital / life if discount_rate == 0 else capital * discount_rate / (
                1 - (1 + discount_rate) ** -life)
            for proc in runs(s):
                for y in years:
                    if y >= start(s):
                        var(("z", s, tier["tier"], proc, y),
                            delta[y] * (annuity + tier["fixed_usd_per_year"]), 0.0, 1.0, True)

    rows: list[tuple[list[tuple[int, float]], float, float]] = []

    def row(terms: list[tuple[tuple, float]], lo: float, hi: float) -> None:
        present = [(cols[k], v) for k, v in terms if k in cols]
        rows.append((present, lo, hi))

    xs = [k for k in cols if k[0] == "x"]
    for (p, c) in groups:  # balance
        for y in years:
            terms = [(k, 1.0) for k in xs if k[1:3] == (p, c) and k[5] == y]
            terms += [(("u", p, c, y), 1.0), (("u", p, c, y - 1), -1.0)]
            q = supply.get((p, c, y), 0.0)
            row(terms, q if objective == "meet_all" else -np.inf, q)
    for s in plants:
        for proc in runs(s):
            for y in years:  # capacity
                terms = [(k, 1.0) for k in xs if k[3:] == (s, proc, y)]
                terms += [(("z", s, tier["tier"], proc, y), -tier["capacity_tonnes_per_year"])
                          for tier in tiers]
                row(terms, -np.inf, 0.0)
        for y in years:  # one config
            row([(("z", s, tier["tier"], proc, y), 1.0) for tier in tiers
                 for proc in runs(s)], -np.inf, 1.0)
            if y > start(s):  # never closes; opens only in a building year
                building = (y - y0) % build_every_years == 0
                for tier in tiers:
                    for proc in runs(s):
                        key = ("z", s, tier["tier"], proc, y)
                        before = ("z", s, tier["tier"], proc, y - 1)
                        row([(key, 1.0), (before, -1.0)], 0.0, np.inf if building else 0.0)

    if eu_targets:
        in_force: dict[tuple[str, str, int], float] = {}
        for target in sorted((r for r in t["targets"] if r["target"] != "recycled_content"),
                             key=lambda r: r["from_year"]):
            for y in years:
                if target["from_year"] <= y:
                    in_force[target["target"], target["material"], y] = target["share"]
        for s in plants:
            if not plants[s]["eu"]:
                continue
            for (kind, material, y), required in sorted(in_force.items()):
                terms = []
                for k in xs:
                    if k[3] != s or k[5] != y:
                        continue
                    chem, proc = k[2], k[4]
                    if kind == "recycling_efficiency":
                        coefficient = sum(recovered(chem, proc, m) for m in materials) - required
                    else:
                        coefficient = recovered(chem, proc, material) - share.get(
                            (chem, material), 0.0) * required
                    terms.append((k, coefficient))
                if not terms:
                    continue
                if target_penalty is not None:
                    var(("e", s, kind, material, y), delta[y] * target_penalty)
                    terms.append((("e", s, kind, material, y), 1.0))
                row(terms, 0.0, np.inf)

    n = len(cost)
    data, r_idx, c_idx, lo, hi = [], [], [], [], []
    for i, (terms, low, high) in enumerate(rows):
        for col, v in terms:
            r_idx.append(i)
            c_idx.append(col)
            data.append(v)
        lo.append(low)
        hi.append(high)
    matrix = coo_matrix((data, (r_idx, c_idx)), shape=(len(rows), n)).tocsr()
    result = milp(np.array(cost), constraints=LinearConstraint(matrix, lo, hi),
                  bounds=Bounds(lower, upper), integrality=np.array(integer),
                  options={"mip_rel_gap": 1e-9})
    if result.status == 2:
        return OracleResult("infeasible", math.nan)
    if result.status != 0:
        raise RuntimeError(f"oracle: {result.message}")
    return OracleResult("optimal", float(result.fun))


def random_tables(rng: np.random.Generator, *, n_points: int = 2, n_plants: int = 3,
                  n_years: int = 3) -> tuple[object, Mapping[str, object]]:
    """Random retired packs and tables (DataFrames) exercising every rule of the model."""
    import pandas as pd

    chems = ["X", "Y"]
    mats = ["nickel", "lithium", "cobalt", "copper"]
    materials = pd.DataFrame([(c, m, float(rng.uniform(0.05, 2.0))) for c in chems
                              for m in mats if rng.random() < 0.85 or m == "nickel"],
                             columns=["chemistry", "material", "kg_per_kwh"])
    packs = pd.DataFrame({"chemistry": chems, "pack_kg_per_kwh": rng.uniform(8.0, 12.0, 2)})
    procs = ["pyro", "hydro", "direct"][:int(rng.integers(2, 4))]
    processes = pd.DataFrame({"process": procs,
                              "processing_usd_per_tonne": rng.uniform(100, 900, len(procs))})
    recovery = pd.DataFrame([(p, m, float(rng.uniform(0.3, 0.99))) for p in procs for m in mats
                             if rng.random() < 0.8], columns=["process", "material", "recovery"])
    prices = pd.DataFrame({"material": mats, "usd_per_tonne": rng.uniform(0, 40_000, 4)})
    tiers = pd.DataFrame({"tier": ["s", "l"],
                          "capacity_tonnes_per_year": [float(rng.uniform(200, 600)),
                                                       float(rng.uniform(700, 1500))],
                          "capital_usd": [float(rng.uniform(1e5, 5e5)),
                                          float(rng.uniform(5e5, 1.5e6))],
                          "fixed_usd_per_year": rng.uniform(0, 5e4, 2),
                          "life_years": rng.integers(1, 15, 2).astype(float)})
    regions = ["R", "S"]
    point_ids = [f"P{i}" for i in range(n_points)]
    plant_ids = [f"S{j}" for j in range(n_plants)]
    points = pd.DataFrame({"collection_point": point_ids,
                           "region": [regions[i % 2] for i in range(n_points)],
                           "eu": False,  # every row says true or false (docs/recycling.md)
                           "lat": rng.uniform(-10, 10, n_points),
                           "lon": rng.uniform(-10, 10, n_points)})
    first_year = [float(rng.choice([np.nan, 2030, 2031, 2032])) for _ in plant_ids]
    allowed = [rng.choice(["*", "pyro", "hydro", "pyro;hydro"]) for _ in plant_ids]
    plants = pd.DataFrame({"plant": plant_ids, "region": [regions[j % 2] for j in
                                                          range(n_plants)],
                           "eu": rng.random(n_plants) < 0.6,
                           "lat": rng.uniform(-10, 10, n_plants),
                           "lon": rng.uniform(-10, 10, n_plants),
                           "first_year": pd.array(first_year, dtype="Float64").astype("Int64"),
                           "processes": allowed})
    lanes = [("*", "*", bool(rng.random() < 0.7), "road", np.nan)]
    for _ in range(int(rng.integers(1, 5))):
        lanes.append((str(rng.choice(point_ids + regions + ["*"])),
                      str(rng.choice(plant_ids + regions + ["*"])), bool(rng.random() < 0.7),
                      str(rng.choice(["road", "sea"])),
                      float(rng.uniform(10, 3000)) if rng.random() < 0.5 else np.nan))
    lanes_frame = pd.DataFrame(lanes, columns=["from", "to", "allowed", "mode", "distance_km"])
    lanes_frame = lanes_frame.drop_duplicates(["from", "to"], keep="last")
    transport = pd.DataFrame({"mode": ["road", "sea"], "usd_per_tonne_km": rng.uniform(
        0.01, 0.3, 2), "handling_usd_per_tonne": rng.uniform(0, 200, 2),
        "circuity": rng.uniform(1.0, 1.5, 2)})
    targets = pd.DataFrame([
        ("recycling_efficiency", "*", 2030, float(rng.uniform(0.0, 0.4))),
        ("recycling_efficiency", "*", 2032, float(rng.uniform(0.0, 0.6))),
        ("material_recovery", "nickel", 2031, float(rng.uniform(0.3, 0.95))),
    ], columns=["target", "material", "from_year", "share"])
    years = list(range(2030, 2030 + n_years))
    rows = [(p, int(y), c, float(rng.uniform(0, 80_000))) for p in point_ids for y in years
            for c in chems if rng.random() < 0.6]
    if not rows:
        rows = [(point_ids[0], 2030, "X", 50_000.0)]
    retired = pd.DataFrame(rows, columns=["collection_point", "year", "chemistry", "kwh"])
    tables = {"materials": materials, "packs": packs, "processes": processes,
              "recovery": recovery, "prices": prices, "plant_tiers": tiers,
              "collection_points": points, "candidate_plants": plants, "lanes": lanes_frame,
              "transport": transport, "targets": targets}
    return retired, tables
