"""The constant-elasticity curve and its tiers, checked against hand arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from evplan.calibration.curve import average_marginal_revenue, marginal_revenue, tier_breakpoints


def test_marginal_revenue_of_a_constant_elasticity_curve() -> None:
    # R'(Q0) = (1 - 1/eps) P0: eps 5, P0 20,000 -> 16,000.
    assert marginal_revenue(np.array([20_000.0]), np.array([5.0]))[0] == pytest.approx(16_000)


def test_tier_prices_average_the_marginal_revenue_and_add_up_to_revenue() -> None:
    q0, p0, eps = 600.0, 20_000.0, 5.0
    points = tier_breakpoints((0.5, 0.8, 1.0), (1.1, 1.25, 1.5))
    n = len(points) - 1
    low, high = points[:-1], points[1:]
    prices = average_marginal_revenue(np.full(n, q0), np.full(n, p0), np.full(n, eps), low, high)
    # First tier [0, 300]: average MR = R(300)/300 = P(300) = 20,000 x 0.5^(-1/5).
    assert prices[0] == pytest.approx(20_000 * 0.5 ** -0.2)
    # Selling every tier up to Q0 earns exactly P0 x Q0 (the curve passes through it).
    volumes = (high - low) * q0
    assert float(np.sum(prices[:3] * volumes[:3])) == pytest.approx(p0 * q0)
    # Strictly falling, and straddling R'(Q0) = 16,000 on either side of the base volume.
    assert np.all(np.diff(prices) < 0)
    assert prices[2] > 16_000 > prices[3]


def test_breakpoints_must_end_at_the_base_volume() -> None:
    with pytest.raises(ValueError, match=r"last one below the base must be 1\.0"):
        tier_breakpoints((0.5, 0.9), (1.2,))
