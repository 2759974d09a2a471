"""Numbers on screen: a value that rounds to zero never shows a minus sign."""

from __future__ import annotations

import pytest

from evplan.cli.stochastic import _money
from evplan.strategic.decisions import money
from evplan.units import unsigned_zero, usd, vehicles


@pytest.mark.parametrize(("text", "shown"), [
    ("-0", "0"), ("-0.0 M", "0.0 M"), ("USD -0 m", "USD 0 m"), ("US$ -0 k", "US$ 0 k"),
    ("-0,000.00", "0,000.00"), ("-0.04", "-0.04"), ("-10", "-10"), ("-1,000 M", "-1,000 M"),
    ("2023-0", "2023-0"), ("a-0", "a-0"), ("-0.0 M to -0.5 M", "0.0 M to -0.5 M")])
def test_unsigned_zero_drops_the_sign_of_zeros_only(text: str, shown: str) -> None:
    assert unsigned_zero(text) == shown


def test_a_tiny_negative_regret_or_cost_shows_as_zero() -> None:
    """Audit (session 19): a regret of -1e-7 USD showed as ``-0.0 M`` on the stochastic
    screen; the strategic decisions said ``US$ -0 k``."""
    assert _money(-1e-7) == "0.0 M" and _money(-49_999.0) == "0.0 M"
    assert _money(-50_001.0) == "-0.1 M" and _money(None) == "-"
    assert money(-1e-3) == "US$ 0 k" and money(-600.0) == "US$ -1 k"
    assert usd(-1e-6) == "USD 0" and vehicles(-1e-9) == "0"


def test_large_values_keep_their_thousands_separator() -> None:
    """Audit (session 20): ``1000.00 M`` and ``USD 17000.0 bn`` on the title, the report
    and compare, beside ``1,000.00`` in the summary table."""
    assert vehicles(1e9) == "1,000.00 M" and vehicles(-2.5e9) == "-2,500.00 M"
    assert usd(1.7e13) == "USD 17,000.0 bn" and usd(1e9 - 1) == "USD 1.00 bn"
    assert vehicles(950) == "950" and usd(5e6) == "USD 5 m"



def test_a_usd_row_below_a_million_is_in_usd_as_usd_writes_it() -> None:
    from evplan.units import row_scale, scaled

    small = row_scale([3_000.0, 0.0], "USD")
    assert small.label == "USD" and [scaled(v, small) for v in (3_000.0, 0.0)] == ["3,000", "0"]
    assert usd(3_000.0) == "USD 3,000"  # the same threshold as a single value
    assert row_scale([999_400.0], "USD").label == "USD"
    assert row_scale([999_600.0], "USD").label == "USD m"
    assert row_scale([2e9], "USD").label == "USD bn"
