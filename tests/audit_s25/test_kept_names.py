"""KeptNames tells a plan's key column from another by value, whatever its storage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evplan.frame_arrays import stored_array
from evplan.verify.keys import KeptNames


@pytest.mark.parametrize("text", [object, "string"])
def test_holds_compares_names_not_storage(text: object) -> None:
    names = ["P1", "P2", "P1", "P3"]
    frame = pd.DataFrame({"plant": pd.array(names, dtype=text)})
    kept = KeptNames(stored_array(frame, "plant"))
    same_objects = frame.copy(deep=True)  # object dtype: the same str objects, new memory
    equal_text = pd.DataFrame({"plant": pd.array(["".join(n) for n in names], dtype=text)})
    other = pd.DataFrame({"plant": pd.array(["P1", "P2", "P3", "P1"], dtype=text)})
    shorter = frame.head(3)
    assert kept.holds(stored_array(frame, "plant"))
    assert kept.holds(stored_array(same_objects, "plant"))
    assert kept.holds(stored_array(equal_text, "plant"))
    assert kept.holds(frame["plant"])  # a Series as well
    assert not kept.holds(stored_array(other, "plant"))
    assert not kept.holds(stored_array(shorter, "plant"))


def test_kept_names_do_not_follow_an_edit_of_the_plan() -> None:
    frame = pd.DataFrame({"plant": np.array(["P1", "P2"], dtype=object)})
    kept = KeptNames(stored_array(frame, "plant"))
    frame.loc[0, "plant"] = "P9"  # the caller edits the plan it was given
    assert not kept.holds(stored_array(frame, "plant"))
    assert kept.holds(np.array(["P1", "P2"], dtype=object))


def test_numeric_keys() -> None:
    kept = KeptNames(np.array([2025, 2026]))
    assert kept.holds(np.array([2025, 2026])) and not kept.holds(np.array([2025, 2027]))


@pytest.mark.parametrize("rate", [0.0, 0.08, 0.1234567])
def test_discount_factors_are_the_per_element_power(rate: float) -> None:
    from evplan.verify.keys import discount_factors

    years = np.array([2023, 2030, 2025, 2023, 2024, 2035] * 50)
    want = (1.0 + rate) ** -(years.astype(float) - 2023)
    assert np.array_equal(discount_factors(rate, years, 2023), want)  # bit for bit
    odd = np.array([2022.0, 2024.5, np.nan, 2026.0])  # before, between, blank: per element
    np.testing.assert_array_equal(discount_factors(rate, odd, 2023),
                                  (1.0 + rate) ** -(odd - 2023))
    assert discount_factors(rate, np.array([], dtype=float), 2023).shape == (0,)
