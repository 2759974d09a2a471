"""Tables that keep their key columns and get new numbers, made fast.

A warm sweep makes the same result tables for every case: the same rows and key columns
(plant, market, year ...), new numbers. Filling a copy of the table column by column costs
pandas a block split per column (about 1.6 ms for the eight network tables of the default
scenario); :class:`FrameMaker` hands pandas the finished blocks instead (the numbers as one
two-dimensional float block, each key column as its own block), through
``pandas.api.internals.create_dataframe_from_blocks`` (pandas 3; about 0.15 ms). With an
older pandas, or numbers that are not one-dimensional float64 arrays of the table's length,
it fills a copy column by column as before; both ways make equal frames (tested).

Each frame gets its own copy of the key columns (for text columns a new wrapper of the same
immutable Arrow buffers) and of its index and column labels, so a caller that edits one frame
in place changes no other frame and not the template. Key columns keep their dtypes (text in
pandas' Python storage stays text, not ``object``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

try:  # pandas >= 3.0
    from pandas.api.internals import create_dataframe_from_blocks
except ImportError:  # pragma: no cover - exercised by forcing the fallback in the tests
    create_dataframe_from_blocks = None

__all__ = ["FrameMaker"]


class FrameMaker:
    """Frames with ``skeleton``'s rows and key columns and new ``value_columns``.

    Parameters
    ----------
    skeleton : DataFrame
        The table: its index, column order, and the key columns' values.
    value_columns : iterable of str
        The columns each frame gets new numbers for (columns of ``skeleton``).
    fast : bool
        Build from blocks when pandas can (False: always column by column).

    Examples
    --------
    >>> skeleton = pd.DataFrame({"plant": ["P1", "P2"], "vehicles": [0.0, 0.0]})
    >>> maker = FrameMaker(skeleton, ["vehicles"])
    >>> maker.frame({"vehicles": np.array([3.0, 4.0])})["vehicles"].tolist()
    [3.0, 4.0]
    """

    def __init__(self, skeleton: pd.DataFrame, value_columns: Iterable[str],
                 fast: bool = True) -> None:
        self.skeleton = skeleton
        columns = list(skeleton.columns)
        values = set(value_columns)
        self.value_columns = [column for column in columns if column in values]
        self.value_positions = np.array([columns.index(column)
                                         for column in self.value_columns], dtype=np.intp)
        self.keys = [(skeleton[column].array, np.array([position], dtype=np.intp))
                     for position, column in enumerate(columns) if column not in values]
        self.fast = (fast and create_dataframe_from_blocks is not None
                     and skeleton.columns.is_unique and len(self.value_columns) > 0)

    def frame(self, values: Mapping[str, np.ndarray]) -> pd.DataFrame:
        """A new frame: the skeleton's keys and ``values`` (one array per value column)."""
        rows = len(self.skeleton)
        arrays = [values[column] for column in self.value_columns]
        if not (self.fast and all(isinstance(array, np.ndarray) and array.dtype == np.float64
                                  and array.shape == (rows,) for array in arrays)):
            return self._by_column(values)
        block = np.empty((len(arrays), rows))
        for row, array in enumerate(arrays):
            block[row] = array
        blocks = [(_own(array), position) for array, position in self.keys]
        blocks.append((block, self.value_positions))
        assert create_dataframe_from_blocks is not None
        # Copies of the labels too: renaming one frame's index must not rename the others'.
        return create_dataframe_from_blocks(blocks, index=self.skeleton.index.copy(),
                                            columns=self.skeleton.columns.copy())

    def _by_column(self, values: Mapping[str, np.ndarray]) -> pd.DataFrame:
        # A deep copy: without copy-on-write (pandas 2) a shallow one shares the key columns.
        frame = self.skeleton.copy()
        for column in self.value_columns:
            frame[column] = values[column]
        return frame


def _own(array: pd.api.extensions.ExtensionArray) -> object:
    """A copy of a key column for one frame: NumPy data as a 2-D block of one row, an
    extension array (text, nullable integers ...) as itself."""
    if type(array) is pd.arrays.NumpyExtensionArray:  # not its subclasses (Python text)
        return array.to_numpy().reshape(1, -1).copy()
    return array.copy()
