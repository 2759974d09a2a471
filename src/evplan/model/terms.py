"""Build linopy expressions from flat indices with NumPy, without Python loops.

A constraint family sums variables over groups (flows of a plant-year, sales of a
pool, ...). :func:`grouped_sum` takes, for each contributing variable, the group code
of every element and a coefficient, and returns one LinearExpression with a term
dimension padded to the largest group: the layout linopy itself uses.
"""

from __future__ import annotations

from collections.abc import Sequence

import linopy
import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["Part", "add_grouped_rows", "grouped_sum", "labelled", "linear_terms"]

Part = tuple[linopy.Variable, np.ndarray, np.ndarray | float]


def labelled(values: np.ndarray | pd.Series, dim: str) -> xr.DataArray:
    """Wrap a 1-d array as a DataArray along ``dim`` with positions 0..n-1 as coordinates."""
    array = np.asarray(values, dtype=float)
    return xr.DataArray(array, coords={dim: np.arange(len(array))}, dims=[dim])


def grouped_sum(m: linopy.Model, parts: Sequence[Part], n_groups: int, dim: str
                ) -> linopy.LinearExpression:
    r"""Return :math:`e_g = \sum_{k:\,g(k)=g} a_k v_k` for every group ``g``.

    Parameters
    ----------
    m : linopy.Model
        The model the variables belong to.
    parts : sequence of (variable, codes, coefficients)
        ``variable`` is one-dimensional; ``codes[k]`` is the group of element ``k``
        (-1: not in any group); ``coefficients`` is an array or a scalar.
    n_groups : int
        Number of groups; the result has coordinates ``0..n_groups-1`` along ``dim``.
    dim : str
        Name of the group dimension.

    Returns
    -------
    linopy.LinearExpression
        Dimensions ``(dim, "_term")``; empty groups hold only padding terms.
    """
    labels_list, coeffs_list, groups_list = [], [], []
    for variable, codes, coefficients in parts:
        labels = variable.labels.values.ravel()
        codes = np.asarray(codes, dtype=np.int64)
        coefficient_array = np.broadcast_to(np.asarray(coefficients, dtype=float), labels.shape)
        keep = codes >= 0
        labels_list.append(labels[keep])
        coeffs_list.append(coefficient_array[keep])
        groups_list.append(codes[keep])
    labels = np.concatenate(labels_list) if labels_list else np.empty(0, np.int64)
    coeffs = np.concatenate(coeffs_list) if coeffs_list else np.empty(0)
    groups = np.concatenate(groups_list) if groups_list else np.empty(0, np.int64)
    order = np.argsort(groups, kind="stable")
    labels, coeffs, groups = labels[order], coeffs[order], groups[order]
    counts = np.bincount(groups, minlength=n_groups)
    width = max(int(counts.max()) if len(counts) else 0, 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.arange(len(groups)) - starts[groups]
    label_grid = np.full((n_groups, width), -1, dtype=np.int64)
    coeff_grid = np.full((n_groups, width), np.nan)
    label_grid[groups, position] = labels
    coeff_grid[groups, position] = coeffs
    coords = {dim: np.arange(n_groups)}
    dataset = xr.Dataset({
        "coeffs": xr.DataArray(coeff_grid, coords=coords, dims=[dim, "_term"]),
        "vars": xr.DataArray(label_grid, coords=coords, dims=[dim, "_term"]),
    })
    return linopy.LinearExpression(dataset, m)


def add_grouped_rows(m: linopy.Model, lhs: linopy.LinearExpression, sign: str,
                     rhs: np.ndarray | xr.DataArray | float, name: str) -> None:
    """Add the rows ``lhs sign rhs`` (``sign``: ``"<="``, ``">="`` or ``"="``) to ``m``.

    ``lhs`` comes from :func:`grouped_sum` (positions 0..n-1 along its one dimension), and
    ``rhs`` is one value per position (or one for all), so they are aligned already: the
    constraint's dataset is made from the expression's directly (sign and rhs beside its
    terms), as :mod:`evplan.model.families.compliance` and
    :mod:`evplan.model.strategic.rows` do. ``lhs <= labelled(rhs)`` made the same rows
    after aligning and copying the datasets again (about 7 ms of a family's 8).
    """
    dim = str(lhs.data["coeffs"].dims[0])
    count = lhs.data.sizes[dim]
    values = rhs.values if isinstance(rhs, xr.DataArray) else rhs
    # -(0 - rhs): the rhs linopy computes from ``lhs - rhs`` (a 0 is -0.0 in the LP file)
    right = labelled(-(0.0 - np.broadcast_to(np.asarray(values, dtype=float), (count,))), dim)
    data = lhs.data[["coeffs", "vars"]].assign(
        sign=xr.DataArray(np.full(count, sign), coords=right.coords, dims=[dim]), rhs=right)
    m.add_constraints(linopy.constraints.Constraint(data, m), name=name)


def linear_terms(m: linopy.Model, parts: Sequence[tuple[linopy.Variable, np.ndarray]]
                 ) -> linopy.LinearExpression:
    """The scalar expression ``sum_k a_k v_k`` of every element of each one-dimensional
    variable and its coefficient array, terms in the order given (as the sum of the parts'
    ``(coefficients * variable).sum()`` lists them)."""
    labels = np.concatenate([variable.labels.values.ravel() for variable, _ in parts])
    coeffs = np.concatenate([np.asarray(values, dtype=float).ravel() for _, values in parts])
    dataset = xr.Dataset({"coeffs": xr.DataArray(coeffs, dims=["_term"]),
                          "vars": xr.DataArray(labels, dims=["_term"])})
    return linopy.LinearExpression(dataset, m)
