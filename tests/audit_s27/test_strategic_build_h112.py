"""add_rows builds the constraint dataset directly (no linopy ``lhs <= rhs`` alignment): the
rows must be the ones linopy's own comparison gives, for every sense and a row subset."""

from __future__ import annotations

import linopy
import numpy as np
import pytest

from evplan.model.strategic.rows import add_rows, new_variable
from evplan.model.terms import grouped_sum, labelled


def _matrix(m: linopy.Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    matrices = m.matrices
    return (np.asarray(matrices.A.todense()), np.asarray(matrices.b),
            np.asarray(matrices.sense))


@pytest.mark.parametrize("sense", ["<=", ">=", "=="])
@pytest.mark.parametrize("rows", [None, np.array([0, 2, 3])])
def test_add_rows_gives_linopys_own_rows(sense: str, rows: np.ndarray | None) -> None:
    rng = np.random.default_rng(7)
    size = 5
    codes_x = np.array([0, 1, 1, 3, -1])
    codes_y = np.array([4, 2, 0, -1, 3])
    coefficients = rng.uniform(-3, 3, size)
    rhs = rng.uniform(-10, 10, size)
    models = []
    for direct in (True, False):
        m = linopy.Model()
        x = new_variable(m, "x", size, "dx", 0.0, 10.0)
        y = new_variable(m, "y", size, "dy", 0.0, 10.0, integer=True)
        m.add_objective(x.sum() + y.sum())
        parts = [(x, codes_x, coefficients), (y, codes_y, 2.0)]
        if direct:
            add_rows(m, parts, size, "row", sense, rhs, "test-rows", rows=rows)
        else:  # the textbook path: linopy's comparison of the grouped sum and the rhs
            chosen = np.arange(size) if rows is None else rows
            renumber = np.full(size, -1)
            renumber[chosen] = np.arange(len(chosen))
            moved = [(v, np.where(c >= 0, renumber[np.maximum(c, 0)], -1), k)
                     for v, c, k in parts]
            lhs = grouped_sum(m, moved, len(chosen), "row")
            bound = labelled(rhs[chosen], "row")
            con = lhs <= bound if sense == "<=" else lhs >= bound if sense == ">=" else (
                lhs == bound)
            m.add_constraints(con, name="test-rows")
        models.append(_matrix(m))
    (a1, b1, s1), (a2, b2, s2) = models
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)
    np.testing.assert_array_equal(s1, s2)
