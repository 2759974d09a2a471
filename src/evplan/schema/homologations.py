"""Homologations: a program sells in a market only once it is approved there."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column
from evplan.schema.strategic_columns import change_year_column, money_column, yes_no_column

HOMOLOGATIONS = Table(
    name="homologations",
    description=(
        "A program-market pair that needs a type approval (homologation) before the program "
        "sells there. Pairs without a row need none."
    ),
    key=("program", "market"),
    required=False,
    columns=(
        Column("program", "str", "-", "Program id.", references="programs.program"),
        Column("market", "str", "-", "Market id.", references="markets.market"),
        yes_no_column("homologated", "Whether the program is approved there at the start."),
        money_column("cost_usd", "One-off cost of the homologation (tests, adaptation)."),
        change_year_column("the approval can be in force (its lead time)"),
        source_column(),
    ),
)
