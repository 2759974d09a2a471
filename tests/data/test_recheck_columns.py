"""data/recheck.py reads columns from the frame's blocks; the values are the column's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evplan.data.recheck import _column, _numbers


@pytest.mark.parametrize("dtype", ["float64", "int64", "Int64", "Float64", "object", "str"])
def test_a_column_read_from_the_blocks_is_the_column(dtype: str) -> None:
    values = [1, 2, 3] if dtype not in ("object", "str") else ["a", "b", "c"]
    frame = pd.DataFrame({"x": [0.5, 1.5, 2.5], "y": pd.Series(values, dtype=dtype),
                          "z": ["p", "q", "r"]})
    frame.loc[1, "x"] = np.nan  # changed in place after it was made
    read = _column(frame, "y")
    assert list(np.asarray(read)) == list(frame["y"].to_numpy())
    numbers = _numbers(read)
    if dtype in ("object", "str"):
        assert numbers is None
    else:
        assert numbers is not None and numbers.tolist() == [1.0, 2.0, 3.0]
    assert np.isnan(_numbers(_column(frame, "x"))[1])


def test_without_the_blocks_it_reads_the_column(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pd.DataFrame({"x": [1.0, np.nan]})
    monkeypatch.setattr(type(frame._mgr), "iget_values", None, raising=False)
    assert np.isnan(_numbers(_column(frame, "x"))[1])
