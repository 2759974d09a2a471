"""The expected-value problem built from the scenarios' mean inputs, where they have one.

Averaging the scenarios' model coefficients (:func:`~evplan.twostage.extensive.
averaged_block`) gives the model of the mean inputs only where a coefficient is linear in
the uncertain numbers. The strategic model's big-M constants are not: a kit's bound is
min(site capacity, demand), a rules-of-origin row's voiding constant is that bound times
the largest shortfall of regional value. Their average is smaller than the mean inputs'
constant, so the averaged model cut plans the mean inputs allow (audit 18: a study whose
scenarios scaled one market's demand planned for an expected-value problem 0.375 % below
the model of its mean demand). When every scenario's tables have the same rows and differ
only in floating-point columns, the expected-value problem is instead the model of the
probability-weighted mean of those columns (:func:`mean_block`); otherwise the averaged
coefficients remain (docs/stochastic.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.model.build import build_model
from evplan.model.index import build_index
from evplan.model.strategic.objective import strategic_constant_usd
from evplan.strategic.milp import MilpRunner
from evplan.twostage.extensive import Block

__all__ = ["applied_inputs", "mean_block", "mean_data"]


def mean_data(datas: Sequence[NetworkData], probabilities: np.ndarray) -> NetworkData | None:
    """The inputs whose every floating-point cell is the probability-weighted mean of the
    scenarios' (weights normalised to sum to 1); None when the scenarios' settings, table
    shapes or any other column differ."""
    first = datas[0]
    if any(data.scenario != first.scenario or set(data.tables) != set(first.tables)
           for data in datas[1:]):
        return None
    weights = np.asarray(probabilities, dtype=float) / float(np.sum(probabilities))
    tables: dict[str, pd.DataFrame] = {}
    for name, frame in first.tables.items():
        frames = [data.tables[name] for data in datas]
        if any(f.shape != frame.shape or list(f.columns) != list(frame.columns)
               for f in frames[1:]):
            return None
        mean = frame.copy()
        for column in frame.columns:
            if pd.api.types.is_float_dtype(frame[column].dtype):
                stacked = np.vstack([f[column].to_numpy(dtype=float) for f in frames])
                same = np.all((stacked == stacked[0]) | (np.isnan(stacked)
                                                          & np.isnan(stacked[0])), axis=0)
                if not same.all():
                    if np.isnan(stacked[:, ~same]).any():  # a blank in some scenarios only
                        return None
                    mean[column] = np.where(same, stacked[0], weights @ np.nan_to_num(stacked))
            elif not all(f[column].equals(frame[column]) for f in frames[1:]):
                return None
        tables[name] = mean
    return first.replace(tables=tables, origin=f"{first.origin} (mean of the scenarios)")


def mean_block(scenarios: Sequence[Any],
               datas: Sequence[NetworkData | None] | None = None) -> Block | None:
    """The strategic model of the scenarios' mean inputs as a one-scenario Block, or None
    when :func:`mean_data` finds no mean, a scenario's inputs are not here (built on a Dask
    worker) or the mean's model has other columns than the first scenario's.

    ``scenarios`` are :func:`evplan.twostage.solve.stochastic`'s (probability, data and
    block of each); ``datas`` their inputs when the models were built on workers (see
    :func:`applied_inputs`). The mean shares the first scenario's first-stage columns.
    """
    datas = [scenario.data for scenario in scenarios] if datas is None else list(datas)
    if any(data is None for data in datas):
        return None
    data = mean_data([d for d in datas if d is not None],
                     np.array([scenario.probability for scenario in scenarios]))
    if data is None:
        return None
    index = build_index(data)
    m, index = build_model(data, index=index)
    runner = MilpRunner(m)
    first = scenarios[0].block
    if not np.array_equal(runner.vlabels, first.runner.vlabels):
        return None
    return Block(runner, 1.0, strategic_constant_usd(index), first.shared)


def applied_inputs(data: NetworkData, study: Any, catalog: Any) -> list[NetworkData]:
    """Each scenario's inputs (its overrides applied), as the workers build them: the mean
    inputs of a study built on Dask are computed here, so that its expected-value problem
    is the serial one."""
    from evplan.scenarios.apply import apply_scenario

    return [apply_scenario(data, scenario.resolve(catalog) if scenario.patches
                           else list(scenario.overrides), catalog).data
            for scenario in study.scenarios]
