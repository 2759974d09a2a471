"""Local assembly sites: CKD/SKD kits are assembled in or near a market."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column
from evplan.schema.strategic_columns import change_year_column, money_column, yes_no_column

ASSEMBLY_SITES = Table(
    name="assembly_sites",
    description=(
        "A site that assembles kits into vehicles sold in its market (they pay kit duty, not "
        "the duty on built-up vehicles). Opening a site is a decision."
    ),
    key=("site",),
    required=False,
    columns=(
        Column("site", "str", "-", "Site id, e.g. 'TH-CKD'."),
        Column("name", "str", "-", "Site name.", required=False, default=""),
        Column("market", "str", "-", "Market the site's vehicles are sold in.",
               references="markets.market"),
        Column("capacity_vehicles_per_year", "float", "vehicles/year",
               "Vehicles the site can assemble in a year.", minimum=0),
        money_column("opening_cost_usd", "One-off cost of opening the site."),
        money_column("fixed_cost_usd_per_year", "Fixed cost of each year the site is open."),
        yes_no_column("existing", "Whether the site is open at the start."),
        change_year_column("the site can assemble (its lead time)"),
        source_column(),
    ),
)
