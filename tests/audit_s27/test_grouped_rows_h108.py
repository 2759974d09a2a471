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

from evplan.model.terms import add_grouped_rows, grouped_sum, labelled


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
