"""The expected-value plan of a two-stage study and a first stage's value in every scenario.

:func:`expected_value_plan` solves the expected-value problem (the scenarios' mean inputs,
:mod:`evplan.twostage.mean_inputs`, else the probability-weighted coefficients), rounds its
shared first stage and completes it in every scenario (EEV, VSS = RP - EEV);
:func:`evaluate` gives each scenario's best margin with a first stage fixed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evplan.highs import SolverOptions
from evplan.twostage.extensive import Block, averaged_block, solve_extensive
from evplan.twostage.known import Completions
from evplan.twostage.mean_inputs import mean_block
from evplan.twostage.models import RemoteShards, ScenarioModel, fixed_runs
from evplan.twostage.no_plan import eev_status, raise_no_plan

__all__ = ["EV_INFEASIBLE", "evaluate", "expected_value_plan"]

EV_INFEASIBLE = ("the expected-value problem (every coefficient the scenarios' "
                 "probability-weighted mean) is infeasible, so there is no expected-value "
                 "plan and no VSS; the stochastic plan does not depend on it")


def evaluate(scenarios: list[ScenarioModel], values: np.ndarray, solver: SolverOptions,
             remote: RemoteShards | None = None, completions: Completions | None = None
             ) -> tuple[np.ndarray, list[str]]:
    """Each scenario's best margin with the shared first stage fixed to ``values`` (-inf
    where it has no completion) and each solve's status; ``completions`` solves each
    (first stage, scenario) pair once."""
    margins = np.full(len(scenarios), -np.inf)
    statuses = []
    runs = (completions.runs(values) if completions is not None
            else fixed_runs(scenarios, values, solver, remote))
    for s, (scenario, run) in enumerate(zip(scenarios, runs, strict=True)):
        statuses.append(run.status)
        if run.has_solution:
            margins[s] = run.objective_usd
        elif run.status not in ("infeasible", "unbounded"):
            raise_no_plan(run, f"scenario '{scenario.name}' with a fixed first stage")
    return margins, statuses


def expected_value_plan(scenarios: list[ScenarioModel], blocks: list[Block],
                        solver: SolverOptions, metadata: dict[str, Any],
                        remote: RemoteShards | None = None, datas: list[Any] | None = None,
                        completions: Completions | None = None) -> np.ndarray | None:
    """Each scenario's margin with the expected-value plan's shared decisions fixed (None
    when there is no expected-value plan; why in ``metadata['eev_status']``). Writes
    ``expected_value_problem_usd``, ``expected_value_first_stage`` and ``eev_status`` into
    ``metadata``; the completions are kept by ``completions`` when given."""
    try:
        mean = mean_block(scenarios, datas) or averaged_block(blocks)
    except ValueError as error:
        metadata["eev_status"] = f"not computed: {error}"
        return None
    ev_run = solve_extensive([mean], solver)
    if not ev_run.has_solution and ev_run.status == "infeasible":
        metadata["eev_status"] = f"not computed: {EV_INFEASIBLE}"
        return None
    if not ev_run.has_solution:
        raise_no_plan(ev_run, "the expected-value problem")
    values = np.round(ev_run.runs[0].primal[mean.runner.vlabels][mean.shared])
    margins, statuses = evaluate(scenarios, values, solver, remote, completions)
    metadata["expected_value_problem_usd"] = ev_run.objective_usd
    metadata["expected_value_first_stage"] = [float(v) for v in values]
    metadata["eev_status"] = eev_status(ev_run, [sc.name for sc in scenarios], statuses)
    return margins
