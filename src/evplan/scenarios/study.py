"""The notebook API: run a scenario, a sweep or a Monte Carlo study, optionally into a store.

>>> import evplan
>>> kpis = evplan.sweep(grid={"freight": [0.5, 1.0]}, workers=1)   # doctest: +SKIP
>>> kpis[kpis.kpi == "margin"].groupby("freight")["value"].sum()    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from evplan.data import NetworkData
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.highs import SolverOptions
from evplan.results import Result
from evplan.scenarios.apply import Applied, apply_patches, apply_scenario, catalog_for
from evplan.scenarios.cases import grid_cases, montecarlo_cases, not_a_parameter
from evplan.scenarios.overrides import Catalog, MonteCarloSpec, sweep_values
from evplan.scenarios.runners import StudyResult, run_cases
from evplan.solve import optimize
from evplan.store import ResultsStore, RunRecord, inputs_hash

__all__ = ["montecarlo", "run_montecarlo", "run_scenario", "run_sweep", "solve_applied",
           "sweep"]


def _base(data: NetworkData | None) -> NetworkData:
    if data is not None:
        return data
    from evplan.examples import china_export

    return china_export()


def _store(store: ResultsStore | str | Path | None) -> ResultsStore | None:
    return store if isinstance(store, ResultsStore) or store is None else ResultsStore(store)


def solve_applied(applied: Applied, solver: SolverOptions | None = None) -> Result:
    """Optimise applied inputs; the Result records the scenario and resolved overrides."""
    result = optimize(applied.data, solver)
    return Result(status=result.status, objective_usd=result.objective_usd,
                  tables=result.tables, kpis=result.kpis,
                  scenario={**result.scenario, "scenario": applied.scenario,
                            "overrides": list(applied.overrides)},
                  metadata={**result.metadata, "inputs_hash": inputs_hash(applied.data)})


def run_scenario(scenario: str = "base", data: NetworkData | None = None, *,
                 catalog: Catalog | None = None, solver: SolverOptions | None = None,
                 store: ResultsStore | str | Path | None = None,
                 extra_tables: Mapping[str, pd.DataFrame] | None = None
                 ) -> tuple[Result, str | None]:
    """Apply a named scenario, optimise, and record the run; return (Result, run id)."""
    data = _base(data)
    applied = apply_scenario(data, scenario, catalog)
    result = solve_applied(applied, solver)
    target = _store(store)
    run_id = None
    if target is not None:
        run_id = target.record(RunRecord.from_result(result, data=applied.data,
                                                     extra_tables=extra_tables))
    return result, run_id


def run_sweep(grid: Mapping[str, Sequence[float]] | str, data: NetworkData | None = None, *,
              scenario: str | None = None, catalog: Catalog | None = None,
              **options: Any) -> StudyResult:
    """Run a grid over parameters (a mapping, or a sweep name from ``scenarios.yaml``).

    ``scenario`` applies a named scenario first; ``options`` go to
    :func:`~evplan.scenarios.runners.run_cases` (workers, scheduler, store, progress...).
    """
    data = _base(data)
    catalog = catalog if catalog is not None else catalog_for(data)
    label = "sweep"
    if isinstance(grid, str):
        if grid not in catalog.sweeps:
            raise InputError([Problem(catalog.source, f"'{grid}' is not a sweep."
                                      + (did_you_mean(grid, catalog.sweeps)
                                         or f" Known: {', '.join(catalog.sweeps) or 'none'}."))])
        label = f"sweep {grid}"
        grid = catalog.sweeps[grid]
    else:
        problems: list[Problem] = []
        checked = {str(name): sweep_values(values, f"grid: {name}", problems, label="--grid")
                   for name, values in grid.items()}
        problems.extend(Problem("--grid", not_a_parameter(name, list(catalog.parameters)))
                        for name in checked if name not in catalog.parameters)
        if problems:
            raise InputError(problems)
        grid = {name: values for name, values in checked.items() if values is not None}
    scenario_data = _with_scenario(data, catalog, scenario, label)
    cases = grid_cases(catalog, grid)
    _check_values(scenario_data.data, catalog, grid, label,
                  catalog.source if label != "sweep" else "--grid")
    if "store" in options:
        options["store"] = _store(options["store"])
    return run_cases(scenario_data.data, cases, scenario=label + (f" on {scenario}" if scenario
                                                                  else ""),
                     base_overrides=scenario_data.overrides, **options)


def _with_scenario(data: NetworkData, catalog: Catalog, scenario: str | None,
                   label: str) -> Applied:
    """The study's base: ``data`` with ``scenario`` applied once, before its warm model is
    built, so that a scenario that changes which rows exist (closing a plant, adding a
    quota) leaves the cases warm. Applied to each case instead, it made every case differ
    from the warm model's base in structure, and each was built and solved cold
    (``--scenario china-consolidation``: 1 s a case instead of about 20 ms)."""
    if not scenario:
        return Applied(data, "base")
    return apply_patches(data, catalog.resolve(scenario), label)


def _check_values(data: NetworkData, catalog: Catalog, grid: Mapping[str, Sequence[float]],
                  label: str, file: str) -> None:
    """Apply each parameter's smallest and largest value alone: a value that makes the inputs
    invalid (a rate of 1e300, a negative price) fails the sweep before any case is solved.

    Problems name ``file``: scenarios.yaml for a declared sweep, ``--grid`` for a grid given
    on the command line (or in Python). Every parameter is checked before one error lists
    the problems of all of them (before, the first failing parameter's alone: a sweep with
    ``freight=-1`` and ``demand=-2`` named freight, and demand only once freight was fixed).
    """
    problems: list[Problem] = []
    for name, values in grid.items():
        parameter = catalog.parameter(name)
        found: dict[float, list[Problem]] = {}
        for value in sorted({min(values), max(values)}):
            try:
                apply_patches(data, parameter.bind(value), label)
            except InputError as error:
                found[value] = list(error.problems)
                # A where or from_year that selects no row fails before any value is set:
                # every value would, so the parameter is to fix, not its values.
                if not any(f"'{parameter.name}={value:g}' makes " in problem.message
                           for problem in error.problems):
                    problems.extend(_led(file, f"{label}: parameter '{name}' cannot be applied "
                                         "at any value; fix its where or from_year.",
                                         found[value]))
                    break
        else:
            ends = [[problem.message.replace(f"'{parameter.name}={value:g}' ", "'") for problem
                     in found[value]] for value in sorted(found)]
            if len(ends) == 2 and ends[0] == ends[1]:  # the same rows' problems at both ends
                problems.extend(_led(file, f"{label}: {name} makes the inputs invalid at "
                                     f"{min(values):g} and at {max(values):g} alike, whatever "
                                     "its value: the rows below need another change too (give "
                                     "it with --scenario) or another parameter.",
                                     found[min(values)]))
            else:
                for value, each in found.items():
                    problems.extend(_led(file, f"{label}: {name} = {value:g} makes the inputs "
                                         "invalid; narrow its values.", each))
    if problems:
        raise InputError(problems)


def _led(file: str, lead: str, problems: Sequence[Problem]) -> list[Problem]:
    """``lead`` (not counted as a problem) and ``problems``, each named by ``file``."""
    return [Problem(file, lead, count=0),
            *(Problem(file, problem.message, count=problem.count) for problem in problems)]


def sweep(grid: Mapping[str, Sequence[float]] | str, data: NetworkData | None = None,
          **options: Any) -> pd.DataFrame:
    """Run a sweep and return its tidy KPIs: one row per case and KPI value.

    Columns: ``case``, ``label``, one column per parameter, ``run_id`` (when stored),
    ``status``, ``objective_usd``, ``solve_mode``, ``kpi``, ``year``, ``key``, ``value``,
    ``unit``. ``frame.attrs`` holds ``batch_id``, ``seconds`` and ``cases_per_minute``.

    Examples
    --------
    >>> import evplan
    >>> kpis = evplan.sweep({"freight": [1.0, 2.0]}, workers=1)
    >>> sorted(kpis["freight"].unique().tolist())
    [1.0, 2.0]
    """
    study = run_sweep(grid, data, **options)
    frame = study.kpis
    frame.attrs.update(batch_id=study.batch_id, seconds=study.seconds,
                       cases_per_minute=study.cases_per_minute)
    return frame


def run_montecarlo(study: str | MonteCarloSpec = "uncertainty", data: NetworkData | None = None,
                   *, samples: int | None = None, seed: int | None = None,
                   scenario: str | None = None, catalog: Catalog | None = None,
                   **options: Any) -> StudyResult:
    """Sample a Monte Carlo study from ``scenarios.yaml`` (reproducible for a seed)."""
    data = _base(data)
    catalog = catalog if catalog is not None else catalog_for(data)
    if isinstance(study, str):
        if study not in catalog.montecarlo:
            raise InputError([Problem(catalog.source, f"'{study}' is not a Monte Carlo study."
                                      + (did_you_mean(study, catalog.montecarlo)
                                         or f" Known: {', '.join(catalog.montecarlo) or 'none'}."
                                         ))])
        study = catalog.montecarlo[study]
    label = f"montecarlo {study.name}"
    scenario_data = _with_scenario(data, catalog, scenario, label)
    cases = montecarlo_cases(catalog, study, samples, seed)
    if "store" in options:
        options["store"] = _store(options["store"])
    return run_cases(scenario_data.data, cases, scenario=label
                     + (f" on {scenario}" if scenario else ""),
                     base_overrides=scenario_data.overrides, **options)


def montecarlo(study: str | MonteCarloSpec = "uncertainty", data: NetworkData | None = None,
               **options: Any) -> pd.DataFrame:
    """Run a Monte Carlo study and return its tidy KPIs (see :func:`sweep`)."""
    result = run_montecarlo(study, data, **options)
    frame = result.kpis
    frame.attrs.update(batch_id=result.batch_id, seconds=result.seconds,
                       cases_per_minute=result.cases_per_minute)
    return frame
