"""Small example networks built in code: hand-solvable cases and seeded random networks.

The random networks exercise every feature of the network model (tiers, duties with
minimums and quotas, countervailing duties, route capacities, minimum utilisation,
closures, committed sales) and scale up to millions of route-year variables for the
benchmark. They are synthetic and say so in their scenario name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.data import NetworkData, validate_tables

__all__ = ["random_network", "single_lane"]


def single_lane(
    *,
    capacity: float = 1000.0,
    variable_cost: float = 10_000.0,
    freight: float = 1_000.0,
    tiers: tuple[tuple[float, float], ...] = ((600.0, 20_000.0),),
    ad_valorem_rate: float = 0.0,
    minimum_duty: float = 0.0,
    specific_duty: float = 0.0,
    quota: float | None = None,
    in_quota_rate: float | None = None,
    cvd_rate: float = 0.0,
    committed: float | None = None,
    fixed_cost: float = 0.0,
    min_utilisation: float = 0.0,
    transfer_price_markup: float = 0.0,
    customs_basis: str = "CIF",
    domestic: bool = False,
    first_year: int = 2025,
    last_year: int = 2025,
    unmet_penalty: float | None = None,
) -> NetworkData:
    """One plant, one program, one market: the hand-solvable building block of the tests.

    Parameters are the few numbers a hand calculation needs; every year is the same.

    Examples
    --------
    >>> data = single_lane(capacity=500)
    >>> float(data.plants["capacity_vehicles_per_year"].iloc[0])
    500.0
    """
    years = list(range(first_year, last_year + 1))
    market_country = "AA" if domestic else "BB"
    tables = {
        "plants": pd.DataFrame({
            "plant": ["P1"], "country": ["AA"], "capacity_vehicles_per_year": [capacity],
            "fixed_cost_usd_per_year": [fixed_cost], "min_utilisation": [min_utilisation]}),
        "programs": pd.DataFrame({
            "program": ["V1"], "powertrain": ["BEV"], "segment": ["C"], "battery_kwh": [60.0],
            "maker": ["Maker"]}),
        "plant_programs": pd.DataFrame({
            "plant": ["P1"], "program": ["V1"], "variable_cost_usd_per_vehicle": [variable_cost]}),
        "markets": pd.DataFrame({"market": ["M1"], "country": [market_country],
                                 "customs_basis": [customs_basis]}),
        "demand": pd.DataFrame([
            {"market": "M1", "year": year, "product": "V1", "tier": tier + 1,
             "volume_vehicles": volume, "price_usd_per_vehicle": price}
            for year in years for tier, (volume, price) in enumerate(tiers)]),
        "routes": pd.DataFrame({"plant": ["P1"], "market": ["M1"],
                                "freight_usd_per_vehicle": [freight]}),
        "duties": pd.DataFrame({
            "origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
            "ad_valorem_rate": [ad_valorem_rate], "specific_usd_per_vehicle": [specific_duty],
            "minimum_usd_per_vehicle": [minimum_duty],
            "quota_vehicles_per_year": ["" if quota is None else quota],
            "in_quota_rate": ["" if in_quota_rate is None else in_quota_rate]}),
    }
    if cvd_rate:
        tables["countervailing_duties"] = pd.DataFrame({
            "origin": ["AA"], "market": ["M1"], "powertrain": ["BEV"], "maker": ["*"],
            "cvd_rate": [cvd_rate]})
    if committed is not None:
        tables["committed_sales"] = pd.DataFrame({
            "market": ["M1"] * len(years), "year": years, "product": ["V1"] * len(years),
            "min_vehicles": [committed] * len(years)})
    scenario = {"name": "single-lane (synthetic)", "first_year": first_year,
                "last_year": last_year, "transfer_price_markup": transfer_price_markup,
                "unmet_committed_penalty_usd_per_vehicle": unmet_penalty}
    return validate_tables(tables, scenario)


def random_network(
    seed: int = 0,
    *,
    plants: int = 4,
    programs: int = 3,
    markets: int = 4,
    years: int = 2,
    tiers: int = 2,
    programs_per_plant: int | None = None,
    markets_per_plant: int | None = None,
    countries: int = 3,
    features: bool = True,
) -> NetworkData:
    """A seeded random network with every feature switched on.

    Parameters
    ----------
    seed : int
        Random seed; the same seed gives the same network.
    plants, programs, markets, years, tiers : int
        Sizes. Route-year variables number about
        ``plants * programs_per_plant * markets_per_plant * years``.
    programs_per_plant, markets_per_plant : int, optional
        Eligible programs and open lanes per plant (default: all).
    countries : int
        Number of countries plants and markets are spread over.
    features : bool
        When False: no quotas, minimum duties, CVDs, route capacities, minimum utilisation
        or committed sales (a plain transport LP).

    Examples
    --------
    >>> data = random_network(1)
    >>> {"committed_sales", "countervailing_duties"} <= set(data.tables)
    True
    """
    rng = np.random.default_rng(seed)
    programs_per_plant = programs_per_plant or programs
    markets_per_plant = markets_per_plant or markets
    country_ids = [f"C{index}" for index in range(countries)]
    plant_ids = [f"P{index}" for index in range(plants)]
    program_ids = [f"V{index}" for index in range(programs)]
    market_ids = [f"M{index}" for index in range(markets)]
    year_list = list(range(2030, 2030 + years))
    powertrains = np.array(["BEV", "PHEV", "HEV", "ICE"])

    capacity = rng.uniform(0.5, 1.5, plants) * 1000 * programs_per_plant * markets_per_plant / max(
        1, markets) * tiers
    plant_table = pd.DataFrame({
        "plant": plant_ids,
        "country": rng.choice(country_ids, plants),
        "capacity_vehicles_per_year": capacity.round(),
        "fixed_cost_usd_per_year": rng.uniform(0, 1e6, plants).round(),
        "min_utilisation": np.where(features & (rng.random(plants) < 0.3), 0.1, 0.0),
        "last_year": [year_list[-1] - 1 if features and index == 0 and years > 1 else ""
                      for index in range(plants)],
    })
    program_table = pd.DataFrame({
        "program": program_ids,
        "powertrain": rng.choice(powertrains, programs),
        "segment": rng.choice(["A", "B", "C"], programs),
        "battery_kwh": rng.uniform(10, 90, programs).round(1),
        "maker": rng.choice(["MakerA", "MakerB"], programs),
    })
    eligible = [(plant, program) for plant in plant_ids
                for program in rng.choice(program_ids, programs_per_plant, replace=False)]
    plant_programs = pd.DataFrame(eligible, columns=["plant", "program"])
    plant_programs["variable_cost_usd_per_vehicle"] = rng.uniform(12_000, 20_000,
                                                                  len(eligible)).round()
    market_table = pd.DataFrame({
        "market": market_ids,
        "country": rng.choice(country_ids, markets),
        "customs_basis": rng.choice(["CIF", "FOB"], markets),
    })
    lanes = [(plant, market) for plant in plant_ids
             for market in rng.choice(market_ids, markets_per_plant, replace=False)]
    routes = pd.DataFrame(lanes, columns=["plant", "market"])
    routes["freight_usd_per_vehicle"] = rng.uniform(100, 2500, len(lanes)).round()
    routes["transit_days"] = rng.uniform(1, 40, len(lanes)).round()
    routes["capacity_vehicles_per_year"] = np.where(
        features & (rng.random(len(lanes)) < 0.2), (capacity.mean() / 4).round(), np.nan)

    pools = pd.MultiIndex.from_product([market_ids, year_list, program_ids, range(1, tiers + 1)],
                                       names=["market", "year", "product", "tier"]).to_frame(
                                           index=False)
    base_price = rng.uniform(20_000, 40_000, programs)
    program_position = pools["product"].str[1:].astype(int).to_numpy()
    pools["price_usd_per_vehicle"] = (base_price[program_position] * (1 - 0.08 * (
        pools["tier"].to_numpy() - 1)) * rng.uniform(0.95, 1.05, len(pools))).round()
    pools = _make_tiers_concave(pools)
    pools["volume_vehicles"] = rng.uniform(100, 2000, len(pools)).round()

    pairs = pd.MultiIndex.from_product([country_ids, market_ids],
                                       names=["origin", "market"]).to_frame(index=False)
    pairs["powertrain"] = "*"
    pairs["ad_valorem_rate"] = rng.choice([0.0, 0.05, 0.1, 0.25, 0.5], len(pairs))
    pairs["minimum_usd_per_vehicle"] = np.where(
        features & (rng.random(len(pairs)) < 0.25), 4000.0, 0.0)
    pairs["specific_usd_per_vehicle"] = np.where(rng.random(len(pairs)) < 0.2, 300.0, 0.0)
    has_quota = features & (rng.random(len(pairs)) < 0.25) & (pairs["ad_valorem_rate"] > 0)
    pairs["quota_vehicles_per_year"] = np.where(has_quota, 500.0, np.nan)
    pairs["in_quota_rate"] = np.where(has_quota, 0.0, np.nan)

    tables: dict[str, pd.DataFrame] = {
        "plants": plant_table, "programs": program_table, "plant_programs": plant_programs,
        "markets": market_table, "demand": pools, "routes": routes, "duties": pairs,
    }
    if features:
        tables["countervailing_duties"] = pd.DataFrame({
            "origin": [country_ids[0]], "market": [market_ids[0]], "powertrain": ["*"],
            "maker": ["MakerA"], "cvd_rate": [0.2]})
        tables["committed_sales"] = pd.DataFrame({
            "market": [market_ids[-1]], "year": [year_list[0]], "product": [program_ids[0]],
            "min_vehicles": [50.0]})
    scenario = {"name": f"random-{seed} (synthetic)", "first_year": year_list[0],
                "last_year": year_list[-1], "discount_rate": 0.05,
                "transfer_price_markup": 0.1, "unmet_committed_penalty_usd_per_vehicle": 1e5}
    return validate_tables(tables, scenario, origin=f"random_network(seed={seed})")


def _make_tiers_concave(pools: pd.DataFrame) -> pd.DataFrame:
    """Force prices to fall strictly tier by tier within each pool."""
    pools = pools.sort_values(["market", "year", "product", "tier"]).reset_index(drop=True)
    running = pools.groupby(["market", "year", "product"])["price_usd_per_vehicle"].cummin()
    pools["price_usd_per_vehicle"] = running - (pools["tier"] - 1) * 10.0
    return pools
