"""evplan's export LP against an outside formulation written from docs/formulation.md.

helper-113's outside check: `oracle_h113.py` draws small networks with every duty mechanism
(ad valorem, specific, minimum, '*' and per-year powertrain rows, countervailing duties per
maker with wildcards, tariff-rate quotas with groups across origins and quota shares, FTA 0 %,
default rate), the trade terms (exchange rates per year, transfer price on full cost,
inventory in transit, CIF/FOB), committed sales, plant minimums, lane capacities, year windows
and discounting, plus (second case family) fleet CO2 targets with averaging groups and pooling,
production credits with sales, ZEV mandates with banking, borrowing, purchase and sale, and
carbon prices with caps and use phase; it writes them as a
CSV folder, and solves the documented LP with `scipy.optimize.linprog` from its own tables.
evplan loads the folder like a user's; the objective, each shipment's per-vehicle terms and
each sale's price must agree to 1e-6 (relative).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import evplan
from evplan.errors import InfeasibleError
from tests.audit_s27 import oracle_h113 as oracle


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _check(case: dict, tmp_path: Path) -> None:
    folder = oracle.write_case(case, tmp_path / "inputs")
    expected = oracle.solve_case(case)
    data = evplan.load(folder)
    if expected["status"] == "infeasible":
        with pytest.raises(InfeasibleError):
            evplan.optimize(data)
        return
    result = evplan.optimize(data)
    assert result.status == "optimal"
    assert _close(result.objective_usd, expected["objective_usd"]), (
        result.objective_usd, expected["objective_usd"])
    for row in result["shipments"].itertuples():
        terms = oracle.flow_terms(case, row.plant, row.program, row.market, int(row.year))
        x, z = row.shipment_vehicles, row.in_quota_vehicles
        saving = (terms["duty"] - terms["duty_quota"]) * z if terms["quota"] else 0.0
        pairs = {
            "variable_cost_usd": (row.variable_cost_usd, terms["var"] * x),
            "freight_usd": (row.freight_usd, terms["freight"] * x),
            "inventory_usd": (row.inventory_usd, terms["inventory"] * x),
            "full_duty_usd_per_vehicle": (row.full_duty_usd_per_vehicle, terms["duty"]),
            "duty_usd": (row.duty_usd, terms["duty"] * x - saving),
        }
        for column, (got, want) in pairs.items():
            assert _close(got, want), (column, row, want)
    markets = {m["market"]: m["country"] for m in case["markets"]}
    for row in result["sales"].itertuples():
        tier = next(d for d in case["demand"] if d["market"] == row.market
                    and d["year"] == row.year and d["product"] == row.product
                    and d["tier"] == row.tier)
        price = tier["price_usd_per_vehicle"] * oracle._fx(case, markets[row.market],
                                                           int(row.year))
        assert _close(row.price_usd_per_vehicle, price), (row, price)


def _usable(case: dict) -> bool:
    return bool(case["routes"]) and bool(case["demand"])


@pytest.mark.parametrize("seed", [0, 2, 4, 5, 11, 17, 21, 23])
def test_export_lp_matches_the_outside_oracle(seed: int, tmp_path: Path) -> None:
    case = oracle.random_case(seed)
    assert _usable(case)
    _check(case, tmp_path)


@pytest.mark.parametrize("seed", [0, 4, 7, 11, 18, 21])
def test_compliance_lp_matches_the_outside_oracle(seed: int, tmp_path: Path) -> None:
    case = oracle.random_compliance_case(seed)
    assert _usable(case)
    _check(case, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(30, 60))
def test_more_random_networks_match_the_outside_oracle(seed: int, tmp_path: Path) -> None:
    for make in (oracle.random_case, oracle.random_compliance_case):
        case = make(seed)
        if _usable(case):
            _check(case, tmp_path / make.__name__)


def test_the_oracle_sees_each_trade_term() -> None:
    """The oracle is not blind: dropping a term changes its optimum on a case that uses it."""
    case = oracle.random_case(0)
    base = oracle.solve_case(case)["objective_usd"]
    for change in ({"inventory_carrying_rate": 0.0},):
        changed = copy.deepcopy(case)
        changed["scenario"].update(change)
        assert oracle.solve_case(changed)["objective_usd"] != pytest.approx(base)
    changed = copy.deepcopy(case)
    changed["countervailing_duties"] = []
    assert oracle.solve_case(changed)["objective_usd"] != pytest.approx(base)
