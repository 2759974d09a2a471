"""model/index.py's key positions (a NumPy hash join) equal the left merge they replaced.

helper-108 (session 27): ``_codes`` of :mod:`evplan.model.index` and
:mod:`evplan.model.compliance_index` find each row's key position with
:func:`evplan.model.index.key_positions`; the reference is the merge ``_codes`` did.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from evplan.model.index import _codes, key_positions


def _merge_codes(frame: pd.DataFrame, keys: pd.DataFrame, on: list[str]) -> np.ndarray:
    positions = keys[on].reset_index(names="_position")
    merged = frame[on].merge(positions, on=on, how="left")
    return merged["_position"].fillna(-1).to_numpy(dtype=np.int64)


@pytest.mark.parametrize("seed", range(3))
def test_key_positions_equal_the_merge_on_unique_keys(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        names = [f"P{i}" for i in range(rng.randint(1, 6))]
        years = list(range(2025, 2025 + rng.randint(1, 5)))
        every = [(n, y) for n in names for y in years]
        keys = pd.DataFrame(rng.sample(every, rng.randint(1, len(every))),
                            columns=["plant", "year"])
        frame = pd.DataFrame([(rng.choice([*names, "ZZ"]), rng.choice([*years, 2040]))
                              for _ in range(rng.randint(0, 30))], columns=["plant", "year"])
        if rng.random() < 0.3:  # float years in the rows: 2025.0 is 2025, as in a merge
            frame["year"] = frame["year"].astype(float)
        want = _merge_codes(frame, keys, ["plant", "year"])
        np.testing.assert_array_equal(key_positions(frame, keys, ["plant", "year"]), want)
        np.testing.assert_array_equal(_codes(frame, keys, ["plant", "year"]), want)


def test_a_repeated_key_is_left_to_the_merge() -> None:
    keys = pd.DataFrame({"plant": ["A", "A", "B"], "year": [2025, 2025, 2025]})
    frame = pd.DataFrame({"plant": ["B", "A"], "year": [2025, 2025]})
    assert key_positions(frame, keys, ["plant", "year"]) is None
    np.testing.assert_array_equal(_codes(frame, keys, ["plant", "year"]),
                                  _merge_codes(frame, keys, ["plant", "year"]))
