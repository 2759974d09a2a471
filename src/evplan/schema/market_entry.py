"""Market entry: selling in a market is a decision with a one-off entry cost."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column
from evplan.schema.strategic_columns import change_year_column, money_column, yes_no_column

MARKET_ENTRY = Table(
    name="market_entry",
    description=(
        "A market where being present is a decision: nothing sells there in a year the "
        "automaker is not present. Markets without a row are always open."
    ),
    key=("market",),
    required=False,
    columns=(
        Column("market", "str", "-", "Market id.", references="markets.market"),
        yes_no_column("present", "Whether the automaker sells there at the start."),
        money_column("entry_cost_usd",
                     "One-off cost of entering (importer, dealers, launch marketing)."),
        money_column("presence_cost_usd_per_year",
                     "Cost of each year of presence (sales company, marketing)."),
        money_column("exit_cost_usd", "One-off cost of leaving the market."),
        change_year_column("presence may change"),
        source_column(),
    ),
)
