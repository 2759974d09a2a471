"""Audit s22 (helper-73): every figure `evplan backtest` writes, recomputed from the files.

The error, error %, persistence and its error, the derived rows (rest of the world, China's
share, Chinese utilisation) are recomputed from backtest.csv's model columns, actuals.csv and
plants.csv alone (no evplan code); backtest.md is read back cell by cell; and the two tables
of docs/validation.md must be what the command writes today.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evplan.examples import china_export_path

ROOT = Path(__file__).resolve().parents[2]
REST = "sales rest of world (not CN, JP, US, MX)"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bt") / "out"
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "backtest", "-o", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=out.parent)
    assert done.returncode == 0, done.stderr
    return out


def _actual(kpi: str, key: str, year: int) -> float:
    actuals = pd.read_csv(china_export_path() / "actuals.csv")
    match = actuals[(actuals["kpi"] == kpi) & (actuals["key"] == key) & (actuals["year"] == year)]
    return float(match["value"].iloc[0]) if len(match) else math.nan


def _cn_capacity(year: int) -> float:
    plants = pd.read_csv(china_export_path() / "plants.csv")
    first = pd.to_numeric(plants["first_year"], errors="coerce")
    last = pd.to_numeric(plants["last_year"], errors="coerce")
    open_ = (first.isna() | (first <= year)) & (last.isna() | (last >= year))
    return float(plants.loc[open_ & (plants["country"] == "CN"),
                            "capacity_vehicles_per_year"].sum())


def test_every_written_figure_recomputes_from_the_model_columns_and_actuals(written: Path
                                                                            ) -> None:
    table = pd.read_csv(written / "backtest.csv").set_index("row")
    markets = ["CN", "JP", "US", "MX"]
    expected_actual = {f"sales {m}": _actual("sales", m, 2024) for m in markets}
    expected_actual |= {f"production {c}": _actual("production", c, 2024) for c in markets}
    expected_actual["global sales"] = _actual("global_sales", "all", 2024)
    expected_actual[REST] = expected_actual["global sales"] - sum(
        _actual("sales", m, 2024) for m in markets)
    expected_actual["CN share of global sales"] = (_actual("sales", "CN", 2024)
                                                   / _actual("global_sales", "all", 2024))
    capacity = _cn_capacity(2024)
    assert capacity == 1_470_000  # Changzhou (200,000) closed in 2024
    expected_actual["utilisation CN"] = _actual("production", "CN", 2024) / capacity
    persistence = {f"sales {m}": _actual("sales", m, 2023) for m in markets}
    persistence |= {f"production {c}": _actual("production", c, 2023) for c in markets}
    persistence["global sales"] = _actual("global_sales", "all", 2023)
    persistence[REST] = math.nan  # no 2023 actual for MX
    persistence["CN share of global sales"] = (_actual("sales", "CN", 2023)
                                               / _actual("global_sales", "all", 2023))
    persistence["utilisation CN"] = _actual("production", "CN", 2023) / capacity
    for label, value in expected_actual.items():
        assert table.loc[label, "actual_2024"] == pytest.approx(value, rel=1e-12), label
        want = persistence[label]
        got = table.loc[label, "persistence_2024"]
        assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want), label
    # derived model rows from the model's own rows
    for year, column in ((2023, "calibrated_2023"), (2024, "predicted_2024")):
        assert table.loc[REST, column] == pytest.approx(
            table.loc["global sales", column] - sum(table.loc[f"sales {m}", column]
                                                    for m in markets))
        assert table.loc["CN share of global sales", column] == pytest.approx(
            table.loc["sales CN", column] / table.loc["global sales", column])
        assert table.loc["utilisation CN", column] == pytest.approx(
            table.loc["production CN", column] / _cn_capacity(year))
    for label, row in table.iterrows():
        actual = row["actual_2024"]
        if math.isnan(actual):
            assert label == "exports from CN" and math.isnan(row["error"])
            continue
        assert row["error"] == pytest.approx(row["predicted_2024"] - actual, abs=1e-9)
        pers = row["persistence_2024"]
        assert (math.isnan(row["persistence_error"]) and math.isnan(pers)) or row[
            "persistence_error"] == pytest.approx(pers - actual, abs=1e-9)
        if row["unit"] == "vehicles":
            assert row["error_pct"] == pytest.approx((row["predicted_2024"] - actual) / actual)
        else:
            assert math.isnan(row["error_pct"])


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _md_rows(text: str, header: str) -> dict[str, list[str]]:
    lines = text.replace("\u2212", "-").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = _cells(line)
        rows[cells[0]] = cells[1:]
    return rows


def test_backtest_md_shows_the_csv_rounded(written: Path) -> None:
    table = pd.read_csv(written / "backtest.csv").set_index("row")
    shown = _md_rows((written / "backtest.md").read_text(encoding="utf-8"), "| | 2023")
    assert list(shown) == list(table.index)
    for label, cells in shown.items():
        row = table.loc[label]
        fraction = row["unit"] == "fraction"

        def text(value: float, signed: bool = False, fraction: bool = fraction) -> str:
            if math.isnan(value):
                return "n/a"
            if fraction:
                return f"{value * 100:+.1f} pts" if signed else f"{value * 100:.1f}%"
            return f"{value:+,.0f}" if signed else f"{value:,.0f}"

        pers = row["persistence_error"]
        pers_text = ("n/a" if math.isnan(pers) else text(pers, True) if fraction
                     else f"{pers / row['actual_2024'] * 100:+.1f}%")
        assert cells == [text(row["calibrated_2023"]), text(row["predicted_2024"]),
                         text(row["actual_2024"]), text(row["error"], True),
                         "" if math.isnan(row["error_pct"]) else
                         f"{row['error_pct'] * 100:+.1f}%", pers_text], label


def test_the_tables_of_docs_validation_are_what_the_command_writes(written: Path) -> None:
    docs = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    shown = _md_rows((written / "backtest.md").read_text(encoding="utf-8"), "| | 2023")
    main = _md_rows(docs, "| | 2023 calibrated | 2024 predicted")
    assert list(main) == list(shown)
    for label, cells in main.items():
        assert cells == shown[label][:5], label
    against = _md_rows(docs, "| | 2024 actual | model error | persistence error |")
    for label, cells in against.items():
        mine = shown[label]
        assert cells == [mine[2], mine[4] or mine[3], mine[5]], label


def test_the_summary_errors_docs_quote_recompute_from_backtest_csv(written: Path) -> None:
    """docs/validation.md: "over the 10 vehicle rows with an actual the mean absolute error is
    14.5 % and the mean signed error +7.2 %; over the 8 rows that also have a persistence
    figure the model's mean absolute error is 16.3 % against persistence's 8.5 %"."""
    table = pd.read_csv(written / "backtest.csv")
    rows = table[(table["unit"] == "vehicles") & table["actual_2024"].notna()]
    relative = rows["error"] / rows["actual_2024"]
    assert len(rows) == 10
    assert round(relative.abs().mean() * 100, 1) == 14.5
    assert round(relative.mean() * 100, 1) == 7.2
    both = rows[rows["persistence_error"].notna()]
    assert len(both) == 8
    assert round((both["error"] / both["actual_2024"]).abs().mean() * 100, 1) == 16.3
    assert round((both["persistence_error"] / both["actual_2024"]).abs().mean() * 100, 1) == 8.5
