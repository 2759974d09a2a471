"""Kit routes: kits shipped from a plant to an assembly site."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import first_year_column, last_year_column, source_column

KIT_ROUTES = Table(
    name="kit_routes",
    description=(
        "A kit lane: the plant ships kits of the programs it builds to an assembly site. "
        "A vehicle assembled from a kit costs kit_value_share x the plant's variable cost, kit "
        "freight, kit duty (with the maker's countervailing duty), inventory in transit (the "
        "carrying rate on the kit's transfer price over the transit days of the plant's route "
        "to the site's market, 0 without one) and the assembly cost. The kit is declared at "
        "its share of full cost with transfer_prices' markup, or of variable cost with "
        "transfer_price_markup (docs/formulation.md, 'Local assembly and rules of origin'). "
        "Kit-assembled cars count in the fleet CO2 target and ZEV mandate of the site's "
        "market as built-up cars of the program sold there, and in the carbon price and cap "
        "with the production CO2 of the origin plant (no shipping CO2 for the kit lane); "
        "they earn no production credits (docs/formulation.md, 'Kits')."
    ),
    key=("plant", "site", "kit"),
    required=False,
    columns=(
        Column("plant", "str", "-", "Plant id.", references="plants.plant"),
        Column("site", "str", "-", "Assembly site id.", references="assembly_sites.site"),
        Column("kit", "str", "-", "Kit type, e.g. 'CKD' or 'SKD'."),
        Column("kit_value_share", "float", "fraction",
               "Share of the plant's variable cost per vehicle that goes into the kit.",
               minimum=0.01, maximum=1),
        Column("freight_usd_per_vehicle", "float", "USD/vehicle",
               "Freight of one vehicle's kit, plant to site.", minimum=0),
        Column("assembly_cost_usd_per_vehicle", "float", "USD/vehicle",
               "Assembly at the site per vehicle: labour, local parts, overhead (a cost in "
               "the site's country: exchange_rates convert it as they convert plant costs).",
               minimum=0),
        Column(
            "local_content_usd_per_vehicle", "float", "USD/vehicle",
            "Value added at the site that counts as originating under the rules of origin "
            "(blank: the assembly cost).", required=False, minimum=0,
        ),
        Column(
            "plant_capacity_share", "float", "fraction",
            "Share of one vehicle's plant capacity a kit uses (0: kits do not use the final "
            "assembly line).", required=False, default=0.0, minimum=0, maximum=1,
        ),
        first_year_column("the kit lane is open"),
        last_year_column("the kit lane is open"),
        source_column(),
    ),
)
