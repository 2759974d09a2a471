"""``column_array`` gives what ``frame[name].to_numpy(...)`` gives, read-only, on both paths."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from evplan.frame_arrays import (
    column_array,
    columns_equal,
    float_column,
    same_memory,
    stored_array,
)

COLUMNS = {
    "float": np.array([1.5, np.nan, -2.0]),
    "int": np.array([1, 2, 3], dtype=np.int64),
    "bool": np.array([True, False, True]),
    "object": np.array(["P1", None, "P3"], dtype=object),
    "Int64": pd.array([1, None, 3], dtype="Int64"),
    "Float64": pd.array([1.5, None, 3.0], dtype="Float64"),
    "string": pd.array(["a", None, "c"], dtype="string"),
    "boolean": pd.array([True, None, False], dtype="boolean"),
}
DTYPES = [None, float, np.int64, object, str, bool]


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame(COLUMNS)
    frame["after"] = frame["float"] * 2  # a second float block
    return frame


def _outcome(read) -> tuple[str, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NaN cast to an integer warns on both paths
        try:
            return "ok", read()
        except (TypeError, ValueError, RuntimeWarning) as error:
            return "error", type(error)


def _same(left: tuple[str, object], right: tuple[str, object]) -> bool:
    if left[0] != right[0]:
        return False
    if left[0] == "error":
        return left[1] == right[1]
    a, b = left[1], right[1]
    assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return all((x is y) or (x == y) or (pd.isna(x) and pd.isna(y))
               for x, y in zip(a.tolist(), b.tolist(), strict=True))


@pytest.mark.parametrize("name", [*COLUMNS, "after"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_equals_the_public_path(name: str, dtype: object) -> None:
    frame = _frame()
    public = _outcome(lambda: frame[name].to_numpy(dtype=dtype))
    fast = _outcome(lambda: column_array(frame, name, dtype))
    assert _same(fast, public), (name, dtype, fast, public)


@pytest.mark.parametrize("name", ["float", "object", "Float64", "string"])
def test_na_value_equals_the_public_path(name: str) -> None:
    frame = _frame()
    dtype = object if name in ("object", "string") else float
    na_value = "-" if dtype is object else 0.0
    public = frame[name].to_numpy(dtype=dtype, na_value=na_value)
    fast = column_array(frame, name, dtype, na_value=na_value)
    assert _same(("ok", fast), ("ok", public))


@pytest.mark.parametrize("dtype", DTYPES)
def test_writing_into_the_array_never_changes_the_table(dtype: object) -> None:
    """A view of the table's memory is read-only; a converted copy is the caller's."""
    frame = _frame()
    before = frame.copy(deep=True)
    for name in frame.columns:
        outcome = _outcome(lambda: column_array(frame, name, dtype))  # noqa: B023
        if outcome[0] == "error":
            continue
        values = outcome[1]
        assert isinstance(values, np.ndarray)
        if np.shares_memory(values, frame._get_column_array(frame.columns.get_loc(name))):
            assert not values.flags.writeable, name
            with pytest.raises(ValueError, match="read-only"):
                values[0] = values[1]
        elif values.flags.writeable:
            values[0] = values[1]
    pd.testing.assert_frame_equal(frame, before)


def test_missing_label_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        column_array(_frame(), "absent")


def test_repeated_label_and_no_private_method_take_the_public_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pd.DataFrame([[1.0, 2.0]], columns=["x", "x"])
    assert column_array(frame, "x").tolist() == frame["x"].to_numpy().tolist() == [[1.0, 2.0]]
    plain = _frame()
    monkeypatch.delattr(pd.DataFrame, "_get_column_array")
    for name in COLUMNS:
        for dtype in DTYPES:
            public = _outcome(lambda: plain[name].to_numpy(dtype=dtype))  # noqa: B023
            fast = _outcome(lambda: column_array(plain, name, dtype))  # noqa: B023
            assert _same(fast, public), (name, dtype)


def test_stored_array_is_the_column_as_stored_and_read_only() -> None:
    frame = _frame()
    for name in frame.columns:
        stored, public = stored_array(frame, name), frame[name].array
        if isinstance(stored, np.ndarray):
            assert not stored.flags.writeable
            assert stored.dtype == public.to_numpy().dtype
            assert pd.Series(stored).equals(pd.Series(public.to_numpy())), name
        else:
            assert stored.dtype == public.dtype and stored.equals(public), name


def test_same_memory_only_for_views_of_one_buffer() -> None:
    frame = _frame()
    shallow = frame.copy(deep=False)
    shallow["float"] = [9.0, 9.0, 9.0]  # set: new memory
    deep = frame.copy(deep=True)
    assert same_memory(stored_array(frame, "int"), stored_array(shallow, "int"))
    assert not same_memory(stored_array(frame, "float"), stored_array(shallow, "float"))
    assert not same_memory(stored_array(frame, "int"), stored_array(deep, "int"))  # equal only
    values = stored_array(frame, "float")
    assert not same_memory(values, values[::-1])  # one buffer, other elements
    assert not same_memory(values, values.astype(np.float32))
    assert not same_memory(stored_array(frame, "Int64"), stored_array(frame, "Int64"))  # not NumPy


@pytest.mark.parametrize("name", [*COLUMNS, "after"])
def test_columns_equal_as_the_arrays_equals(name: str) -> None:
    frame = _frame()
    shared = frame.copy(deep=False)  # copy-on-write: the same memory
    deep = frame.copy(deep=True)  # equal values in new memory
    changed = frame.copy(deep=True)
    changed.loc[2, name] = changed.loc[1, name]
    retyped = frame.copy(deep=True)
    retyped[name] = retyped[name].astype(object)
    for other in (shared, deep, changed, retyped):
        want = bool(frame[name].array.equals(other[name].array))
        assert columns_equal(frame, other, name) is want, (name, other[name].tolist())
    assert columns_equal(frame, shared, name) and columns_equal(frame, deep, name)
    assert not columns_equal(frame, changed, name)


def test_dates_and_durations_take_the_public_path_read_only() -> None:
    frame = pd.DataFrame({"d": pd.to_datetime(["2025-01-01", "2026-01-01"]),
                          "t": pd.to_timedelta([1, 2], unit="D"),
                          "p": pd.period_range("2025", periods=2, freq="Y")})
    before = frame.copy(deep=True)
    for name in frame.columns:
        values = column_array(frame, name)
        assert _same(("ok", values), ("ok", frame[name].to_numpy()))
        if values.flags.writeable:  # a copy: writing it changes nothing
            values[0] = values[1]
        else:
            with pytest.raises(ValueError, match="read-only"):
                values[0] = values[1]
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize("name", [*COLUMNS, "after", "with_na"])
def test_float_column_is_to_numpy_float_with_nan(name: str) -> None:
    frame = _frame()
    frame["with_na"] = pd.Series([1.0, pd.NA, 3], dtype=object)
    public = _outcome(lambda: frame[name].to_numpy(dtype=float, na_value=np.nan))
    fast = _outcome(lambda: float_column(frame, name))
    assert _same(fast, public), (name, fast, public)
