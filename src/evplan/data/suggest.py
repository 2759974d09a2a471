"""Helpers that turn a wrong value into a concrete fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean", "quoted_list"]


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest candidate, or ``""`` when none is close.

    Examples
    --------
    >>> did_you_mean("MX-AGS", ["MX-AGU", "CN-HUA"])
    " Did you mean 'MX-AGU'?"
    """
    pool = [str(candidate) for candidate in candidates]
    matches = difflib.get_close_matches(str(value), pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {candidate.lower(): candidate for candidate in pool}
        if str(value).lower() in lowered:
            matches = [lowered[str(value).lower()]]
    return f" Did you mean '{matches[0]}'?" if matches else ""


def quoted_list(values: Iterable[object], limit: int = 8) -> str:
    """Return ``'a', 'b', 'c'`` with at most ``limit`` items and a count of the rest."""
    items = [f"'{value}'" for value in values]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
