"""evplan: plan an automaker's export network, its fleet, chargers and battery recycling.

The public API::

    import evplan
    data = evplan.load("inputs/")                 # or evplan.examples.china_export()
    result = evplan.optimize(data)
    result.kpis, result["utilisation"], result["shipments"]
"""

from __future__ import annotations

__version__ = "0.1.0"

from evplan import examples, scenarios
from evplan.data import NetworkData, load
from evplan.errors import EvplanError, InfeasibleError, InputError, SolverLimitError
from evplan.highs import SolverOptions
from evplan.results import Result, write_result
from evplan.scenarios import sweep
from evplan.solve import optimize
from evplan.strategic import optimize_strategic  # also registers its report section

__all__ = [
    "EvplanError",
    "InfeasibleError",
    "InputError",
    "NetworkData",
    "Result",
    "SolverLimitError",
    "SolverOptions",
    "__version__",
    "examples",
    "load",
    "optimize",
    "optimize_strategic",
    "scenarios",
    "sweep",
    "write_result",
]
