"""Plant strategy: which capacity decisions a plant allows (modules, closure, mothballing)."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column
from evplan.schema.strategic_columns import money_column, yes_no_column

PLANT_STRATEGY = Table(
    name="plant_strategy",
    description=(
        "A plant whose capacity is a decision: it may close, be mothballed and reopened, or "
        "change its number of capacity modules (lines or shifts). Plants without a row keep "
        "their capacity and fixed cost in every year they operate."
    ),
    key=("plant",),
    required=False,
    columns=(
        Column("plant", "str", "-", "Plant id.", references="plants.plant"),
        Column(
            "modules_initial", "int", "modules",
            "Capacity modules (lines or shifts) the plant has at the start; its capacity is "
            "split evenly across them.", minimum=1, maximum=100,
        ),
        Column(
            "module_name", "str", "-",
            "What a module is, for the plan's sentences: 'line', 'shift', ...",
            required=False, default="module",
        ),
        Column(
            "modules_max", "int", "modules",
            "Most modules the plant may have (blank: modules_initial, no expansion).",
            required=False, minimum=1, maximum=100,
        ),
        Column(
            "module_fixed_cost_share", "float", "fraction",
            "Share of plants.fixed_cost_usd_per_year that scales with the running modules; "
            "the rest is the site's cost, paid while the plant runs.",
            required=False, default=0.6, minimum=0, maximum=1,
        ),
        money_column("add_module_cost_usd", "One-off cost of each module added."),
        money_column("remove_module_cost_usd",
                     "One-off cost of each module removed (severance, write-off)."),
        Column(
            "add_lead_time_years", "int", "years",
            "Years from the first planning year until the plant may have more than "
            "modules_initial modules (a module removed meanwhile may come back earlier).",
            required=False, default=0, minimum=0, maximum=50,
        ),
        Column(
            "earliest_change_year", "int", "year",
            "First year the plant may change at all (blank: the first planning year).",
            required=False, minimum=1900, maximum=2200,
        ),
        yes_no_column("can_close", "Whether the plant may close for good.", default="yes"),
        money_column("closure_cost_usd",
                     "One-off cost of closing (severance, write-offs, site clean-up), paid in "
                     "the first year the plant no longer operates."),
        Column(
            "earliest_closure_year", "int", "year",
            "First year in which the plant may no longer operate (blank: "
            "earliest_change_year; a year before earliest_change_year counts as that year, "
            "since the plant may not change before it; not read when can_close is no, so a "
            "scenario may set can_close: no and leave the year).", required=False,
            minimum=1900, maximum=2200,
        ),
        yes_no_column("can_mothball", "Whether the plant may stand idle and reopen later."),
        money_column("mothball_cost_usd", "One-off cost of mothballing the plant."),
        money_column("mothball_cost_usd_per_year",
                     "Cost of each year the plant stands idle (care and maintenance)."),
        money_column("reopen_cost_usd", "One-off cost of reopening a mothballed plant."),
        Column(
            "min_mothball_years", "int", "years",
            "A mothballed plant stays idle at least this many years (the lead time to "
            "reopen).", required=False, default=1, minimum=1, maximum=50,
        ),
        source_column(),
    ),
    notes=(
        "Module capacity = plants.capacity_vehicles_per_year / modules_initial; module fixed "
        "cost = module_fixed_cost_share x plants.fixed_cost_usd_per_year / modules_initial.",
        "One-off costs are paid (discounted) in the year the change takes effect.",
    ),
)
