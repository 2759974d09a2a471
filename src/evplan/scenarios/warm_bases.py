r"""Start each warm case of a study from the basis of its nearest solved case.

A warm model re-solves one linear programme with a new objective :math:`c` and new row
bounds :math:`(l, u)`. HiGHS starts from the basis it holds: the previous case's. In a grid
the previous case is the nearest one except where the grid wraps: in ``eu-bev-cvd x
freight`` with freight varying fastest, case (CVD 0.1, freight 0.5) follows (CVD 0,
freight 2.0), which differs in both parameters, while (CVD 0, freight 0.5), four cases back,
differs in the CVD only. Measured on the default scenario (7,691 columns, 7,207 rows) over
that sweep's 24 cases: 30,241 simplex iterations from the previous case, 2,412 from the
nearest.

"Nearest" is judged by the cases' parameters, not by their numbers. Counting changed costs
and bounds, or their relative change, was tried and is a poor guide to the work left:
scaling demand by 2 % changes all 6,018 demand bounds and takes about 70 iterations, while
doubling freight changes 1,599 costs and takes about 900; on a 480-case grid with demand
varying fastest, those measures jumped to the freight neighbour and took 11 times the
iterations of the previous case's basis.

:class:`BasisBank` keeps the optimal basis of the last ``size`` solved cases with their
parameters and a digest of their row bounds :math:`(l, u)`. For a new case it picks the kept
case that differs in the fewest parameters; among those, the one whose differing parameters'
single steps took the fewest simplex iterations so far (learned as the study runs: in the
grid above a CVD step takes a few, a freight step about 900); then the nearest in the
parameters scaled by their spread (so a Monte Carlo sample, which differs from every kept
sample in every parameter, starts from its nearest one); the basis HiGHS holds when it is as
near as any (no switch), else the latest. A case without parameters starts from the basis
HiGHS holds. Measured on the default scenario: a 480-case grid with demand varying fastest
took 23,389 iterations instead of 35,323, and 100 Monte Carlo samples 73,443 instead of
146,351 (2.8 s of CPU instead of 3.5 s).

The simplex follows the textbook rule: when the start's row bounds are the case's (only
costs changed), its basis is still primal feasible and HiGHS runs the primal simplex; when
bounds changed, HiGHS runs its default dual simplex (a basis stays dual feasible when only
bounds change). Measured on the sweep above with the nearest start, per case
(median of 24): 5.6 ms of HiGHS with the dual simplex always, 4.2 ms with the rule.

A basis is only a start: the choice changes how fast HiGHS gets to an optimum, never
whether the plan is optimal, and every warm plan is still certified against its own input
tables. On an LP with several optima, which optimal plan a case reports can depend on the
start, as it already depended on the order of the cases.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import highspy

__all__ = ["BasisBank"]

DUAL_SIMPLEX = 1  # HiGHS's simplex_strategy values; 1 is its default
PRIMAL_SIMPLEX = 4


class BasisBank:
    """The optimal bases of recently solved cases of one warm model.

    Parameters
    ----------
    size : int
        How many solved cases to keep (a ring: the oldest goes first); 0 keeps none, so
        every case starts from the basis HiGHS holds (the previous case's).

    Examples
    --------
    Cases of a grid over ``cvd`` and ``freight``, freight varying fastest:

    >>> bank = BasisBank(size=4)
    >>> bounds = np.array([0.0, 100.0])  # the row bounds: the same in both cases
    >>> bank.keep("basis-1", bounds, {"cvd": 0.0, "freight": 0.5})
    >>> bank.keep("basis-2", bounds, {"cvd": 0.0, "freight": 2.0})  # HiGHS holds it
    >>> bank.nearest({"cvd": 0.1, "freight": 0.5})  # one parameter away from basis-1
    0
    >>> bank.nearest({"cvd": 0.0, "freight": 2.5}) is None  # the held basis is nearest
    True
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._bases: list[highspy.HighsBasis] = []
        self._bounds: list[bytes] = []  # a digest of each kept case's row bounds
        self._keys: list[Mapping[str, float] | None] = []
        self._age: list[int] = []  # when each slot was filled
        self._next = 0
        self._clock = 0
        self.current: int | None = None  # the slot whose basis HiGHS holds, if known
        self._started: Mapping[str, float] | None = None  # parameters of the last start
        self._pending: tuple[np.ndarray, bytes] | None = None  # the started case's bounds
        self._work: dict[str, float] = {}  # mean iterations of a step in one parameter
        self._steps: dict[str, int] = {}
        self.switches = 0  # how many cases started from a basis other than HiGHS's own

    def nearest(self, key: Mapping[str, float] | None) -> int | None:
        """The slot to start the case with parameters ``key`` from, or None to start from
        the basis HiGHS holds (nothing kept, no parameters, or the held basis is as near as
        any)."""
        if not key:
            return None
        spread = self._spread(key)
        ranked = []
        for slot, kept in enumerate(self._keys):
            if kept is None or kept.keys() != key.keys():
                continue
            differ = [name for name in key if not _same(kept[name], key[name])]
            work = sum(self._work.get(name, 0.0) for name in differ)
            ranked.append(((len(differ), work, _distance(key, kept, spread)), slot))
        if not ranked:
            return None
        best = min(rank for rank, _ in ranked)
        if any(slot == self.current and rank == best for rank, slot in ranked):
            return None
        return max((slot for rank, slot in ranked if rank == best),
                   key=lambda slot: self._age[slot])

    def start(self, highs: highspy.Highs, bounds: np.ndarray,
              key: Mapping[str, float] | None = None) -> None:
        """Give HiGHS the basis of the case's nearest kept case (when it is not the one it
        holds) and pick the simplex: primal when the start's row ``bounds`` are the case's
        (only costs changed), else dual."""
        slot = self.nearest(key)
        if slot is not None:
            highs.setBasis(self._bases[slot])
            self.current = slot
            self.switches += 1
        self._started = None if self.current is None else self._keys[self.current]
        digest = _digest(bounds)
        self._pending = (bounds, digest)
        costs_only = self.current is not None and self._bounds[self.current] == digest
        highs.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX if costs_only else DUAL_SIMPLEX)

    def keep(self, basis: highspy.HighsBasis, bounds: np.ndarray,
             key: Mapping[str, float] | None = None, iterations: int = 0) -> None:
        """Keep the optimal ``basis`` of the case with row ``bounds`` and parameters
        ``key``, solved in ``iterations`` simplex iterations from :meth:`start`'s basis;
        HiGHS now holds it."""
        if self.size == 0:  # keeping nothing: every case starts from HiGHS's own basis
            return
        started, self._started = self._started, None
        if key and started is not None and started.keys() == key.keys():
            differ = [name for name in key if not _same(started[name], key[name])]
            if len(differ) == 1:  # a step in one parameter: learn what it costs
                name = differ[0]
                count = self._steps.get(name, 0) + 1
                self._steps[name] = count
                self._work[name] = self._work.get(name, 0.0) + (
                    iterations - self._work.get(name, 0.0)) / count
        slot = self._next
        pending, self._pending = self._pending, None
        digest = pending[1] if pending is not None and pending[0] is bounds else _digest(bounds)
        if slot == len(self._bases):  # the ring is still filling
            self._bases.append(basis)
            self._bounds.append(digest)
            self._keys.append(None)
            self._age.append(0)
        self._bases[slot], self._bounds[slot] = basis, digest
        self._keys[slot], self._age[slot] = (dict(key) if key else None), self._clock
        self._clock += 1
        self._next = (slot + 1) % self.size
        self.current = slot

    def forget_current(self) -> None:
        """HiGHS no longer holds a kept basis (a failed or cleared solve)."""
        self.current = None

    def _spread(self, key: Mapping[str, float]) -> dict[str, float]:
        """Each parameter's range over the kept cases and ``key`` (1 where it is 0)."""
        spread = {}
        for name, value in key.items():
            values = [kept[name] for kept in self._keys
                      if kept is not None and kept.keys() == key.keys()] + [value]
            numbers = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
            width = (max(numbers) - min(numbers)) if numbers else 0.0
            spread[name] = width if width > 0 else 1.0
        return spread


def _same(left: object, right: object) -> bool:
    """Equal parameter values (two NaNs are the same value)."""
    return bool(left == right) or (isinstance(left, float) and isinstance(right, float)
                                   and math.isnan(left) and math.isnan(right))


def _distance(key: Mapping[str, float], kept: Mapping[str, float],
              spread: Mapping[str, float]) -> float:
    """Euclidean distance between two cases' parameters, each scaled by its ``spread``
    (a value that is not a finite number counts as one spread away)."""
    squares = 0.0
    for name, value in key.items():
        other = kept[name]
        if _same(value, other):
            continue
        try:
            step = (float(value) - float(other)) / spread[name]
        except (TypeError, ValueError):
            step = 1.0
        squares += step * step if math.isfinite(step) else 1.0
    return math.sqrt(squares)


def _digest(bounds: np.ndarray) -> bytes:
    """A short digest of a case's row bounds (equal bounds, equal digests)."""
    return hashlib.blake2b(np.ascontiguousarray(bounds, dtype=float).tobytes(),
                           digest_size=16).digest()
