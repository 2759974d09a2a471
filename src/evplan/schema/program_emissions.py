"""Program emissions: certified tailpipe CO2 (WLTP) and use-phase energy of each program."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

PROGRAM_EMISSIONS = Table(
    name="program_emissions",
    description=(
        "The certified CO2 of one program (optional; needed by fleet_targets and for use-phase "
        "CO2)."
    ),
    key=("program",),
    required=False,
    columns=(
        Column("program", "str", "-", "Program id.", references="programs.program"),
        Column(
            "co2_g_per_km", "float", "g CO2/km",
            "Certified tailpipe CO2 (WLTP combined, sales-weighted over the program's variants); "
            "0 for a BEV.", minimum=0, maximum=1000,
        ),
        Column(
            "electricity_kwh_per_100km", "float", "kWh/100 km",
            "Electricity drawn from the grid per 100 km (BEV, PHEV share); used with the market "
            "country's grid intensity for use-phase CO2.",
            required=False, default=0.0, minimum=0, maximum=100,
        ),
        Column(
            "lifetime_km", "float", "km",
            "Distance a vehicle drives over its life, for use-phase CO2.",
            required=False, default=150000.0, minimum=0, maximum=2000000,
        ),
        source_column(),
    ),
    notes=(
        "Programs without a row count 0 g/km in fleet targets only if they are BEVs; any other "
        "program sold in a market with a fleet target needs a row (validation says which).",
    ),
)
