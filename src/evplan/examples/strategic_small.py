"""Small strategic networks built in code: hand-solvable cases and seeded random ones.

:func:`strategic_lane` lays strategic tables over :func:`~evplan.examples.single_lane`-like
networks; :func:`random_strategic_network` draws small random networks with every
strategic feature, small enough that every network decision can be enumerated (the
brute-force tests). Both are synthetic and say so in their scenario name.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evplan.data import NetworkData, validate_tables

__all__ = ["FEATURES", "random_strategic_network", "strategic_lane", "with_tables"]


def with_tables(data: NetworkData, tables: Mapping[str, pd.DataFrame],
                **scenario: object) -> NetworkData:
    """``data`` with tables replaced or added (and scenario settings changed), revalidated."""
    merged = {name: frame.drop(columns=["row"]) for name, frame in data.tables.items()
              if len(frame)}
    merged.update({name: frame for name, frame in tables.items()})
    settings = {**data.scenario.as_dict(), "sources": dict(data.scenario.sources), **scenario}
    return validate_tables(merged, settings, origin=data.origin)


def strategic_lane(*, years: int = 1, demand: float = 600.0, price: float = 20_000.0,
                   capacity: float = 1_000.0, modules: int = 2, modules_max: int | None = None,
                   fixed_cost: float = 2_000_000.0, closure_cost: float = 0.0,
                   remove_cost: float = 0.0, add_cost: float = 0.0, add_lead: int = 0,
                   can_close: str = "yes", module_share: float = 0.6) -> NetworkData:
    """One plant (country AA) with a strategy row, one BEV program, one domestic market.

    Variable cost 10,000 and freight 1,000 per vehicle: a vehicle earns price - 11,000.

    Examples
    --------
    >>> data = strategic_lane()
    >>> data["plant_strategy"]["modules_initial"].tolist()
    [2]
    """
    first = 2025
    year_list = list(range(first, first + years))
    tables = {
        "plants": pd.DataFrame({"plant": ["P1"], "country": ["AA"],
                                "capacity_vehicles_per_year": [capacity],
                                "fixed_cost_usd_per_year": [fixed_cost]}),
        "programs": pd.DataFrame({"program": ["V1"], "powertrain": ["BEV"], "segment": ["C"],
                                  "maker": ["Maker"]}),
        "plant_programs": pd.DataFrame({"plant": ["P1"], "program": ["V1"],
                                        "variable_cost_usd_per_vehicle": [10_000.0]}),
        "markets": pd.DataFrame({"market": ["M1"], "country": ["AA"]}),
        "demand": pd.DataFrame({"market": "M1", "year": year_list, "product": "V1", "tier": 1,
                                "volume_vehicles": demand, "price_usd_per_vehicle": price}),
        "routes": pd.DataFrame({"plant": ["P1"], "market": ["M1"],
                                "freight_usd_per_vehicle": [1_000.0]}),
        "duties": pd.DataFrame({"origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
                                "ad_valorem_rate": [0.0]}),
        "plant_strategy": pd.DataFrame({
            "plant": ["P1"], "module_name": ["line"], "modules_initial": [modules],
            "modules_max": [modules_max or modules], "module_fixed_cost_share": [module_share],
            "closure_cost_usd": [closure_cost], "remove_module_cost_usd": [remove_cost],
            "add_module_cost_usd": [add_cost], "add_lead_time_years": [add_lead],
            "can_close": [can_close]}),
    }
    scenario = {"name": "strategic-lane (synthetic)", "first_year": first,
                "last_year": year_list[-1]}
    return validate_tables(tables, scenario, origin="strategic_lane()")


FEATURES = ("plants", "programs", "markets", "steering", "kits", "equity")


def random_strategic_network(seed: int = 0, *, years: int = 2, plants: int = 2,
                             features: tuple[str, ...] = FEATURES) -> NetworkData:
    """A seeded random network with every strategic feature, small enough to enumerate.

    Two plants (the first with a strategy row of up to two modules, closure and
    mothballing; the second wholly fixed but a joint venture), two programs (one a
    plant-program option, one with a lifecycle and homologation), two markets (one with
    an entry decision and right-hand drive) and one assembly site with a rules-of-origin
    preference. ``features`` keeps only some of them (any of :data:`FEATURES`), so the
    brute-force tests can enumerate every network decision.
    """
    rng = np.random.default_rng(seed)
    first = 2030
    year_list = list(range(first, first + years))
    plant_ids = [f"P{i}" for i in range(plants)]
    capacity = rng.uniform(600, 1400, plants).round()
    tables: dict[str, pd.DataFrame] = {
        "plants": pd.DataFrame({
            "plant": plant_ids, "country": ["AA", "BB", "AA", "BB"][:plants],
            "capacity_vehicles_per_year": capacity,
            "fixed_cost_usd_per_year": rng.uniform(0.5e6, 3e6, plants).round(),
            "min_utilisation": [0.0] * plants}),
        "programs": pd.DataFrame({"program": ["V0", "V1"], "powertrain": ["BEV", "ICE"],
                                  "segment": ["C", "D"], "maker": ["Maker", "Maker"]}),
        "markets": pd.DataFrame({"market": ["M0", "M1"], "country": ["AA", "CC"],
                                 "customs_basis": ["CIF", "FOB"]}),
    }
    pairs = [(plant, program) for plant in plant_ids for program in ("V0", "V1")]
    tables["plant_programs"] = pd.DataFrame(pairs, columns=["plant", "program"]).assign(
        variable_cost_usd_per_vehicle=rng.uniform(9_000, 15_000, len(pairs)).round())
    demand = pd.MultiIndex.from_product([["M0", "M1"], year_list, ["V0", "V1"], [1, 2]],
                                        names=["market", "year", "product", "tier"]).to_frame(
        index=False)
    base_price = rng.uniform(19_000, 26_000, len(demand))
    demand["price_usd_per_vehicle"] = np.where(demand["tier"] == 1, base_price,
                                               base_price * 0.8).round()
    demand = demand.sort_values(["market", "year", "product", "tier"]).reset_index(drop=True)
    tier_one = demand["price_usd_per_vehicle"].where(demand["tier"] == 1).ffill()
    demand["price_usd_per_vehicle"] = np.where(demand["tier"] == 1, tier_one,
                                               (tier_one * 0.8).round())
    demand["volume_vehicles"] = rng.uniform(100, 500, len(demand)).round()
    tables["demand"] = demand
    lanes = [(plant, market) for plant in plant_ids for market in ("M0", "M1")]
    tables["routes"] = pd.DataFrame(lanes, columns=["plant", "market"]).assign(
        freight_usd_per_vehicle=rng.uniform(300, 2_000, len(lanes)).round())
    tables["duties"] = pd.DataFrame({
        "origin": ["AA", "BB", "BB"], "market": ["M1", "M0", "M1"], "powertrain": ["*"] * 3,
        "ad_valorem_rate": rng.choice([0.0, 0.1, 0.3, 0.5], 3)})
    strategic: dict[str, pd.DataFrame] = {}
    strategic["plant_strategy"] = pd.DataFrame({
        "plant": ["P0"], "modules_initial": [2], "modules_max": [2],
        "module_fixed_cost_share": [0.5], "closure_cost_usd": [round(rng.uniform(0, 2e6))],
        "remove_module_cost_usd": [round(rng.uniform(0, 5e5))], "can_close": ["yes"],
        "can_mothball": ["yes"], "mothball_cost_usd": [2e5], "mothball_cost_usd_per_year": [1e5],
        "reopen_cost_usd": [3e5]})
    strategic["plant_program_options"] = pd.DataFrame({
        "plant": ["P0"], "program": ["V1"], "existing": [rng.choice(["yes", "no"])],
        "tooling_cost_usd": [round(rng.uniform(0, 3e6))], "exit_cost_usd": [1e5]})
    strategic["program_lifecycle"] = pd.DataFrame({"program": ["V1"], "max_plants": [plants]})
    strategic["market_entry"] = pd.DataFrame({
        "market": ["M1"], "present": [rng.choice(["yes", "no"])],
        "entry_cost_usd": [round(rng.uniform(0, 3e6))], "presence_cost_usd_per_year": [2e5]})
    strategic["homologations"] = pd.DataFrame({"program": ["V0"], "market": ["M1"],
                                            "cost_usd": [round(rng.uniform(0, 1e6))]})
    strategic["market_steering"] = pd.DataFrame({"market": ["M1"], "steering": ["RHD"]})
    strategic["steering_variants"] = pd.DataFrame({
        "plant": ["P0"], "program": ["V0"], "built": ["LHD"],
        "add_other_cost_usd": [round(rng.uniform(0, 1e6))]})
    if plants > 1:
        strategic["plant_equity"] = pd.DataFrame({"plant": ["P1"], "equity_share": [0.5],
                                               "jv_margin_on_cost": [0.1]})
    if plants:
        strategic["assembly_sites"] = pd.DataFrame({
            "site": ["S1"], "market": ["M1"], "capacity_vehicles_per_year": [300.0],
            "opening_cost_usd": [round(rng.uniform(0, 2e6))], "fixed_cost_usd_per_year": [1e5]})
        strategic["kit_routes"] = pd.DataFrame({
            "plant": ["P0", "P0"], "site": ["S1", "S1"], "kit": ["SKD", "CKD"],
            "kit_value_share": [0.8, 0.5], "freight_usd_per_vehicle": [500.0, 400.0],
            "assembly_cost_usd_per_vehicle": [1_500.0, 4_000.0],
            "plant_capacity_share": [0.3, 0.0]})
        strategic["kit_duties"] = pd.DataFrame({
            "origin": ["AA"], "market": ["M1"], "powertrain": ["*"], "kit_duty_rate": [0.3],
            "preferential_rate": [0.0], "rvc_threshold": [0.35]})
    chosen = {"plants": ("plant_strategy",),
              "programs": ("plant_program_options", "program_lifecycle"),
              "markets": ("market_entry", "homologations"),
              "steering": ("market_steering", "steering_variants"),
              "equity": ("plant_equity",),
              "kits": ("assembly_sites", "kit_routes", "kit_duties")}
    for feature in features:
        for name in chosen[feature]:
            if name in strategic:
                tables[name] = strategic[name]
    scenario = {"name": f"random-strategic-{seed} (synthetic)", "first_year": first,
                "last_year": year_list[-1], "discount_rate": 0.05,
                "transfer_price_markup": 0.05}
    return validate_tables(tables, scenario, origin=f"random_strategic_network(seed={seed})")
