"""One signed-difference formatter for ``evplan compare`` and the comparison page.

``report/compare._delta`` and ``scenarios/compare_screen._delta`` disagreed on a difference
that rounds to zero: the page wrote ``+USD 0`` and ``+0.0 pt`` (as if the variant gained),
the screen ``USD 0`` and ``0.0 pt``. Both now call :func:`evplan.outputs.deltas.
signed_difference`, and a zero has no sign on either (session 26, helper-102).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from rich.console import Console

import evplan
from evplan.examples import single_lane
from evplan.report.compare import kpi_delta_table
from evplan.report.run import RunData
from evplan.scenarios.compare_screen import compare_tables

IDS = ["20261207-000000-aaaaaaaa", "20261207-000100-bbbbbbbb"]
#: (KPI, the page's row label, the screen's row label)
ROWS = {"margin": ("Margin a year (undiscounted)", "margin a year, undiscounted"),
        "global_sales": ("Global sales", "global_sales")}


@pytest.fixture(scope="module")
def base_run() -> RunData:
    return RunData.from_result(evplan.optimize(single_lane(first_year=2025, last_year=2026)),
                               label="base")


def _page(base: RunData, kpi: str, change: float) -> str:
    kpis = base.kpis.copy()
    rows = kpis["kpi"] == kpi
    kpis.loc[rows, "value"] = kpis.loc[rows, "value"] + change
    variant = dataclasses.replace(base, label="variant", kpis=kpis)
    cells = [row[4]["text"] for row in kpi_delta_table([base, variant])["rows"]
             if row[0]["text"] == ROWS[kpi][0]]
    assert len(set(cells)) == 1, cells
    return cells[0]


def _screen(kpi: str, reference: float, change: float) -> str:
    frame = pd.DataFrame([(kpi, 2030, "all", reference, reference + change),
                          ("exports_by_origin", 2030, "AA", 1.0, 1.0)],
                         columns=["kpi", "year", "key", *IDS]).set_index(["kpi", "year", "key"])
    frame[f"delta {IDS[1]}"] = frame[IDS[1]] - frame[IDS[0]]
    tables, _ = compare_tables(frame, IDS, [1e9, 1e9], show_all=True, width=160)
    console = Console(width=160, record=True, color_system=None, file=open("/dev/null", "w"))
    for table in tables:
        console.print(table)
    console.file.close()
    for line in console.export_text().splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) > 3 and cells[1] == ROWS[kpi][1]:
            return cells[-2]
    raise AssertionError(f"no row {ROWS[kpi][1]!r} on the screen")


@pytest.mark.parametrize(("kpi", "change", "shown"), [
    ("margin", -2e-6, "USD 0"),            # the page said +USD 0
    ("margin", -3e6, "−USD 3 m"),
    ("margin", 3e6, "+USD 3 m"),
    ("global_sales", -0.2, "0"),           # the page said +0
    ("global_sales", -400.0, "−400"),
])
def test_the_page_and_the_screen_write_a_difference_alike(
        base_run: RunData, kpi: str, change: float, shown: str) -> None:
    reference = float(base_run.kpis.loc[base_run.kpis["kpi"] == kpi, "value"].iloc[0])
    assert _page(base_run, kpi, change) == shown
    assert _screen(kpi, reference, change) == shown
