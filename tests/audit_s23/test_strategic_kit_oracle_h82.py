"""Strategic MILP against brute force on a kit network (audit s23, helper-82).

P1 and P2 (country AA) build V1 for M1 (country BB, 30 % CIF duty on built-up vehicles);
3 years, 5 % discount, freight 1,000, price 20,000. P1 (variable cost 10,000, capacity 1,000,
fixed 2 M) has no strategy row. P2 (capacity 1,000, fixed 1.5 M, one module) may close for
good; it builds V1 only once converted (plant_program_options: not existing, tooling cost,
``first_year`` the conversion lead time). Site S1 in M1 (800 a year, opening and fixed cost)
assembles CKD kits of share 0.5 from both plants: freight 300, assembly 1,500, kit duty
5 % of the CIF kit value (0.5 c + 300); a kit takes half a vehicle of plant capacity.

The oracle enumerates every integer decision (P2's closure year or none, P2's allocation in
2026 and 2027, the site's opening year or none) and solves each year's flows with
``scipy.optimize.linprog``; it shares nothing with evplan but the input numbers.

Before the fix, a program's allocation link capped built-up vehicles and kits together at
the plant's capacity, so a converted P2 could not fill its line and send kits of share 0.5
beside it: the MILP reported ``optimal`` 50,000 USD (2027) below the optimum.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

import evplan
from tests.strategic.networks import two_plants

YEARS = (2025, 2026, 2027)
RATE = 0.05
KIT_DUTY = 0.05


def _oracle(demand: list[float], p2_cost: float, site_open_usd: float, site_fixed_usd: float,
            tooling_usd: float, closure_usd: float, first_year: int
            ) -> tuple[float, tuple[int | None, tuple[int, ...], int | None], dict[int, float]]:
    cost = {1: 10_000.0, 2: p2_cost}
    built_up = {p: 20_000 - c - 1_000 - 0.3 * (c + 1_000) for p, c in cost.items()}
    kit = {p: 20_000 - (0.5 * c + 300 + 1_500 + KIT_DUTY * (0.5 * c + 300))
           for p, c in cost.items()}
    best: tuple[float, tuple[int | None, tuple[int, ...], int | None], dict[int, float]] = (
        -np.inf, (None, (0, 0, 0), None), {})
    for close, later, site in itertools.product((*YEARS, None), itertools.product((0, 1),
                                                repeat=2), (*YEARS, None)):
        allocated = (0, *later)
        total, one_off = 0.0, {}
        feasible = True
        for k, year in enumerate(YEARS):
            p2_open = close is None or year < close
            site_open = site is not None and year >= site
            if allocated[k] and (not p2_open or year < first_year):
                feasible = False
                break
            # columns: P1 built-up, P2 built-up, P1 kits, P2 kits
            solved = linprog(-np.array([built_up[1], built_up[2], kit[1], kit[2]]),
                             A_ub=[[1, 0, 0.5, 0], [0, 1, 0, 0.5], [0, 0, 1, 1], [1, 1, 1, 1]],
                             b_ub=[1_000, 1_000 * allocated[k], 800 * site_open, demand[k]],
                             bounds=[(0, None)] * 4, method="highs")
            one_off[year] = (site_open_usd * (site == year) + closure_usd * (close == year)
                             + tooling_usd * (k > 0 and allocated[k] > allocated[k - 1]))
            value = (-solved.fun - 2e6 - 1.5e6 * p2_open - site_fixed_usd * site_open
                     - one_off[year])
            total += value / (1 + RATE) ** (year - YEARS[0])
        if feasible and total > best[0] + 1e-6:
            best = (total, (close, allocated, site), one_off)
    return best


CASES = {
    # name: demand, P2's variable cost, site opening, site fixed, tooling, closure, first year
    "closes-p2-and-assembles": ([600.0, 1_500.0, 2_500.0], 12_000.0, 3e6, 1e6, 0.5e6, 1e6, 2026),
    "converts-p2-in-2026": ([600.0, 1_500.0, 2_500.0], 10_500.0, 3e6, 1e6, 0.5e6, 1e6, 2026),
    "conversion-lead-time-2027": ([600.0, 1_500.0, 2_500.0], 10_500.0, 3e6, 1e6, 0.5e6, 1e6,
                                  2027),
    "site-pays-at-900": ([900.0, 900.0, 900.0], 10_500.0, 4e6, 1e6, 0.5e6, 3e6, 2026),
    "site-does-not-pay-at-300": ([300.0, 300.0, 300.0], 10_500.0, 4e6, 1e6, 0.5e6, 3e6, 2026),
}


SLOW = {"closes-p2-and-assembles", "site-pays-at-900"}


@pytest.mark.parametrize("case", [pytest.param(name, marks=pytest.mark.slow) if name in SLOW
                                  else name for name in sorted(CASES)])
def test_plan_and_costs_equal_the_brute_force(case: str) -> None:
    demand, p2_cost, site_open_usd, site_fixed_usd, tooling_usd, closure_usd, first = CASES[case]
    value, (close, allocated, site), one_off = _oracle(
        demand, p2_cost, site_open_usd, site_fixed_usd, tooling_usd, closure_usd, first)
    data = two_plants(years=3, demand=demand, costs=(10_000.0, p2_cost), market_country="BB",
                      duty=0.3, scenario={"discount_rate": RATE}, extra={
        "plant_strategy": {"plant": ["P2"], "modules_initial": [1],
                           "closure_cost_usd": [closure_usd]},
        "plant_program_options": {"plant": ["P2"], "program": ["V1"], "existing": ["no"],
                                  "tooling_cost_usd": [tooling_usd], "first_year": [first]},
        "assembly_sites": {"site": ["S1"], "market": ["M1"],
                           "capacity_vehicles_per_year": [800.0],
                           "opening_cost_usd": [site_open_usd],
                           "fixed_cost_usd_per_year": [site_fixed_usd]},
        "kit_routes": {"plant": ["P1", "P2"], "site": ["S1", "S1"], "kit": ["CKD", "CKD"],
                       "kit_value_share": [0.5, 0.5], "freight_usd_per_vehicle": [300.0, 300.0],
                       "assembly_cost_usd_per_vehicle": [1_500.0, 1_500.0],
                       "plant_capacity_share": [0.5, 0.5]},
        "kit_duties": {"origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
                       "kit_duty_rate": [KIT_DUTY]}})
    result = evplan.optimize(data, evplan.SolverOptions(mip_gap=1e-9))
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(value, abs=1.0)
    states = result["plant_decisions"].set_index("year")["state"]
    assert [states[y] for y in YEARS] == [
        "closed" if close is not None and y >= close else "running" for y in YEARS]
    built = result["program_allocations"].set_index("year")["allocated"]
    assert tuple(int(built[y]) for y in YEARS) == allocated
    opened = result["assembly"].set_index("year")["open"]
    assert [bool(opened[y]) for y in YEARS] == [site is not None and y >= site for y in YEARS]
    costs = result["network_costs"]
    one_offs = costs[costs["kind"].str.endswith("one-off")].groupby("year")["cost_usd"].sum()
    assert one_offs.to_dict() == pytest.approx(one_off)
    kits = result["kit_shipments"]
    shipped = kits[kits["kits"] > 0]
    per_kit = {"P1": KIT_DUTY * (0.5 * 10_000 + 300), "P2": KIT_DUTY * (0.5 * p2_cost + 300)}
    assert (shipped["duty_usd"] / shipped["kits"]).tolist() == pytest.approx(
        shipped["plant"].map(per_kit).tolist())
    assert result.metadata["strategic_check"] == "passed"
