"""Program lifecycle: the years a program is built, and on how many plants at most."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import first_year_column, last_year_column, source_column

PROGRAM_LIFECYCLE = Table(
    name="program_lifecycle",
    description="The production life of a program and the most plants that may build it.",
    key=("program",),
    required=False,
    columns=(
        Column("program", "str", "-", "Program id.", references="programs.program"),
        first_year_column("the program is built (its launch)"),
        last_year_column("the program is built (its end of production)"),
        Column(
            "max_plants", "int", "plants",
            "Most plants that may build the program in one year of its life (blank: no "
            "limit). A plant_programs pair without an option row counts in every year its "
            "plant operates; an existing option row counts until its first_year.",
            required=False, minimum=1, maximum=1000,
        ),
        source_column(),
    ),
)
