"""Production credit regimes: credits earned per vehicle built (China's NEV dual credits)."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

PRODUCTION_CREDITS = Table(
    name="production_credits",
    description=(
        "A production credit requirement on the plan's plants in a country in a year "
        "(optional; e.g. China's NEV credits)."
    ),
    key=("country", "year"),
    required=False,
    columns=(
        Column("country", "str", "-", "Country code of the plants it applies to."),
        Column("year", "int", "year", "Year.", minimum=1900, maximum=2200),
        Column(
            "requirement_share", "float", "credits/vehicle",
            "Credits required per conventional (ICE and HEV) vehicle built.",
            minimum=0, maximum=1,
        ),
        Column(
            "bev_credits_per_vehicle", "float", "credits/vehicle", "Credits a BEV built earns.",
            minimum=0, maximum=10,
        ),
        Column(
            "phev_credits_per_vehicle", "float", "credits/vehicle", "Credits a PHEV built earns.",
            minimum=0, maximum=10,
        ),
        Column(
            "credit_price_usd", "float", "USD/credit",
            "Price of buying a credit to cover a deficit.",
            minimum=0,
        ),
        Column(
            "credit_sale_price_usd", "float", "USD/credit",
            "Price a surplus credit sells for (blank: surplus cannot be sold).",
            required=False, minimum=0,
        ),
        source_column(),
    ),
)
