"""Helpers that turn a wrong value into a concrete fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from evplan.data.lookalike import difference, folded, shown

__all__ = ["did_you_mean", "quoted_list"]


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest candidate, or ``""`` when none is close.

    A candidate that differs only in case or in look-alike letters (``ВEV`` with a Cyrillic
    ``В``; :func:`evplan.data.lookalike.folded`) is the answer, with what differs.

    Examples
    --------
    >>> did_you_mean("MX-AGS", ["MX-AGU", "CN-HUA"])
    " Did you mean 'MX-AGU'?"
    >>> did_you_mean("\u0412EV", ["BEV", "HEV", "ICE"]).split(" (")[0]
    " Did you mean 'BEV'? '\u0412EV' has a letter from another alphabet that looks like a Latin one"
    """
    pool = [str(candidate) for candidate in candidates]
    same = [candidate for candidate in pool if folded(candidate) == folded(str(value))]
    if len(same) == 1 and same[0] != str(value):
        # Say what differs, of whichever of the two holds the odd characters (an id typed
        # plainly here may be answered by one with an invisible character in its own table).
        odd = next((text for text in (str(value), same[0])
                    if any(not char.isascii() for char in text)), None)
        return f" Did you mean '{shown(same[0])}'?" + (f" {difference(odd)}." if odd else "")
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
