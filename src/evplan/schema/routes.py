"""Routes: plant-to-market lanes with freight, transit time and CO2."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import first_year_column, last_year_column, source_column

ROUTES = Table(
    name="routes",
    description="A lane from a plant to a market.",
    key=("plant", "market"),
    columns=(
        Column("plant", "str", "-", "Plant id.", references="plants.plant"),
        Column("market", "str", "-", "Market id.", references="markets.market"),
        Column(
            "freight_usd_per_vehicle", "float", "USD/vehicle",
            "Freight and logistics cost of one vehicle, plant gate to dealer.", minimum=0,
        ),
        Column(
            "transit_days", "float", "days", "Door-to-door transit time.",
            required=False, default=0.0, minimum=0, maximum=365,
        ),
        Column(
            "co2_kg_per_vehicle", "float", "kg CO2/vehicle", "Transport emissions of one vehicle.",
            required=False, default=0.0, minimum=0,
        ),
        Column(
            "capacity_vehicles_per_year", "float", "vehicles/year",
            "Most vehicles the lane can carry in a year (blank: no limit).",
            required=False, minimum=0,
        ),
        first_year_column("the lane is open"),
        last_year_column("the lane is open"),
        source_column(),
    ),
)
