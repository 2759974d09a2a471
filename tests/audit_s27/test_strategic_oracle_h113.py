"""A plant that may close, against a brute force over its closure year (helper-113).

The random networks of `oracle_h113.py` (every duty mechanism and trade term) get one plant
with a 2 M USD fixed cost and a `plant_strategy.csv` row (one module, may close, closure cost
0.3 M paid in the first year it no longer operates; docs/inputs.md, plant_strategy.csv). The
strategic MILP's optimum must equal the best of the three LPs the outside oracle solves:
never close, close from 2026 (the plant operates in 2025 only, closure cost discounted to
2026), close from 2025 (the plant never operates, closure cost in 2025).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import evplan
from tests.audit_s27 import oracle_h113 as oracle

CLOSURE_USD = 300_000.0


def _brute_force(case: dict) -> float:
    rate = case["scenario"]["discount_rate"]
    values = []
    for close_from in (None, 2026, 2025):
        variant = copy.deepcopy(case)
        plant = variant["plants"][0]
        cost = 0.0
        if close_from == 2026:
            plant["last_year"] = 2025
            cost = CLOSURE_USD / (1 + rate)
        elif close_from == 2025:
            name = plant["plant"]
            variant["plants"] = variant["plants"][1:]
            variant["plant_programs"] = [r for r in variant["plant_programs"]
                                         if r["plant"] != name]
            variant["routes"] = [r for r in variant["routes"] if r["plant"] != name]
            cost = CLOSURE_USD
        solved = oracle.solve_case(variant)
        if solved["status"] == "optimal":
            values.append(solved["objective_usd"] - cost)
    return max(values)


@pytest.mark.parametrize("seed", [0, 5, 10, 16, 21])
def test_closing_a_plant_matches_the_brute_force(seed: int, tmp_path: Path) -> None:
    case = oracle.random_case(seed)
    plant = case["plants"][0]
    assert plant["first_year"] == "" and plant["last_year"] == ""
    plant.update(fixed_cost_usd_per_year=2_000_000, min_utilisation=0)
    folder = oracle.write_case(case, tmp_path / "inputs")
    (folder / "plant_strategy.csv").write_text(
        "plant,modules_initial,can_close,closure_cost_usd\n"
        f"{plant['plant']},1,yes,{CLOSURE_USD}\n", encoding="utf-8")
    result = evplan.optimize(evplan.load(folder))
    assert result.status == "optimal"
    expected = _brute_force(case)
    assert result.objective_usd == pytest.approx(expected, rel=1e-6, abs=1e-6)
