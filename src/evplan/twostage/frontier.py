"""The efficient frontier of a study: expected margin against CVaR as the risk weight moves.

For each risk weight lambda the extensive form is solved (the scenario models are built
once), every scenario's plan is checked as in :func:`evplan.stochastic`, and the row
records E[margin], CVaR_alpha(margin) (sorted definition, from the checked margins) and how
many shared first-stage values differ from the plan at the first weight. Raising lambda
never raises E[margin] and never lowers CVaR (each plan is optimal for its own weight).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.errors import InputError, Problem, VerificationError
from evplan.highs import SolverOptions
from evplan.scenarios.apply import catalog_for
from evplan.scenarios.overrides import Catalog
from evplan.twostage.extensive import solve_extensive
from evplan.twostage.known import fixed_values, run_bound
from evplan.twostage.models import build_scenarios, certify, check_values, study_named
from evplan.twostage.no_plan import raise_no_plan
from evplan.twostage.ranges import clamped
from evplan.twostage.risk import cvar, restated
from evplan.twostage.tree import Study

__all__ = ["efficient_frontier"]


def efficient_frontier(data: NetworkData, study: str | Study, weights: Sequence[float],
                       solver: SolverOptions | None = None, *,
                       catalog: Catalog | None = None) -> pd.DataFrame:
    """One row per risk weight: risk_weight, expected_margin_usd, cvar_usd (those of the
    plan found, exact), objective_usd (its E + lambda x CVaR), objective_low_usd and
    objective_high_usd (the range the optimum at that weight is proven in: the plan found,
    HiGHS's bound; infinite when a stopped LP proves none), status, mip_gap,
    decisions_changed (shared values that differ from the first weight's plan) and
    changed_decisions (those values, ``variable element year: before -> after``, joined by
    ``; ``).

    Examples
    --------
    >>> from evplan.examples import strategic_lane
    >>> from evplan.twostage.tree import StudyScenario
    >>> study = Study("one", (StudyScenario("base", 1.0, ()),))
    >>> efficient_frontier(strategic_lane(), study, [0, 1])["decisions_changed"].tolist()
    [0, 0]
    """
    catalog = catalog if catalog is not None else catalog_for(data)
    study = study_named(data, study, catalog)
    if study.objective == "minimax-regret":  # it was solved as E + lambda CVaR regardless
        raise InputError([Problem("--frontier", f"study '{study.name}' minimises the worst "
                                  "regret, which has no risk weight to vary: the frontier "
                                  "trades expected margin against CVaR. Drop --frontier, or "
                                  "give --objective expected.")])
    bad = [weight for weight in weights if isinstance(weight, bool)
           or not isinstance(weight, numbers.Real) or not math.isfinite(weight)
           or weight < 0]
    twice = sorted({float(weight) for weight in weights if weight not in bad
                    and sum(other == weight for other in weights if other not in bad) > 1})
    if bad or twice or not len(weights):
        said = ([f"{', '.join(map(repr, bad))} is not"] if bad else []) + (
            [f"{', '.join(f'{weight:g}' for weight in twice)} is given twice"] if twice
            else [])
        raise InputError([Problem("--frontier", f"study '{study.name}': the risk weights "
                                  f"{list(weights)} must be one or more numbers >= 0, each "
                                  "given once" + (f" ({'; '.join(said)})" if said else "")
                                  + ". Give e.g. [0, 0.5, 1, 2] (--frontier 0,0.5,1,2).")])
    scenarios, elements = build_scenarios(data, study, catalog)
    blocks = [scenario.block for scenario in scenarios]
    probabilities = np.array([scenario.probability for scenario in scenarios])
    rows = []
    reference: np.ndarray | None = None
    for weight in weights:
        weighted = dataclasses.replace(study, risk_weight=float(weight))
        run = solve_extensive(blocks, solver, risk_weight=weighted.risk_weight,
                              alpha=weighted.alpha)
        if not run.has_solution:
            raise_no_plan(run, f"study '{study.name}' at risk weight {weight:g}", scenarios,
                           solver, study.revelation_year)
        results = certify(scenarios, run, None)
        problems = check_values(weighted, run, scenarios, results)
        if problems:
            raise VerificationError([f"stochastic (risk weight {weight:g}): {line}"
                                     for line in problems])
        margins = np.array([results[sc.name].objective_usd for sc in scenarios])
        run = restated(run, weighted, margins, probabilities)  # a stopped plan's own value
        values = fixed_values(run, scenarios[0])
        # the optimum at this weight is proven in [objective_usd, bound_usd]
        (low, high), = clamped({"objective": [run.objective_usd, run_bound(
            run, any(bool(len(b.runner.integer)) for b in blocks))]},
            {"objective": run.objective_usd}).values()
        reference = values if reference is None else reference
        rows.append({"risk_weight": float(weight),
                     "expected_margin_usd": float(probabilities @ margins),
                     "cvar_usd": cvar(margins, probabilities, study.alpha),
                     "objective_usd": run.objective_usd, "objective_low_usd": low,
                     "objective_high_usd": high, "status": run.status,
                     "mip_gap": run.mip_gap,
                     "decisions_changed": int((values != reference).sum()),
                     "changed_decisions": _changed(elements, reference, values)})
    return pd.DataFrame(rows)


def _changed(elements: pd.DataFrame, reference: np.ndarray, values: np.ndarray) -> str:
    """``plant_modules P1 2025: 2 -> 1; ...`` for the shared values that differ."""
    differ = [int(j) for j in np.flatnonzero(values != reference)]
    return "; ".join(f"{elements['variable'].iat[j]} {elements['element'].iat[j]} "
                     f"{elements['year'].iat[j]}: {reference[j]:g} -> {values[j]:g}"
                     for j in differ)
