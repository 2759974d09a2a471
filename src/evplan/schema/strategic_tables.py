"""The strategic (network-design) tables, in the order the docs and templates list them."""

from __future__ import annotations

from evplan.schema.assembly_sites import ASSEMBLY_SITES
from evplan.schema.columns import Table
from evplan.schema.homologations import HOMOLOGATIONS
from evplan.schema.kit_duties import KIT_DUTIES
from evplan.schema.kit_routes import KIT_ROUTES
from evplan.schema.market_entry import MARKET_ENTRY
from evplan.schema.market_steering import MARKET_STEERING
from evplan.schema.plant_equity import PLANT_EQUITY
from evplan.schema.plant_program_options import PLANT_PROGRAM_OPTIONS
from evplan.schema.plant_strategy import PLANT_STRATEGY
from evplan.schema.program_lifecycle import PROGRAM_LIFECYCLE
from evplan.schema.steering_variants import STEERING_VARIANTS

__all__ = ["STRATEGIC_TABLES"]

STRATEGIC_TABLES: tuple[Table, ...] = (
    PLANT_STRATEGY,
    PLANT_PROGRAM_OPTIONS,
    PROGRAM_LIFECYCLE,
    MARKET_ENTRY,
    HOMOLOGATIONS,
    PLANT_EQUITY,
    MARKET_STEERING,
    STEERING_VARIANTS,
    ASSEMBLY_SITES,
    KIT_ROUTES,
    KIT_DUTIES,
)
