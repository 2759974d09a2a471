"""Carbon prices and caps on the plan's CO2 (production, shipping and optionally use)."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

CARBON_PRICES = Table(
    name="carbon_prices",
    description="A carbon price and/or cap on the plan's CO2 in a year (optional).",
    key=("year",),
    required=False,
    columns=(
        Column("year", "int", "year", "Year.", minimum=1900, maximum=2200),
        Column(
            "carbon_price_usd_per_t", "float", "USD/t CO2",
            "Price charged on every tonne the plan emits in the year.",
            required=False, default=0.0, minimum=0,
        ),
        Column(
            "cap_t_co2", "float", "t CO2",
            "Most tonnes the plan may emit in the year (blank: no cap).", required=False,
            minimum=0,
        ),
        Column(
            "include_use_phase", "str", "-",
            "'yes': count the lifetime use-phase CO2 of the vehicles sold in the price and cap.",
            required=False, default="no", choices=("yes", "no"),
        ),
        source_column(),
    ),
)
