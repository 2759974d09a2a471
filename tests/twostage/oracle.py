"""An independent two-stage extensive form for ``kit_oracle``'s networks (scipy milp).

Written from docs/stochastic.md, not from evplan's model code: each scenario is
``kit_oracle``'s MILP of its own (overridden) tables (:func:`scenario_problem`), the blocks
are stacked with explicit non-anticipativity rows on the first-stage columns (P0's
``plant_open`` and S1's ``site_open``) of years up to the revelation year, and the objective
is E[margin] + lambda (eta - sum_s p_s u_s / (1 - alpha)) with u_s >= eta - M_s, or, for
minimax regret, -t with t >= WS_s - M_s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from evplan.data import NetworkData
from tests.strategic import kit_oracle

#: One scenario's MILP (kit_oracle's problem), the constant added to its optimum, and its
#: first-stage columns keyed ("o", year) for P0 open and ("u", year) for S1 open.
ScenarioBlock = tuple[Any, float, dict[tuple[str, int], int]]


def scenario_problem(data: NetworkData) -> ScenarioBlock:
    """``kit_oracle``'s MILP of ``data`` with its constant and first-stage columns."""
    captured: dict[str, Any] = {}
    original = kit_oracle._Problem.solve

    def keep(problem: Any) -> float:  # capture the problem instead of solving it
        captured["problem"] = problem
        return 0.0

    kit_oracle._Problem.solve = keep  # type: ignore[method-assign,assignment]
    try:
        constant = kit_oracle.oracle_objective(data)
    finally:
        kit_oracle._Problem.solve = original  # type: ignore[method-assign]
    problem = captured["problem"]
    first = {key: j for key, j in problem.names.items() if key[0] in ("o", "u")}
    return problem, constant, first


def solve(blocks: Sequence[ScenarioBlock], probabilities: Sequence[float] | np.ndarray,
          revelation: int | None, weight: float = 0.0, alpha: float = 0.9, *,
          wait: Sequence[float] | np.ndarray | None = None,
          fixed: dict[tuple[str, int], float] | None = None
          ) -> tuple[float, np.ndarray] | None:
    """The extensive form's optimum and each scenario's margin (None if infeasible).

    ``wait`` given: minimax regret (maximise -t, t >= WS_s - M_s). ``fixed``: first-stage
    values fixed in every block (None when one lies outside its column's bounds).
    """
    gain: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    integer: list[int] = []
    rows: list[tuple[dict[int, float], float, float]] = []
    offsets = []
    for s, (problem, _, first) in enumerate(blocks):
        offset = len(gain)
        offsets.append(offset)
        weight_s = 0.0 if wait is not None else float(probabilities[s])
        gain += [weight_s * g for g in problem.gain]
        low, up = list(problem.lower), list(problem.upper)
        for key, value in (fixed or {}).items():
            if not low[first[key]] - 1e-9 <= value <= up[first[key]] + 1e-9:
                return None
            low[first[key]] = up[first[key]] = value
        lower += low
        upper += up
        integer += problem.integer
        rows += [({offset + j: a for j, a in terms.items()}, lo, hi)
                 for terms, lo, hi in problem.rows]
    for s in range(1, len(blocks)):
        for key, j in blocks[0][2].items():
            if revelation is None or key[1] <= revelation:
                rows.append(({offsets[0] + j: -1.0, offsets[s] + blocks[s][2][key]: 1.0},
                             0.0, 0.0))

    def margin(s: int) -> dict[int, float]:
        return {offsets[s] + j: g for j, g in enumerate(blocks[s][0].gain) if g != 0}

    def free(gain_value: float) -> int:
        gain.append(gain_value)
        lower.append(-np.inf)
        upper.append(np.inf)
        integer.append(0)
        return len(gain) - 1

    if wait is not None:
        t = free(-1.0)
        for s, (_, constant, _) in enumerate(blocks):
            rows.append(({t: 1.0, **margin(s)}, float(wait[s]) - constant, np.inf))
    elif weight > 0:
        eta = free(weight)
        for s, (_, constant, _) in enumerate(blocks):
            u = free(-weight * float(probabilities[s]) / (1 - alpha))
            lower[u] = 0.0
            rows.append(({u: 1.0, eta: -1.0, **margin(s)}, -constant, np.inf))
    entries = [(i, j, a) for i, (terms, _, _) in enumerate(rows) for j, a in terms.items()]
    r, c, v = zip(*entries, strict=True)
    matrix = coo_matrix((v, (r, c)), shape=(len(rows), len(gain)))
    result = milp(-np.asarray(gain), integrality=np.asarray(integer),
                  bounds=Bounds(lower, upper),
                  constraints=LinearConstraint(matrix.tocsr(), [row[1] for row in rows],
                                               [row[2] for row in rows]),
                  options={"mip_rel_gap": 1e-10})
    if result.status != 0:
        return None
    x = result.x
    margins = np.array([sum(g * x[offsets[s] + j] for j, g in enumerate(problem.gain))
                        + constant for s, (problem, constant, _) in enumerate(blocks)])
    constants = 0.0 if wait is not None else float(
        np.dot(probabilities, [constant for _, constant, _ in blocks]))
    return float(-result.fun) + constants, margins


def sorted_cvar(margins: np.ndarray, probabilities: np.ndarray, alpha: float) -> float:
    """The mean margin of the worst 1 - alpha of probability (docs/stochastic.md)."""
    tail, taken, total = 1.0 - alpha, 0.0, 0.0
    for i in np.argsort(margins, kind="stable"):
        take = min(float(probabilities[i]), tail - taken)
        if take <= 0:
            break
        total += take * float(margins[i])
        taken += take
    return total / tail
