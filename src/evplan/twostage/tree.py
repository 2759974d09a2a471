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
their probability is the product of the outcomes' probabilities. A study may instead draw
its scenarios by Monte Carlo (``sample: {count, seed, branches, parameters}``, see
:func:`draw_sample`): ``count`` scenarios of probability 1/count, each an outcome of every
branch drawn with the outcomes' probabilities and a value of every parameter drawn from its
distribution (the syntax of ``montecarlo:`` studies). Every problem is collected and
reported at once, naming the study, key and value and a fix.
"""

from __future__ import annotations

import collections
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from evplan.data.suggest import did_you_mean
from evplan.errors import Problem
from evplan.scenarios.values import repeated_overrides

if TYPE_CHECKING:
    from evplan.scenarios.overrides import Catalog, Distribution, Parameter, Patch

__all__ = ["MAX_SCENARIOS", "Study", "StudyScenario", "check_study", "draw_sample",
           "horizon_problems", "parse_studies"]

LABEL = "scenarios.yaml"
STUDY_KEYS = ("branches", "scenarios", "sample", "revelation_year", "risk", "description")
SAMPLE_KEYS = ("count", "seed", "branches", "parameters")
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
    """One scenario of a study: its name, probability and the overrides applied in order.

    ``patches`` are the drawn parameter values of a sampled scenario (applied after the
    overrides); empty otherwise.
    """

    name: str
    probability: float
    overrides: tuple[str, ...]
    patches: tuple[Patch, ...] = ()

    def resolve(self, catalog: Catalog) -> list[Patch]:
        """Every patch of this scenario, in order: its overrides', then its drawn ones."""
        return [patch for name in self.overrides for patch in catalog.resolve(name)] + list(
            self.patches)


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
    sample : dict or None
        For a sampled study, ``{"count": N, "seed": S}``; None otherwise.
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
    sample: dict[str, int] | None = None
    objective: str = "expected"

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for the result record."""
        return {"name": self.name, "revelation_year": self.revelation_year,
                "risk_weight": self.risk_weight, "alpha": self.alpha,
                "objective": self.objective,
                "sample": self.sample,
                "scenarios": [{"name": s.name, "probability": s.probability,
                               "overrides": list(s.overrides)}
                              | ({"parameters": [p.override for p in s.patches]}
                                 if s.patches else {})
                              for s in self.scenarios]}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _outcomes(where: str, spec: Any, overrides: Mapping[str, Any],
              problems: list[Problem]) -> list[StudyScenario]:
    """The outcomes of one branch (or the listed scenarios): name, probability, overrides."""
    if not isinstance(spec, Mapping) or not spec:
        problems.append(Problem(LABEL, f"{where} must map outcome names to {{probability, "
                                "overrides}, found " f"{spec!r}. Example: stays: "
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
        problems.extend(Problem(LABEL, f"{at}: {text}") for text in repeated_overrides(names))
        if probability is not None:
            outcomes.append(StudyScenario(str(name), probability,
                                          tuple(str(part) for part in names)))
    total = sum(outcome.probability for outcome in outcomes)
    if len(outcomes) == len(spec) and abs(total - 1) > PROBABILITY_TOLERANCE:
        problems.append(Problem(LABEL, f"{where}: the probabilities sum to {total:.12g}, not 1 "
                                f"(off by {total - 1:+.3g}; evplan allows "
                                f"{PROBABILITY_TOLERANCE:g}). Change them so they sum to 1."))
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


def _sample_distributions(name: str, spec: Any, parameters: Mapping[str, Parameter],
                          problems: list[Problem]) -> dict[str, Distribution]:
    """The ``parameters:`` of a sample: declared parameters with montecarlo distributions."""
    from evplan.scenarios.overrides import _distribution

    if not isinstance(spec, Mapping) or not spec:
        problems.append(Problem(LABEL, f"study '{name}': sample: parameters must map "
                                f"parameter names to distributions, found {spec!r}. Example: "
                                "{freight: {distribution: uniform, low: 0.8, high: 1.2}}."))
        return {}
    distributions = {}
    for parameter, body in spec.items():
        if str(parameter) not in parameters:
            problems.append(Problem(LABEL, f"study '{name}': sample: '{parameter}' is not a "
                                    "parameter." + (did_you_mean(str(parameter), parameters)
                                                    or " Declare it under parameters:.")))
            continue
        mine: list[Problem] = []
        distribution = _distribution(name, str(parameter), body, mine)
        problems.extend(Problem(p.file, p.message.replace(
            f"montecarlo '{name}', parameter", f"study '{name}': sample: parameter", 1))
            for p in mine)
        if distribution is not None:
            distributions[str(parameter)] = distribution
    return distributions


def _whole(value: Any, what: str, low: int, high: int, problems: list[Problem]) -> int | None:
    number = _number(value)
    if number is None or number != int(number) or not low <= number <= high:
        problems.append(Problem(LABEL, f"{what} = {value!r} is not a whole number from "
                                f"{low:,} to {high:,}. Give e.g. {what.rsplit(' ', 1)[-1]}: "
                                f"{min(max(low, 200), high)}."))
        return None
    return int(number)


def draw_sample(count: int, seed: int, branches: list[tuple[str, list[StudyScenario]]],
                parameters: Mapping[str, tuple[Parameter, Distribution]]
                ) -> tuple[StudyScenario, ...]:
    """``count`` scenarios of probability 1/count drawn with ``numpy.random.default_rng(seed)``.

    Draws in this order: for each branch (declared order) ``count`` outcome positions with
    the outcomes' probabilities (``rng.choice``), then for each parameter (declared order)
    ``count`` values from its distribution exactly as a ``montecarlo:`` study draws them
    (:func:`evplan.scenarios.cases.sample`, negative values clipped to 0). Scenario ``i``
    is named ``s<i>`` (zero-padded), then ``:`` and its outcomes joined with ``+`` when the
    sample has branches. The same seed gives the same scenarios on every machine.

    Examples
    --------
    >>> outcomes = [StudyScenario("stays", 0.5, ()), StudyScenario("rises", 0.5, ("up",))]
    >>> [s.name for s in draw_sample(4, 1, [("eu", outcomes)], {})]
    ['s0:rises', 's1:rises', 's2:stays', 's3:rises']
    """
    from evplan.scenarios.cases import sample

    rng = np.random.default_rng(seed)
    picks = [rng.choice(len(outcomes), size=count,
                        p=np.array([o.probability for o in outcomes]) / sum(
                            o.probability for o in outcomes))
             for _, outcomes in branches]
    draws = {name: np.maximum(sample(distribution, count, rng), 0.0)
             for name, (_, distribution) in parameters.items()}
    width = len(str(count - 1))
    scenarios = []
    for i in range(count):
        chosen = [outcomes[int(pick[i])] for (_, outcomes), pick in zip(branches, picks,
                                                                        strict=True)]
        label = f"s{i:0{width}d}" + (":" + "+".join(o.name for o in chosen) if chosen else "")
        patches = tuple(patch for name, (parameter, _) in parameters.items()
                        for patch in parameter.bind(float(draws[name][i])))
        scenarios.append(StudyScenario(label, 1.0 / count,
                                       tuple(part for o in chosen for part in o.overrides),
                                       patches))
    return tuple(scenarios)


def _sample(name: str, spec: Any, overrides: Mapping[str, Any],
            parameters: Mapping[str, Parameter], problems: list[Problem]
            ) -> tuple[tuple[StudyScenario, ...], dict[str, int]] | None:
    """Parse ``sample: {count, seed, branches, parameters}`` and draw its scenarios."""
    where = f"study '{name}': sample"
    if not isinstance(spec, Mapping):
        problems.append(Problem(LABEL, f"{where} must be a mapping {{count, seed, branches, "
                                f"parameters}}, found {spec!r}. Example: {{count: 200, seed: 7, "
                                "branches: {...}}."))
        return None
    for key in spec:
        if key not in SAMPLE_KEYS:
            problems.append(Problem(LABEL, f"{where}: '{key}' is not a key."
                                    + (did_you_mean(str(key), SAMPLE_KEYS)
                                       or f" The keys are {', '.join(SAMPLE_KEYS)}.")))
    before = len(problems)
    if "count" not in spec:
        problems.append(Problem(LABEL, f"{where}: count is missing. Give the number of "
                                "scenarios to draw, e.g. count: 200."))
    count = (_whole(spec.get("count"), f"{where}: count", 1, MAX_SCENARIOS, problems)
             if "count" in spec else None)
    seed = _whole(spec.get("seed", 0), f"{where}: seed", 0, 2**63 - 1, problems)
    if "branches" not in spec and "parameters" not in spec:
        problems.append(Problem(LABEL, f"{where} draws nothing: give branches: (outcomes with "
                                "probabilities) and/or parameters: (distributions)."))
    branches: list[tuple[str, list[StudyScenario]]] = []
    if "branches" in spec:
        raw = spec["branches"]
        if not isinstance(raw, Mapping) or not raw:
            problems.append(Problem(LABEL, f"{where}: branches must map branch names to "
                                    f"outcomes, found {raw!r}."))
        else:
            branches = [(str(branch), _outcomes(f"{where}: branch '{branch}'", outcomes,
                                                overrides, problems))
                        for branch, outcomes in raw.items()]
    distributions = (_sample_distributions(name, spec["parameters"], parameters, problems)
                     if "parameters" in spec else {})
    if len(problems) > before or count is None or seed is None:
        return None
    chosen = {key: (parameters[key], value) for key, value in distributions.items()}
    return draw_sample(count, seed, branches, chosen), {"count": count, "seed": seed}


def _study(name: str, spec: Any, overrides: Mapping[str, Any],
           problems: list[Problem],
           parameters: Mapping[str, Parameter] | None = None) -> Study | None:
    if not isinstance(spec, Mapping):
        problems.append(Problem(LABEL, f"study '{name}' must be a mapping with branches:, "
                                f"scenarios: or sample:, found {spec!r}."))
        return None
    for key in spec:
        if key not in STUDY_KEYS:
            problems.append(Problem(LABEL, f"study '{name}': '{key}' is not a key."
                                    + (did_you_mean(str(key), STUDY_KEYS)
                                       or f" The keys are {', '.join(STUDY_KEYS)}.")))
    given = [key for key in ("branches", "scenarios", "sample") if key in spec]
    if len(given) != 1:
        problems.append(Problem(LABEL, f"study '{name}' must give exactly one of branches: (a "
                                "product of outcomes), scenarios: (a list) and sample: (Monte "
                                "Carlo draws); found "
                                + (" and ".join(given) + "." if given else "none.")))
        return None
    has_list = "scenarios" in spec
    revelation = spec.get("revelation_year")
    if revelation is not None and (_number(revelation) is None or revelation != int(revelation)):
        problems.append(Problem(LABEL, f"study '{name}': revelation_year = {revelation!r} is "
                                "not a year. Give e.g. revelation_year: 2026."))
        revelation = None
    weight, alpha = _risk(name, spec.get("risk"), problems)
    objective = _objective(name, spec.get("risk"), weight, problems)
    before = len(problems)
    if "sample" in spec:
        drawn = _sample(name, spec["sample"], overrides, parameters or {}, problems)
        if drawn is None or len(problems) > before:
            return None
        return Study(name, drawn[0], None if revelation is None else int(revelation), weight,
                     alpha, str(spec.get("description", "")), drawn[1], objective)
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
    named = collections.Counter(scenario.name for scenario in scenarios)
    for twice, times in named.items():
        if times > 1:  # e.g. outcomes 'a+b' x 'c' and 'a' x 'b+c'
            why = ("" if has_list else " (a product scenario joins its outcomes' names "
                   "with '+')")
            problems.append(Problem(LABEL, f"study '{name}': {times} scenarios are named "
                                    f"'{twice}'{why}; rename the outcomes so that each "
                                    "scenario has its own name"
                                    + ("." if has_list else ", e.g. without '+'.")))
    if len(problems) > before:
        return None
    return Study(name, tuple(scenarios), None if revelation is None else int(revelation),
                 weight, alpha, str(spec.get("description", "")), objective=objective)


def check_study(study: Study, first_year: int, last_year: int) -> list[Problem]:
    """The problems of a study built in Python (:class:`Study`), as scenarios.yaml states them.

    A study read from scenarios.yaml passed these checks when it was read; one built in
    Python did not: its probabilities must be numbers in (0, 1] summing to 1 (within
    10⁻⁶), its scenario names distinct, ``risk_weight`` a number >= 0 (0 with
    minimax-regret), ``alpha`` in (0, 1), the objective known, and ``revelation_year``
    from ``first_year - 1`` to ``last_year``.

    Examples
    --------
    >>> bad = Study("s", (StudyScenario("a", 0.5, ()), StudyScenario("a", 0.6, ())))
    >>> [p.message[:40] for p in check_study(bad, 2025, 2030)]
    ["study 's': the probabilities sum to 1.1,", "study 's': 2 scenarios are named 'a'; re"]
    """
    name = study.name
    problems = []
    if not study.scenarios:
        problems.append(Problem(LABEL, f"study '{name}' has no scenario. Give at least one, "
                                "e.g. StudyScenario('base', 1.0, ())."))
    for scenario in study.scenarios:
        probability = _number(scenario.probability)
        if probability is None or not 0 < probability <= 1:
            problems.append(Problem(LABEL, f"study '{name}': scenario '{scenario.name}': "
                                    f"probability = {scenario.probability!r} is not a number "
                                    "in (0, 1]. Give e.g. probability: 0.25."))
    total = sum(float(s.probability) for s in study.scenarios)
    if study.scenarios and len(problems) == 0 and abs(total - 1) > PROBABILITY_TOLERANCE:
        problems.append(Problem(LABEL, f"study '{name}': the probabilities sum to {total:.12g}, "
                                f"not 1 (off by {total - 1:+.3g}; evplan allows "
                                f"{PROBABILITY_TOLERANCE:g}). Change them so they sum to 1."))
    for twice, times in collections.Counter(s.name for s in study.scenarios).items():
        if times > 1:
            problems.append(Problem(LABEL, f"study '{name}': {times} scenarios are named "
                                    f"'{twice}'; rename them so that each has its own name."))
    weight = _number(study.risk_weight)
    if weight is None or weight < 0:
        problems.append(Problem(LABEL, f"study '{name}': risk weight = {study.risk_weight!r} "
                                "is not a number >= 0. Give e.g. weight: 0.5 (0: expected "
                                "margin only)."))
    alpha = _number(study.alpha)
    if alpha is None or not 0 < alpha < 1:
        problems.append(Problem(LABEL, f"study '{name}': risk alpha = {study.alpha!r} is not "
                                "a number in (0, 1). Give e.g. alpha: 0.9 (CVaR of the worst "
                                "10 %)."))
    if study.objective not in OBJECTIVES:
        problems.append(Problem(LABEL, f"study '{name}': risk objective = {study.objective!r} "
                                f"is not one of {', '.join(OBJECTIVES)}."
                                + (did_you_mean(str(study.objective), OBJECTIVES) or "")))
    elif study.objective == "minimax-regret" and weight is not None and weight > 0:
        problems.append(Problem(LABEL, f"study '{name}': risk objective minimax-regret takes "
                                f"no weight (found weight: {weight:g}); drop the weight, or "
                                "use objective: expected for E[margin] + weight x CVaR."))
    return problems + horizon_problems(study, first_year, last_year)


def horizon_problems(study: Study, first_year: int, last_year: int) -> list[Problem]:
    """The problem of a ``revelation_year`` that is not a year from ``first_year - 1`` to
    ``last_year`` (the scenario's horizon), if any.

    Examples
    --------
    >>> [p.message[:58] for p in horizon_problems(Study("s", (), 2099), 2025, 2030)]
    ["study 's': revelation_year 2099 is outside the planning ho"]
    """
    name, revelation = study.name, study.revelation_year
    if revelation is not None and (isinstance(revelation, bool) or _number(revelation) is None
                                   or revelation != int(revelation)):
        return [Problem(LABEL, f"study '{name}': revelation_year = {revelation!r} is not a "
                        "year. Give e.g. revelation_year: 2026.")]
    if revelation is not None and not first_year - 1 <= revelation <= last_year:
        # The year before the horizon shares nothing (RP = WS, a study of its own); earlier
        # or after the horizon is likelier a typo (1999, 2099) than a study.
        return [Problem(LABEL, f"study '{name}': revelation_year {revelation} is outside the "
                        f"planning horizon {first_year}-{last_year}. Give a year from "
                        f"{first_year} to {last_year} (decisions of years up to it are "
                        f"shared), {first_year - 1} to share nothing, or leave it out to "
                        "share every year.")]
    return []


def parse_studies(raw: Mapping[str, Any], overrides: Mapping[str, Any],
                  problems: list[Problem],
                  parameters: Mapping[str, Parameter] | None = None) -> dict[str, Study]:
    """Check the ``studies:`` section against the declared overrides; append problems.

    ``parameters`` are the declared ``parameters:`` a sampled study may draw.

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
        study = _study(str(name), spec, overrides, problems, parameters)
        if study is not None:
            studies[str(name)] = study
    return studies
