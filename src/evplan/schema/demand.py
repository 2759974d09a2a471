"""Demand: price-volume tiers per product, market and year."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

DEMAND = Table(
    name="demand",
    description=(
        "One price-volume tier: up to volume_vehicles of the product sell in the market in the "
        "year at price_usd_per_vehicle. Tier 1 is the best price; prices fall tier by tier."
    ),
    key=("market", "year", "product", "tier"),
    columns=(
        Column("market", "str", "-", "Market id.", references="markets.market"),
        Column("year", "int", "year", "Year.", minimum=1900, maximum=2200),
        Column(
            "product", "str", "-",
            "What is sold: a program id, a segment or a powertrain (BEV, PHEV, HEV, ICE).",
        ),
        Column("tier", "int", "-", "Tier number, 1 = highest price.", minimum=1, maximum=100),
        Column("volume_vehicles", "float", "vehicles", "Vehicles this tier can absorb.", minimum=0),
        Column(
            "price_usd_per_vehicle", "float", "USD/vehicle",
            "Net revenue per vehicle sold in this tier (ex taxes, after dealer margin).",
            minimum=0,
        ),
        source_column(),
    ),
    notes=(
        "A product pools every program it names: a segment pools the programs of that segment, "
        "a powertrain pools the programs with that powertrain.",
        "In one market and year a program may belong to one product only.",
        "Prices must fall strictly from one tier to the next (a concave revenue curve).",
        "Years must lie inside the planning horizon (an input error otherwise).",
        "Demand is an opportunity, not an obligation: a tier no open lane from a plant that "
        "builds its programs can reach stays unsold.",
    ),
)
