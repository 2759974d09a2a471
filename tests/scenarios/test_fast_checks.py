"""The fast path of apply_patches accepts exactly the patches full validation accepts.

A patch that changes only numbers skips re-typing the inputs and runs the checks those
numbers can fail (scenarios/apply.py). Hypothesis draws patches that set or scale one
numeric value column on one row of any table of the default scenario (quota volumes, ZEV
credit prices, compliance and trade-term tables included); each verdict is compared with
the full validation's (the fast path switched off).
"""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def verdict(patches: list[Patch]) -> str:
    try:
        apply_patches(DATA, patches)
    except InputError:
        return "refused"
    return "accepted"


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
    assert fast == full, (table, column, row, change)


def test_a_zev_credit_resale_above_the_penalty_is_an_input_error() -> None:
    # It made the LP unbounded (exit 2) when the fast path skipped the compliance checks.
    with pytest.raises(InputError, match="credit_sale_price_usd"):
        apply_patches(DATA, [Patch("zev_mandates", set={"credit_sale_price_usd": 1e6})])
