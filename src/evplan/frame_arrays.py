"""A table's column as a NumPy array, without building a pandas Series.

``frame[name].to_numpy()`` builds a Series (its index view, its flags, its metadata) only to
take its values: about 17 µs a read on this project's machine, where the values themselves
take about 1 µs. A warm re-solve reads about 120 columns of input and result tables per case,
so those Series were about a tenth of a warm case. :func:`column_array` takes the values from
the frame's own storage through ``DataFrame._get_column_array``, a private pandas method
(pandas 1.3 to 3.x have it; it returns "the values of the i'th column, as stored in the
block", a view without copy-on-write bookkeeping). Two guards keep it as safe as the public
path:

* a NumPy view of the frame's memory comes back **read-only**, as ``to_numpy()`` does under
  copy-on-write, so a caller that writes into it fails instead of changing the table;
* where that method is missing (another pandas), the label is not unique, a ``na_value``
  is asked for on a NumPy column, or the column holds dates, durations or periods (whose
  arrays convert to views of the table), it falls back to ``frame[name].to_numpy(...)``.

Both paths give equal arrays of equal dtype for every column dtype evplan reads (tested in
``tests/test_frame_arrays.py``, the fallback forced).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["column_array", "columns_equal", "float_column", "same_memory", "stored_array"]

_NO_VALUE: Any = object()


def column_array(frame: pd.DataFrame, name: str, dtype: Any = None,
                 na_value: Any = _NO_VALUE) -> np.ndarray:
    """``frame[name].to_numpy(dtype=dtype, na_value=na_value)``, read-only, made fast.

    Parameters
    ----------
    frame : DataFrame
        The table.
    name : str
        A column label of ``frame`` (``KeyError`` when absent, as ``frame[name]``).
    dtype : dtype-like, optional
        The array's dtype (None: the column's own).
    na_value : optional
        What missing values become (as ``Series.to_numpy``).

    Returns
    -------
    ndarray
        The values; a view of the frame's memory is read-only.

    Examples
    --------
    >>> frame = pd.DataFrame({"plant": ["P1", "P2"], "capacity_vehicles_per_year": [3, 4]})
    >>> column_array(frame, "capacity_vehicles_per_year", float).tolist()
    [3.0, 4.0]
    """
    values = _stored(frame, name)
    if values is None:  # no such method, or a repeated label
        return _public(frame, name, dtype, na_value)
    if not isinstance(values, np.ndarray):  # an extension array: it converts itself
        if values.dtype.kind in "mM" or isinstance(values.dtype, pd.PeriodDtype):
            return _public(frame, name, dtype, na_value)  # may view the table's memory
        if na_value is _NO_VALUE:
            return np.asarray(values.to_numpy(dtype=dtype))
        return np.asarray(values.to_numpy(dtype=dtype, na_value=na_value))
    if na_value is not _NO_VALUE:
        return _public(frame, name, dtype, na_value)
    out = values if dtype is None else values.astype(dtype, copy=False)
    if out is values:  # the frame's own memory (astype copies when the dtype differs)
        out = out.view()
        out.flags.writeable = False
    return out


def _stored(frame: pd.DataFrame, name: str) -> Any:
    """The values pandas stores for column ``name`` (writable!), or None where the private
    method is missing or the label repeats. ``KeyError`` for a missing label."""
    getter = getattr(frame, "_get_column_array", None)
    if getter is None:
        return None
    position = frame.columns.get_loc(name)
    return getter(int(position)) if isinstance(position, int | np.integer) else None


def _public(frame: pd.DataFrame, name: str, dtype: Any, na_value: Any) -> np.ndarray:
    if na_value is _NO_VALUE:
        return frame[name].to_numpy(dtype=dtype)
    return frame[name].to_numpy(dtype=dtype, na_value=na_value)


def stored_array(frame: pd.DataFrame, name: str) -> Any:
    """The column as pandas stores it: a read-only NumPy view, or its extension array.

    Falls back to ``frame[name].array`` where the private method is missing or the label
    repeats (then a NumPy column comes back wrapped, never as a bare ``ndarray``).

    Parameters
    ----------
    frame : DataFrame
        The table.
    name : str
        A column label of ``frame`` (``KeyError`` when absent, as ``frame[name]``).

    Returns
    -------
    ndarray or ExtensionArray
        A read-only view of a NumPy column's memory, the column's own extension array, or
        (fallback) ``frame[name].array``.
    """
    values = _stored(frame, name)
    if values is None:
        return frame[name].array
    if isinstance(values, np.ndarray):
        values = values.view()
        values.flags.writeable = False
    return values


def same_memory(left: Any, right: Any) -> bool:
    """True when two NumPy arrays view the very same elements (so they are equal).

    Copy-on-write pandas keeps a column a patch did not set in the base table's memory, so a
    warm case's shape check needs no element-wise comparison for it. False for anything that
    is not two ``ndarray`` views of one buffer with one dtype, shape and stride.

    Parameters
    ----------
    left, right : object
        Anything; only two ``ndarray`` can share memory.

    Returns
    -------
    bool
        Both are ``ndarray`` starting at one address with one dtype, shape and strides.
    """
    return (isinstance(left, np.ndarray) and isinstance(right, np.ndarray)
            and left.dtype == right.dtype and left.shape == right.shape
            and left.strides == right.strides
            and left.__array_interface__["data"][0] == right.__array_interface__["data"][0])


def columns_equal(frame: pd.DataFrame, other: pd.DataFrame, name: str) -> bool:
    """True when column ``name`` holds equal values of one dtype in both tables (missing
    values equal where both miss), as ``frame[name].array.equals(other[name].array)``.

    A column the other table shares with this one (copy-on-write) is equal without an
    element-wise comparison (:func:`same_memory`).

    Parameters
    ----------
    frame, other : DataFrame
        The two tables.
    name : str
        A column label of both (``KeyError`` when absent from either).

    Returns
    -------
    bool
        The two columns have one dtype and equal values, missing where both miss.
    """
    left, right = stored_array(frame, name), stored_array(other, name)
    if same_memory(left, right):
        return True
    if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
        left, right = frame[name].array, other[name].array  # NaN-aware equals
    return left is right or (left.dtype == right.dtype and bool(left.equals(right)))


def float_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """The column as float64, blanks as NaN (``frame[name].to_numpy(float, na_value=nan)``);
    a float64 column comes back as a read-only view of the table's memory.

    Parameters
    ----------
    frame : DataFrame
        The table.
    name : str
        A column label of ``frame`` (``KeyError`` when absent, as ``frame[name]``).

    Returns
    -------
    ndarray
        float64 values, NaN where the column is blank; read-only when it views the table.
    """
    values = stored_array(frame, name)
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values.astype(float, copy=False)
    if isinstance(values, np.ndarray):  # Python objects, pd.NA among them: pandas' way
        return frame[name].to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values.to_numpy(dtype=float, na_value=np.nan))
