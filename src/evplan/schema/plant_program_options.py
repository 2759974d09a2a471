"""Plant-program options: which plant builds which program is a decision, with launch capex."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column
from evplan.schema.strategic_columns import change_year_column, money_column, yes_no_column

PLANT_PROGRAM_OPTIONS = Table(
    name="plant_program_options",
    description=(
        "A plant-program pair of plant_programs.csv whose allocation is a decision: the plant "
        "builds the program only in years it is allocated there. Pairs without a row are "
        "allocated in every year."
    ),
    key=("plant", "program"),
    required=False,
    columns=(
        Column("plant", "str", "-", "Plant id.", references="plants.plant"),
        Column("program", "str", "-", "Program id.", references="programs.program"),
        yes_no_column("existing", "Whether the plant builds the program at the start."),
        money_column("tooling_cost_usd",
                     "One-off tooling and launch cost when the program starts at the plant."),
        money_column("exit_cost_usd", "One-off cost when the program stops at the plant."),
        money_column("fixed_cost_usd_per_year",
                     "Program-specific fixed cost of each year it is allocated to the plant."),
        change_year_column("the allocation may start or stop (the launch lead time)"),
        source_column(),
    ),
)
