"""Declared transfer prices: the markup on full cost an exporter declares to customs."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

TRANSFER_PRICES = Table(
    name="transfer_prices",
    description=(
        "The markup on full cost (variable cost + the plant's fixed cost per vehicle of "
        "capacity) at which vehicles from an origin are invoiced to a market's importer; the "
        "customs value starts from this declared transfer price. Kits from the origin to an "
        "assembly site in the market are declared on the same row, at their kit_value_share "
        "of full cost."
    ),
    key=("origin", "market"),
    required=False,
    columns=(
        Column("origin", "str", "-", "Origin country code (the plant's country)."),
        Column("market", "str", "-", "Market id, or '*' for every market without its own row."),
        Column(
            "markup_on_full_cost", "float", "fraction",
            "Transfer price = full cost x (1 + markup).", minimum=0, maximum=5,
        ),
        source_column(),
    ),
    notes=(
        "Flows whose origin has no row keep scenario.yaml's transfer_price_markup on "
        "variable cost.",
    ),
)
