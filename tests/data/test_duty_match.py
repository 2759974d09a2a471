"""The duty lookup (``_first_match``) against the pandas merge it replaced.

``_first_match`` finds each key's first table row by integer codes and positions; a left
merge on the key columns after ``drop_duplicates`` is the independent answer: same values,
same dtypes (ints become floats where a key finds no row), blank keys matching blank keys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from evplan.data.duties import _first_match

ON = ["origin", "market", "powertrain", "year"]
VALUES = ["rate", "quota", "group", "row"]
TEXT = st.sampled_from(["CN", "*", None])  # few values: repeated and blank keys are common


def _merged(keys: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    merged = keys[ON].merge(table[[*ON, *VALUES]].drop_duplicates(ON), on=ON, how="left")
    merged.index = keys.index
    return merged[VALUES]


def _frame(rows: list[tuple], values: bool) -> pd.DataFrame:
    frame = pd.DataFrame({
        "origin": pd.array([r[0] for r in rows], dtype="str"),
        "market": pd.array([r[1] for r in rows], dtype="str"),
        "powertrain": pd.array([r[2] for r in rows], dtype="str"),
        "year": np.array([r[3] for r in rows], dtype=np.int64),
    })
    if values:
        frame["rate"] = [float(r[4]) for r in rows]
        frame["quota"] = pd.array([r[5] for r in rows], dtype="Int64")
        frame["group"] = pd.array([r[6] for r in rows], dtype="str")
        frame["row"] = np.arange(2, len(rows) + 2, dtype=np.int64)
    return frame


KEY = st.tuples(TEXT, TEXT, TEXT, st.sampled_from([2024, 2025]))
ROW = st.tuples(TEXT, TEXT, TEXT, st.sampled_from([2024, 2025]),
                st.floats(-1, 1, allow_nan=False), st.one_of(st.none(), st.integers(0, 9)),
                TEXT)


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(KEY, max_size=12), rows=st.lists(ROW, max_size=12),
       shuffled=st.randoms(use_true_random=False))
def test_first_match_equals_the_left_merge_after_drop_duplicates(keys, rows, shuffled) -> None:
    key_frame = _frame(keys, values=False)
    order = list(range(len(key_frame)))
    shuffled.shuffle(order)
    key_frame.index = pd.Index([10 * i + 3 for i in order])  # not a RangeIndex
    table = _frame(rows, values=True)
    table.index = pd.Index(list(range(len(table)))[::-1])
    found = _first_match(key_frame, table, ON, VALUES)
    pd.testing.assert_frame_equal(found, _merged(key_frame, table))


def test_a_key_takes_the_first_of_repeated_rows_and_a_missing_key_nan() -> None:
    keys = _frame([("CN", "DE", "BEV", 2024), ("CN", "FR", "BEV", 2024)], values=False)
    table = _frame([("CN", "DE", "BEV", 2024, 0.1, 5, "a"),
                    ("CN", "DE", "BEV", 2024, 0.9, 7, "b")], values=True)
    found = _first_match(keys, table, ON, VALUES)
    assert found["rate"].tolist()[0] == 0.1 and np.isnan(found["rate"].tolist()[1])
    assert found["row"].dtype == np.float64  # as a merge: an unmatched key makes ints floats


def test_a_year_as_text_against_numbers_raises_as_the_merge_did() -> None:
    """A number never equals its text: a lookup whose key holds years as text would match
    nothing and silently drop every duty; it raises, as the pandas merge did (review)."""
    import pytest

    keys = _frame([("CN", "DE", "BEV", 2024)], values=False).astype({"year": str})
    table = _frame([("CN", "DE", "BEV", 2024, 0.1, 5, "a")], values=True)
    with pytest.raises(ValueError, match="year"):
        _first_match(keys, table, ON, VALUES)
    with pytest.raises(ValueError):
        _merged(keys, table)
