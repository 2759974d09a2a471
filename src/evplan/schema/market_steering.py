"""Market steering side: right-hand-drive markets take only right-hand-drive variants."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column
from evplan.schema.strategic_columns import STEERING

MARKET_STEERING = Table(
    name="market_steering",
    description="The steering side a market drives (LHD or RHD). Markets without a row take "
                "either.",
    key=("market",),
    required=False,
    columns=(
        Column("market", "str", "-", "Market id.", references="markets.market"),
        Column("steering", "str", "-", "LHD (left-hand drive) or RHD (right-hand drive).",
               choices=STEERING),
        source_column(),
    ),
)
