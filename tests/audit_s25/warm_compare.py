"""Helpers for the session-25 warm-versus-cold audit (helper-94).

Every comparison here is against :func:`evplan.optimize` (a cold build and solve of the
patched inputs), never against the warm path's own code: the warm re-solve of
``scenarios/warm*.py`` must give what a cold run of the same inputs gives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import evplan
from evplan.data import NetworkData
from evplan.errors import EvplanError
from evplan.results.result import Result
from evplan.scenarios import Patch, WarmModel, apply_patches

OBJECTIVE_REL = 1e-7
VALUE_REL = 1e-6
VALUE_ABS = 1e-3  # vehicles and USD: a thousandth of either


@dataclass
class Outcome:
    """A solve's answer, or the error it raised (type and message)."""

    result: Result | None = None
    error: str | None = None
    kind: str | None = None


def attempt(solve: Callable[[], Result]) -> Outcome:
    """Run ``solve``; keep its result or its evplan error."""
    try:
        return Outcome(result=solve())
    except EvplanError as error:
        return Outcome(error=str(error), kind=type(error).__name__)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a fixed order: sorted by every non-float column, then every float one."""
    frame = frame.reset_index(drop=True)
    keys = [c for c in frame.columns if not pd.api.types.is_float_dtype(frame[c])]
    if not keys:
        return frame
    floats = [c for c in frame.columns if c not in keys]
    ordered = frame.copy()
    for column in keys:  # mixed object columns sort as text
        ordered[column] = ordered[column].astype(str)
    order = ordered.sort_values(keys + floats, kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def frame_differences(name: str, warm: pd.DataFrame, cold: pd.DataFrame,
                      limit: int = 3, ignore: frozenset[str] = frozenset()) -> list[str]:
    """Readable differences between two result tables (empty when equal to tolerance);
    columns in ``ignore`` are not compared (their rows still are)."""
    if list(warm.columns) != list(cold.columns):
        return [f"{name}: columns {list(warm.columns)} (warm) vs {list(cold.columns)} (cold)"]
    if len(warm) != len(cold):
        return [f"{name}: {len(warm)} rows (warm) vs {len(cold)} rows (cold)"]
    left, right = _canonical(warm), _canonical(cold)
    found: list[str] = []
    for column in left.columns:
        if column in ignore:
            continue
        a, b = left[column], right[column]
        if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
            x = pd.to_numeric(a, errors="coerce").to_numpy(float)
            y = pd.to_numeric(b, errors="coerce").to_numpy(float)
            same = (np.isnan(x) & np.isnan(y)) | np.isclose(x, y, rtol=VALUE_REL, atol=VALUE_ABS)
            same |= (x == y)  # infinities
        else:
            same = (a.astype(str).to_numpy() == b.astype(str).to_numpy())
        for position in np.flatnonzero(~same)[:limit]:
            key = {c: left[c].iloc[position] for c in left.columns
                   if not pd.api.types.is_float_dtype(left[c])}
            found.append(f"{name} row {key}: "
                         f"{column} warm {a.iloc[position]!r} cold {b.iloc[position]!r}")
    return found


# Columns whose value is not unique at an optimum (docs: "the zero-volume tier's shadow
# price" is a known gap; a dual of a degenerate LP is one of several), compared only by
# the differences report, not by the audit's assertions.
# The compliance tables' credit and g/km prices and the BEV value read from them are duals
# too (a market-year selling nothing leaves them degenerate), and so is the KPI
# ``bev_compliance_value`` made from them (DUAL_KPIS).
DUALS = frozenset({"shadow_price_usd_per_vehicle", "capacity_shadow_price_usd_per_vehicle",
                   "shadow_price_usd_per_credit", "borrow_shadow_price_usd_per_credit",
                   "shadow_price_usd_per_g_km_vehicle", "bev_value_usd_per_vehicle"})
DUAL_KPIS = frozenset({"bev_compliance_value"})


def result_differences(warm: Outcome, cold: Outcome, ignore: frozenset[str] = frozenset(),
                       cells: bool = True) -> list[str]:
    """Every difference between a warm and a cold answer: status, error, objective, tables,
    KPIs and the certificate's verdict (columns in ``ignore`` left out). ``cells=False``:
    result tables compared by columns and row count only (for inputs with exact ties, where
    another optimal plan is allowed); the KPIs are still compared cell by cell."""
    if cold.result is None or warm.result is None:
        if warm.kind != cold.kind or warm.error != cold.error:
            return [f"error: warm {warm.kind}: {warm.error!r}; cold {cold.kind}: {cold.error!r}"]
        return []
    hot, ref = warm.result, cold.result
    found: list[str] = []
    if hot.status != ref.status:
        found.append(f"status warm {hot.status} cold {ref.status}")
    if not np.isclose(hot.objective_usd, ref.objective_usd, rtol=OBJECTIVE_REL, atol=1e-6):
        found.append(f"objective warm {hot.objective_usd!r} cold {ref.objective_usd!r}")
    if set(hot.tables) != set(ref.tables):
        found.append(f"tables warm {sorted(hot.tables)} cold {sorted(ref.tables)}")
    for name in sorted(set(hot.tables) & set(ref.tables)):
        left, right = hot.tables[name], ref.tables[name]
        if not cells:
            left, right = left.head(0).assign(rows=len(left)), right.head(0).assign(rows=len(right))
            if len(hot.tables[name]) != len(ref.tables[name]):
                found.append(f"{name}: {len(hot.tables[name])} rows (warm) vs "
                             f"{len(ref.tables[name])} rows (cold)")
        found += frame_differences(name, left, right, ignore=ignore)
    if DUALS <= ignore:
        found += frame_differences("kpis", hot.kpis[~hot.kpis["kpi"].isin(DUAL_KPIS)],
                                   ref.kpis[~ref.kpis["kpi"].isin(DUAL_KPIS)])
    else:
        found += frame_differences("kpis", hot.kpis, ref.kpis)
    for key in ("compliance_check",):
        if hot.metadata.get(key) != ref.metadata.get(key):
            found.append(f"metadata {key} warm {hot.metadata.get(key)!r} "
                         f"cold {ref.metadata.get(key)!r}")
    if ("certificate" in hot.metadata) != ("certificate" in ref.metadata):
        found.append("certificate present in one only")
    return found


@dataclass
class Audit:
    """Warm (one WarmModel, cases in sequence) against cold, case by case."""

    base: NetworkData
    warm: WarmModel = field(init=False)
    modes: list[str] = field(default_factory=list)
    compared: int = 0
    tables_compared: int = 0

    def __post_init__(self) -> None:
        self.warm = WarmModel(self.base)

    def check(self, patches: Sequence[Patch], label: str = "",
              ignore: frozenset[str] = frozenset(), cells: bool = True) -> list[str]:
        """Differences for one case (patches the inputs refuse raise their InputError)."""
        data = apply_patches(self.base, list(patches), label or "audit").data
        return self.check_data(data, label, ignore, cells)

    def check_data(self, data: NetworkData, label: str = "",
                   ignore: frozenset[str] = frozenset(), cells: bool = True) -> list[str]:
        """Differences between the warm model's answer for ``data`` and a cold one."""
        warm = attempt(lambda: self.warm.solve(data))
        cold = attempt(lambda: evplan.optimize(data))
        if warm.result is not None:
            self.modes.append(str(warm.result.metadata.get("solve_mode")))
            self.tables_compared += len(warm.result.tables) + 1
        else:
            self.modes.append(f"error {warm.kind}")
        self.compared += 1
        found = result_differences(warm, cold, ignore, cells)
        return [f"[{label}] {line}" for line in found]


def describe(patches: Sequence[Patch]) -> str:
    """One line per case for a repro: table, where, set, scale, from_year."""
    parts = []
    for patch in patches:
        text = f"{patch.table}"
        if patch.where:
            text += f" where {dict(patch.where)}"
        if patch.set:
            text += f" set {dict(patch.set)}"
        if patch.scale:
            text += f" scale {dict(patch.scale)}"
        if patch.from_year is not None:
            text += f" from {patch.from_year}"
        parts.append(text)
    return "; ".join(parts)


def pick(rng: np.random.Generator, values: Sequence[Any]) -> Any:
    """One of ``values`` (plain Python type)."""
    value = values[int(rng.integers(len(values)))]
    return value.item() if hasattr(value, "item") else value


def untied(data: NetworkData, step: float = 1e-4) -> NetworkData:
    """``data`` with every plant's variable costs scaled by its own factor 1 + k * step.

    The default inputs hold twin plants at equal cost (docs/scenarios.md: "twin plants at
    equal cost may swap volume, a tie"), so their LP has several optimal plans and a warm
    start may land on another one than a cold build. With distinct costs the optimum is
    (almost always) unique, and any table that differs between warm and cold is a bug.
    """
    plants = list(dict.fromkeys(data.tables["plant_programs"]["plant"]))
    patches = [Patch("plant_programs", where={"plant": (plant,)},
                     scale={"variable_cost_usd_per_vehicle": 1.0 + (number + 1) * step})
               for number, plant in enumerate(plants)]
    return apply_patches(data, patches, "untied").data
