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


@pytest.mark.parametrize(("table", "column", "row", "value", "said"), [
    # the plants table: tier figures and site attributes (nothing compared them)
    ("plants", "capacity_tonnes_per_year", 0, 1501.0, "plants (A): capacity_tonnes_per_year"),
    ("plants", "capital_usd", 1, 150_001.0, "plants (B): capital_usd"),
    ("plants", "annual_cost_usd", 0, 150_001.0, "plants (A): annual_cost_usd"),
    ("plants", "eu", 0, False, "plants (A): eu"),
    ("plants", "lon", 1, 4.0, "plants (B): lon"),
    ("plants", "region", 0, "RZ", "plants (A): region"),
    # economics' net value, compliance's tonnes and target, the summary's years and per tonne
    ("economics", "net_value_usd", 0, 18_450_001.0, "economics net_value_usd in 2030"),
    ("economics", "net_value_usd_per_tonne", 0, 12_301.0, "economics net_value_usd_per_tonne"),
    ("compliance", "input_tonnes", 0, 2251.0,
     "compliance (EU, 2030, recycling_efficiency, *): input"),
    ("compliance", "recovered_tonnes", 2, 406.0, "recovered_tonnes reported 406"),
    ("compliance", "share_required", 1, 0.75, "share_required reported 0.75"),
    ("summary", "last_year", 0, 2031, "summary years 2030-2031"),
    ("summary", "net_value_usd_per_tonne", 0, 12_301.0, "summary net_value_usd_per_tonne"),
    ("collection_points", "lat", 0, 1.0, "collection_points (P): lat"),
    ("collection_points", "collection_point", 0, "Q", "collection_points lists ['Q']"),
    # a zero row renamed to a plant or material that has nothing behind it
    ("recovered", "plant", 0, "AZ", "recovered has a row for (AZ, hydro, 2030)"),
    ("recovered_by_year", "material", 0, "aluminiumZ", "has a row for (aluminiumZ)"),
    ("material_flows", "year", 0, 2031, "material_flows has a row for (P, 2031, X)"),
])
def test_every_reported_column_is_certified(planned, table, column, row, value, said):
    """Each of these alterations passed both certificates before (audit fcr-2): they are
    the values a user reads beside the decisions."""
    result, inputs = planned
    assert float(result[table][column].iloc[row]) != value if not isinstance(value, str) \
        else result[table][column].iloc[row] != value
    with pytest.raises(VerificationError) as caught:
        check_derived_tables(_altered(result, table, column, row, value), inputs)
    assert said in str(caught.value)


def test_marginal_costs_and_shadow_prices_are_certified_where_the_lp_fixes_them():
    """The duals were reported and checked by nothing (audit s18: an altered marginal cost
    passed). A flow with tonnes at a plant with spare capacity is basic in the fixed LP, so
    its cost per tonne = marginal cost + shadow price x its target coefficient; stored
    packs tie a year's marginal cost to the next one's.

    Hand case: 400 t in 2030 and 100 t in 2031 at P, plant A only (one tier of 1,000 t,
    rate 0), hydro value 4,500 + 0.09 x 50,000 = 9,000 per tonne, cost 100 + 500: marginal
    cost -8,400 in both years; with an EU efficiency target of 50 % at A (hydro reaches
    0.5 x 0.9 + 0.1 x 0.9 = 54 %) the row is slack and its shadow price 0.
    """
    targets = [("recycling_efficiency", "*", 2030, 0.5)]
    tables = tiny_tables(eu=True, targets=targets)
    tables["lanes"] = tables["lanes"].iloc[:1]
    tables["candidate_plants"] = tables["candidate_plants"].iloc[:1]
    packs = pd.concat([retired(400.0, 2030), retired(100.0, 2031)], ignore_index=True)
    options = RecyclingOptions(discount_rate=0.0, max_storage_years=0, explain_targets=False,
                               build_every_years=1, solver=EXACT)
    inputs = load_inputs(packs, **tables)
    result = plan_recycling(inputs, options)
    marginal = result["marginal_costs"]["marginal_cost_usd_per_tonne"]
    assert marginal.tolist() == pytest.approx([-8400.0, -8400.0])
    for row in (0, 1):
        with pytest.raises(VerificationError) as caught:
            check_derived_tables(_altered(result, "marginal_costs",
                                          "marginal_cost_usd_per_tonne", row, -8300.0), inputs)
        assert "marginal_cost_usd_per_tonne -8,300 plus the target shadow prices" in str(
            caught.value)
    compliance = result["compliance"]
    at_a = compliance.index[compliance["scope"] == "A"][0]
    with pytest.raises(VerificationError) as caught:
        check_derived_tables(_altered(result, "compliance", "shadow_price_usd_per_tonne",
                                      compliance.index.get_loc(at_a), 1000.0), inputs)
    assert "should equal -8,400, the cost per tonne of its flow to 'A'" in str(caught.value)


def _stored():
    tables = tiny_tables()
    tables["lanes"] = tables["lanes"].iloc[:1]
    tables["candidate_plants"] = tables["candidate_plants"].iloc[:1]
    packs = pd.concat([retired(1500.0, 2030), retired(1.0, 2031)], ignore_index=True)
    options = RecyclingOptions(discount_rate=0.0, max_storage_years=1, explain_targets=False,
                               build_every_years=1, storage_usd_per_tonne_year=10.0,
                               solver=EXACT)
    inputs = load_inputs(packs, **tables)
    return plan_recycling(inputs, options), inputs


def test_stored_packs_tie_the_marginal_costs_of_two_years():
    """2030 has 1,500 t at P and A holds 1,000 t a year: 500 t wait a year at 10 USD/t, so
    the marginal tonne of 2030 costs what one of 2031 costs plus the storage (rate 0).
    A runs full in 2030, so no flow of 2030 pins its marginal cost: only storage does."""
    result, inputs = _stored()
    assert result["storage"]["stored_tonnes"].tolist() == pytest.approx([500.0, 0.0])
    first, second = result["marginal_costs"]["marginal_cost_usd_per_tonne"]
    assert first == pytest.approx(second + 10.0)
    with pytest.raises(VerificationError) as caught:
        check_derived_tables(_altered(result, "marginal_costs", "marginal_cost_usd_per_tonne",
                                      0, first - 5.0), inputs)
    assert "should equal the storage cost 10 plus 2031's" in str(caught.value)


def test_a_repeated_marginal_cost_row_is_reported_not_a_traceback():
    """With packs in storage the storage check looked marginal costs up by key and crashed
    (TypeError) on a repeated row instead of reporting it."""
    result, inputs = _stored()
    frame = pd.concat([result["marginal_costs"]] * 2, ignore_index=True)
    with pytest.raises(VerificationError) as caught:
        check_derived_tables(replace(result, tables={**result.tables,
                                                     "marginal_costs": frame}), inputs)
    assert "marginal_costs has repeated rows" in str(caught.value)
