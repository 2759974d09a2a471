"""Random override sets for the warm-versus-cold audit (helper-94, session 25).

``small_patch`` patches :func:`evplan.examples.random_network` inputs, ``export_patch`` the
default china-export inputs: duty rates (ad valorem, specific, minimum, CVD, quotas),
demand volumes and prices, plant capacity, fixed cost and floor, freight, transit days,
lane capacity and CO2, variable costs, exchange rates, transfer prices, customs basis,
compliance tables (carbon price, fleet targets, ZEV shares), battery sizes and committed
sales; with edge values (0, rates that make a lane unprofitable, huge volumes and costs)
and ``from_year`` splits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evplan.data import NetworkData
from evplan.scenarios import Patch

from .warm_compare import pick


def row_where(
    rng: np.random.Generator, data: NetworkData, table: str, cols: list[str]
) -> dict[str, tuple[Any, ...]]:
    """``where`` matching one random row of ``table`` on ``cols``."""
    frame = data.tables[table]
    row = frame.iloc[int(rng.integers(len(frame)))]
    return {c: (row[c].item() if hasattr(row[c], "item") else row[c],) for c in cols}


def small_patch(rng: np.random.Generator, data: NetworkData) -> Patch:
    """One random patch of a random_network's inputs."""
    years = list(range(data.scenario.first_year, data.scenario.last_year + 1))
    fy = pick(rng, [None, None, pick(rng, years)])
    t = pick(
        rng,
        [
            "duties",
            "duties",
            "quota",
            "cvd",
            "demand",
            "demand",
            "plants",
            "routes",
            "routes",
            "plant_programs",
            "committed",
            "markets",
        ],
    )
    if t == "duties":
        col = pick(rng, ["ad_valorem_rate", "specific_usd_per_vehicle", "minimum_usd_per_vehicle"])
        val = {
            "ad_valorem_rate": [0.0, float(rng.uniform(0, 0.6)), 1.0, 10.0],
            "specific_usd_per_vehicle": [0.0, 900.0, 1e6],
            "minimum_usd_per_vehicle": [0.0, 2500.0, 9000.0],
        }[col]
        where = row_where(
            rng, data, "duties", pick(rng, [["origin"], ["origin", "market"], ["market"]])
        )
        if rng.random() < 0.3:
            return Patch(
                "duties", where=where, scale={col: pick(rng, [0.0, 0.5, 2.0])}, from_year=fy
            )
        return Patch("duties", where=where, set={col: pick(rng, val)}, from_year=fy)
    if t == "quota":
        duties = data.tables["duties"]
        q = duties[duties["quota_vehicles_per_year"].notna()]
        if len(q) == 0:
            return Patch("duties", scale={"ad_valorem_rate": 1.1})
        row = q.iloc[int(rng.integers(len(q)))]
        where = {"origin": (row["origin"],), "market": (row["market"],)}
        col = pick(rng, ["quota_vehicles_per_year", "in_quota_rate", "ad_valorem_rate"])
        val = {
            "quota_vehicles_per_year": [0.0, 1.0, float(rng.uniform(10, 2000)), 1e7],
            "in_quota_rate": [0.0, float(rng.uniform(0, row["ad_valorem_rate"]))],
            "ad_valorem_rate": [float(row["ad_valorem_rate"]), 2.0],
        }[col]
        return Patch("duties", where=where, set={col: pick(rng, val)}, from_year=fy)
    if t == "cvd":
        return Patch(
            "countervailing_duties", set={"cvd_rate": pick(rng, [0.0, 0.35, 1.5])}, from_year=fy
        )
    if t == "demand":
        col = pick(rng, ["volume_vehicles", "price_usd_per_vehicle"])
        where = row_where(
            rng,
            data,
            "demand",
            pick(rng, [["market"], ["product"], ["market", "product"], ["year"]]),
        )
        if col == "volume_vehicles":
            return Patch(
                "demand",
                where=where,
                scale={col: pick(rng, [0.0, 0.5, float(rng.uniform(0.5, 1.5)), 1e4])},
                from_year=fy,
            )
        return Patch(
            "demand",
            where=where,
            scale={col: pick(rng, [0.0, 0.6, float(rng.uniform(0.8, 1.2))])},
            from_year=fy,
        )
    if t == "plants":
        col = pick(
            rng,
            [
                "capacity_vehicles_per_year",
                "capacity_vehicles_per_year",
                "fixed_cost_usd_per_year",
                "min_utilisation",
            ],
        )
        where = row_where(rng, data, "plants", ["plant"])
        val = {
            "capacity_vehicles_per_year": [0.0, 50.0, float(rng.uniform(500, 5000)), 1e9],
            "fixed_cost_usd_per_year": [0.0, 1e10],
            "min_utilisation": [0.0, 0.5, 0.95],
        }[col]
        return Patch("plants", where=where, set={col: pick(rng, val)})
    if t == "routes":
        col = pick(rng, ["freight_usd_per_vehicle", "transit_days", "capacity_vehicles_per_year"])
        where = pick(
            rng,
            [
                {},
                {"cross_border": (True,)},
                row_where(rng, data, "routes", ["plant"]),
                row_where(rng, data, "routes", ["plant", "market"]),
            ],
        )
        if col == "capacity_vehicles_per_year":
            return Patch("routes", where=where, scale={col: pick(rng, [0.0, 0.5, 3.0])})
        return Patch(
            "routes", where=where, scale={col: pick(rng, [0.0, float(rng.uniform(0.5, 2)), 30.0])}
        )
    if t == "plant_programs":
        return Patch(
            "plant_programs",
            where=row_where(rng, data, "plant_programs", ["plant"]),
            scale={
                "variable_cost_usd_per_vehicle": pick(
                    rng, [0.0, 0.8, float(rng.uniform(0.9, 1.3)), 5.0]
                )
            },
        )
    if t == "committed":
        return Patch("committed_sales", set={"min_vehicles": pick(rng, [0.0, 10.0, 400.0, 1e6])})
    return Patch(
        "markets",
        where=row_where(rng, data, "markets", ["market"]),
        set={"customs_basis": pick(rng, ["CIF", "FOB"])},
    )


def export_patch(rng: np.random.Generator, data: NetworkData) -> Patch:
    """One random patch of the china-export inputs."""
    t = pick(
        rng,
        [
            "duties",
            "duties",
            "cvd",
            "demand",
            "demand",
            "plants",
            "routes",
            "routes",
            "plant_programs",
            "fx",
            "tp",
            "carbon",
            "fleet",
            "zev",
            "programs",
            "markets",
        ],
    )
    years = list(range(data.scenario.first_year, data.scenario.last_year + 1))
    fy = pick(rng, [None, None, pick(rng, years)])
    if t == "duties":
        col = pick(
            rng,
            [
                "ad_valorem_rate",
                "specific_usd_per_vehicle",
                "minimum_usd_per_vehicle",
                "quota_vehicles_per_year",
                "in_quota_rate",
            ],
        )
        val = {
            "ad_valorem_rate": [0.0, 0.05, float(rng.uniform(0, 1)), 1.0, 3.0],
            "specific_usd_per_vehicle": [0.0, 1500.0, 20000.0, 1e7],
            "minimum_usd_per_vehicle": [0.0, 3000.0, 25000.0],
            "quota_vehicles_per_year": [0.0, 1000.0, 50000.0],
            "in_quota_rate": [0.0, 0.05],
        }[col]
        where = row_where(
            rng, data, "duties", pick(rng, [["origin"], ["origin", "market"], ["market"]])
        )
        if rng.random() < 0.3 and col in (
            "ad_valorem_rate",
            "specific_usd_per_vehicle",
            "minimum_usd_per_vehicle",
        ):
            return Patch(
                "duties", where=where, scale={col: pick(rng, [0.0, 0.5, 2.0])}, from_year=fy
            )
        return Patch("duties", where=where, set={col: pick(rng, val)}, from_year=fy)
    if t == "cvd":
        return Patch(
            "countervailing_duties",
            where=row_where(rng, data, "countervailing_duties", ["market"]),
            set={"cvd_rate": pick(rng, [0.0, 0.2, 0.5, 1.0])},
            from_year=fy,
        )
    if t == "demand":
        col = pick(rng, ["volume_vehicles", "price_usd_per_vehicle"])
        where = row_where(
            rng, data, "demand", pick(rng, [["market"], ["product"], ["market", "product"]])
        )
        if col == "volume_vehicles":
            if rng.random() < 0.3:
                return Patch("demand", where=where, set={col: pick(rng, [0.0, 1e7])}, from_year=fy)
            return Patch(
                "demand",
                where=where,
                scale={col: pick(rng, [0.0, 0.3, float(rng.uniform(0.5, 1.5)), 3.0, 1e4])},
                from_year=fy,
            )
        return Patch(
            "demand",
            where=where,
            scale={col: pick(rng, [0.0, 0.5, float(rng.uniform(0.8, 1.2)), 2.0])},
            from_year=fy,
        )
    if t == "plants":
        col = pick(
            rng,
            [
                "capacity_vehicles_per_year",
                "fixed_cost_usd_per_year",
                "min_utilisation",
                "last_year",
                "capacity_vehicles_per_year",
            ],
        )
        where = row_where(rng, data, "plants", ["plant"])
        val = {
            "capacity_vehicles_per_year": [0.0, 1000.0, float(rng.uniform(1e4, 5e5)), 1e8],
            "fixed_cost_usd_per_year": [0.0, 1e9],
            "min_utilisation": [0.0, 0.3, 0.9],
            "last_year": years,
        }[col]
        return Patch("plants", where=where, set={col: pick(rng, val)})
    if t == "routes":
        col = pick(
            rng,
            [
                "freight_usd_per_vehicle",
                "freight_usd_per_vehicle",
                "transit_days",
                "capacity_vehicles_per_year",
                "co2_kg_per_vehicle",
            ],
        )
        where = pick(
            rng,
            [
                {},
                {"cross_border": (True,)},
                row_where(rng, data, "routes", ["plant"]),
                row_where(rng, data, "routes", ["plant", "market"]),
            ],
        )
        if col == "capacity_vehicles_per_year":
            return Patch("routes", where=where, set={col: pick(rng, [0.0, 500.0, 1e5])})
        if rng.random() < 0.3:
            return Patch("routes", where=where, set={col: pick(rng, [0.0, 60000.0])})
        return Patch(
            "routes",
            where=where,
            scale={col: pick(rng, [0.0, 0.5, float(rng.uniform(0.7, 1.6)), 3.0])},
        )
    if t == "plant_programs":
        return Patch(
            "plant_programs",
            where=row_where(rng, data, "plant_programs", ["plant"]),
            scale={"variable_cost_usd_per_vehicle": pick(rng, [0.0, 0.8, 1.25, 5.0])},
        )
    if t == "fx":
        return Patch(
            "exchange_rates",
            where=row_where(rng, data, "exchange_rates", ["country"]),
            scale={"local_per_usd": pick(rng, [0.5, 0.85, 1.15, 10.0])},
            from_year=fy,
        )
    if t == "tp":
        return Patch(
            "transfer_prices",
            where=row_where(rng, data, "transfer_prices", ["origin"]),
            set={"markup_on_full_cost": pick(rng, [0.0, 0.1, 0.5])},
        )
    if t == "carbon":
        return Patch(
            "carbon_prices",
            set={"carbon_price_usd_per_t": pick(rng, [0.0, 50.0, 1000.0])},
            from_year=fy,
        )
    if t == "fleet":
        return Patch("fleet_targets", scale={"target_g_per_km": pick(rng, [0.5, 1.0, 2.0])})
    if t == "zev":
        return Patch("zev_mandates", scale={"zev_share": pick(rng, [0.0, 0.75, 1.0])})
    if t == "programs":
        return Patch(
            "programs",
            where=row_where(rng, data, "programs", ["program"]),
            scale={"battery_kwh": pick(rng, [0.8, 1.2])},
        )
    return Patch(
        "markets",
        where=row_where(rng, data, "markets", ["market"]),
        set={"customs_basis": pick(rng, ["CIF", "FOB"])},
    )
