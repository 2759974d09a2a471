"""Every KPI card and story sentence is tied to the KPI table by name (issue 18, item 1).

Sold (``sales_share_by_market``) and built (``sales_share_by_origin``) are different KPIs
and the page names them so; margin on a card is the undiscounted ``margin`` of a year and the
discounted objective is named as such. Each value is looked up here in the KPI table
itself, not through the report's own helpers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evplan.report import RunData, load_run, report_html
from evplan.report.compare import comparison_story, kpi_delta_table
from evplan.report.page import kpi_cards, story
from evplan.report.style import pct, usd, vehicles
from evplan.results import Result

# card title -> (KPI name in the table, key, formatter); the words in the title and the KPI
# name must agree: "sold in" is by market, "built in" by origin.
EXPECTED = {
    "Share of global sales sold in China": ("sales_share_by_market", "CN",
                                            lambda v: pct(v, 1)),
    "Share of global sales built in China": ("sales_share_by_origin", "CN",
                                             lambda v: pct(v, 1)),
    "China plant utilisation": ("utilisation_by_country", "CN", pct),
    "Exports from China": ("exports_by_origin", "CN", vehicles),
    "Global sales": ("global_sales", "all", vehicles),
    "Margin a year (undiscounted)": ("margin", "all", usd),
    "Duties paid": ("duties_paid", "all", usd),
}


def table_value(kpis: pd.DataFrame, kpi: str, year: int, key: str) -> float:
    """The value of one KPI row; a KPI the table has, with no row that year/key, is 0
    (``exports_by_origin`` has no row for a country that exports nothing)."""
    assert kpi in set(kpis["kpi"]), f"{kpi} is not a KPI of the table"
    rows = kpis[(kpis["kpi"] == kpi) & (kpis["year"] == year) & (kpis["key"] == key)]
    assert len(rows) <= 1, f"several rows {kpi}/{year}/{key} in the KPI table"
    return float(rows["value"].iloc[0]) if len(rows) else 0.0


def test_every_card_is_the_kpi_table_by_name(china_result: Result) -> None:
    run = RunData.from_result(china_result)
    first, last = run.years[0], run.years[-1]
    cards = kpi_cards(run)
    assert [card.title for card in cards] == list(EXPECTED)
    for card in cards:
        kpi, key, fmt = EXPECTED[card.title]
        assert (card.kpi, card.keys) == (kpi, (key,)), card.title
        assert card.before == fmt(table_value(china_result.kpis, kpi, first, key)), card.title
        assert card.after == fmt(table_value(china_result.kpis, kpi, last, key)), card.title
    margin = next(card for card in cards if card.kpi == "margin")
    assert "(undiscounted)" in margin.note
    assert f"the discounted margin, is {usd(china_result.objective_usd)}" in margin.note


def test_every_story_number_is_the_kpi_table_by_name(china_result: Result) -> None:
    kpis = china_result.kpis
    run = RunData.from_result(china_result)
    first, last = run.years[0], run.years[-1]
    lines = story(run)

    def value(kpi: str, year: int, key: str = "all") -> float:
        return table_value(kpis, kpi, year, key)

    sold = [value("sales_share_by_market", year, "CN") for year in (first, last)]
    assert sold[1] < sold[0]  # the seed's fact: China's share of global sales falls
    sold_line = next(line for line in lines if line.startswith("Sales in China"))
    assert sold_line == (
        f"Sales in China go from {vehicles(sold[0] * value('global_sales', first))} to "
        f"{vehicles(sold[1] * value('global_sales', last))} vehicles a year: the share of "
        f"global sales sold in China falls from {pct(sold[0], 1)} to {pct(sold[1], 1)} "
        f"({first} → {last}).")
    assert (f"of the {vehicles(value('global_sales', first))} vehicles sold worldwide "
            f"{pct(sold[0], 1)} are sold in China, "
            f"{pct(value('sales_share_by_origin', first, 'CN'), 1)} are built in China, and "
            f"its plants run {pct(value('utilisation_by_country', first, 'CN'))} full."
            ) in lines[0]
    by = next(line for line in lines if line.startswith(f"By {last}"))
    assert by == (
        f"By {last}, exports from China go from "
        f"{vehicles(value('exports_by_origin', first, 'CN'))} to "
        f"{vehicles(value('exports_by_origin', last, 'CN'))} vehicles a year and its plants "
        f"run {pct(value('utilisation_by_country', last, 'CN'))} full; "
        f"{pct(value('sales_share_by_origin', last, 'CN'), 1)} of global sales are then "
        "built in China.")
    margin = next(line for line in lines if "Margin" in line)
    assert (f"Margin (undiscounted) goes from {usd(value('margin', first))} to "
            f"{usd(value('margin', last))} a year; duties paid from "
            f"{usd(value('duties_paid', first))} to {usd(value('duties_paid', last))}."
            ) in margin


def test_report_page_carries_the_sold_story(china_result: Result) -> None:
    html = report_html([RunData.from_result(china_result)])
    assert "Share of global sales sold in China" in html
    assert "Share of global sales built in China" in html
    assert "the share of global sales sold in China falls from 23.5 %" in html
    assert "share of global sales</h3>" not in html  # no card without "sold"/"built"


def test_comparison_page_carries_the_sold_story(run_folder: Path, variant_folder: Path
                                                ) -> None:
    runs = [load_run(run_folder), load_run(variant_folder)]
    lines = comparison_story(runs)
    assert len(lines) == 2
    for run, line in zip(runs, lines, strict=True):
        sold = [table_value(run.kpis, "sales_share_by_market", year, "CN")
                for year in (run.years[0], run.years[-1])]
        assert line.startswith(f"{run.label}: Sales in China go from")
        assert f"sold in China falls from {pct(sold[0], 1)} to {pct(sold[1], 1)}" in line
    table = kpi_delta_table(runs)
    names = [row[0]["text"] for row in table["rows"]]
    assert names[:4] == ["Share of global sales sold in China"] * 2 + [
        "Share of global sales built in China"] * 2
    first, last = runs[0].years[0], runs[0].years[-1]
    for row, year in zip(table["rows"][:2], (first, last), strict=True):
        assert row[1]["text"] == str(year)
        assert row[2]["text"] == pct(table_value(runs[0].kpis, "sales_share_by_market",
                                                 year, "CN"), 1)
        assert row[3]["text"] == pct(table_value(runs[1].kpis, "sales_share_by_market",
                                                 year, "CN"), 1)
    html = report_html(runs)
    assert "sold in China falls from" in html


@pytest.mark.parametrize("title", ["China's share of global sales"])
def test_no_ambiguous_share_title(china_result: Result, title: str) -> None:
    titles = [card.title for card in kpi_cards(RunData.from_result(china_result))]
    assert title not in titles


def test_a_year_a_run_does_not_plan_is_no_value_not_a_zero() -> None:
    """Comparing a 2030-2031 plan with a 2030-only one showed the shorter run's 2031 global
    sales, margin and shares as 0, with a delta of minus the whole first run."""
    from dataclasses import replace

    import evplan
    from evplan.data import validate_tables
    from evplan.examples import random_network

    data = random_network(3)
    first = data.years[0]
    # the 2030-only inputs: the rows of later years dropped (a table changed in place is
    # refused by optimize since session 20, as validate_tables refuses them)
    short = validate_tables(
        {name: frame[frame["year"] <= first] if "year" in frame else frame
         for name, frame in data.tables.items()}, replace(data.scenario, last_year=first))
    runs = [RunData.from_result(evplan.optimize(data)), RunData.from_result(
        evplan.optimize(short))]
    assert runs[0].years == [2030, 2031] and runs[1].years == [2030]
    table = kpi_delta_table(runs)
    for row in table["rows"]:
        if row[1]["text"] == "2031":
            assert [cell["text"] for cell in row[3:]] == ["—", "—"], row
        else:
            assert "—" not in [cell["text"] for cell in row]
    sales_2030 = next(row for row in table["rows"]
                      if row[0]["text"] == "Global sales" and row[1]["text"] == "2030")
    assert sales_2030[3]["text"] == vehicles(table_value(runs[1].kpis, "global_sales", 2030,
                                                         "all"))
    assert "— : a year the run does not plan" in table["caption"]
