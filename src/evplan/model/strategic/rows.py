"""Small helpers that build the strategic families' rows from codes, without Python loops.

Every decision element has a position along its dimension and, through ``prev``/``next``,
the position of the same subject in the adjacent year. A row ``s_y - s_{y-1}`` is built as
a grouped sum: ``s`` enters row ``k`` (its own) with +1 and row ``next[k]`` with -1; rows
whose subject has no previous year take the initial state on the right-hand side.
"""

from __future__ import annotations

from collections.abc import Sequence

import linopy
import numpy as np
import pandas as pd
import xarray as xr
from linopy.constraints import Constraint

from evplan.model.terms import Part, grouped_sum, labelled

__all__ = ["add_rows", "new_variable", "own", "shifted"]

_SIGNS = {"<=": "<=", ">=": ">=", "==": "="}  # add_rows' sense -> linopy's sign


def new_variable(m: linopy.Model, name: str, size: int, dim: str, lower: object = 0.0,
                 upper: object = np.inf, integer: bool = False) -> linopy.Variable:
    """A 1-d variable on ``dim`` (integer ones get their bounds, binaries are 0-1 integers)."""
    coords = [pd.RangeIndex(size, name=dim)]
    lower_array = labelled(np.broadcast_to(np.asarray(lower, dtype=float), size), dim)
    upper_array = labelled(np.broadcast_to(np.asarray(upper, dtype=float), size), dim)
    return m.add_variables(lower=lower_array, upper=upper_array, coords=coords, name=name,
                           integer=integer)


def own(size: int) -> np.ndarray:
    """Codes putting element k into row k."""
    return np.arange(size, dtype=np.int64)


def shifted(next_positions: np.ndarray) -> np.ndarray:
    """Codes putting element k into the row of its next year (its ``prev`` term there)."""
    return np.asarray(next_positions, dtype=np.int64)


def add_rows(m: linopy.Model, parts: Sequence[Part], size: int, dim: str, sense: str,
             rhs: object, name: str, rows: np.ndarray | None = None) -> None:
    """Add ``sum(parts) <sense> rhs`` for each of ``size`` rows (only ``rows`` when given).

    ``rows`` selects a subset: the codes are renumbered so only those rows exist.
    """
    rhs_array = np.broadcast_to(np.asarray(rhs, dtype=float), size).copy()
    if rows is not None:
        chosen = np.asarray(rows, dtype=np.int64)
        renumber = np.full(size, -1, dtype=np.int64)
        renumber[chosen] = np.arange(len(chosen))
        parts = [(variable, np.where(np.asarray(codes) >= 0, renumber[np.maximum(
            np.asarray(codes, dtype=np.int64), 0)], -1), coefficients)
            for variable, codes, coefficients in parts]
        rhs_array = rhs_array[chosen]
        size = len(chosen)
    if size == 0:
        return
    # The constraint's dataset directly (sign and rhs beside the grouped sum's terms):
    # ``lhs <= labelled(rhs)`` aligned and copied the datasets again, for the same rows.
    positions = {dim: np.arange(size)}
    data = grouped_sum(m, parts, size, dim).data.assign(
        sign=xr.DataArray(np.full(size, _SIGNS[sense]), coords=positions, dims=[dim]),
        rhs=xr.DataArray(rhs_array, coords=positions, dims=[dim]))
    m.add_constraints(Constraint(data, m, skip_broadcast=True), name=name)


def fan_out(variable: linopy.Variable, owner: np.ndarray, coefficients: np.ndarray | float
            ) -> list[Part]:
    """Parts putting ``variable[owner[r]]`` into row r with ``coefficients[r]``, for every r.

    A decision (a plant open, a market present) enters several rows; one part per "layer"
    maps each decision to at most one of its rows, so no Python loop runs over rows.
    ``owner[r] = -1`` leaves row r without the variable.
    """
    owner = np.asarray(owner, dtype=np.int64)
    coefficients = np.broadcast_to(np.asarray(coefficients, dtype=float), owner.shape)
    size = len(variable.labels.values.ravel())
    rows = np.flatnonzero(owner >= 0)
    if not len(rows):
        return []
    order = rows[np.argsort(owner[rows], kind="stable")]
    sorted_owner = owner[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_owner)) + 1]
    depth = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    parts: list[Part] = []
    for layer in range(int(depth.max()) + 1):
        chosen = order[depth == layer]
        target = np.full(size, -1, dtype=np.int64)
        coefficient = np.zeros(size)
        target[owner[chosen]] = chosen
        coefficient[owner[chosen]] = coefficients[chosen]
        parts.append((variable, target, coefficient))
    return parts
