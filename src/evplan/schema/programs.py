"""Programs: the vehicle models that plants build."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import POWERTRAINS, source_column

PROGRAMS = Table(
    name="programs",
    description="One vehicle program (a model line).",
    key=("program",),
    columns=(
        Column("program", "str", "-", "Program id, e.g. 'N7-BEV'."),
        Column("name", "str", "-", "Program name.", required=False, default=""),
        Column("powertrain", "str", "-", "Powertrain.", choices=POWERTRAINS),
        Column("segment", "str", "-", "Market segment, e.g. 'C-SUV'."),
        Column(
            "battery_kwh", "float", "kWh", "Traction battery capacity (0 for ICE).",
            required=False, default=0.0, minimum=0, maximum=300,
        ),
        Column("maker", "str", "-", "Maker of record (for maker-specific countervailing duties)."),
        source_column(),
    ),
)
