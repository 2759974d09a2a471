"""Warm re-solves of a strategic model whose network (its integer decisions) is fixed.

With every integer variable fixed (the network of a solved plan) and integrality dropped,
the strategic MILP is an LP with the same structure for every case that changes only
numbers of the network tables: break-even duties and what-if cases "holding the network"
can then re-solve warm. Cases that change plants or strategic tables are solved cold.
"""

from __future__ import annotations

from collections.abc import Mapping

import highspy
import linopy
import numpy as np

from evplan.data import NetworkData
from evplan.model.index import ModelIndex
from evplan.schema import STRATEGIC_TABLE_NAMES

__all__ = ["fix_integers", "same_network", "strategic_shipment_cost"]


def fix_integers(m: linopy.Model, h: highspy.Highs, values: Mapping[str, np.ndarray]) -> None:
    """Fix the named integer variables of ``m`` in ``h`` and drop every integrality."""
    matrices = m.matrices
    column_of = np.full(m._xCounter, -1, dtype=np.int64)
    column_of[matrices.vlabels] = np.arange(len(matrices.vlabels))
    for name, value in values.items():
        columns = column_of[m.variables[name].labels.values.ravel()]
        chosen = columns >= 0
        if chosen.any():
            fixed = np.asarray(value, dtype=float)[chosen]
            h.changeColsBounds(int(chosen.sum()), columns[chosen].astype(np.int32), fixed, fixed)
    count = h.getNumCol()
    h.changeColsIntegrality(count, np.arange(count, dtype=np.int32),
                            np.zeros(count, dtype=np.uint8))


def same_network(base: NetworkData, data: NetworkData) -> bool:
    """True when plants and every strategic table are those of ``base``."""
    for name in ("plants", *STRATEGIC_TABLE_NAMES):
        if data.tables[name] is base.tables[name]:
            continue
        if not data.tables[name].reset_index(drop=True).equals(
                base.tables[name].reset_index(drop=True)):
            return False
    return data.scenario.objective_basis == base.scenario.objective_basis


def strategic_shipment_cost(index: ModelIndex) -> np.ndarray:
    """Extra undiscounted cost per vehicle the objective charges a flow (partners' shares)."""
    if index.strategic is None or index.strategic.objective_basis != "attributable":
        return np.zeros(len(index.flows))
    from evplan.model.strategic.objective import _partner_margin

    return _partner_margin(index, index.flows["plant"], index.flows[
        "variable_cost_usd_per_vehicle"].to_numpy(dtype=float))
