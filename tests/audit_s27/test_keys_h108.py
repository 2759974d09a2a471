"""frame_codes (verify/keys.py) numbers keys as the plain per-column definition does.

helper-108 (session 27) made :func:`evplan.verify.keys.frame_codes` factorize an object
column of ``str`` as it is and combine the columns' codes in mixed radix with one final
numbering. The reference below is the definition it must keep: every key column made text
(years numbers), factorized, and the combined key renumbered after each column.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from evplan.verify.keys import first_rows, frame_codes


def _reference(left: pd.DataFrame, right: pd.DataFrame, on: list[str]
               ) -> tuple[np.ndarray, np.ndarray, int]:
    def column(frame: pd.DataFrame, name: str) -> np.ndarray:
        if name == "year":
            return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        return frame[name].astype(str).to_numpy(dtype=object)

    code = np.zeros(len(left) + len(right), dtype=np.int64)
    for name in on:
        values, uniques = pd.factorize(np.concatenate([column(left, name),
                                                       column(right, name)]))
        code = pd.factorize(code * (len(uniques) + 2) + values + 1)[0].astype(np.int64)
    size = int(code.max()) + 1 if len(code) else 0
    return code[:len(left)], code[len(left):], size


def _values(rng: random.Random, kind: str, n: int) -> object:
    if kind == "year":
        return [rng.choice([2025, 2026, 2027.0, np.nan, "2025", None]) for _ in range(n)]
    if kind == "int":
        return np.array([rng.choice([2025, 2026, 2030]) for _ in range(n)])
    if kind == "text":
        return np.array([rng.choice(["a", "b", "c", "dd"]) for _ in range(n)], dtype=object)
    if kind == "mixed":  # 1 and "1" are one key (text); NaN and None are "nan" and "None"
        return np.array([rng.choice(["a", 1, None, np.nan, "1", 1.0]) for _ in range(n)],
                        dtype=object)
    return pd.array([rng.choice(["a", "b", None]) for _ in range(n)], dtype="string")


@pytest.mark.parametrize("seed", range(4))
def test_frame_codes_match_the_per_column_definition(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        on = rng.sample(["year", "a", "b", "c"], rng.randint(1, 4))
        kinds = {name: rng.choice(["year", "int"]) if name == "year"
                 else rng.choice(["text", "text", "mixed", "string", "int"]) for name in on}
        left, right = (pd.DataFrame({name: _values(rng, kinds[name], n) for name in on})
                       for n in (rng.randint(1, 12), rng.randint(1, 12)))
        want, got = _reference(left, right, on), frame_codes(left, right, on)
        assert got[2] == want[2]
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def test_frame_codes_of_many_wide_columns_renumber_before_overflow() -> None:
    """Twelve columns of ~100 names each: a mixed-radix key past 2**62 is renumbered on the
    way, and the codes stay those of the definition."""
    left = pd.DataFrame({f"k{i}": np.array([f"n{(j * (i + 3)) % 101}" for j in range(600)],
                                           dtype=object) for i in range(12)})
    right = left.sample(frac=1.0, random_state=0).reset_index(drop=True)
    on = list(left.columns)
    want, got = _reference(left, right, on), frame_codes(left, right, on)
    assert got[2] == want[2]
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    first: dict[tuple[str, ...], int] = {}
    for position, key in enumerate(left.itertuples(index=False)):
        first.setdefault(tuple(key), position)
    np.testing.assert_array_equal(first_rows(right, left, on), [
        first[tuple(key)] for key in right.itertuples(index=False)])
