"""Steering variants built at a plant, and the cost of adding the other one."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column
from evplan.schema.strategic_columns import change_year_column

STEERING_VARIANTS = Table(
    name="steering_variants",
    description=(
        "The steering variants a plant builds of a program (LHD, RHD or both), and the cost of "
        "adding the other one. Plant-programs without a row build both."
    ),
    key=("plant", "program"),
    required=False,
    columns=(
        Column("plant", "str", "-", "Plant id.", references="plants.plant"),
        Column("program", "str", "-", "Program id.", references="programs.program"),
        Column("built", "str", "-", "Variants built at the start: LHD, RHD or both.",
               choices=("LHD", "RHD", "both")),
        Column(
            "add_other_cost_usd", "float", "USD",
            "One-off cost of adding the other variant at the plant (blank: it cannot be "
            "added).", required=False, minimum=0,
        ),
        change_year_column("the other variant can be built"),
        source_column(),
    ),
)
