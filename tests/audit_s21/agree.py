"""The comparison every independent check of this audit makes: evplan's plan against an
independent optimum of the same generated inputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import evplan
from evplan.errors import InfeasibleError


def oracle_value(solution: Any) -> float:
    """An independent solve's optimum: its objective, or -inf when infeasible."""
    if solution.status == "infeasible":
        return -np.inf
    assert solution.status == "optimal", solution.status
    return float(solution.objective)


def agree(make: Callable[[int], evplan.NetworkData], expected: Callable[[Any], float],
          seed: int, abs_usd: float = 1e-2) -> None:
    """``evplan.optimize(make(seed))`` reaches ``expected(data)`` (-inf: both infeasible);
    inputs the generator made outside the schema's ranges skip the seed."""
    try:
        data = make(seed)
    except evplan.InputError:
        pytest.skip("inputs refused (a generated value outside the schema's range)")
    best = expected(data)
    try:
        result = evplan.optimize(data)
    except InfeasibleError:
        assert best == -np.inf, seed
        return
    assert best > -np.inf, (seed, result.objective_usd)
    assert result.objective_usd == pytest.approx(best, rel=1e-6, abs=abs_usd), seed
