"""What a user sees at 80 and 120 columns (issue 18, items 2 and 3): tables fit the terminal,
values and run ids are never cut, units are named once in the row label.

Snapshots of a small generated network are compared character for character (regenerate
with ``EVPLAN_UPDATE_SNAPSHOTS=1``); the default scenario's screens, whose numbers move with
its data, are checked for the rules instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from evplan.results import Result
from evplan.screen import Column, fit_tables
from evplan.store import ResultsStore
from evplan.summary import kpi_summary_rows, kpi_summary_tables
from evplan.units import pct
from tests.cli.terminal import Screen, run_in_terminal

SNAPSHOTS = Path(__file__).parent / "snapshots"
WIDTHS = (80, 120)


def render(tables: list, width: int) -> str:
    console = Console(width=width, record=True, file=open(os.devnull, "w"),
                      color_system=None)
    for table in tables:
        console.print(table)
    text = console.export_text()
    console.file.close()
    return text


def evplan_cli(*args: str, cwd: Path, columns: int) -> Screen:
    """``evplan ARGS`` in a real terminal ``columns`` wide (a pty)."""
    return run_in_terminal(*args, cwd=cwd, columns=columns)


@pytest.fixture(scope="module")
def small_result() -> Result:
    """A fixed KPI table, eight years (no solve: the snapshot tests the screen only)."""
    rows = []
    for number, year in enumerate(range(2023, 2031)):
        rows += [("global_sales", year, "all", 3_370_000 - 20_000 * number, "vehicles"),
                 ("sales_share_by_market", year, "CN", 0.235 - 0.01 * number, "fraction"),
                 ("sales_share_by_market", year, "US", 0.266 - 0.004 * number, "fraction"),
                 ("sales_share_by_origin", year, "CN", 0.235 + 0.003 * number, "fraction"),
                 ("sales_share_by_origin", year, "JP", 0.231 + 0.001 * number, "fraction"),
                 ("exports_by_origin", year, "CN", 40_000.0 * number, "vehicles"),
                 ("utilisation_by_country", year, "CN", 0.496 + 0.008 * number, "fraction"),
                 ("margin", year, "all", 14.27e9 + 0.15e9 * number, "USD"),
                 ("duties_paid", year, "all", 0.52e9 + 0.17e9 * number, "USD")]
    kpis = pd.DataFrame(rows, columns=["kpi", "year", "key", "value", "unit"])
    return Result("optimal", 92.94e9, {}, kpis, {"name": "snapshot"})


@pytest.mark.parametrize("width", WIDTHS)
def test_summary_snapshot(small_result: Result, width: int) -> None:
    text = render(kpi_summary_tables(small_result, width), width)
    path = SNAPSHOTS / f"summary-{width}.txt"
    if os.environ.get("EVPLAN_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) <= width


def test_fit_tables_wraps_columns_never_values() -> None:
    keys = [Column("run id", ["20261204-031200-1a2b3c4d", "20261204-031201-5e6f7a8b"], "left")]
    values = [Column(f"figure {number}", ["1,234.5", "-0.5"]) for number in range(12)]
    for width in (60, 80, 120):
        text = render(fit_tables("t", keys, values, width), width)
        assert max(len(line) for line in text.splitlines()) <= width
        assert text.count("20261204-031200-1a2b3c4d") == len(fit_tables("t", keys, values,
                                                                         width))
        assert text.count("1,234.5") == 12 and "…" not in text


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
def test_run_screen_fits_and_shows_every_value_whole(width: int, tmp_path: Path) -> None:
    done = evplan_cli("run", "--no-record", "--no-report", "-o", str(tmp_path / "run"),
                      cwd=tmp_path, columns=width)
    assert done.returncode == 0, done.text
    lines = done.lines
    assert max(len(line) for line in lines) <= width
    assert "…" not in done.text
    result_kpis = pd.read_parquet(tmp_path / "run" / "kpis.parquet")
    result = Result("optimal", 0.0, {}, result_kpis, {"name": "china-export"})
    for label, _, _, cells in kpi_summary_rows(result):
        rows = [line for line in lines if line.startswith(f"│ {label} ")]
        assert rows, f"row {label!r} is not on the screen"
        shown = " ".join(rows)
        for cell in cells:
            assert f" {cell} │" in shown, (label, cell)
    # the words: sold in = sales_share_by_market, built in = sales_share_by_origin
    sold = result_kpis[(result_kpis["kpi"] == "sales_share_by_market")
                       & (result_kpis["key"] == "CN") & (result_kpis["year"] == 2023)]
    assert pct(float(sold["value"].item()), 1) == "23.5 %"
    cn = next(line for line in lines if line.startswith("│   sold in CN (%) "))
    assert " 23.5 │" in cn
    assert "objective USD" in done.text and "(discounted margin)" in done.text
    assert "Margin, undiscounted (USD bn)" in done.text
    if width == 120:  # all eight years side by side
        assert sum(line.startswith("┃ KPI ") for line in lines) == 1
    else:  # the years wrap into a second table with the same rows
        assert sum(line.startswith("┃ KPI ") for line in lines) == 2


@pytest.mark.slow
def test_sweep_and_runs_screens_keep_run_ids_whole_at_80_columns(tmp_path: Path) -> None:
    store = tmp_path / "evplan.duckdb"
    done = evplan_cli("sweep", "-g", "freight=1,2", "--workers", "1", "--store", str(store),
                      "--kpis-only", cwd=tmp_path, columns=80)
    assert done.returncode == 0, done.text
    ids = list(ResultsStore(store).runs()["run_id"])
    assert len(ids) == 2
    for screen in (done.text, evplan_cli("runs", "--store", str(store), cwd=tmp_path,
                                         columns=80).text):
        lines = screen.splitlines()
        table_lines = [line for line in lines if line.startswith(("│", "┃", "┏", "└"))]
        assert max(len(line) for line in table_lines) <= 80
        for run_id in ids:
            assert run_id in screen  # whole, copyable for `evplan compare`
        assert "…" not in screen
    header = [line for line in done.lines if line.startswith("┃")]
    words = " ".join(" ".join(line.strip("┃ ").split()) for line in header)
    for word in ("objective,", "discounted", "margin sum,", "undiscounted", "(USD bn)"):
        assert word in words  # the headers name discounted vs undiscounted (they wrap)


def test_names_from_the_inputs_cannot_break_or_reorder_a_table_row() -> None:
    """Audit (session 20): the runs, compare and sweep tables printed names raw, so a
    scenario named with a newline split its row and a right-to-left override (U+202E)
    showed the rest of the row reversed. Every fitted table now escapes them, as the
    terminal summary does."""
    from rich.console import Console

    from evplan.screen import Column, fit_tables

    keys = [Column("scenario", ["two\nlines", "\u202eevil"], "left")]
    values = [Column("margin\tUSD", ["1", "2"])]
    (table,) = fit_tables("runs of \u202eX", keys, values, 120)
    console = Console(width=120, record=True, color_system=None, markup=False,
                      file=open("/dev/null", "w"))
    console.print(table)
    console.file.close()
    shown = console.export_text()
    assert "two\\nlines" in shown and "\\u202eevil" in shown and "margin\\tUSD" in shown
    assert "\u202e" not in shown and "runs of \\u202eX" in shown
    assert len(shown.splitlines()) == 7  # title, 3 rules, header, 2 rows: one line each


def test_the_summary_shows_unmet_commitments_only_when_the_inputs_commit_volumes() -> None:
    """A plan 300 vehicles short of a commitment at USD 10 a vehicle said margin 0 and
    nothing else on screen; the committed_sales table and its KPIs had the shortfall."""
    import evplan
    from evplan.examples import single_lane

    short = evplan.optimize(single_lane(tiers=((600.0, 5000.0),), committed=300.0,
                                        unmet_penalty=10.0))
    rows = {label: cells for label, _, _, cells in kpi_summary_rows(short)}
    unmet = [label for label in rows if label.startswith("Committed sales unmet")]
    penalty = [label for label in rows if label.startswith("  penalty paid")]
    assert len(unmet) == 1 and len(penalty) == 1
    assert unmet[0].endswith("(vehicles)") and rows[unmet[0]] == ["300"]
    # USD 3,000 in USD, not "0" in USD m (a USD row below 1 m was rounded away)
    assert penalty[0].endswith("(USD)") and rows[penalty[0]] == ["3,000"]
    plain = evplan.optimize(single_lane())
    assert not any(label.startswith("Committed sales") for label, *_ in kpi_summary_rows(plain))
