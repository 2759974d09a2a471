"""Products: the names demand and committed sales use for a group of programs.

A product is a program id (that program alone), a segment (every program of the
segment) or a powertrain (every program with it).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["product_members"]


def product_members(programs: pd.DataFrame) -> pd.DataFrame:
    """Return every (product, program) pair, with the product's ``level``.

    Parameters
    ----------
    programs : pandas.DataFrame
        The programs table (``program``, ``segment``, ``powertrain``).

    Returns
    -------
    pandas.DataFrame
        Columns ``product``, ``program``, ``level`` (``program``, ``segment`` or
        ``powertrain``).

    Examples
    --------
    >>> programs = pd.DataFrame({"program": ["A", "B"], "segment": ["C-SUV", "C-SUV"],
    ...                          "powertrain": ["BEV", "ICE"]})
    >>> len(product_members(programs))
    6
    """
    frames = [
        pd.DataFrame({"product": programs[level], "program": programs["program"], "level": level})
        for level in ("program", "segment", "powertrain")
    ]
    return pd.concat(frames, ignore_index=True)
