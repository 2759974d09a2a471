"""The cases of a sweep (a grid over parameters) and of a Monte Carlo study (samples).

A case is a label, the parameter values that define it and the patches they bind to. Grids
are the Cartesian product of each parameter's values, the first parameter varying slowest.
Monte Carlo draws every parameter's N values from one ``numpy.random.default_rng(seed)`` in
the order the parameters are declared, so a seed gives the same cases on every machine.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.scenarios.overrides import (
    LABEL,
    MAX_SAMPLES,
    Catalog,
    Distribution,
    MonteCarloSpec,
    Patch,
    count_option,
)
from evplan.scenarios.values import MAX_SWEEP_VALUES, finite_number, sweep_values

#: Most cases one sweep may have (the product of its parameters' value counts).
MAX_CASES = 100_000

__all__ = ["Case", "grid_cases", "montecarlo_cases", "parse_grid", "parse_values", "sample"]


@dataclass(frozen=True)
class Case:
    """One case of a sweep or Monte Carlo study.

    Attributes
    ----------
    number : int
        Position in the study, from 0.
    label : str
        ``eu-bev-cvd=0.3 freight=1.5``.
    parameters : mapping of str to float
        Parameter values.
    patches : tuple of Patch
        The base scenario's patches followed by the parameters' patches.
    """

    number: int
    label: str
    parameters: Mapping[str, float] = field(default_factory=dict)
    patches: tuple[Patch, ...] = ()


def parse_values(text: str) -> tuple[float, ...]:
    """Parse ``0:0.5:6`` (start:stop:count, inclusive) or ``0.5,1,2`` into values.

    Raises
    ------
    InputError
        For text that is neither, for NaN or infinity, for no values, and for more than
        :data:`~evplan.scenarios.values.MAX_SWEEP_VALUES` values.

    Examples
    --------
    >>> parse_values("0:0.5:6")
    (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
    >>> parse_values("0.5,1,2")
    (0.5, 1.0, 2.0)
    """
    problems: list[Problem] = []
    fix = "Write start:stop:count or a comma list of numbers, e.g. 0:0.5:6 or 0.5,1,2."
    if ":" in text:
        parts = text.split(":")
        numbers = [finite_number(part) for part in parts]
        if len(parts) != 3 or None in numbers:
            problems.append(Problem("--grid", f"'{text}' is not start:stop:count with finite "
                                    f"numbers. {fix}"))
        else:
            start, stop, count = (float(number) for number in numbers if number is not None)
            if count != int(count) or not 1 <= count <= MAX_SWEEP_VALUES:
                problems.append(Problem("--grid", f"'{text}': count {count:g} is not a whole "
                                        f"number from 1 to {MAX_SWEEP_VALUES:,}. {fix}"))
            else:
                values = tuple(round(float(value), 12)
                               for value in np.linspace(start, stop, int(count)))
                if len(set(values)) == len(values):
                    return values
                problems.append(Problem("--grid", f"'{text}' makes {count:g} values but only "
                                        f"{len(set(values))} different ones (a step of "
                                        f"{(stop - start) / max(count - 1, 1):g}; values are "
                                        "kept to 12 decimals), and each value is one case. "
                                        "Give a count of 1, or a start and stop further "
                                        "apart."))
    else:
        items = text.split(",")
        if len(items) > 1 and not all(item.strip() for item in items):
            problems.append(Problem("--grid", f"'{text}' has an empty value between commas. "
                                    f"{fix}"))
        else:
            listed = sweep_values([item for item in items if item.strip()], f"'{text}'",
                                  problems, label="--grid")
            if listed is not None:
                return listed
    raise InputError(problems)


def not_a_parameter(name: str, known: Collection[str]) -> str:
    """The problem of a --grid name that is not a parameter of scenarios.yaml, with the
    nearest known name (or the known ones)."""
    return (f"'{name}' is not a parameter of scenarios.yaml."
            + (did_you_mean(name, known) or f" Known: {', '.join(known) or 'none'}."))


def parse_grid(items: Sequence[str], known: Collection[str] | None = None
               ) -> dict[str, tuple[float, ...]]:
    """Parse ``--grid`` options (``PARAMETER=VALUES``, see :func:`parse_values`) into a grid.

    With ``known`` (the parameters ``scenarios.yaml`` declares), a name that is not one of
    them is a problem of ``--grid`` too, listed with every other (before, the first unknown
    name alone was named, as a problem of scenarios.yaml, after the values were fixed).

    Examples
    --------
    >>> parse_grid(["freight=0.5,1", "demand=1:2:3"])
    {'freight': (0.5, 1.0), 'demand': (1.0, 1.5, 2.0)}
    """
    grid: dict[str, tuple[float, ...]] = {}
    problems: list[Problem] = []
    for item in items:
        parameter, equals, values = item.partition("=")
        if not equals or not parameter.strip():
            problems.append(Problem("--grid", f"'{item}' is not PARAMETER=VALUES. Write e.g. "
                                    "-g freight=0.5,1,2 (a parameter of scenarios.yaml)."))
            continue
        if known is not None and parameter.strip() not in known:
            problems.append(Problem("--grid", f"'{item}': "
                                    + not_a_parameter(parameter.strip(), known)))
        if parameter.strip() in grid:
            problems.append(Problem("--grid", f"'{item}': {parameter.strip()} is given twice "
                                    "(the later -g would replace the earlier). Give each "
                                    "parameter once, with all its values: -g "
                                    f"{parameter.strip()}=0.5,1,2."))
            continue
        try:
            grid[parameter.strip()] = parse_values(values)
        except InputError as error:
            problems.extend(Problem(problem.file, f"{parameter.strip()}: {problem.message}")
                            for problem in error.problems)
    if problems:
        raise InputError(problems)
    return grid


def _label(values: Mapping[str, float], digits: int = 6) -> str:
    return " ".join(f"{name}={value:.{digits}g}" for name, value in values.items())


def grid_cases(catalog: Catalog, grid: Mapping[str, Sequence[float]],
               base: Sequence[Patch] = ()) -> list[Case]:
    """Every combination of the grid's values, as cases.

    Examples
    --------
    >>> from evplan.scenarios.overrides import parse_catalog
    >>> catalog = parse_catalog({"parameters": {"freight": {"routes": {
    ...     "scale": "freight_usd_per_vehicle"}}}})
    >>> [case.label for case in grid_cases(catalog, {"freight": [0.5, 1, 2]})]
    ['freight=0.5', 'freight=1', 'freight=2']
    """
    parameters = [catalog.parameter(name) for name in grid]
    total = math.prod(len(grid[p.name]) for p in parameters) if parameters else 0
    if not 1 <= total <= MAX_CASES:
        raise InputError([Problem(LABEL, f"the grid has {total:,} cases; a sweep runs 1 to "
                                  f"{MAX_CASES:,}. Give each parameter at least one value, and "
                                  "fewer values.")])
    cases = []
    for number, values in enumerate(itertools.product(*(grid[p.name] for p in parameters))):
        chosen = {p.name: float(value) for p, value in zip(parameters, values, strict=True)}
        patches = tuple(base) + tuple(patch for p in parameters for patch in p.bind(
            chosen[p.name]))
        cases.append(Case(number, _label(chosen), chosen, patches))
    if len({case.label for case in cases}) < len(cases):  # values alike to 6 digits
        cases = [replace(case, label=_label(case.parameters, 15)) for case in cases]
    return cases


def sample(distribution: Distribution, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``size`` values of a distribution (see :data:`~.overrides.DISTRIBUTIONS`)."""
    args = distribution.args
    kind = distribution.kind
    if kind == "normal":
        return rng.normal(float(args["mean"]), float(args["sd"]), size)
    if kind == "lognormal":
        return float(args["median"]) * np.exp(rng.normal(0.0, float(args["sigma"]), size))
    if kind == "uniform":
        return rng.uniform(float(args["low"]), float(args["high"]), size)
    if kind == "triangular":
        low, high = float(args["low"]), float(args["high"])
        if low == high:  # low = mode = high (allowed): NumPy refuses it, the value is certain
            rng.random(size)  # the draws the stream would use, so later parameters match
            return np.full(size, low)
        return rng.triangular(low, float(args["mode"]), high, size)
    if kind == "choice":
        return rng.choice(np.asarray(args["values"], dtype=float), size)
    raise InputError([Problem(LABEL, f"'{kind}' is not a distribution.")])


def montecarlo_cases(catalog: Catalog, study: MonteCarloSpec, samples: int | None = None,
                     seed: int | None = None, base: Sequence[Patch] = ()) -> list[Case]:
    """``samples`` cases drawn from the study's distributions with ``seed``.

    Negative draws are clipped to 0 (rates, prices and multipliers cannot be negative).
    """
    problems: list[Problem] = []
    count = count_option(study.samples if samples is None else samples, "samples", 1,
                         MAX_SAMPLES, problems, label="--samples")
    chosen_seed = count_option(study.seed if seed is None else seed, "seed", 0, 2**63 - 1,
                               problems, label="--seed")
    if count is None or chosen_seed is None:
        raise InputError(problems)
    rng = np.random.default_rng(chosen_seed)
    draws = {name: np.maximum(sample(distribution, count, rng), 0.0)
             for name, distribution in study.distributions.items()}
    parameters = {name: catalog.parameter(name) for name in draws}
    cases = []
    for number in range(count):
        chosen = {name: float(values[number]) for name, values in draws.items()}
        patches = tuple(base) + tuple(patch for name, p in parameters.items()
                                      for patch in p.bind(chosen[name]))
        cases.append(Case(number, f"sample {number}", chosen, patches))
    return cases
