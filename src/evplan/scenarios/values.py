"""Numbers read from scenarios.yaml and the command line: finite, written as numbers are;
and lists of override names, each named once.

Sweep values (a ``sweeps:`` entry or ``--grid``) and every number an override or a
distribution takes pass through :func:`finite_number`; a sweep's values through
:func:`sweep_values`; a scenario's or study outcome's overrides through
:func:`repeated_overrides`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from evplan.errors import Problem

__all__ = ["LABEL", "MAX_SWEEP_VALUES", "PYTHON_LABEL", "as_tuple", "finite_number",
           "repeated_overrides", "sweep_values"]

LABEL = "scenarios.yaml"
#: Where a Patch or Parameter made in Python is "written", for its error messages.
PYTHON_LABEL = "the patches given in Python"
MAX_SWEEP_VALUES = 1_000


def as_tuple(value: Any) -> tuple[Any, ...]:
    """``value`` as a tuple: a list or tuple as it is, anything else as one item."""
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def finite_number(value: Any) -> float | None:
    """``value`` as a finite float, or None (text, booleans, NaN and infinity are not numbers).

    Examples
    --------
    >>> [finite_number(v) for v in (2, "0.5", float("nan"), True, "abc")]
    [2.0, 0.5, None, None, None]
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, str) and not _NUMBER.fullmatch(value.strip()):
        return None  # float() also reads '1_0' as 10 and full-width digits: not numbers here
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


#: A number as a user writes one: ASCII digits, an optional sign, point and exponent.
_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def sweep_values(values: Any, what: str, problems: list[Problem], label: str = LABEL
                 ) -> tuple[float, ...] | None:
    """The values of one sweep parameter: 1 to MAX_SWEEP_VALUES finite numbers, else None."""
    items = as_tuple(values)
    numbers = [finite_number(value) for value in items]
    if not items:
        problems.append(Problem(label, f"{what}: no values. Give values such as [0.5, 1, 2]."))
        return None
    if isinstance(values, Mapping) or None in numbers:
        bad = next((value for value, number in zip(items, numbers, strict=True)
                    if number is None), values)
        problems.append(Problem(label, f"{what}: {bad!r} is not a list of finite numbers. "
                                "Give values such as [0.5, 1, 2]."))
        return None
    if len(numbers) > MAX_SWEEP_VALUES:
        problems.append(Problem(label, f"{what}: {len(numbers):,} values; a sweep takes at most "
                                f"{MAX_SWEEP_VALUES:,} per parameter."))
        return None
    repeated = sorted({number for number in numbers
                       if number is not None and numbers.count(number) > 1})
    if repeated:
        problems.append(Problem(label, f"{what}: {', '.join(f'{n:g}' for n in repeated)} "
                                "given more than once (each value is one case). Give each "
                                "value once."))
        return None
    return tuple(float(number) for number in numbers if number is not None)


def repeated_overrides(parts: Sequence[object]) -> list[str]:
    """A problem text for each override a list names more than once.

    Each listing applies the override again (a freight scale of 2 listed twice scales by
    4), which a list of names hardly ever means.

    Examples
    --------
    >>> repeated_overrides(["freight-shock", "eu-cvd-up", "freight-shock"])
    ["'freight-shock' is listed 2 times: each listing applies it again (a scale of 2 listed \
twice scales by 4). List it once, or declare an override with the stronger change."]
    """
    counts: dict[str, int] = {}
    for part in parts:
        counts[str(part)] = counts.get(str(part), 0) + 1
    return [f"'{part}' is listed {count} times: each listing applies it again (a scale of 2 "
            "listed twice scales by 4). List it once, or declare an override with the "
            "stronger change." for part, count in counts.items() if count > 1]
