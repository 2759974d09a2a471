"""Vectorised lookups on composite keys, written for the certificate checks alone.

The certificate re-derives everything from the input tables, so it does not reuse the
model's index code. These helpers turn names into integer codes (one shared vocabulary
per kind of name: plants, programs, markets ...), combine codes into one integer key,
find rows by key, join two tables on a code, sum by key and expand dated rows to years.
No Python loop runs over rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Finder",
    "KeptNames",
    "Vocabulary",
    "as_float",
    "as_objects",
    "combine",
    "expand_rows",
    "find",
    "first_rows",
    "frame_codes",
    "join",
    "sum_by",
    "unique_first",
    "years_of",
]

YEAR_RADIX = 10_000


class Vocabulary:
    """Integer codes for names, one vocabulary per kind of name, shared by every table.

    Parameters
    ----------
    columns : mapping of kind -> mapping of column id -> values
        Every column of names to encode, grouped by kind (``"plant"``, ``"market"`` ...).

    Examples
    --------
    >>> vocabulary = Vocabulary({"plant": {"a": ["P1", "P2"], "b": ["P2"]}})
    >>> vocabulary.codes("b").tolist(), vocabulary.name("plant", 1)
    ([1], 'P2')
    """

    def __init__(self, columns: Mapping[str, Mapping[str, Any]]) -> None:
        self._codes: dict[str, np.ndarray] = {}
        self._names: dict[str, np.ndarray] = {}
        for kind, by_id in columns.items():
            arrays = [as_objects(values) for values in by_id.values()]
            codes, names = pd.factorize(np.concatenate(arrays) if arrays else np.empty(0))
            self._names[kind] = np.asarray(names, dtype=object)
            start = 0
            for column_id, array in zip(by_id, arrays, strict=True):
                self._codes[column_id] = codes[start:start + len(array)].astype(np.int64)
                start += len(array)

    def codes(self, column_id: str) -> np.ndarray:
        """Codes of one encoded column (-1 for blanks)."""
        return self._codes[column_id]

    def size(self, kind: str) -> int:
        """Number of distinct names of a kind."""
        return len(self._names[kind])

    def name(self, kind: str, code: int) -> str:
        """The name behind a code."""
        return str(self._names[kind][code]) if code >= 0 else ""

    def code_of(self, kind: str, name: str) -> int:
        """The code of a name (-1 when no table uses it)."""
        found = np.flatnonzero(self._names[kind] == name)
        return int(found[0]) if len(found) else -1


def as_objects(values: Any) -> np.ndarray:
    """Values as an object array (names keep their text; blanks become NaN or None)."""
    if isinstance(values, pd.Series | pd.Index):
        return values.to_numpy(dtype=object)
    return np.asarray(values, dtype=object)


def years_of(values: Any) -> np.ndarray:
    """Years as int64 (blanks become -1, which no planning year equals)."""
    return np.nan_to_num(as_float(values), nan=-1.0).astype(np.int64)


def combine(*parts: tuple[np.ndarray, int]) -> np.ndarray:
    """One int64 key per row from ``(codes, number of codes)`` parts (codes may be -1).

    Keys are compressed whenever the mixed radix would overflow, so any number of parts
    works; equal tuples give equal keys within one call.
    """
    key = np.zeros(len(parts[0][0]), dtype=np.int64)
    span = 1
    for codes, size in parts:
        radix = int(size) + 1
        if span * radix >= 2**62:
            _, key = np.unique(key, return_inverse=True)
            key = key.astype(np.int64)
            span = int(key.max()) + 1 if len(key) else 1
        key = key * radix + (np.asarray(codes, dtype=np.int64) + 1)
        span *= radix
    return key


class Finder:
    """:func:`find` against one table of keys, sorted once for many queries."""

    def __init__(self, table_keys: np.ndarray) -> None:
        self.unique, self.first = np.unique(table_keys, return_index=True)

    def __call__(self, query_keys: np.ndarray) -> np.ndarray:
        if not len(self.unique) or not len(query_keys):
            return np.full(len(query_keys), -1, dtype=np.int64)
        slot = np.clip(np.searchsorted(self.unique, query_keys), 0, len(self.unique) - 1)
        return np.where(self.unique[slot] == query_keys, self.first[slot], -1).astype(np.int64)


def find(table_keys: np.ndarray, query_keys: np.ndarray) -> np.ndarray:
    """Position in ``table_keys`` of each query key (its first occurrence); -1 where absent."""
    return Finder(table_keys)(query_keys)


def join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i, j) with ``left[i] == right[j] >= 0``, as two position arrays."""
    order = np.argsort(right, kind="stable")
    ordered = right[order]
    start = np.searchsorted(ordered, left, side="left")
    stop = np.searchsorted(ordered, left, side="right")
    counts = np.where(left >= 0, stop - start, 0)
    left_at = np.repeat(np.arange(len(left)), counts)
    offsets = np.arange(len(left_at)) - np.repeat(np.cumsum(counts) - counts, counts)
    right_at = order[np.repeat(start, counts) + offsets]
    return left_at.astype(np.int64), right_at.astype(np.int64)


def sum_by(codes: np.ndarray, values: np.ndarray | float, size: int) -> np.ndarray:
    """Sum ``values`` into ``size`` bins by ``codes`` (codes < 0 are dropped)."""
    codes = np.asarray(codes, dtype=np.int64)
    weights = np.broadcast_to(np.asarray(values, dtype=float), codes.shape)
    keep = codes >= 0
    return np.bincount(codes[keep], weights=weights[keep], minlength=size)[:size]


def expand_rows(first: Any, last: Any, years: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
    """Each row repeated for each planning year inside its ``first``..``last`` range.

    Blank (NaN) ends are open. Returns the row position and year of every (row, year).
    """
    year_array = np.asarray(list(years), dtype=np.int64)
    first_values = np.nan_to_num(as_float(first), nan=-np.inf)
    last_values = np.nan_to_num(as_float(last), nan=np.inf)
    inside = ((year_array[None, :] >= first_values[:, None])
              & (year_array[None, :] <= last_values[:, None]))
    rows, columns = np.nonzero(inside)
    return rows.astype(np.int64), year_array[columns]


def unique_first(keys: np.ndarray, wanted: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Group ``keys`` (only ``wanted`` rows): (group of each row or -1, first row of each group)."""
    wanted = np.ones(len(keys), dtype=bool) if wanted is None else wanted
    positions = np.flatnonzero(wanted)
    _, first, inverse = np.unique(keys[positions], return_index=True, return_inverse=True)
    groups = np.full(len(keys), -1, dtype=np.int64)
    groups[positions] = inverse.ravel()
    return groups, positions[first]


def as_float(values: Sequence[Any] | pd.Series | np.ndarray) -> np.ndarray:
    """Numbers as float64 (blanks become NaN)."""
    if isinstance(values, pd.Series | pd.Index):
        if isinstance(values.dtype, np.dtype):  # plain NumPy numbers: no mask to read
            return values.to_numpy(dtype=float)
        return values.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


# A key column: a Series, or its values as stored (frame_arrays.stored_array).
Column = pd.Series | np.ndarray | pd.api.extensions.ExtensionArray


class KeptNames:
    """A plan's key column as it was encoded, to tell whether a later plan's column holds
    the same keys.

    Text in Arrow storage is immutable: a column wrapping the very buffers kept here (a
    warm model's result templates hand every case such a wrapper) holds the same names, and
    keeping the buffers alive stops another column from taking their addresses. Any other
    text column is compared name by name (about 0.3 ms per 1,000 rows), and when it holds
    the same names its buffers are kept instead (a kept column that travelled to another
    process compares name by name once); a numeric column (years) is compared as numbers.
    """

    def __init__(self, column: Column) -> None:
        self.arrow = _arrow(column)  # kept alive: its buffers' addresses stay its own
        self.numeric = self.arrow is None and pd.api.types.is_numeric_dtype(column.dtype)
        # A copy: a view of a plan's table would follow an edit the caller makes to it.
        self.names = np.array(_values(column, None if self.numeric else object), copy=True)

    def holds(self, column: Column) -> bool:
        """Whether ``column`` holds the kept keys, row by row."""
        if self.numeric:
            return bool(pd.api.types.is_numeric_dtype(column.dtype)
                        and np.array_equal(_values(column), self.names))
        arrow = _arrow(column)
        if arrow is not None and self.arrow is not None and _buffers(arrow) == _buffers(
                self.arrow):
            return True
        values = _values(column, object)
        # The very same objects, pointer by pointer (the names kept here hold them alive,
        # so no other object can take their addresses): equal without comparing text.
        same = (values.shape == self.names.shape and values.tobytes() == self.names.tobytes()
                ) or bool(np.array_equal(values, self.names))
        if same and arrow is not None:
            self.arrow = arrow  # the same names: the next case's wrapper of these buffers
        return same


def _values(column: Column, dtype: Any = None) -> np.ndarray:
    """A key column's values as NumPy (``Series.to_numpy(dtype)``)."""
    if isinstance(column, np.ndarray):
        return column if dtype is None else column.astype(dtype, copy=False)
    return column.to_numpy(dtype=dtype)


def _arrow(column: Column) -> Any:
    """The column's Arrow data if it is stored as Arrow text, else None."""
    array = column.array if isinstance(column, pd.Series) else column
    if not isinstance(array, pd.arrays.ArrowStringArray):
        return None
    return array.__arrow_array__()


def _buffers(arrow: Any) -> tuple[Any, ...]:
    """Where an Arrow array's data live: each chunk's offset, length and buffer addresses."""
    return tuple((chunk.offset, len(chunk), tuple(
        None if buffer is None else (buffer.address, buffer.size)
        for buffer in chunk.buffers())) for chunk in arrow.chunks)


def _key_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A key column for :func:`frame_codes`: years as numbers, names as text."""
    if name == "year":
        column = frame[name]
        if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iuf":
            return column.to_numpy().astype(float, copy=False)  # what to_numeric gives
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    return frame[name].astype(str).to_numpy(dtype=object)


def _key_codes(left: pd.DataFrame, right: pd.DataFrame, name: str
               ) -> tuple[np.ndarray, int]:
    """``pd.factorize`` of column ``name`` of both frames as :func:`_key_column` makes it,
    and the number of distinct values.

    Two object columns of ``str`` only (the names of a plan's tables) are factorized as
    they are: converting each value to text first would give the same codes, at a copy's
    cost; anything else (a NaN, a number, another dtype) is converted first.
    """
    if name != "year":
        first, second = left[name], right[name]
        if first.dtype == object and second.dtype == object:
            values, uniques = pd.factorize(np.concatenate([first.to_numpy(),
                                                           second.to_numpy()]))
            if (not len(values) or values.min() >= 0) and all(
                    type(unique) is str for unique in uniques):
                return values, len(uniques)
    values, uniques = pd.factorize(np.concatenate([_key_column(left, name),
                                                   _key_column(right, name)]))
    return values, len(uniques)


_MAX_CODE = 2 ** 62
"""Bound of a combined key in :func:`frame_codes` (int64 with room to spare)."""


def frame_codes(left: pd.DataFrame, right: pd.DataFrame, on: Sequence[str]
                ) -> tuple[np.ndarray, np.ndarray, int]:
    """One integer code per distinct key ``on`` of the rows of both frames (equal keys,
    equal codes; a blank year is a key of its own), and the number of codes.

    Years compare as numbers and names as text, so ``2025`` and ``2025.0`` match. Codes are
    numbered in the order keys first appear (``left``'s rows, then ``right``'s). The columns'
    codes are combined in mixed radix and numbered once at the end; a key past
    ``_MAX_CODE`` is renumbered on the way (numbering by first appearance either way).
    """
    code = np.zeros(len(left) + len(right), dtype=np.int64)
    bound = 1  # code < bound
    for name in on:
        values, count = _key_codes(left, right, name)
        radix = count + 2
        if bound * radix >= _MAX_CODE:
            code = pd.factorize(code)[0].astype(np.int64)
            bound = int(code.max()) + 1 if len(code) else 1
        code = code * radix + values + 1
        bound *= radix
    code = pd.factorize(code)[0].astype(np.int64)
    size = int(code.max()) + 1 if len(code) else 0
    return code[:len(left)], code[len(left):], size


def first_rows(rows: pd.DataFrame, table: pd.DataFrame, on: Sequence[str]) -> np.ndarray:
    """Position in ``table`` of each row of ``rows`` on ``on`` (the first row of a repeated
    key; -1: absent)."""
    if table.empty or rows.empty:
        return np.full(len(rows), -1, dtype=np.int64)
    at, wanted, size = frame_codes(table, rows, on)
    first = np.full(size, -1, dtype=np.int64)
    first[at[::-1]] = np.arange(len(at))[::-1]
    return first[wanted]


def discount_factors(rate: float, years: Any, first_year: int) -> np.ndarray:
    """``(1 + rate) ** -(years - first_year)`` element by element.

    Whole years from ``first_year`` on take their factor from a table of one ``pow`` per
    year (bit-identical to computing it per element; a lane table has thousands of rows
    and a few distinct years); anything else is computed per element.

    Parameters
    ----------
    rate : float
        Discount rate per year (a fraction: 0.08 for 8 %).
    years : array-like
        Years, one per element (any numbers; NaN gives NaN).
    first_year : int
        The year whose factor is 1.

    Returns
    -------
    ndarray
        float64 factors, one per element of ``years``.
    """
    offsets = np.asarray(years, dtype=float) - first_year
    whole = offsets.astype(np.int64) if len(offsets) and np.isfinite(offsets).all() else None
    if whole is None or whole.min() < 0 or whole.max() > 1000 or not np.array_equal(
            whole, offsets):
        return (1.0 + rate) ** -offsets
    table = (1.0 + rate) ** -np.arange(int(whole.max()) + 1, dtype=float)
    return table[whole]
