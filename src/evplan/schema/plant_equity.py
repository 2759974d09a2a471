"""Plant equity: plants owned through joint ventures, for the attributable margin."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

PLANT_EQUITY = Table(
    name="plant_equity",
    description=(
        "A plant owned through a joint venture: the automaker's equity share of it. Plants "
        "without a row are wholly owned."
    ),
    key=("plant",),
    required=False,
    columns=(
        Column("plant", "str", "-", "Plant id.", references="plants.plant"),
        Column("equity_share", "float", "fraction", "The automaker's share of the joint venture.",
               minimum=0.01, maximum=1),
        Column("partner", "str", "-", "The partner's name.", required=False, default=""),
        Column(
            "jv_margin_on_cost", "float", "fraction",
            "The joint venture sells each vehicle (or kit) to the automaker at variable cost x "
            "(1 + this) (blank: scenario transfer_price_markup).",
            required=False, minimum=0, maximum=5,
        ),
        source_column(),
    ),
    notes=(
        "The joint venture's profit is its margin on cost on what it builds, less the plant's "
        "fixed and one-off costs; the partner's share of it is (1 - equity_share) x that "
        "profit. Attributable margin = consolidated margin - the partners' shares.",
    ),
)
