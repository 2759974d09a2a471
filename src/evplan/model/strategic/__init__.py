"""The strategic network-design extension of the export model (a MILP).

When any strategic table (``plant_strategy``, ``plant_program_options``,
``program_lifecycle``, ``market_entry``, ``homologations``, ``plant_equity``,
``market_steering``, ``steering_variants``, ``assembly_sites``, ``kit_routes``,
``kit_duties``) holds a row, :func:`evplan.model.build.build_model` adds the variables and
families of this package to the same linopy model; otherwise nothing here runs and the
model is the LP of ``docs/formulation.md``.

First-stage decisions (the network) are the variables named in :data:`FIRST_STAGE`; they
can be fixed (``evplan.strategic.fix``) or shared across scenario copies.
"""

from __future__ import annotations

from evplan.model.strategic.extend import extend_index, has_strategic

__all__ = ["FIRST_STAGE", "extend_index", "has_strategic"]

FIRST_STAGE = ("plant_open", "plant_running", "plant_modules", "program_allocated",
               "variant_added", "market_present", "homologated", "site_open")
