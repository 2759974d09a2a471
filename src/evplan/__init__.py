"""evplan: plan an automaker's export network, its fleet, chargers and battery recycling.

The public API::

    import evplan
    data = evplan.load("inputs/")                 # or evplan.examples.china_export()
    result = evplan.optimize(data)
    result.kpis, result["utilisation"], result["shipments"]

The names below are imported on first use (module ``__getattr__``), so ``import evplan`` and
``evplan --help`` do not load pandas, linopy or the solver until a plan is made.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from evplan.lazy_imports import defer_unused_imports

__version__ = "0.1.0"

defer_unused_imports()  # what linopy and SciPy import but a plan never uses: on first use

if TYPE_CHECKING:
    from evplan import examples, scenarios
    from evplan.data import NetworkData, load
    from evplan.errors import (
        EvplanError,
        InfeasibleError,
        InputError,
        SolverLimitError,
        VerificationError,
    )
    from evplan.highs import SolverOptions
    from evplan.results import Result, write_result
    from evplan.scenarios import sweep
    from evplan.solve import optimize
    from evplan.strategic import optimize_strategic
    from evplan.twostage import stochastic

#: Public name -> (module, attribute; None for the module itself).
_LAZY: dict[str, tuple[str, str | None]] = {
    "EvplanError": ("evplan.errors", "EvplanError"),
    "InfeasibleError": ("evplan.errors", "InfeasibleError"),
    "InputError": ("evplan.errors", "InputError"),
    "NetworkData": ("evplan.data", "NetworkData"),
    "Result": ("evplan.results", "Result"),
    "SolverLimitError": ("evplan.errors", "SolverLimitError"),
    "SolverOptions": ("evplan.highs", "SolverOptions"),
    "VerificationError": ("evplan.errors", "VerificationError"),
    "examples": ("evplan.examples", None),
    "load": ("evplan.data", "load"),
    "optimize": ("evplan.solve", "optimize"),
    "optimize_strategic": ("evplan.strategic", "optimize_strategic"),
    "scenarios": ("evplan.scenarios", None),
    "stochastic": ("evplan.twostage", "stochastic"),
    "sweep": ("evplan.scenarios", "sweep"),
    "write_result": ("evplan.results", "write_result"),
}

__all__ = [
    "EvplanError",
    "InfeasibleError",
    "InputError",
    "NetworkData",
    "Result",
    "SolverLimitError",
    "SolverOptions",
    "VerificationError",
    "__version__",
    "examples",
    "load",
    "optimize",
    "optimize_strategic",
    "scenarios",
    "stochastic",
    "sweep",
    "write_result",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use and cache it on the package."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'evplan' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names only (not ``annotations``, ``importlib`` or other module plumbing)."""
    return sorted(__all__)
