"""Grid intensity: the carbon intensity of a country's electricity."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

GRID_INTENSITY = Table(
    name="grid_intensity",
    description=(
        "The CO2 per kWh of a country's electricity: plants' assembly power and the use phase "
        "of vehicles charged in a market (optional)."
    ),
    key=("country",),
    required=False,
    columns=(
        Column("country", "str", "-", "Country code (of a plant or a market)."),
        Column(
            "grid_g_co2_per_kwh", "float", "g CO2/kWh",
            "Carbon intensity of electricity generation.", minimum=0, maximum=2000,
        ),
        source_column(),
    ),
)
