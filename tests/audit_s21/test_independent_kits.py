"""Local assembly (kits, sites, rules of origin) with every built-up duty on the same lanes.

evplan's strategic MILP against the independent formulation (test_independent_lp_oracle,
scipy milp for site opening and the rules-of-origin binaries), on combo_network inputs with
a site, kit lanes and kit duties added.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.data import validate_tables
from tests.audit_s21.agree import agree, oracle_value
from tests.audit_s21.test_independent_export import combo_network
from tests.audit_s21.test_independent_lp_oracle import solve


def kit_network(seed: int, *, strategy: bool = False):
    base = combo_network(seed)
    rng = np.random.default_rng(30_000 + seed)
    tables = {name: frame.drop(columns=["row"], errors="ignore")
              for name, frame in base.tables.items() if len(frame)}
    plants = tables["plants"].copy()
    plants["min_utilisation"] = 0.0
    tables["plants"] = plants
    markets = tables["markets"]
    site_market = markets.iloc[int(rng.integers(len(markets)))]
    tables["assembly_sites"] = pd.DataFrame([{
        "site": "S1", "market": site_market["market"],
        "capacity_vehicles_per_year": float(rng.choice([100, 400, 2000])),
        "opening_cost_usd": float(rng.choice([0, 3e5])),
        "fixed_cost_usd_per_year": float(rng.choice([0, 1e5])),
        "existing": rng.choice(["yes", "no"])}])
    kit_rows = []
    for plant in plants["plant"]:
        for kit, share in (("CKD", 0.5), ("SKD", 0.8)):
            if rng.random() < 0.6:
                kit_rows.append({
                    "plant": plant, "site": "S1", "kit": kit, "kit_value_share": share,
                    "freight_usd_per_vehicle": float(rng.uniform(200, 1500)),
                    "assembly_cost_usd_per_vehicle": float(rng.uniform(500, 4000)),
                    "local_content_usd_per_vehicle": float(rng.uniform(0, 3000))
                    if rng.random() < 0.5 else "",
                    "plant_capacity_share": float(rng.choice([0, 0.3, 1.0]))})
    if not kit_rows:
        kit_rows.append({"plant": plants["plant"].iloc[0], "site": "S1", "kit": "CKD",
                         "kit_value_share": 0.5, "freight_usd_per_vehicle": 500.0,
                         "assembly_cost_usd_per_vehicle": 2000.0,
                         "local_content_usd_per_vehicle": "", "plant_capacity_share": 0.0})
    tables["kit_routes"] = pd.DataFrame(kit_rows)
    duty_rows = []
    for origin in sorted(set(plants["country"])):
        if origin == site_market["country"]:
            continue
        preferential = rng.random() < 0.6
        duty_rows.append({
            "origin": origin, "market": site_market["market"], "powertrain": "*",
            "kit_duty_rate": float(rng.choice([0.05, 0.15, 0.3])),
            "preferential_rate": 0.0 if preferential else "",
            "rvc_threshold": float(rng.choice([0.2, 0.4, 0.6])) if preferential else "",
            "kit_originating_share": float(rng.choice([0, 0.5, 1.0]))})
    if duty_rows:
        tables["kit_duties"] = pd.DataFrame(duty_rows)
    if strategy:  # P0 may close or drop a module (brute-forced by the strategic test)
        from tests.audit_s21.test_independent_strategic import closable_p0

        tables["plant_strategy"] = closable_p0(plants, rng, add_module_cost=False)
    return validate_tables(tables, base.scenario.as_dict())


def compare(seed: int) -> None:
    agree(kit_network, lambda data: oracle_value(solve(data)), seed, abs_usd=1e-2)


def compare_strategic(seed: int) -> None:
    from tests.audit_s21.test_independent_strategic import brute_force

    agree(lambda seed: kit_network(seed, strategy=True), brute_force, seed, abs_usd=1e-2)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(15))
def test_kits_with_a_closable_plant_agree_with_brute_force(seed: int) -> None:
    compare_strategic(seed)


@pytest.mark.parametrize("seed", range(30))
def test_kits_with_built_up_duties_agree_with_the_independent_milp(seed: int) -> None:
    compare(seed)


def test_duties_paid_counts_the_kit_duties_the_margin_tables_count() -> None:
    result = evplan.optimize(kit_network(4))
    kpis = result.kpis
    paid = kpis[kpis["kpi"] == "duties_paid"].groupby("year")["value"].sum()
    in_margin = result.tables["margin_by_market"].groupby("year")["duty_usd"].sum()
    kits = result.tables["kit_shipments"].groupby("year")["duty_usd"].sum()
    assert kits.sum() > 200_000  # the plan pays kit duties (265,585 USD in 2025)
    pd.testing.assert_series_equal(paid, in_margin, check_names=False, check_index_type=False,
                                   rtol=1e-9)
