"""The fast path of apply_patches accepts exactly the patches full validation accepts.

A patch that changes only numbers skips re-typing the inputs and runs the checks those
numbers can fail (scenarios/apply.py). Hypothesis draws patches that set or scale one
numeric value column on one row of any table of the default scenario (quota volumes, ZEV
credit prices, compliance and trade-term tables included); each verdict is compared with
the full validation's (the fast path switched off).
"""

from __future__ import annotations

import importlib

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evplan.data import NetworkData
from evplan.errors import InputError
from evplan.examples import china_export
from evplan.scenarios.apply import apply_patches
from evplan.scenarios.overrides import Patch
from evplan.schema import TABLES

DATA = china_export()
# The module (evplan.scenarios re-exports a function of the same name).
apply_module = importlib.import_module("evplan.scenarios.apply")
TARGETS = sorted(
    (name, column.name) for name, table in TABLES.items()
    if name in DATA.tables and len(DATA[name])
    for column in table.columns
    if column.dtype in ("float", "int") and column.name not in table.key
    and column.name not in ("first_year", "last_year"))


def verdict(patches: list[Patch]) -> str | NetworkData:
    """The patched inputs, or "refused"."""
    try:
        return apply_patches(DATA, patches).data
    except InputError:
        return "refused"


@settings(max_examples=40, deadline=None, derandomize=True)
@given(target=st.sampled_from(TARGETS), position=st.integers(0, 10_000),
       change=st.sampled_from([("set", -1.0), ("set", 0.0), ("set", 0.3), ("set", 1.0),
                               ("set", 5_000.0), ("set", 1e7), ("scale", 0.0),
                               ("scale", 0.5), ("scale", 3.0), ("scale", -1.0)]))
def test_fast_path_verdict_equals_full_validation(target, position, change) -> None:
    table, column = target
    rows = DATA[table]["row"]
    row = int(rows.iloc[position % len(rows)])
    kind, value = change
    patch = Patch(table, where={"row": (row,)}, **{kind: {column: value}})
    fast = verdict([patch])
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(apply_module, "_fast_checks", lambda *args: False)
        full = verdict([patch])
    assert isinstance(fast, str) == isinstance(full, str), (table, column, row, change)
    if not isinstance(fast, str) and not isinstance(full, str):  # the same inputs either way
        for name in fast.tables:
            pd.testing.assert_frame_equal(fast[name], full[name], check_dtype=False)


def test_a_zev_credit_resale_above_the_penalty_is_an_input_error() -> None:
    # It made the LP unbounded (exit 2) when the fast path skipped the compliance checks.
    with pytest.raises(InputError, match="credit_sale_price_usd"):
        apply_patches(DATA, [Patch("zev_mandates", set={"credit_sale_price_usd": 1e6})])


@pytest.mark.parametrize(("patches", "expected"), [
    # in-quota rate above the ad-valorem rate
    ([Patch("duties", where={"row": (27,)}, set={"in_quota_rate": 1.5})], "refused"),
    # tier 2 dearer than tier 1
    ([Patch("demand", where={"row": (3,)}, set={"price_usd_per_vehicle": 20_000.0})],
     "refused"),
    # a utilisation floor on a plant with no capacity
    ([Patch("plants", where={"plant": ("CN-HUA",)}, set={"capacity_vehicles_per_year": 0.0,
                                                          "min_utilisation": 0.5})], "refused"),
    # a blank where a value was, and a value where a blank was (the lane limit shapes rows)
    ([Patch("routes", where={"row": (2,)}, set={"capacity_vehicles_per_year": 1_000.0})],
     "accepted"),
    ([Patch("duties", where={"row": (27,)}, set={"in_quota_rate": None})], "refused"),
    ([Patch("demand", where={"row": (2,)}, scale={"price_usd_per_vehicle": 1.1})],
     "accepted"),
])
def test_cross_column_rules_give_the_full_validations_verdict(patches, expected) -> None:
    fast = verdict(patches)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(apply_module, "_fast_checks", lambda *args: False)
        full = verdict(patches)
    assert ("refused" if isinstance(fast, str) else "accepted") == expected
    assert ("refused" if isinstance(full, str) else "accepted") == expected
