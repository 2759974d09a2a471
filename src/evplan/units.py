"""One way to print numbers on every surface: terminal tables, report cards, summaries.

The words are in ``docs/glossary.md``. Vehicles are ``k``/``M`` (``45.6 k``, ``3.37 M``),
money is ``USD`` with ``m``/``bn`` (``USD 14.3 bn``), fractions are percent with a space
(``23.5 %``). A value that rounds to zero is printed without a sign (never ``-0``).

Examples
--------
>>> vehicles(3_370_000), usd(14.27e9), pct(0.2352, 1), pct(-1e-9)
('3.37 M', 'USD 14.3 bn', '23.5 %', '0 %')
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Scale", "format_kpi", "pct", "row_scale", "scaled", "unsigned_zero", "usd",
           "vehicles"]


def unsigned_zero(text: str) -> str:
    """A number shown as zero loses its minus sign (a tiny negative rounded away).

    Examples
    --------
    >>> unsigned_zero(f"{-0.04:,.1f} M"), unsigned_zero(f"US$ {-400 / 1e3:,.0f} k")
    ('0.0 M', 'US$ 0 k')
    >>> unsigned_zero("-0.5 M to -10"), unsigned_zero("2023-01")
    ('-0.5 M to -10', '2023-01')
    """
    return _SIGNED_ZERO.sub(lambda found: found.group(1), text)


_SIGNED_ZERO = re.compile(r"(?<![\w.])[-−]([0,]*(?:\.0*)?)(?![\d.])")



def vehicles(value: float) -> str:
    """``1234567`` -> ``1.23 M``; ``45600`` -> ``45.6 k``; ``950`` -> ``950``."""
    if not math.isfinite(value):
        return "-"
    size = abs(value)
    if size >= 999_500:
        return unsigned_zero(f"{value / 1e6:,.2f} M")
    if size >= 999.5:
        return unsigned_zero(f"{value / 1e3:,.1f} k")
    return unsigned_zero(f"{value:,.0f}")


def usd(value: float) -> str:
    """``1.234e9`` -> ``USD 1.23 bn``; ``1.4e10`` -> ``USD 14.0 bn``; ``5e6`` -> ``USD 5 m``."""
    if not math.isfinite(value):
        return "-"
    size = abs(value)
    if size >= 9.995e9:
        return unsigned_zero(f"USD {value / 1e9:,.1f} bn")
    if size >= 0.9995e9:
        return unsigned_zero(f"USD {value / 1e9:.2f} bn")
    if size >= 0.9995e6:
        return unsigned_zero(f"USD {value / 1e6:,.0f} m")
    return unsigned_zero(f"USD {value:,.0f}")


def pct(value: float, digits: int = 0) -> str:
    """``0.4912`` -> ``49 %``; a fraction, printed as percent with a space."""
    if not math.isfinite(value):
        return "-"
    return unsigned_zero(f"{value * 100:.{digits}f} %")


@dataclass(frozen=True)
class Scale:
    """A unit and scale shared by a row of numbers: ``divisor`` and the ``label`` to name it.

    ``label`` goes into the row's name (``Global sales (M vehicles)``), so the cells are
    bare numbers that fit a narrow terminal.
    """

    divisor: float
    label: str
    digits: int


def row_scale(values: Iterable[float], unit: str) -> Scale:
    """The scale for a row of values of a KPI ``unit`` (``vehicles``, ``USD``, ``fraction``).

    The same thresholds as :func:`vehicles` and :func:`usd` on the row's largest value.
    """
    finite = [abs(value) for value in values if math.isfinite(value)]
    size = max(finite, default=0.0)
    if unit == "fraction":
        return Scale(0.01, "%", 1)
    if unit == "USD":
        if size >= 0.9995e9:
            return Scale(1e9, "USD bn", 1 if size >= 9.995e9 else 2)
        if size >= 0.9995e6:
            return Scale(1e6, "USD m", 0)
        return Scale(1.0, "USD", 0)  # USD 3,000 is not "0" USD m
    if unit == "t CO2":
        if size >= 999_500:
            return Scale(1e6, "Mt CO2", 2)
        if size >= 999.5:
            return Scale(1e3, "kt CO2", 1)
        return Scale(1.0, "t CO2", 0)
    if unit == "vehicles":
        if size >= 999_500:
            return Scale(1e6, "M vehicles", 2)
        if size >= 999.5:
            return Scale(1e3, "k vehicles", 1)
        return Scale(1.0, "vehicles", 0)
    return Scale(1.0, unit, 1)


def scaled(value: float, scale: Scale) -> str:
    """One bare cell of a row in its :class:`Scale` (``3.37``, ``23.5``)."""
    if not math.isfinite(value):
        return "-"
    return unsigned_zero(f"{value / scale.divisor:,.{scale.digits}f}")


def format_kpi(value: float, unit: str, digits: int = 1) -> str:
    """A KPI value with its unit, by the KPI table's ``unit`` column (``-`` for no value)."""
    if not math.isfinite(value):
        return "-"
    if unit == "fraction":
        return pct(value, digits)
    if unit == "USD":
        return usd(value)
    if unit == "vehicles":
        return vehicles(value)
    if unit == "t CO2":
        scale = row_scale([value], unit)
        return f"{scaled(value, scale)} {scale.label}"
    return unsigned_zero(f"{value:,.{digits}f} {unit}".rstrip())
