"""Market entry and homologation (strategic MILP) on duty-rich networks against a brute force.

Every presence path of one market (market_entry.csv) and every approval year of one
program-market pair (homologations.csv) is enumerated; each is an export LP of the
independent formulation with the sales that may not happen removed, less the costs
docs/formulation.md ("Markets") and docs/inputs.md state: entry and exit one-offs in the
year of the change, presence cost each year present, the approval's cost in its year.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from evplan.data import validate_tables
from tests.audit_s21.agree import agree
from tests.audit_s21.test_independent_export import combo_network
from tests.audit_s21.test_independent_lp_oracle import solve


def market_network(seed: int):
    base = combo_network(seed)
    rng = np.random.default_rng(50_000 + seed)
    tables = {name: frame.drop(columns=["row"], errors="ignore")
              for name, frame in base.tables.items() if len(frame)}
    markets = list(tables["markets"]["market"])
    tables["market_entry"] = pd.DataFrame([{
        "market": markets[0], "present": rng.choice(["yes", "no"]),
        "entry_cost_usd": float(rng.choice([0, 5e5, 3e6])),
        "presence_cost_usd_per_year": float(rng.choice([0, 2e5, 1e6])),
        "exit_cost_usd": float(rng.choice([0, 1e5, 1e6]))}])
    program = tables["programs"]["program"].iloc[0]
    tables["homologations"] = pd.DataFrame([{
        "program": program, "market": markets[-1], "homologated": rng.choice(["yes", "no"]),
        "cost_usd": float(rng.choice([0, 4e5, 2e6]))}])
    return validate_tables(tables, base.scenario.as_dict())


def brute_force(data) -> float:
    first, last = data.scenario.first_year, data.scenario.last_year
    years = list(range(first, last + 1))
    delta = {y: (1 + data.scenario.discount_rate) ** -(y - first) for y in years}
    entry = data.tables["market_entry"].iloc[0]
    approval = data.tables["homologations"].iloc[0]
    market = entry["market"]
    best = -np.inf
    approvals = [None] if approval["homologated"] == "yes" else [*years, None]
    for presence in itertools.product([0, 1], repeat=len(years)):
        for approved_from in approvals:
            blocked, cost = set(), 0.0
            previous = 1 if entry["present"] == "yes" else 0
            for y, present in zip(years, presence, strict=True):
                if not present:
                    blocked.add(("*", market, y))
                cost += delta[y] * (present * float(entry["presence_cost_usd_per_year"])
                                    + max(0, present - previous) * float(entry["entry_cost_usd"])
                                    + max(0, previous - present) * float(entry["exit_cost_usd"]))
                previous = present
            if approval["homologated"] != "yes":
                for y in years:
                    if approved_from is None or y < approved_from:
                        blocked.add((approval["program"], approval["market"], y))
                if approved_from is not None:
                    cost += delta[approved_from] * float(approval["cost_usd"])
            solution = solve(data, blocked=blocked)
            if solution.status == "optimal":
                best = max(best, solution.objective - cost)
    return best


def compare(seed: int) -> None:
    agree(market_network, brute_force, seed, abs_usd=1e-2)


@pytest.mark.parametrize("seed", range(20))
def test_market_entry_and_homologation_agree_with_brute_force(seed: int) -> None:
    compare(seed)
