"""Plant emissions: the CO2 of building one vehicle at a plant."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

PLANT_EMISSIONS = Table(
    name="plant_emissions",
    description=(
        "What one vehicle built at a plant emits: assembly electricity at the intensity of the "
        "plant country's grid (grid_intensity), "
        "plus battery manufacturing per kWh of the program's battery (optional)."
    ),
    key=("plant",),
    required=False,
    columns=(
        Column("plant", "str", "-", "Plant id.", references="plants.plant"),
        Column(
            "assembly_kwh_per_vehicle", "float", "kWh/vehicle",
            "Electricity used to assemble one vehicle (paint, body, final assembly).",
            minimum=0, maximum=100000,
        ),
        Column(
            "battery_kg_co2_per_kwh", "float", "kg CO2/kWh",
            "Cradle-to-gate CO2 of the traction battery per kWh of capacity "
            "(programs.battery_kwh).",
            required=False, default=0.0, minimum=0, maximum=1000,
        ),
        source_column(),
    ),
    notes=(
        "Plants without a row count no production CO2 (the report says which plants lack one).",
        "The plant's country needs a row in grid_intensity.",
    ),
)
