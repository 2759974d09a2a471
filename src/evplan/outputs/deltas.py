"""How a signed difference between two runs is written, on every surface that shows one.

``evplan compare`` (:mod:`evplan.scenarios.compare_screen`) and the comparison page
(:mod:`evplan.report.compare`) both show a run's KPI against the first run's. They wrote
it with two formatters that disagreed on a difference that rounds to zero (``0.0 pt`` on
the screen, ``+0.0 pt`` on the page); this is the one both use, and a zero has no sign, as
every other number evplan shows (:func:`evplan.units.unsigned_zero`). It lives here because both
already import :mod:`evplan.outputs` (the screen would otherwise load the report's plotly
and jinja2, the page the scenario engine), and it needs only :mod:`evplan.units`.
"""

from __future__ import annotations

import math
import re

from evplan.units import format_kpi

__all__ = ["MINUS", "signed_difference"]

MINUS = "\u2212"
"""The minus sign of a difference (``−``): never the ``-`` that stands for no value."""

#: The report's row kinds, as the KPI table's ``unit`` column names them.
_UNITS = {"share": "fraction", "usd": "USD"}
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d*)?")


def signed_difference(value: float, unit: str) -> str:
    """``value`` (a run's KPI less the first run's) as a signed difference.

    A fraction is written in percentage points (``−0.3 pt``), other units as the KPI table
    writes them (:func:`evplan.units.format_kpi`). The sign is ``+`` or the minus sign
    ``−``; a difference that shows as zero at the row's precision has no sign (``0.0 pt``,
    ``USD 0``: never ``−USD 0`` for floating-point noise); no value (NaN) is ``-``.

    Parameters
    ----------
    value : float
        The difference, in the KPI's unit.
    unit : str
        The KPI table's unit (``fraction``, ``USD``, ``vehicles``, ``t CO2``, ...), or the
        report's row kind (``share``, ``usd``, ``vehicles``).

    Examples
    --------
    >>> signed_difference(-0.0027, "fraction"), signed_difference(-4.37e8, "USD")
    ('−0.3 pt', '−USD 437 m')
    >>> signed_difference(2.4e7, "usd"), signed_difference(-11_700.0, "vehicles")
    ('+USD 24 m', '−11.7 k')
    >>> signed_difference(-1e-6, "share"), signed_difference(-1.9e-6, "USD")
    ('0.0 pt', 'USD 0')
    >>> signed_difference(-0.01, "USD/vehicle"), signed_difference(-51_100.0, "t CO2")
    ('0.0 USD/vehicle', '−51.1 kt CO2')
    >>> signed_difference(-0.004, "t CO2"), signed_difference(0.2, "vehicles")
    ('0 t CO2', '0')
    >>> signed_difference(math.nan, "USD")
    '-'
    """
    if not math.isfinite(value):
        return "-"
    unit = _UNITS.get(unit, unit)
    shown = (f"{abs(value) * 100:.1f} pt" if unit == "fraction"
             else format_kpi(abs(value), unit))
    number = _NUMBER.search(shown)  # the first number: "USD 437 m" -> 437 ("t CO2" has a 2)
    if number is None or float(number.group().replace(",", "")) == 0:
        return shown
    return (MINUS if value < 0 else "+") + shown
