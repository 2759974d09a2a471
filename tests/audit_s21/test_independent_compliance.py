"""Fleet CO2 targets and ZEV mandates (banking, borrowing, trading) on duty-rich networks.

evplan's LP against the independent dense formulation with the rules of
docs/formulation.md, "CO2 and zero-emission rules", on combo_network inputs (quotas,
minimum, specific and countervailing duties, exchange rates, transfer prices, inventory,
committed sales).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evplan.data import validate_tables
from tests.audit_s21.agree import agree, oracle_value
from tests.audit_s21.test_independent_export import combo_network
from tests.audit_s21.test_independent_lp_oracle import solve

GRAMS = {"BEV": 0.0, "PHEV": 40.0, "HEV": 95.0, "ICE": 140.0}


def compliance_network(seed: int):
    base = combo_network(seed)
    rng = np.random.default_rng(40_000 + seed)
    tables = {name: frame.drop(columns=["row"], errors="ignore")
              for name, frame in base.tables.items() if len(frame)}
    programs = tables["programs"]
    tables["program_emissions"] = pd.DataFrame({
        "program": programs["program"],
        "co2_g_per_km": [GRAMS[pt] for pt in programs["powertrain"]]})
    years = list(range(base.scenario.first_year, base.scenario.last_year + 1))
    markets = list(tables["markets"]["market"])
    targets = []
    for market in markets:
        if rng.random() < 0.6:
            group = "G" if rng.random() < 0.5 else ""
            pool = float(rng.choice([10.0, 50.0])) if rng.random() < 0.4 else ""
            premium = float(rng.choice([20.0, 100.0, 400.0]))
            targets += [{"market": market, "year": y,
                         "target_g_per_km": float(rng.choice([30.0, 80.0, 120.0])),
                         "premium_usd_per_g_km": premium, "pool_price_usd_per_g_km": pool,
                         "averaging_group": group} for y in years]
    if targets:
        tables["fleet_targets"] = pd.DataFrame(targets)
    mandates = []
    for market in markets:
        if rng.random() < 0.6:
            penalty = float(rng.choice([2000.0, 15000.0]))
            price = float(rng.choice([500.0, 5000.0])) if rng.random() < 0.5 else ""
            cap = min(penalty, price) if price != "" else penalty
            sale = float(0.5 * cap) if rng.random() < 0.5 else ""
            mandates += [{"market": market, "year": y,
                          "zev_share": float(rng.choice([0.1, 0.3, 0.6])),
                          "phev_credits_per_vehicle": float(rng.choice([0.0, 0.5])),
                          "penalty_usd_per_vehicle": penalty, "credit_price_usd": price,
                          "credit_sale_price_usd": sale,
                          "banking": rng.choice(["yes", "no"]),
                          "borrow_share": float(rng.choice([0.0, 0.0, 0.25]))}
                         for y in years]
    if mandates:
        tables["zev_mandates"] = pd.DataFrame(mandates)
    return validate_tables(tables, base.scenario.as_dict())


def compare(seed: int) -> None:
    agree(compliance_network, lambda data: oracle_value(solve(data)), seed, abs_usd=1e-2)


@pytest.mark.parametrize("seed", range(30))
def test_compliance_with_duties_agrees_with_the_independent_lp(seed: int) -> None:
    compare(seed)
