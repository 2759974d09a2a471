"""The scenario engine: overrides as data, sweeps, Monte Carlo, warm re-solves, break-even.

::

    import evplan
    from evplan import scenarios

    data = evplan.examples.china_export()
    shocked = scenarios.apply(data, "trade-war")             # a new, revalidated NetworkData
    result, run_id = scenarios.run_scenario("trade-war", store="runs/evplan.duckdb")
    kpis = evplan.sweep("eu-duty-x-freight")                  # tidy KPIs per case
    draws = scenarios.montecarlo("uncertainty", samples=50, seed=1)
    breakeven = scenarios.breakeven_duties(data)

See ``docs/scenarios.md`` for ``scenarios.yaml`` and running on a Dask cluster.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# `apply` is both a module and its function: import it now, so the name is the function.
from evplan.scenarios.apply import Applied, apply, apply_patches, apply_scenario, catalog_for

if TYPE_CHECKING:
    from evplan.scenarios.breakeven import breakeven_duties
    from evplan.scenarios.cases import (
        Case,
        grid_cases,
        montecarlo_cases,
        parse_grid,
        parse_values,
    )
    from evplan.scenarios.overrides import (
        Catalog,
        MonteCarloSpec,
        Parameter,
        Patch,
        load_catalog,
        parse_catalog,
    )
    from evplan.scenarios.runners import StudyResult, run_cases
    from evplan.scenarios.study import (
        montecarlo,
        run_montecarlo,
        run_scenario,
        run_sweep,
        solve_applied,
        sweep,
    )
    from evplan.scenarios.warm import WarmModel

# Imported on first use: a worker process that only re-solves warm cases needs neither
# linopy nor the study helpers.
_LAZY = {
    "breakeven_duties": "breakeven",
    "Case": "cases", "grid_cases": "cases", "montecarlo_cases": "cases",
    "parse_grid": "cases", "parse_values": "cases",
    "Catalog": "overrides", "MonteCarloSpec": "overrides", "Parameter": "overrides",
    "Patch": "overrides", "load_catalog": "overrides", "parse_catalog": "overrides",
    "StudyResult": "runners", "run_cases": "runners",
    "montecarlo": "study", "run_montecarlo": "study", "run_scenario": "study",
    "run_sweep": "study", "solve_applied": "study", "sweep": "study",
    "WarmModel": "warm",
}

__all__ = [
    "Applied",
    "Case",
    "Catalog",
    "MonteCarloSpec",
    "Parameter",
    "Patch",
    "StudyResult",
    "WarmModel",
    "apply",
    "apply_patches",
    "apply_scenario",
    "breakeven_duties",
    "catalog_for",
    "grid_cases",
    "load_catalog",
    "montecarlo",
    "montecarlo_cases",
    "parse_catalog",
    "parse_grid",
    "parse_values",
    "run_cases",
    "run_montecarlo",
    "run_scenario",
    "run_sweep",
    "solve_applied",
    "sweep",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use and cache it on the package."""
    if name not in _LAZY:
        raise AttributeError(f"module 'evplan.scenarios' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"evplan.scenarios.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
