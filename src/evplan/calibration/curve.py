r"""A constant-elasticity demand curve, cut into price-volume tiers above and below the base.

Inverse demand through the observed point :math:`(Q_0, P_0)` with own-price elasticity
:math:`\varepsilon > 1`:

.. math:: P(q) = P_0 (q / Q_0)^{-1/\varepsilon}, \qquad
          R(q) = P(q)\,q, \qquad R'(q) = (1 - 1/\varepsilon) P(q).

The LP sells tier :math:`t = [a_t, b_t]` of the volume axis at the *average marginal
revenue* of that segment plus the calibration wedge :math:`\lambda`:

.. math:: p_t = \frac{R(b_t) - R(a_t)}{b_t - a_t} + \lambda ,

so selling up to :math:`q` earns exactly :math:`R(q) + \lambda q` at every breakpoint,
and because :math:`R'` falls, tier prices fall strictly (a concave revenue curve).
Breakpoints are fractions of :math:`Q_0`: some below it (ending exactly at :math:`Q_0`)
and some above it, so the base volume is a kink of the curve on both sides.
"""

from __future__ import annotations

import numpy as np

__all__ = ["average_marginal_revenue", "marginal_revenue", "tier_breakpoints"]


def marginal_revenue(price: np.ndarray, elasticity: np.ndarray) -> np.ndarray:
    r""":math:`R'(Q_0) = (1 - 1/\varepsilon) P_0`, per pool.

    Examples
    --------
    >>> float(marginal_revenue(np.array([20_000.0]), np.array([5.0]))[0])
    16000.0
    """
    return (1.0 - 1.0 / elasticity) * price


def average_marginal_revenue(volume: np.ndarray, price: np.ndarray, elasticity: np.ndarray,
                             low: np.ndarray, high: np.ndarray) -> np.ndarray:
    r"""Average of :math:`R'` over :math:`[a, b] = [\text{low}, \text{high}] \times Q_0`.

    Parameters
    ----------
    volume, price, elasticity : numpy.ndarray
        :math:`Q_0`, :math:`P_0`, :math:`\varepsilon` per element.
    low, high : numpy.ndarray
        Segment ends as fractions of :math:`Q_0` (``low`` may be 0).

    Examples
    --------
    The first segment's average is the price at its end, :math:`R(b)/b = P(b)`:

    >>> one = np.array([1.0])
    >>> float(average_marginal_revenue(100 * one, 20_000 * one, 5 * one, 0 * one, one)[0])
    20000.0
    """
    exponent = 1.0 - 1.0 / elasticity
    revenue_high = price * volume * high ** exponent
    revenue_low = price * volume * low ** exponent
    return (revenue_high - revenue_low) / ((high - low) * volume)


def tier_breakpoints(below: tuple[float, ...], above: tuple[float, ...]) -> np.ndarray:
    """Segment ends as fractions of the base volume: ``below`` must end at 1.0.

    >>> tier_breakpoints((0.5, 0.8, 1.0), (1.1, 1.3)).tolist()
    [0.0, 0.5, 0.8, 1.0, 1.1, 1.3]
    """
    points = np.asarray((0.0, *below, *above), dtype=float)
    if not below or below[-1] != 1.0 or np.any(np.diff(points) <= 0):
        raise ValueError("breakpoints must rise strictly and the last one below the base "
                         f"must be 1.0; got below={below}, above={above}")
    return points
