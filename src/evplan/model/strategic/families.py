"""The strategic families in the order :func:`evplan.model.build.build_model` adds them."""

from __future__ import annotations

import linopy

from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.strategic.assembly import add_assembly
from evplan.model.strategic.markets import add_market_decisions
from evplan.model.strategic.objective import add_strategic_objective
from evplan.model.strategic.plants import add_plant_decisions, add_strategic_capacity
from evplan.model.strategic.programs import add_program_decisions
from evplan.model.strategic.variables import add_strategic_variables

__all__ = ["add_strategic_families", "add_strategic_objective", "add_strategic_variables"]


def add_strategic_families(m: linopy.Model, index: ModelIndex, options: BuildOptions) -> None:
    """Plants, capacity, programs, markets and local assembly (one function each)."""
    add_plant_decisions(m, index, options)
    add_strategic_capacity(m, index, options)
    add_program_decisions(m, index, options)
    add_market_decisions(m, index, options)
    add_assembly(m, index, options)
