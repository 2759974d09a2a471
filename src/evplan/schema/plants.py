"""Plants: where vehicles are built."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import first_year_column, last_year_column, source_column

PLANTS = Table(
    name="plants",
    description="One vehicle assembly plant.",
    key=("plant",),
    columns=(
        Column("plant", "str", "-", "Plant id, e.g. 'CN-HUA'."),
        Column("name", "str", "-", "Plant name.", required=False, default=""),
        Column("country", "str", "-", "Country code of the plant (the origin for duties)."),
        Column(
            "capacity_vehicles_per_year", "float", "vehicles/year",
            "Nameplate assembly capacity.", minimum=0,
        ),
        Column(
            "fixed_cost_usd_per_year", "float", "USD/year",
            "Fixed cost of keeping the plant open, charged (discounted) in every planning year "
            "from first_year to last_year, whether or not it builds anything.",
            required=False, default=0.0, minimum=0,
        ),
        Column(
            "min_utilisation", "float", "fraction",
            "Minimum production as a share of capacity in every year the plant is open (a "
            "break-even floor); 0 for none. A floor no lane and demand can absorb makes the "
            "model infeasible.",
            required=False, default=0.0, minimum=0, maximum=1,
        ),
        first_year_column("the plant builds vehicles"),
        last_year_column("the plant builds vehicles (a closure)"),
        source_column(),
    ),
)
