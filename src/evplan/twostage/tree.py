"""Scenario trees of two-stage studies, declared under ``studies:`` in ``scenarios.yaml``.

A study names uncertain *branches* (each a set of outcomes with probabilities and the
overrides that make them), combines them as a product or lists its scenarios, and says in
which year the uncertainty is revealed and how risk is weighed::

    studies:
      duty-risk:
        revelation_year: 2026       # network decisions of years <= 2026 are shared
        risk: {weight: 0.5, alpha: 0.9}   # maximise E[margin] + 0.5 x CVaR_0.9(margin)
        branches:                   # product: every combination of one outcome per branch
          eu-cvd:
            stays: {probability: 0.5}
            rises: {probability: 0.5, overrides: [eu-cvd-up]}
          china-demand:
            flat:  {probability: 0.6}
            falls: {probability: 0.4, overrides: [cn-falls-20]}
      two-futures:                  # listed scenarios instead of a product
        scenarios:
          calm:  {probability: 0.7}
          storm: {probability: 0.3, overrides: [eu-cvd-up, cn-falls-40]}

Product scenarios are named by their outcomes joined with ``+`` (``rises+falls``) and
their probability is the product of the outcomes' probabilities. Every problem is
collected and reported at once, naming the study, key and value and a fix.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evplan.data.suggest import did_you_mean
from evplan.errors import Problem

__all__ = ["MAX_SCENARIOS", "Study", "StudyScenario", "parse_studies"]

LABEL = "scenarios.yaml"
STUDY_KEYS = ("branches", "scenarios", "revelation_year", "risk", "description")
OUTCOME_KEYS = ("probability", "overrides")
RISK_KEYS = ("weight", "alpha", "objective")
#: The objectives a study may take: E[margin] + lambda x CVaR, or the smallest worst regret.
OBJECTIVES = ("expected", "minimax-regret")
#: Most scenarios one study may expand to (the extensive form grows with each one).
MAX_SCENARIOS = 1_000
#: How far the probabilities of a branch may sum from 1.
PROBABILITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class StudyScenario:
    """One scenario of a study: its name, probability and the overrides applied in order."""

    name: str
    probability: float
    overrides: tuple[str, ...]


@dataclass(frozen=True)
class Study:
    """A two-stage study (see the module docstring).

    Attributes
    ----------
    name : str
        The study's name in scenarios.yaml.
    scenarios : tuple of StudyScenario
        The expanded scenarios; probabilities sum to 1.
    revelation_year : int or None
        Network decisions of years up to and including this year are first stage (shared by
        every scenario); later ones are chosen per scenario. None: every year is shared.
    risk_weight : float
        lambda >= 0 in E[margin] + lambda x CVaR_alpha(margin); 0 maximises expected margin.
    alpha : float
        CVaR level in (0, 1): CVaR is the mean margin of the worst 1 - alpha of probability.
    description : str
        Free text for the report.
    objective : str
        ``expected`` (E[margin] + lambda x CVaR_alpha) or ``minimax-regret`` (minimise the
        largest regret WS_s - M_s over the scenarios; docs/stochastic.md).
    """

    name: str
    scenarios: tuple[StudyScenario, ...]
    revelation_year: int | None = None
    risk_weight: float = 0.0
    alpha: float = 0.9
    description: str = ""
    objective: str = "expected"

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for the result record."""
        return {"name": self.name, "revelation_year": self.revelation_year,
                "risk_weight": self.risk_weight, "alpha": self.alpha,
                "objective": self.objective,
                "scenarios": [{"name": s.name, "probability": s.probability,
                               "overrides": list(s.overrides)} for s in self.scenarios]}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _outcomes(where: str, spec: Any, overrides: Mapping[str, Any],
              problems: list[Problem]) -> list[StudyScenario]:
    """The outcomes of one branch (or the listed scenarios): name, probability, overrides."""
    if not isinstance(spec, Mapping) or not spec:
        problems.append(Problem(LABEL, f"{where} must map outcome names to {{probability, "
                                "overrides}}, found " f"{spec!r}. Example: stays: "
                                "{probability: 0.5}."))
        return []
    outcomes = []
    for name, body in spec.items():
        at = f"{where}: outcome '{name}'"
        if not isinstance(body, Mapping):
            problems.append(Problem(LABEL, f"{at} must be a mapping {{probability, overrides}}, "
                                    f"found {body!r}. Example: {{probability: 0.5, overrides: "
                                    "[eu-cvd-up]}."))
            continue
        for key in body:
            if key not in OUTCOME_KEYS:
                problems.append(Problem(LABEL, f"{at}: '{key}' is not a key."
                                        + (did_you_mean(str(key), OUTCOME_KEYS)
                                           or " The keys are probability and overrides.")))
        probability = _number(body.get("probability"))
        if probability is None or not 0 < probability <= 1:
            problems.append(Problem(LABEL, f"{at}: probability = {body.get('probability')!r} "
                                    "is not a number in (0, 1]. Give e.g. probability: 0.25."))
            probability = None
        names = body.get("overrides") or []
        names = names if isinstance(names, list) else [names]
        for part in names:
            if str(part) not in overrides:
                problems.append(Problem(LABEL, f"{at}: '{part}' is not an override."
                                        + (did_you_mean(str(part), overrides)
                                           or " Declare it under overrides:.")))
        if probability is not None:
            outcomes.append(StudyScenario(str(name), probability,
                                          tuple(str(part) for part in names)))
    total = sum(outcome.probability for outcome in outcomes)
    if len(outcomes) == len(spec) and abs(total - 1) > PROBABILITY_TOLERANCE:
        problems.append(Problem(LABEL, f"{where}: the probabilities sum to {total:g}, not 1. "
                                "Change them so they sum to 1."))
    return outcomes


def _risk(name: str, spec: Any, problems: list[Problem]) -> tuple[float, float]:
    if spec is None:
        return 0.0, 0.9
    if not isinstance(spec, Mapping):
        problems.append(Problem(LABEL, f"study '{name}': risk must be a mapping {{weight, "
                                f"alpha}}, found {spec!r}. Example: {{weight: 0.5, alpha: 0.9}}."))
        return 0.0, 0.9
    for key in spec:
        if key not in RISK_KEYS:
            problems.append(Problem(LABEL, f"study '{name}': risk: '{key}' is not a key."
                                    + (did_you_mean(str(key), RISK_KEYS)
                                       or " The keys are weight, alpha and objective.")))
    weight = _number(spec.get("weight", 0.0))
    if weight is None or weight < 0:
        problems.append(Problem(LABEL, f"study '{name}': risk weight = {spec.get('weight')!r} "
                                "is not a number >= 0. Give e.g. weight: 0.5 (0: expected "
                                "margin only)."))
        weight = 0.0
    alpha = _number(spec.get("alpha", 0.9))
    if alpha is None or not 0 < alpha < 1:
        problems.append(Problem(LABEL, f"study '{name}': risk alpha = {spec.get('alpha')!r} "
                                "is not a number in (0, 1). Give e.g. alpha: 0.9 (CVaR of the "
                                "worst 10 %)."))
        alpha = 0.9
    return weight, alpha


def _objective(name: str, spec: Any, weight: float, problems: list[Problem]) -> str:
    objective = spec.get("objective", "expected") if isinstance(spec, Mapping) else "expected"
    if objective not in OBJECTIVES:
        problems.append(Problem(LABEL, f"study '{name}': risk objective = {objective!r} is "
                                f"not one of {', '.join(OBJECTIVES)}."
                                + (did_you_mean(str(objective), OBJECTIVES) or "")))
        return "expected"
    if objective == "minimax-regret" and weight > 0:
        problems.append(Problem(LABEL, f"study '{name}': risk objective minimax-regret takes "
                                f"no weight (found weight: {weight:g}); drop the weight, or "
                                "use objective: expected for E[margin] + weight x CVaR."))
    return str(objective)


def _study(name: str, spec: Any, overrides: Mapping[str, Any],
           problems: list[Problem]) -> Study | None:
    if not isinstance(spec, Mapping):
        problems.append(Problem(LABEL, f"study '{name}' must be a mapping with branches: or "
                                f"scenarios:, found {spec!r}."))
        return None
    for key in spec:
        if key not in STUDY_KEYS:
            problems.append(Problem(LABEL, f"study '{name}': '{key}' is not a key."
                                    + (did_you_mean(str(key), STUDY_KEYS)
                                       or f" The keys are {', '.join(STUDY_KEYS)}.")))
    has_branches, has_list = "branches" in spec, "scenarios" in spec
    if has_branches == has_list:
        problems.append(Problem(LABEL, f"study '{name}' must give exactly one of branches: (a "
                                "product of outcomes) and scenarios: (a list); found "
                                + ("both." if has_branches else "neither.")))
        return None
    revelation = spec.get("revelation_year")
    if revelation is not None and (_number(revelation) is None or revelation != int(revelation)):
        problems.append(Problem(LABEL, f"study '{name}': revelation_year = {revelation!r} is "
                                "not a year. Give e.g. revelation_year: 2026."))
        revelation = None
    weight, alpha = _risk(name, spec.get("risk"), problems)
    objective = _objective(name, spec.get("risk"), weight, problems)
    before = len(problems)
    if has_list:
        scenarios = _outcomes(f"study '{name}': scenarios", spec["scenarios"], overrides,
                              problems)
    else:
        branches = spec["branches"]
        if not isinstance(branches, Mapping) or not branches:
            problems.append(Problem(LABEL, f"study '{name}': branches must map branch names to "
                                    f"outcomes, found {branches!r}."))
            return None
        levels = [_outcomes(f"study '{name}': branch '{branch}'", outcomes, overrides,
                            problems) for branch, outcomes in branches.items()]
        count = math.prod(len(level) for level in levels)
        if count > MAX_SCENARIOS:
            problems.append(Problem(LABEL, f"study '{name}': the branches make {count:,} "
                                    f"scenarios; a study takes at most {MAX_SCENARIOS:,}. "
                                    "Drop outcomes or list the scenarios."))
            return None
        scenarios = [StudyScenario("+".join(o.name for o in combo),
                                   math.prod(o.probability for o in combo),
                                   tuple(part for o in combo for part in o.overrides))
                     for combo in itertools.product(*levels)]
    if len(problems) > before:
        return None
    return Study(name, tuple(scenarios), None if revelation is None else int(revelation),
                 weight, alpha, str(spec.get("description", "")), objective)


def parse_studies(raw: Mapping[str, Any], overrides: Mapping[str, Any],
                  problems: list[Problem]) -> dict[str, Study]:
    """Check the ``studies:`` section against the declared overrides; append problems.

    Examples
    --------
    >>> problems = []
    >>> studies = parse_studies({"s": {"scenarios": {"a": {"probability": 0.5},
    ...     "b": {"probability": 0.5, "overrides": ["up"]}}}}, {"up": ()}, problems)
    >>> [(s.name, s.probability, s.overrides) for s in studies["s"].scenarios]
    [('a', 0.5, ()), ('b', 0.5, ('up',))]
    """
    studies = {}
    for name, spec in raw.items():
        study = _study(str(name), spec, overrides, problems)
        if study is not None:
            studies[str(name)] = study
    return studies
