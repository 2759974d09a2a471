"""The run folder's summary tables are re-derived from the certified plan (family ``derived``).

Before, ``production``, ``utilisation``, ``duties``, ``margin_by_market``,
``margin_by_plant`` and ``demand_shadow_prices``, the shipments' and sales' descriptive
columns and the KPIs were made from the plan and never compared: each of the 156 + 162
single-cell alterations below passed the certificate (e.g. a plant's margin 1,857 M ->
2,050 M USD). Each must now be caught; untouched plans, with and without trade terms, and
strategic plans, must pass.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.examples import china_export, china_strategic, random_network
from evplan.strategic.check_derived import strategic_derived_problems
from evplan.verify.derived import NETWORK_KPIS, derived_problems, kpi_problems
from tests.verify.spy import certify_arguments
from tests.verify.test_trade_certificate import with_trade_terms

DUALS = {"capacity_shadow_price_usd_per_vehicle", "shadow_price_usd_per_vehicle"}
NETWORK = ("shipments", "sales", "production", "utilisation", "duties", "margin_by_market",
           "margin_by_plant", "demand_shadow_prices")
DESCRIBED = {"shipments": ["origin", "powertrain", "export", "transit_days", "co2_kg"],
             "sales": ["price_usd_per_vehicle"]}


def _altered(frame: pd.DataFrame, column: str, row: int) -> pd.DataFrame:
    out = frame.copy()
    value = out[column].iloc[row]
    if pd.api.types.is_bool_dtype(out[column]):
        changed: object = not bool(value)
    elif pd.api.types.is_integer_dtype(out[column]):
        changed = int(value) + 1
    elif pd.api.types.is_numeric_dtype(out[column]):
        changed = float(value) * 1.1 + 7.0
    else:
        out[column] = out[column].astype(object)
        changed = f"{value}X"
    out.iloc[row, out.columns.get_loc(column)] = changed
    return out


def _alterations(result: evplan.Result, names: tuple[str, ...]
                 ) -> list[tuple[str, str, int, dict[str, pd.DataFrame]]]:
    cases = []
    for name in names:
        frame = result.tables[name]
        columns = DESCRIBED.get(name, [c for c in frame.columns if c not in DUALS])
        for column in columns:
            for row in sorted({0, len(frame) // 2, len(frame) - 1}):
                cases.append((name, column, row,
                              {**result.tables, name: _altered(frame, column, row)}))
    return cases


@pytest.fixture(scope="module")
def default() -> tuple[evplan.NetworkData, evplan.Result]:
    data = china_export()
    return data, evplan.optimize(data)


def test_the_default_plans_tables_pass(default: tuple[evplan.NetworkData, evplan.Result]
                                       ) -> None:
    data, result = default
    assert derived_problems(data, result.tables) == []


def test_every_altered_cell_of_a_summary_table_is_caught(
        default: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = default
    cases = _alterations(result, NETWORK)
    assert len(cases) > 150
    passed = [(name, column, row) for name, column, row, tables in cases
              if not derived_problems(data, tables)]
    assert passed == []


def test_a_margin_off_names_the_row_and_both_values(
        default: tuple[evplan.NetworkData, evplan.Result]) -> None:
    data, result = default
    margin = result.tables["margin_by_plant"]
    row = int(np.flatnonzero(margin["margin_usd"].to_numpy() > 0)[0])
    tables = {**result.tables, "margin_by_plant": _altered(margin, "margin_usd", row)}
    [line] = derived_problems(data, tables)
    key = f"{margin['plant'].iloc[row]}/{margin['year'].iloc[row]}"
    assert line.startswith(f"margin_by_plant: margin_usd of {key} is ")
    assert "the certified plan and the inputs make" in line
    missing = {**result.tables, "utilisation": result.tables["utilisation"].iloc[1:]}
    assert derived_problems(data, missing) == [
        f"utilisation: row {result.tables['utilisation']['plant'].iloc[0]}/"
        f"{result.tables['utilisation']['year'].iloc[0]} is missing."]


def test_the_certificate_refuses_an_altered_summary_table(
        default: tuple[evplan.NetworkData, evplan.Result]) -> None:
    """Through :func:`evplan.verify.certify`, as every solver path calls it."""
    data, _ = default
    real, (data_, result, m, run, index) = certify_arguments(data)
    duties = _altered(result.tables["duties"], "duty_usd", 0)
    with pytest.raises(evplan.VerificationError, match="duties: duty_usd of "):
        real(data_, replace(result, tables={**result.tables, "duties": duties}), m, run, index)


@pytest.mark.parametrize("seed", [1, 4, 9])
def test_random_plans_with_trade_terms_pass(seed: int) -> None:
    """Exchange rates convert prices and fixed costs; quotas, transfer prices, inventory."""
    for data in (random_network(seed), with_trade_terms(random_network(seed), seed)):
        result = evplan.optimize(data)
        assert derived_problems(data, result.tables) == []


def test_strategic_summary_tables_are_checked_with_the_decisions() -> None:
    """Decided capacity and fixed costs, programs' fixed costs and kits enter utilisation
    and the margins; the other summary tables are the network's."""
    data = china_strategic()
    result = evplan.optimize(data)
    assert strategic_derived_problems(data, result.tables) == []
    assert derived_problems(data, result.tables, strategic=True) == []
    cases = _alterations(result, ("utilisation", "margin_by_plant", "margin_by_market"))
    passed = [(name, column, row) for name, column, row, tables in cases
              if not strategic_derived_problems(data, tables)]
    assert passed == []


def test_every_altered_network_kpi_is_caught(
        default: tuple[evplan.NetworkData, evplan.Result]) -> None:
    _, result = default
    assert kpi_problems(result.kpis, result.tables) == []
    kpis = result.kpis.reset_index(drop=True)
    network = np.flatnonzero(kpis["kpi"].isin(NETWORK_KPIS).to_numpy())
    assert len(network) > 100
    passed = []
    for row in network[::7]:
        for column in ("value", "key", "year"):
            if not kpi_problems(_altered(kpis, column, int(row)), result.tables):
                passed.append((kpis["kpi"].iloc[row], column))
    assert passed == []
    dropped = kpis.drop(index=int(network[0]))
    assert kpi_problems(dropped, result.tables) == [
        f"kpis: row {kpis['kpi'].iloc[network[0]]}/{kpis['year'].iloc[network[0]]}/"
        f"{kpis['key'].iloc[network[0]]} is missing."]


@pytest.mark.parametrize("seed", [2, 5])
def test_random_plans_kpis_pass(seed: int) -> None:
    result = evplan.optimize(with_trade_terms(random_network(seed), seed))
    assert kpi_problems(result.kpis, result.tables) == []
