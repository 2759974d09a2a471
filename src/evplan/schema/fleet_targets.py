"""Fleet CO2 targets: a market's limit on the sales-weighted average g/km of new cars."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

FLEET_TARGETS = Table(
    name="fleet_targets",
    description=(
        "A fleet-average CO2 target for the plan's new cars sold in a market in a year "
        "(optional; e.g. Regulation (EU) 2019/631)."
    ),
    key=("market", "year"),
    required=False,
    columns=(
        Column("market", "str", "-", "Market id.", references="markets.market"),
        Column("year", "int", "year", "Year.", minimum=1900, maximum=2200),
        Column(
            "target_g_per_km", "float", "g CO2/km",
            "The maker's specific target (the fleet-wide target with any mass adjustment "
            "already applied).", minimum=0, maximum=1000,
        ),
        Column(
            "premium_usd_per_g_km", "float", "USD/(g/km x vehicle)",
            "Excess-emissions premium per g/km above the target per new car (EU: EUR 95).",
            minimum=0,
        ),
        Column(
            "pool_price_usd_per_g_km", "float", "USD/(g/km x vehicle)",
            "Price of pooling with other makers, per g/km x vehicle of excess covered (blank: no "
            "pooling).", required=False, minimum=0,
        ),
        Column(
            "averaging_group", "str", "-",
            "Years of a market sharing one group are assessed together (EU 2025-2027); blank: "
            "the year on its own.", required=False, default="",
        ),
        source_column(),
    ),
    notes=(
        "Linear and exact: sum over the cars sold of (g/km - target) <= excess + pooled, both in "
        "g/km x vehicles; the premium is charged on the excess (docs/formulation.md).",
        "Rows of one averaging_group must share premium_usd_per_g_km and pool_price_usd_per_g_km.",
    ),
)
