"""Committed sales: volumes the plan must deliver (dealer contracts, fleet deals)."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

COMMITTED_SALES = Table(
    name="committed_sales",
    description="At least min_vehicles of the product must be sold in the market in the year.",
    key=("market", "year", "product"),
    required=False,
    columns=(
        Column("market", "str", "-", "Market id.", references="markets.market"),
        Column("year", "int", "year", "Year.", minimum=1900, maximum=2200),
        Column("product", "str", "-", "A program id, a segment or a powertrain."),
        Column("min_vehicles", "float", "vehicles", "Vehicles that must be sold.", minimum=0),
        source_column(),
    ),
    notes=(
        "Years must lie inside the planning horizon (an input error otherwise).",
        "A commitment is sold through the demand tiers that name its programs; when no flow "
        "can serve it (no plant builds the program, no open lane, no demand tier) the model is "
        "infeasible and the explanation names the missing row, unless "
        "unmet_committed_penalty_usd_per_vehicle is set.",
    ),
)
