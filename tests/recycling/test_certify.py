"""The tables reported beside a plan's decisions are re-derived before it is returned.

``evplan.verify.recycling.check_recycling`` certifies flows, storage, plants, targets and
the objective; ``recovered``, ``recovered_by_year``, ``plant_years`` (throughput, money,
utilisation), ``material_flows``, ``marginal_costs`` (supply), ``recycled_content`` and
``summary`` were not checked by anything. A plan with any of them altered must not pass.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from tests.recycling.conftest import EXACT, retired, tiny_tables

from evplan.errors import VerificationError
from evplan.recycling import RecyclingOptions, load_inputs, plan_recycling
from evplan.recycling.certify import check_derived_tables
from evplan.recycling.tables import RecyclingInputs


@pytest.fixture(scope="module")
def planned():
    targets = [("recycling_efficiency", "*", 2025, 0.5), ("recycled_content", "nickel", 2030,
                                                          0.5)]
    base = load_inputs(retired(1500.0), **tiny_tables(eu=True, targets=targets))
    new = pd.DataFrame({"year": [2030], "chemistry": ["X"], "kwh": [100_000.0]})
    inputs = RecyclingInputs(retired=base.retired, tables=base.tables, new_batteries=new)
    options = RecyclingOptions(discount_rate=0.0, max_storage_years=0, explain_targets=False,
                               build_every_years=1, solver=EXACT)
    return plan_recycling(inputs, options), inputs


def _altered(result, table: str, column: str, row: int, value) -> object:
    frame = result[table].copy()
    frame.loc[frame.index[row], column] = value
    return replace(result, tables={**result.tables, table: frame})


def test_a_returned_plan_passes(planned):
    result, inputs = planned
    check_derived_tables(result, inputs)  # plan_recycling ran it too
    # 1,500 t at 50 % nickel, 90 % recovered: 675 t against 50 % of 500 t required
    assert result["recycled_content"]["recycled_supply_tonnes"].iloc[0] == pytest.approx(675.0)


@pytest.mark.parametrize(("table", "column", "row", "said"), [
    ("recovered", "lost_tonnes", -1, "recovered (B, hydro, 2030, "),
    ("recovered", "revenue_usd", -1, "revenue_usd reported"),
    ("recovered_by_year", "recovered_tonnes", 0, "recovered_by_year (2030, aluminium)"),
    ("plant_years", "throughput_tonnes", 0, "plant_years (A, 2030): throughput_tonnes"),
    ("plant_years", "utilisation", 1, "plant_years (B, 2030): utilisation"),
    ("material_flows", "tonnes", 0, "material_flows (P, 2030, X, aluminium): tonnes"),
    ("marginal_costs", "supply_tonnes", 0, "marginal_costs (P, X, 2030): supply_tonnes"),
    ("recycled_content", "demand_tonnes", 0, "recycled_content (2030, nickel): demand"),
    ("summary", "processed_tonnes", 0, "summary processed_tonnes"),
    ("summary", "plants_opened", 0, "summary plants_opened"),
])
def test_an_altered_table_is_caught(planned, table, column, row, said):
    result, inputs = planned
    value = float(result[table][column].iloc[row]) * 1.01 + 0.5
    if table == "summary" and column == "plants_opened":
        value = int(result[table][column].iloc[row]) + 1
    with pytest.raises(VerificationError) as caught:
        check_derived_tables(_altered(result, table, column, row, value), inputs)
    assert said in str(caught.value)
