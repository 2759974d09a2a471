"""Brute force: enumerate every integer decision of a small strategic model, each as an LP.

Independent of HiGHS's branch and bound: every combination of values of the model's
integer variables (within their bounds) is fixed, integrality is dropped, and the LP is
solved; the best feasible LP value is the MILP's optimum. The module binaries
(``module_on``) are not enumerated on their own: they only spell out ``plant_modules``, so
for each module count the first n of them are set (any n of them are equivalent).
"""

from __future__ import annotations

import itertools

import numpy as np

from evplan.data import NetworkData
from evplan.highs import _to_highs
from evplan.model.build import build_model
from evplan.model.index import build_index
from evplan.model.strategic.objective import strategic_constant_usd

MAX_COMBINATIONS = 20_000


def brute_force(data: NetworkData) -> tuple[float, int]:
    """(best objective over every integer assignment, number of assignments tried)."""
    index = build_index(data)
    m, index = build_model(data, index=index)
    h = _to_highs(m)
    matrices = m.matrices
    column_of = np.full(m._xCounter, -1, dtype=np.int64)
    column_of[matrices.vlabels] = np.arange(len(matrices.vlabels))
    modules = column_of[m.variables["module_on"].labels.values.ravel()]
    years = index.strategic.plant_years
    owner = np.repeat(np.arange(len(years)), years["modules_upper"].to_numpy(dtype=int))
    position = np.arange(len(owner)) - np.repeat(
        np.cumsum(years["modules_upper"].to_numpy(dtype=int)) - years["modules_upper"].to_numpy(
            dtype=int), years["modules_upper"].to_numpy(dtype=int))
    count_columns = column_of[m.variables["plant_modules"].labels.values.ravel()]
    integer = np.flatnonzero(np.isin(matrices.vtypes, ["B", "I"]))
    integer = integer[~np.isin(integer, modules)].astype(np.int32)
    lower = np.asarray(matrices.lb)[integer]
    upper = np.asarray(matrices.ub)[integer]
    domains = [range(round(float(low)), round(float(high)) + 1) for low, high in
               zip(lower, upper, strict=True)]
    count = int(np.prod([len(domain) for domain in domains], dtype=float))
    assert count <= MAX_COMBINATIONS, f"{count} combinations: make the instance smaller"
    columns = h.getNumCol()
    h.changeColsIntegrality(columns, np.arange(columns, dtype=np.int32),
                            np.zeros(columns, dtype=np.uint8))
    where = {int(column): k for k, column in enumerate(integer)}
    count_position = np.array([where[int(column)] for column in count_columns], dtype=np.int64)
    best = -np.inf
    for values in itertools.product(*domains):
        value = np.asarray(values, dtype=float)
        h.changeColsBounds(len(integer), integer, value, value)
        installed = (position < value[count_position][owner]).astype(float)
        h.changeColsBounds(len(modules), modules.astype(np.int32), installed, installed)
        h.run()
        if str(h.getModelStatus()).endswith("kOptimal"):
            best = max(best, h.getInfo().objective_function_value)
    return best - strategic_constant_usd(index), count
