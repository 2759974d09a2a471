"""The comparison page's Δ column shows the sign of a difference it can show (session 23).

Two runs whose 2023 margins differ by 2e-6 USD (floating-point noise; the page's colour
said "equal") showed "−USD 0", as if the variant earned less; share deltas used an ASCII
"-" where the other rows use "−".
"""

from __future__ import annotations

import dataclasses

import pytest

import evplan
from evplan.examples import single_lane
from evplan.report.compare import kpi_delta_table
from evplan.report.run import RunData


@pytest.fixture(scope="module")
def base_run() -> RunData:
    return RunData.from_result(evplan.optimize(single_lane(first_year=2025, last_year=2026)),
                               label="base")


def _variant(run: RunData, kpi: str, change: float) -> RunData:
    kpis = run.kpis.copy()
    rows = kpis["kpi"] == kpi
    kpis.loc[rows, "value"] = kpis.loc[rows, "value"] + change
    return dataclasses.replace(run, label="variant", kpis=kpis)


def _delta_cells(runs: list[RunData], label: str) -> list[dict[str, str]]:
    return [row[4] for row in kpi_delta_table(runs)["rows"] if row[0]["text"] == label]


@pytest.mark.parametrize(("kpi", "label", "change", "shown"), [
    ("margin", "Margin a year (undiscounted)", -2e-6, "USD 0"),
    ("margin", "Margin a year (undiscounted)", -3e6, "−USD 3 m"),
    ("margin", "Margin a year (undiscounted)", 3e6, "+USD 3 m"),
    ("global_sales", "Global sales", -0.2, "0"),
    ("global_sales", "Global sales", -400.0, "−400"),
])
def test_delta_text(base_run: RunData, kpi: str, label: str, change: float,
                    shown: str) -> None:
    cells = _delta_cells([base_run, _variant(base_run, kpi, change)], label)
    assert [cell["text"] for cell in cells] == [shown, shown]


def test_share_deltas_use_the_same_minus(base_run: RunData) -> None:
    runs = [base_run, _variant(base_run, "sales_share_by_origin", -0.0027)]
    origin = base_run.focus
    cells = _delta_cells(runs, f"Share of global sales built in {origin}")
    assert [cell["text"] for cell in cells] == ["−0.3 pt", "−0.3 pt"]
    tiny = _delta_cells([base_run, _variant(base_run, "sales_share_by_origin", -1e-7)],
                        f"Share of global sales built in {origin}")
    assert [cell["text"] for cell in tiny] == ["0.0 pt", "0.0 pt"]
