"""Plant-program eligibility and the variable cost of building there."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

PLANT_PROGRAMS = Table(
    name="plant_programs",
    description="A plant that can build a program, and what one vehicle costs there.",
    key=("plant", "program"),
    columns=(
        Column("plant", "str", "-", "Plant id.", references="plants.plant"),
        Column("program", "str", "-", "Program id.", references="programs.program"),
        Column(
            "variable_cost_usd_per_vehicle", "float", "USD/vehicle",
            "Variable production cost of one vehicle (materials, labour, energy).", minimum=0,
        ),
        source_column(),
    ),
)
