"""The ranges a study's values are proven to lie in (``metadata['intervals_usd']``).

Every MILP is solved to a relative MIP gap, so RP (the objective), WS (the wait-and-see
value), EEV, EVPI and VSS are known only between the value of a plan found and a bound that
HiGHS proves. :func:`intervals` combines those into ranges; :func:`clamped` makes each
reported point lie in its range exactly (the ends are sums of floating-point numbers computed
apart from the points and can cross them by rounding, ~10⁻⁸ USD on values of 10⁹ USD; an
end from a HiGHS bound is proven only to HiGHS's tolerances while the point is recomputed
from the certified plans), and raises VerificationError when a point is outside its range by
more than :func:`rounding_usd`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from evplan.errors import VerificationError

__all__ = ["RELATIVE_ROUNDING", "ROUNDING", "clamped", "intervals", "rounding_usd"]

#: Absolute part of the tolerance of :func:`clamped` (USD): HiGHS's absolute gap (10⁻⁶ of
#: its unit of 1 M USD), which the statuses of :mod:`evplan.twostage.known` allow too.
ROUNDING = 1.0
#: Relative part, of the largest magnitude the range is computed from: HiGHS's feasibility
#: and integrality tolerance (10⁻⁶), to which its bounds are proven; far above float64
#: rounding (~10⁻¹⁵ per sum).
RELATIVE_ROUNDING = 1e-6


def intervals(objective: tuple[float, float], wait: tuple[float, float] | None,
              eev: tuple[float, float] | None) -> dict[str, list[float]]:
    """What the study's values are proven to lie in, from the plans found and the bounds.

    ``objective`` is [RP of the returned plan, the bound that proves it]; ``wait`` is
    [F(wait-and-see plans), F(their bounds)] and ``eev`` [F(expected-value plan's
    completions), F(their bounds)]. Since WS* >= RP* >= EEV* (each scenario's own optimum
    beats any shared plan, and the expected-value plan is one), each range is narrowed by
    the others, and EVPI = WS* - RP* and VSS = RP* - EEV* lie in
    [max(0, low of one - high of the other), high of one - low of the other].
    """
    rp_low, rp_high = objective
    out: dict[str, list[float]] = {}
    if wait is not None:
        rp_high = min(rp_high, wait[1])
    if eev is not None:
        rp_low = max(rp_low, eev[0])
    out["objective"] = [rp_low, rp_high]
    if wait is not None:
        low, high = max(wait[0], rp_low), wait[1]
        out["wait_and_see"] = [low, high]
        out["evpi"] = [max(0.0, low - rp_high), high - rp_low]
    if eev is not None:
        low, high = eev[0], min(eev[1], rp_high)
        out["eev"] = [low, high]
        out["vss"] = [max(0.0, rp_low - high), rp_high - low]
    return out




def rounding_usd(ranges: Mapping[str, list[float]], points: Mapping[str, float | None]) -> float:
    """The tolerance of :func:`clamped`: ``ROUNDING`` + ``RELATIVE_ROUNDING`` x the largest
    finite magnitude among the ranges' ends and the points (USD).

    Examples
    --------
    >>> rounding_usd({"objective": [1e9, 2e9]}, {"objective": 1.5e9})
    2001.0
    """
    values = [abs(v) for pair in ranges.values() for v in pair if math.isfinite(v)]
    values += [abs(v) for v in points.values() if v is not None and math.isfinite(v)]
    return ROUNDING + RELATIVE_ROUNDING * max(values, default=0.0)


def clamped(ranges: Mapping[str, list[float]], points: Mapping[str, float | None]
            ) -> dict[str, list[float]]:
    """``ranges`` with every end moved onto its point where rounding crossed them.

    For each range with a point (None: not computed), low <= point <= high holds exactly
    afterwards: an end on the wrong side of the point by at most :func:`rounding_usd` is
    set to the point (the range only widens, so it stays proven; the point is unchanged).
    Farther than that is not rounding but a contradiction between the plans found and the
    bounds, and raises.

    Raises
    ------
    VerificationError
        When a point lies outside its range, or a range's ends cross, by more than the
        tolerance.

    Examples
    --------
    >>> clamped({"objective": [7e8 + 3e-8, 8e8], "vss": [2.0, 3.0]},
    ...         {"objective": 7e8, "vss": 3.00000001})
    {'objective': [700000000.0, 800000000.0], 'vss': [2.0, 3.00000001]}
    """
    tolerance = rounding_usd(ranges, points)
    out: dict[str, list[float]] = {}
    problems = []
    for name, (low, high) in ranges.items():
        point = points.get(name)
        if point is not None and math.isfinite(point):
            if point < low and low - point <= tolerance:
                low = point
            if point > high and point - high <= tolerance:
                high = point
            if not low <= point <= high:
                problems.append(f"{name} {point:,.6f} USD lies outside its proven range "
                                f"[{low:,.6f}, {high:,.6f}] USD.")
        elif low > high and low - high <= tolerance:
            low = high
        if low > high:
            problems.append(f"the proven range of {name} is empty: [{low:,.6f}, "
                            f"{high:,.6f}] USD.")
        out[name] = [low, high]
    if problems:
        raise VerificationError([f"stochastic: {line}" for line in problems])
    return out
