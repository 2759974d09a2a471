"""add_grouped_rows (model/terms.py) makes the rows ``lhs <sign> labelled(rhs)`` made.

helper-108 (session 27) builds the network families' constraints from the grouped sum's
dataset directly; the reference is linopy's own ``lhs <= labelled(rhs)`` (its rhs is
``-(0 - rhs)``: a 0 is written -0.0), compared dataset by dataset after adding.
"""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd
import pytest

from evplan.model.terms import add_grouped_rows, grouped_sum, labelled, linear_terms


def _lhs(m: linopy.Model) -> linopy.LinearExpression:
    x = m.variables["x"]
    return grouped_sum(m, [(x, np.array([0, 2, 2, -1, 1, 0]), np.array([1.0, -2, 3, 4, 5, 6]))],
                       4, "group")  # group 3 holds no term


@pytest.mark.parametrize(("sign", "rhs"), [("<=", [5.0, 0.0, -1.5, 7.0]), (">=", 0.0),
                                           ("=", 0.0), ("<=", [0.0, 2.0, 0.0, 1e9])])
def test_rows_equal_linopys_rows(sign: str, rhs: float | list[float]) -> None:
    models = []
    for direct in (False, True):
        m = linopy.Model()
        m.add_variables(lower=0, coords=[pd.RangeIndex(6, name="flow")], name="x")
        lhs = _lhs(m)
        values = np.broadcast_to(np.asarray(rhs, dtype=float), (4,))
        if direct:
            add_grouped_rows(m, lhs, sign, rhs, "rows")
        else:
            right = labelled(values, "group")
            m.add_constraints(lhs <= right if sign == "<=" else lhs >= right if sign == ">="
                              else lhs == right, name="rows")
        models.append(m.constraints["rows"].data)
    reference, direct_rows = models
    assert direct_rows.identical(reference)
    np.testing.assert_array_equal(np.signbit(direct_rows["rhs"].values),
                                  np.signbit(reference["rhs"].values))


def test_linear_terms_equal_the_sum_of_linopy_sums() -> None:
    """The objective's one term array (model/objective.py) is the expression the chain
    ``(a * x).sum() - (b * y).sum() - c * z.sum()`` made: same terms, order and signs."""
    expressions = []
    for direct in (False, True):
        m = linopy.Model()
        x = m.add_variables(lower=0, coords=[pd.RangeIndex(3, name="sale")], name="x")
        y = m.add_variables(lower=0, coords=[pd.RangeIndex(4, name="flow")], name="y")
        z = m.add_variables(lower=0, coords=[pd.RangeIndex(2, name="short")], name="z")
        a, b = np.array([3.0, 0.0, -1.5]), np.array([2.0, 0.0, 5.5, 1e-3])
        if direct:
            expression = linear_terms(m, [(x, a), (y, -b), (z, -(7.0 * np.ones(2)))])
        else:
            expression = ((labelled(a, "sale") * x).sum() - (labelled(b, "flow") * y).sum()
                          - 7.0 * z.sum())
        expressions.append(expression.data)
    reference, direct_terms = expressions
    assert direct_terms.identical(reference)
    np.testing.assert_array_equal(np.signbit(direct_terms["coeffs"].values),
                                  np.signbit(reference["coeffs"].values))
