"""The input schema: every input table, declared once with dtype, unit, default and description.

=====================  ==========================================================
table                  one row is
=====================  ==========================================================
plants                 a vehicle assembly plant
programs               a vehicle program (model line)
plant_programs         a plant that can build a program, at a variable cost
markets                a sales market
demand                 a price-volume tier of a product in a market and year
routes                 a lane from a plant to a market
duties                 an import duty schedule (origin, market, powertrain, years)
countervailing_duties  a maker-specific extra duty (optional)
committed_sales        a volume the plan must sell (optional)
exchange_rates         a country's exchange rate in a year (optional)
transfer_prices        the markup on full cost declared to customs (optional)
quota_shares           the maker's share of a national quota (optional)
program_emissions      a program's certified CO2 g/km and use-phase energy (optional)
grid_intensity         the CO2 per kWh of a country's electricity (optional)
plant_emissions        the CO2 of building one vehicle at a plant (optional)
fleet_targets          a fleet-average CO2 target in a market-year (optional)
zev_mandates           a zero-emission sales mandate in a market-year (optional)
production_credits     a production credit requirement (China NEV) (optional)
carbon_prices          a carbon price and/or cap in a year (optional)
plant_strategy         capacity decisions of a plant: modules, closure, mothballing
plant_program_options  a plant-program allocation that is a decision (launch capex)
program_lifecycle      launch and end years of a program, most plants per program
market_entry           a market whose entry is a decision (entry cost)
homologations          a program-market approval that is a decision
plant_equity           a joint-venture plant's equity share
market_steering        a market's steering side (LHD or RHD)
steering_variants      steering variants a plant builds, cost of adding the other
assembly_sites         a CKD/SKD assembly site in or near a market
kit_routes             a kit lane from a plant to an assembly site
kit_duties             duty on kits, preferential rate gated by rules of origin
=====================  ==========================================================

The tables from ``plant_strategy`` on are the strategic (network-design) tables: all
optional; with any row in them the model becomes a mixed-integer programme.

Plus ``scenario.yaml`` (:mod:`evplan.schema.scenario`) for the horizon and options.
"""

from __future__ import annotations

from evplan.schema.carbon_prices import CARBON_PRICES
from evplan.schema.columns import Column, Table
from evplan.schema.committed_sales import COMMITTED_SALES
from evplan.schema.common import POWERTRAINS
from evplan.schema.countervailing_duties import COUNTERVAILING_DUTIES
from evplan.schema.demand import DEMAND
from evplan.schema.duties import DUTIES
from evplan.schema.exchange_rates import EXCHANGE_RATES
from evplan.schema.fleet_targets import FLEET_TARGETS
from evplan.schema.grid_intensity import GRID_INTENSITY
from evplan.schema.markets import MARKETS
from evplan.schema.plant_emissions import PLANT_EMISSIONS
from evplan.schema.plant_programs import PLANT_PROGRAMS
from evplan.schema.plants import PLANTS
from evplan.schema.production_credits import PRODUCTION_CREDITS
from evplan.schema.program_emissions import PROGRAM_EMISSIONS
from evplan.schema.programs import PROGRAMS
from evplan.schema.quota_shares import QUOTA_SHARES
from evplan.schema.routes import ROUTES
from evplan.schema.scenario import SCENARIO_FIELDS, ScenarioField
from evplan.schema.strategic_tables import STRATEGIC_TABLES
from evplan.schema.transfer_prices import TRANSFER_PRICES
from evplan.schema.zev_mandates import ZEV_MANDATES

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        PLANTS,
        PROGRAMS,
        PLANT_PROGRAMS,
        MARKETS,
        DEMAND,
        ROUTES,
        DUTIES,
        COUNTERVAILING_DUTIES,
        COMMITTED_SALES,
        EXCHANGE_RATES,
        TRANSFER_PRICES,
        QUOTA_SHARES,
        PROGRAM_EMISSIONS,
        GRID_INTENSITY,
        PLANT_EMISSIONS,
        FLEET_TARGETS,
        ZEV_MANDATES,
        PRODUCTION_CREDITS,
        CARBON_PRICES,
        *STRATEGIC_TABLES,
    )
}

__all__ = ["COMPLIANCE_TABLES", "POWERTRAINS", "SCENARIO_FIELDS", "STRATEGIC_TABLE_NAMES",
           "TABLES", "Column", "ScenarioField", "Table"]

# The optional tables of CO2 and zero-emission rules (issue 16): when all are empty the
# network model is exactly the one without them.
COMPLIANCE_TABLES = ("program_emissions", "grid_intensity", "plant_emissions", "fleet_targets",
                     "zev_mandates", "production_credits", "carbon_prices")
STRATEGIC_TABLE_NAMES = tuple(table.name for table in STRATEGIC_TABLES)
