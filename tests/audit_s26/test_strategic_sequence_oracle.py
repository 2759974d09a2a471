"""Strategic plans against an oracle that enumerates each plant's legal histories.

evplan's strategic families encode the plant rules of docs/formulation.md ("Plants: close,
mothball, resize", "Programs, lifecycle, steering") as linear rows over state and event
variables. The oracle here does not reuse that encoding: it lists, in plain Python, every
sequence of yearly plant states (open / mothballed / closed, and the number of modules) that
the rules in prose allow, prices each sequence with the costs the inputs name, and lets
``scipy.optimize.milp`` pick one sequence per plant (a one-hot binary per sequence) and one
allocation history per plant-program option, with the flows, demand tiers and duties
(ad valorem with a minimum, a specific duty, a tariff-rate quota at an in-quota rate, CIF or
FOB customs value with the transfer-price markup) as continuous columns. Its optimum must equal
evplan's, which says ``optimal``.

Rules used (docs/formulation.md and docs/inputs.md, plant_strategy.csv):

* the year before the horizon: open, running, ``modules_initial`` modules;
* closure is for good and costs ``closure_cost_usd`` in the first year closed (no module
  removal cost then); only with ``can_close``, not before ``earliest_closure_year``;
* a running plant has 1..``modules_max`` modules and costs (1 - share) F + share F / n0 per
  module; a mothballed one keeps its modules unchanged and costs the yearly idle cost;
  mothballing costs ``mothball_cost_usd`` once, reopening ``reopen_cost_usd``; a mothballed
  plant stays idle at least ``min_mothball_years``;
* a module added costs ``add_module_cost_usd``, one removed ``remove_module_cost_usd``;
  before the first year + ``add_lead_time_years`` the plant has at most ``modules_initial``;
* capacity = modules running x capacity / n0;
* a program option is allocated only in years its plant is open, starts cost the tooling,
  stops the exit cost, each allocated year its fixed cost; at most ``max_plants`` plants;
* duty per vehicle = max(rate x value, minimum) + specific outside the quota, in-quota rate x
  value + specific inside; value = cost x (1 + markup) (+ freight where CIF).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

import evplan
from evplan.data import NetworkData, validate_tables
from evplan.strategic.check import check_plan, network_skip
from evplan.verify import verify_network

YEARS = (2025, 2026, 2027)
RATE = 0.08
MARKUP = 0.1
DELTA = {y: (1 + RATE) ** -(y - YEARS[0]) for y in YEARS}
PLANTS = {"P1": "AA", "P2": "BB"}
MARKETS = {"M1": "AA", "M2": "DD"}
PROGRAMS = {"V1": "BEV", "V2": "ICE"}


def network(seed: int) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    """Input tables of case ``seed`` and the scenario settings."""
    rng = np.random.default_rng(26_200 + seed)
    tables: dict[str, pd.DataFrame] = {
        "plants": pd.DataFrame({
            "plant": list(PLANTS), "country": list(PLANTS.values()),
            "capacity_vehicles_per_year": rng.choice([400.0, 800.0, 1_200.0], 2),
            "fixed_cost_usd_per_year": rng.uniform(0.3e6, 3e6, 2).round()}),
        "programs": pd.DataFrame({"program": list(PROGRAMS),
                                  "powertrain": list(PROGRAMS.values()), "segment": "C",
                                  "maker": "Maker"}),
        "markets": pd.DataFrame({"market": list(MARKETS), "country": list(MARKETS.values()),
                                 "customs_basis": rng.choice(["CIF", "FOB"], 2)}),
        "plant_programs": pd.DataFrame([{"plant": p, "program": v,
                                         "variable_cost_usd_per_vehicle":
                                         float(rng.uniform(8_000, 15_000)).__round__()}
                                        for p in PLANTS for v in PROGRAMS]),
        "routes": pd.DataFrame([{"plant": p, "market": k,
                                 "freight_usd_per_vehicle": float(rng.uniform(200, 3_000))}
                                for p in PLANTS for k in MARKETS]),
    }
    demand = []
    for k in MARKETS:
        for v in PROGRAMS:
            level = float(rng.uniform(0.2, 1.6))   # some years trough, some peak
            for y in YEARS:
                price = float(rng.uniform(18_000, 27_000))
                swing = float(rng.choice([0.2, 1.0, 1.8])) * level
                for tier in (1, 2):
                    demand.append({"market": k, "year": y, "product": v, "tier": tier,
                                   "volume_vehicles": round(float(rng.uniform(80, 300)) * swing),
                                   "price_usd_per_vehicle": price - 3_000.0 * tier})
    tables["demand"] = pd.DataFrame(demand)
    duties = []
    for origin, market in (("BB", "M1"), ("AA", "M2"), ("BB", "M2")):
        row = {"origin": origin, "market": market,
               "powertrain": str(rng.choice(["*", "BEV"])),
               "ad_valorem_rate": float(rng.choice([0.0, 0.1, 0.25, 0.5])),
               "minimum_usd_per_vehicle": float(rng.choice([0.0, 0.0, 2_500.0, 6_000.0])),
               "specific_usd_per_vehicle": float(rng.choice([0.0, 400.0]))}
        if rng.random() < 0.6:
            row.update(quota_vehicles_per_year=float(rng.choice([50.0, 150.0, 400.0])),
                       in_quota_rate=float(rng.choice([0.0, 0.05])) * (
                           row["ad_valorem_rate"] > 0))
        duties.append(row)
    tables["duties"] = pd.DataFrame(duties)
    strategy = []
    for p in PLANTS:
        mothball = str(rng.choice(["yes", "no"]))
        strategy.append({
            "plant": p, "modules_initial": 2, "modules_max": int(rng.choice([2, 3])),
            "module_fixed_cost_share": float(rng.choice([0.3, 0.6, 0.9])),
            "add_module_cost_usd": float(rng.uniform(0, 8e5)).__round__(),
            "remove_module_cost_usd": float(rng.uniform(0, 5e5)).__round__(),
            "add_lead_time_years": int(rng.choice([0, 1, 2])),
            "can_close": str(rng.choice(["yes", "yes", "no"])),
            "closure_cost_usd": float(rng.uniform(0, 3e6)).__round__(),
            "earliest_closure_year": int(rng.choice([2025, 2026])),
            "can_mothball": mothball,
            "mothball_cost_usd": float(rng.uniform(0, 5e5)).__round__(),
            "mothball_cost_usd_per_year": float(rng.uniform(0, 3e5)).__round__(),
            "reopen_cost_usd": float(rng.uniform(0, 8e5)).__round__(),
            "min_mothball_years": int(rng.choice([1, 2]))})
    tables["plant_strategy"] = pd.DataFrame(strategy)
    tables["plant_program_options"] = pd.DataFrame([
        {"plant": "P1", "program": "V1", "existing": "yes",
         "tooling_cost_usd": float(rng.uniform(0, 2e6)).__round__(),
         "exit_cost_usd": float(rng.uniform(0, 1e6)).__round__(),
         "fixed_cost_usd_per_year": float(rng.uniform(0, 3e5)).__round__()},
        {"plant": "P2", "program": "V1", "existing": "no",
         "tooling_cost_usd": float(rng.uniform(0, 2e6)).__round__(),
         "exit_cost_usd": float(rng.uniform(0, 1e6)).__round__(),
         "fixed_cost_usd_per_year": float(rng.uniform(0, 3e5)).__round__()}])
    tables["program_lifecycle"] = pd.DataFrame({"program": ["V1"],
                                                "max_plants": [int(rng.choice([1, 2]))]})
    scenario = {"name": f"strategic sequence oracle {seed}", "first_year": YEARS[0],
                "last_year": YEARS[-1], "discount_rate": RATE, "default_duty_rate": 0.0,
                "transfer_price_markup": MARKUP}
    return tables, scenario


def plant_histories(rule: pd.Series, fixed_usd: float, capacity: float
                    ) -> list[tuple[float, tuple[float, ...], tuple[int, ...]]]:
    """Every legal history of a plant: (discounted cost, capacity by year, open by year)."""
    n0, n_max = int(rule.modules_initial), int(rule.modules_max)
    share = rule.module_fixed_cost_share
    states = [("closed", 0)] + [("idle", n) for n in range(1, n_max + 1)] + [
        ("run", n) for n in range(1, n_max + 1)]
    histories = []
    for path in itertools.product(states, repeat=len(YEARS)):
        previous, cost, ok = ("run", n0), 0.0, True
        idle_since: int | None = None
        for position, (year, (state, modules)) in enumerate(zip(YEARS, path, strict=True)):
            kind_before, modules_before = previous
            if state == "closed":
                if rule.can_close != "yes" or year < rule.earliest_closure_year:
                    ok = False
                if kind_before != "closed":
                    cost += DELTA[year] * rule.closure_cost_usd
            else:
                if kind_before == "closed":
                    ok = False                                   # closure is for good
                if state == "idle":
                    if rule.can_mothball != "yes" or modules != modules_before:
                        ok = False                               # idle keeps its modules
                    if kind_before == "run":
                        cost += DELTA[year] * rule.mothball_cost_usd
                        idle_since = position
                    cost += DELTA[year] * rule.mothball_cost_usd_per_year
                else:
                    if kind_before == "idle":
                        if idle_since is not None and position - idle_since < (
                                rule.min_mothball_years):
                            ok = False
                        cost += DELTA[year] * rule.reopen_cost_usd
                    if year < YEARS[0] + rule.add_lead_time_years and modules > n0:
                        ok = False
                    added = max(modules - modules_before, 0)
                    removed = max(modules_before - modules, 0)
                    cost += DELTA[year] * (added * rule.add_module_cost_usd
                                           + removed * rule.remove_module_cost_usd)
                    cost += DELTA[year] * fixed_usd * ((1 - share) + share * modules / n0)
            previous = (state, modules)
        if ok:
            histories.append((cost, tuple(capacity / n0 * modules if state == "run" else 0.0
                                          for state, modules in path),
                              tuple(int(state != "closed") for state, _ in path)))
    return histories


def _duty(tables: dict[str, pd.DataFrame], plant: str, program: str, market: str
          ) -> tuple[float, float, int | None]:
    """(duty outside the quota, duty inside, quota row) per vehicle of a lane."""
    origin = PLANTS[plant]
    if origin == MARKETS[market]:
        return 0.0, 0.0, None
    cost = tables["plant_programs"].set_index(["plant", "program"]).loc[
        (plant, program), "variable_cost_usd_per_vehicle"]
    freight = tables["routes"].set_index(["plant", "market"]).loc[
        (plant, market), "freight_usd_per_vehicle"]
    basis = tables["markets"].set_index("market").loc[market, "customs_basis"]
    value = cost * (1 + MARKUP) + (freight if basis == "CIF" else 0.0)
    duties = tables["duties"]
    for powertrain in (PROGRAMS[program], "*"):
        match = duties[(duties["origin"] == origin) & (duties["market"] == market)
                       & (duties["powertrain"] == powertrain)]
        if len(match):
            row = match.iloc[0]
            outside = max(row.ad_valorem_rate * value, row.minimum_usd_per_vehicle) + (
                row.specific_usd_per_vehicle)
            if "quota_vehicles_per_year" in row and not np.isnan(row.quota_vehicles_per_year):
                return outside, row.in_quota_rate * value + row.specific_usd_per_vehicle, int(
                    match.index[0])
            return outside, outside, None
    return 0.0, 0.0, None


def oracle(tables: dict[str, pd.DataFrame]) -> float:
    """The best discounted margin by docs/formulation.md, from the tables (scipy milp)."""
    cost, upper, integer = [], [], []
    rows: list[tuple[dict[int, float], float, float]] = []

    def column(usd: float, top: float = np.inf, binary: bool = False) -> int:
        cost.append(usd)
        upper.append(1.0 if binary else top)
        integer.append(int(binary))
        return len(cost) - 1

    plants = tables["plants"].set_index("plant")
    strategy = tables["plant_strategy"].set_index("plant")
    capacity_terms = {(p, y): {} for p in PLANTS for y in YEARS}
    open_terms = {(p, y): {} for p in PLANTS for y in YEARS}
    for p in PLANTS:
        one_hot: dict[int, float] = {}
        for usd, capacity, is_open in plant_histories(
                strategy.loc[p], plants.loc[p, "fixed_cost_usd_per_year"],
                plants.loc[p, "capacity_vehicles_per_year"]):
            j = column(usd, binary=True)
            one_hot[j] = 1.0
            for y, cap, o in zip(YEARS, capacity, is_open, strict=True):
                capacity_terms[p, y][j] = -cap
                open_terms[p, y][j] = -o
        rows.append((one_hot, 1.0, 1.0))
    allocated = {}   # (plant, program, year) -> terms of a_y
    options = tables["plant_program_options"]
    for option in options.itertuples():
        one_hot = {}
        terms_by_year = {y: {} for y in YEARS}
        for path in itertools.product((0, 1), repeat=len(YEARS)):
            usd, before = 0.0, int(option.existing == "yes")
            for y, a in zip(YEARS, path, strict=True):
                usd += DELTA[y] * (option.tooling_cost_usd * max(a - before, 0)
                                   + option.exit_cost_usd * max(before - a, 0)
                                   + option.fixed_cost_usd_per_year * a)
                before = a
            j = column(usd, binary=True)
            one_hot[j] = 1.0
            for y, a in zip(YEARS, path, strict=True):
                terms_by_year[y][j] = float(a)
        rows.append((one_hot, 1.0, 1.0))
        for y in YEARS:
            allocated[option.plant, option.program, y] = terms_by_year[y]
            rows.append(({**terms_by_year[y], **open_terms[option.plant, y]}, -np.inf, 0.0))
    for life in tables["program_lifecycle"].itertuples():
        for y in YEARS:
            terms: dict[int, float] = {}
            for (_, v, year), alloc in allocated.items():
                if v == life.program and year == y:
                    terms.update(alloc)
            rows.append((terms, -np.inf, float(life.max_plants)))
    variable = tables["plant_programs"].set_index(["plant", "program"])[
        "variable_cost_usd_per_vehicle"]
    freight = tables["routes"].set_index(["plant", "market"])["freight_usd_per_vehicle"]
    balance = {(v, k, y): {} for v in PROGRAMS for k in MARKETS for y in YEARS}
    quota: dict[tuple[int, int], dict[int, float]] = {}
    big = float(plants["capacity_vehicles_per_year"].max()) * 3
    for p, v, k, y in itertools.product(PLANTS, PROGRAMS, MARKETS, YEARS):
        outside, inside, quota_row = _duty(tables, p, v, k)
        unit = variable[p, v] + freight[p, k]
        x = column(DELTA[y] * (unit + outside))
        capacity_terms[p, y][x] = 1.0
        balance[v, k, y][x] = 1.0
        if (p, v, y) in allocated:
            rows.append(({x: 1.0, **{j: -big * a for j, a in allocated[p, v, y].items()}},
                         -np.inf, 0.0))
        if quota_row is not None:
            z = column(-DELTA[y] * (outside - inside))
            rows.append(({z: 1.0, x: -1.0}, -np.inf, 0.0))
            quota.setdefault((quota_row, y), {})[z] = 1.0
    for (quota_row, _), terms in quota.items():
        rows.append((terms, -np.inf, float(tables["duties"].loc[
            quota_row, "quota_vehicles_per_year"])))
    for terms in capacity_terms.values():
        rows.append((terms, -np.inf, 0.0))
    for tier in tables["demand"].itertuples():
        q = column(-DELTA[tier.year] * tier.price_usd_per_vehicle, tier.volume_vehicles)
        balance[tier.product, tier.market, tier.year][q] = -1.0
    for terms in balance.values():
        rows.append((terms, 0.0, 0.0))
    matrix = lil_matrix((len(rows), len(cost)))
    for i, (terms, _, _) in enumerate(rows):
        for j, value in terms.items():
            matrix[i, j] = value
    solution = milp(np.array(cost), integrality=np.array(integer),
                    bounds=Bounds(np.zeros(len(cost)), np.array(upper)),
                    constraints=LinearConstraint(matrix.tocsr(), [r[1] for r in rows],
                                                 [r[2] for r in rows]),
                    options={"mip_rel_gap": 1e-10})
    assert solution.status == 0, solution.message
    return -float(solution.fun)


@functools.cache
def solved(seed: int) -> tuple[NetworkData, evplan.Result]:
    """evplan's inputs and plan of case ``seed`` (to a 1e-9 gap)."""
    tables, scenario = network(seed)
    data = validate_tables(tables, scenario)
    return data, evplan.optimize(data, evplan.SolverOptions(mip_gap=1e-9))


@functools.cache
def compare(seed: int) -> dict[str, object]:
    """Solve case ``seed`` both ways; return what evplan's plan decided."""
    result = solved(seed)[1]
    assert result.status == "optimal", result.status
    assert result.metadata["strategic_check"] == "passed"
    expected = _best(seed)
    assert float(result.objective_usd) == pytest.approx(expected, rel=1e-7, abs=1.0), (
        seed, float(result.objective_usd), expected)
    decisions = result.tables["network_decisions"]
    shipments = result.tables["shipments"]
    return {"events": tuple(sorted(set(decisions["kind"]) if len(decisions) else ())),
            "in_quota": float(shipments["in_quota_vehicles"].sum())}


FAST = (8, 34)   # 34: a two-year minimum idle time changes the optimum


@pytest.mark.parametrize("seed", FAST)
def test_the_plan_equals_the_enumerated_histories(seed: int) -> None:
    compare(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [seed for seed in [*range(30), 41, 79] if seed not in FAST])
def test_more_cases_agree(seed: int) -> None:
    compare(seed)


@functools.cache
def _best(seed: int) -> float:
    return oracle(network(seed)[0])


def _limited(seed: int, limit_s: float) -> None:
    """A run stopped by ``--time-limit`` reports a plan no better than the optimum, a bound
    no worse, the gap between them, and ``optimal`` only for the optimum."""
    best = _best(seed)
    tables, scenario = network(seed)
    data = validate_tables(tables, scenario)
    try:
        result = evplan.optimize(data, evplan.SolverOptions(mip_gap=1e-9, time_limit_s=limit_s))
    except evplan.SolverLimitError as error:
        assert "without a feasible plan" in str(error)
        return
    value, bound = float(result.objective_usd), float(result.metadata["mip_bound_usd"])
    tolerance = 1e-7 * abs(best) + 1.0
    assert value <= best + tolerance, (seed, limit_s, result.status, value, best)
    assert bound >= best - tolerance, (seed, limit_s, result.status, bound, best)
    if result.status == "optimal":
        assert value == pytest.approx(best, rel=1e-7, abs=1.0)
    else:
        assert result.status == "time_limit"
        gap = float(result.metadata["mip_gap"])
        if np.isfinite(bound):
            assert gap == pytest.approx(max(bound - value, 0.0) / abs(value), rel=1e-6)
        else:
            assert gap == np.inf


@pytest.mark.slow
@pytest.mark.parametrize("limit_s", [0.02, 0.1])
def test_a_time_limited_run_reports_an_honest_status_bound_and_gap(limit_s: float) -> None:
    _limited(0, limit_s)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 5, 8, 9])
@pytest.mark.parametrize("limit_s", [0.005, 0.02, 0.05, 0.1, 0.3])
def test_more_time_limited_runs_are_honest(seed: int, limit_s: float) -> None:
    _limited(seed, limit_s)


def _tampered(seed: int, change: Callable[[dict[str, pd.DataFrame]], None]
              ) -> tuple[list[str], str]:
    """The strategic check's problems and the network certificate's message on a plan with
    ``change`` applied, its objective set to what the tampered tables recompute to."""
    data, result = solved(seed)
    tables = {name: frame.copy() for name, frame in result.tables.items()}
    change(tables)
    first = check_plan(data, tables, result.objective_usd)
    found = re.search(r"recomputed from the tables and input costs is ([-\d,.]+),", first[0])
    objective = float(found.group(1).replace(",", "")) if found else result.objective_usd
    problems = check_plan(data, tables, objective)
    try:
        verify_network(data, dataclasses.replace(result, tables=tables, objective_usd=objective),
                       skip=network_skip(data))
    except evplan.VerificationError as error:
        return problems, str(error)
    return problems, ""


def test_a_plan_over_its_module_capacity_fails_the_check() -> None:
    """Case 0 adds a third module at P1 in 2026 and builds 600 there; tampered to keep two
    modules (400 vehicles) with the same production, every cost made consistent."""
    def two_modules(tables: dict[str, pd.DataFrame]) -> None:
        plants = tables["plant_decisions"]
        row = plants.index[(plants["plant"] == "P1") & (plants["year"] == 2026)][0]
        assert plants.loc[row, "modules_running"] == 3 and plants.loc[row, "modules_added"] == 1
        plants.loc[row, ["modules_installed", "modules_running", "modules_added",
                         "one_off_cost_usd"]] = [2.0, 2.0, 0.0, 0.0]
        plants.loc[row, "capacity_vehicles_per_year"] = 400.0
    problems, _ = _tampered(0, two_modules)
    assert "P1 2026: builds 600.0 with 400.0 capacity (2 running modules of 200)." in problems


def test_a_quota_used_past_its_volume_fails_the_certificate() -> None:
    """Case 8 fills AA>M2's 50-vehicle quota; tampered so all 518 of P1's V1 in 2025 enter
    inside it (at the in-quota duty), the objective recomputed to match."""
    def whole_lane_in_quota(tables: dict[str, pd.DataFrame]) -> None:
        ships = tables["shipments"]
        row = ships.index[(ships["plant"] == "P1") & (ships["program"] == "V1")
                          & (ships["market"] == "M2") & (ships["year"] == 2025)][0]
        assert ships.loc[row, ["shipment_vehicles", "in_quota_vehicles"]].tolist() == [518, 50]
        ships.loc[row, "in_quota_vehicles"] = 518.0
        ships.loc[row, "duty_usd"] = 518.0 * ships.loc[row, "in_quota_duty_usd_per_vehicle"]
    _, message = _tampered(8, whole_lane_in_quota)
    assert "duty-quota" in message and "518.000 in-quota vehicles, quota 50.000" in message


def test_a_duty_below_the_minimum_fails_the_check() -> None:
    """Case 8's AA>M2 duty is max(25 % x value, 2,500) + 400 = 2,900 per vehicle (the
    minimum binds: FOB value about 9,000); tampered to 1,900."""
    def lower_duty(tables: dict[str, pd.DataFrame]) -> None:
        ships = tables["shipments"]
        row = ships.index[(ships["plant"] == "P1") & (ships["program"] == "V2")
                          & (ships["market"] == "M2") & (ships["year"] == 2025)][0]
        assert ships.loc[row, "full_duty_usd_per_vehicle"] == pytest.approx(2_900.0)
        ships.loc[row, "full_duty_usd_per_vehicle"] = 1_900.0
        ships.loc[row, "duty_usd"] = 1_900.0 * ships.loc[row, "shipment_vehicles"]
    problems, message = _tampered(8, lower_duty)
    assert problems or message
