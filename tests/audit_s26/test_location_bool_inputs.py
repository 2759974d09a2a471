"""A true/false column is not a number: location refuses it instead of reading 1 and 0.

``pd.to_numeric`` turns ``True`` into 1.0, so a demand column of booleans (a flag column
picked by mistake) was solved as one vehicle per customer and called optimal.
"""

from __future__ import annotations

import pandas as pd
import pytest

from evplan.errors import InputError
from evplan.location import capacitated, p_median

SITES = pd.DataFrame({"site": ["A", "B"], "capacity": [10.0, 10.0], "fixed_cost": [5.0, 6.0]})
CUSTOMERS = pd.DataFrame({"customer": ["x", "y"], "demand": [6.0, 6.0]})
COSTS = pd.DataFrame({"site": ["A", "A", "B", "B"], "customer": ["x", "y"] * 2,
                      "cost": [1.0, 2.0, 2.0, 1.0]})


def test_a_boolean_demand_column_is_named() -> None:
    with pytest.raises(InputError) as error:
        capacitated(SITES, CUSTOMERS.assign(demand=[True, False]), COSTS)
    assert ("row 2, customer 'x': demand = True is not a number >= 0. Enter a non-negative "
            "number in demand.") in str(error.value)
    assert "row 3, customer 'y': demand = False is not a number >= 0." in str(error.value)


def test_one_boolean_among_numbers_is_named() -> None:
    distances = COSTS.rename(columns={"cost": "distance"}).astype({"distance": object})
    distances.loc[1, "distance"] = True
    with pytest.raises(InputError) as error:
        p_median(SITES[["site"]], CUSTOMERS, distances, 1)
    assert "row 3, site 'A': distance = True is not a number >= 0." in str(error.value)


def test_numbers_written_as_text_still_read() -> None:
    """Only booleans are refused: "4" and 4.0 read as before (site A alone: 5 + 1 + 2)."""
    result = capacitated(SITES, CUSTOMERS.assign(demand=["4", 4.0]), COSTS)
    assert result.objective == pytest.approx(8.0)
