r"""The strategic model's variables, declared in one place (the table of contents).

=======================  ==============  =========================================  =====
variable                 dimension       meaning                                    type
=======================  ==============  =========================================  =====
``plant_open``           splant_year     the plant exists (not closed for good)     0-1 *
``plant_running``        splant_year     the plant runs (not mothballed)            0-1 *
``plant_modules``        splant_year     capacity modules installed                 int *
``modules_running``      splant_year     modules installed and running              cont.
``modules_added``        splant_year     modules added this year                    cont.
``modules_removed``      splant_year     modules removed this year                  cont.
``plant_closing``        splant_year     1 in the year the plant closes             cont.
``mothball_started``     splant_year     1 in the year the plant is mothballed      cont.
``plant_reopened``       splant_year     1 in the year it runs again                cont.
``program_allocated``    allocation      the plant builds the program               0-1 *
``program_started``      allocation      1 in the year the program starts there     cont.
``program_stopped``      allocation      1 in the year it stops there               cont.
``variant_added``        variant         the plant builds the other steering side   0-1 *
``market_present``       market_year     the automaker sells in the market          0-1 *
``market_entered``       market_year     1 in the year it enters                    cont.
``market_exited``        market_year     1 in the year it leaves                    cont.
``homologated``          homologation    the program is approved in the market      0-1 *
``site_open``            site_year       the assembly site is open                  0-1 *
``kit_shipment``         kit             kits shipped (= vehicles assembled)        cont.
``kit_preferential``     kit_pref        kits entering at the preferential rate     cont.
``rvc_met``              rvc_group       the site's program meets the RVC threshold 0-1
``module_on``            module_year     module j of the plant-year is installed    0-1
=======================  ==============  =========================================  =====

``*`` marks the first-stage (network) decisions of :data:`evplan.model.strategic.FIRST_STAGE`.
The continuous "event" variables are at least the change they count and carry its cost,
so at an optimum they equal it; they need no integrality. The module count is also
written as the sum of one 0-1 variable per possible module (``plant_modules = sum of
module_on``): the binary expansion gives HiGHS stronger cuts than the general integer
alone (see :mod:`evplan.model.strategic.plants` on the symmetry between modules).
"""

from __future__ import annotations

import linopy

from evplan.model.options import BuildOptions
from evplan.model.strategic.index import StrategicIndex
from evplan.model.strategic.rows import new_variable

__all__ = ["add_strategic_variables"]


def add_strategic_variables(m: linopy.Model, strategic: StrategicIndex,
                            options: BuildOptions) -> None:
    """Declare every strategic variable (see the module docstring)."""
    years = strategic.plant_years
    size = len(years)
    new_variable(m, "plant_open", size, "splant_year", years["open_lower"].to_numpy(), 1.0,
                 integer=True)
    new_variable(m, "plant_running", size, "splant_year", years["running_lower"].to_numpy(),
                 1.0, integer=True)
    new_variable(m, "plant_modules", size, "splant_year", years["modules_lower"].to_numpy(),
                 years["modules_upper"].to_numpy(), integer=True)
    new_variable(m, "modules_running", size, "splant_year", 0.0,
                 years["modules_upper"].to_numpy())
    for name in ("modules_added", "modules_removed", "plant_closing", "mothball_started",
                 "plant_reopened"):
        new_variable(m, name, size, "splant_year")
    allocations = strategic.allocations
    new_variable(m, "program_allocated", len(allocations), "allocation",
                 allocations["lower"].to_numpy(), allocations["upper"].to_numpy(), integer=True)
    new_variable(m, "program_started", len(allocations), "allocation")
    new_variable(m, "program_stopped", len(allocations), "allocation")
    variants = strategic.variants
    new_variable(m, "variant_added", len(variants), "variant", 0.0,
                 variants["upper"].to_numpy(), integer=True)
    markets = strategic.market_years
    new_variable(m, "market_present", len(markets), "market_year", markets["lower"].to_numpy(),
                 markets["upper"].to_numpy(), integer=True)
    new_variable(m, "market_entered", len(markets), "market_year")
    new_variable(m, "market_exited", len(markets), "market_year")
    homologations = strategic.homologations
    new_variable(m, "homologated", len(homologations), "homologation",
                 homologations["lower"].to_numpy(), homologations["upper"].to_numpy(),
                 integer=True)
    sites = strategic.site_years
    new_variable(m, "site_open", len(sites), "site_year", sites["lower"].to_numpy(),
                 sites["upper"].to_numpy(), integer=True)
    kits = strategic.kits
    new_variable(m, "kit_shipment", len(kits), "kit")
    new_variable(m, "kit_preferential", int((kits["kit_pref"] >= 0).sum()) if len(kits) else 0,
                 "kit_pref")
    new_variable(m, "rvc_met", len(strategic.rvc_groups), "rvc_group", 0.0, 1.0, integer=True)
    module_count = int(years["modules_upper"].sum())
    new_variable(m, "module_on", module_count, "module_year", 0.0, 1.0, integer=True)

