"""Written results of odd but valid plans agree with the arithmetic of their own tables.

Session 20 audit: plans that ship nothing in some lanes, commitments that fall short at a
penalty, runs of different horizons compared. Each test names the wrong number a planner
would otherwise read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.examples import china_export, random_network, single_lane
from evplan.store import ResultsStore


def _signed_zeros(frame: pd.DataFrame) -> list[str]:
    """Columns of ``frame`` that hold a -0.0."""
    numbers = frame.select_dtypes("number")
    return [str(column) for column in numbers
            if bool((np.signbit(numbers[column].to_numpy(dtype=float))
                     & (numbers[column].to_numpy(dtype=float) == 0)).any())]


def test_unused_lanes_are_zero_not_minus_zero() -> None:
    """HiGHS returns -0.0 for some nonbasic shipments; the tables (and so shipments.csv,
    the workbook and the store) showed ``-0.0`` vehicles, costs and duties for 11 lanes of
    random network 1 (shipments.csv: ``P3,C1,V0,BEV,M0,2030,-0.0,...``)."""
    for data in (random_network(1), china_export()):  # china-export: compliance tables too
        result = evplan.optimize(data)
        found = {name: _signed_zeros(table) for name, table in result.tables.items()}
        assert {name: columns for name, columns in found.items() if columns} == {}
        assert _signed_zeros(result.kpis) == []


def test_a_committed_shortfall_is_reported() -> None:
    """300 committed V1 in M1 that do not pay (price 5,000 < cost 11,000) fall short at a
    penalty of 10 a vehicle: the objective is -3,000 while every table and KPI says margin 0
    and sales 0, and nothing says which commitment was missed or by how much."""
    result = evplan.optimize(single_lane(tiers=((600.0, 5000.0),), committed=300.0,
                                         unmet_penalty=10.0))
    assert result.objective_usd == pytest.approx(-3000.0)
    reported = [float(table[column].sum()) for table in result.tables.values()
                for column in table.columns if "unmet" in str(column)]
    reported += [float(value) for kpi, value in zip(result.kpis["kpi"], result.kpis["value"],
                                                     strict=True) if "unmet" in str(kpi)]
    assert pytest.approx(300.0) in reported


def test_compare_does_not_invent_years_outside_a_horizon(tmp_path) -> None:
    """A one-year run (2025) compared with a two-year run (2025-2026): ``evplan compare``
    showed the one-year run's 2026 margin as USD 0 and a delta of +USD 5 m, a year it never
    planned."""
    store = ResultsStore(tmp_path / "evplan.duckdb")
    short = store.record(evplan.optimize(single_lane()))
    long = store.record(evplan.optimize(single_lane(last_year=2026)))
    wide = store.compare([short, long])
    assert np.isnan(wide.loc[("margin", 2026, "all"), short])


def test_two_markets_of_one_country_keep_their_own_sankey_labels() -> None:
    """Random network 1 has two markets in country C2 (M0 and M3): the Sankey drew two
    nodes both labelled ``Sold in C2`` and its caption could name ``C2`` twice, so a reader
    could not tell which flow ends where."""
    from evplan.report import RunData, with_report_tables
    from evplan.report.figures import market_name, sankey

    data = random_network(1)
    run = RunData.from_result(with_report_tables(evplan.optimize(data), data))
    assert {market: run.market_country[market] for market in ("M0", "M3")} == {
        "M0": "C2", "M3": "C2"}
    assert market_name(run, "M0") == "M0 (C2)"
    assert market_name(run, "M1") == "C0"  # the only market of C0 keeps its country's name
    labels = list(sankey(run).figure["data"][-1]["node"]["label"])
    sold = [label for label in labels if label.startswith("Sold in")]
    assert len(sold) == len(set(sold)) == 4


def test_the_story_states_margin_when_the_focus_exports_nothing() -> None:
    """A plan that ships nothing (every margin negative) still pays its plants' fixed cost:
    the story dropped its margin and duties sentence whenever the focus country exported
    nothing in the last year, so the page's text never said the plan loses money."""
    from evplan.report import RunData, with_report_tables
    from evplan.report.page import story

    data = single_lane(tiers=((600.0, 5000.0),), fixed_cost=250_000.0, last_year=2026)
    run = RunData.from_result(with_report_tables(evplan.optimize(data), data))
    assert run.kpi("global_sales", 2025) == 0.0
    assert ("Margin (undiscounted) goes from USD -250,000 to USD -250,000 a year; duties "
            "paid from USD 0 to USD 0.") in story(run)


def test_compare_sums_the_share_sold_over_the_focus_countrys_markets(tmp_path) -> None:
    """In random network 1 the focus country C0 has one market, M1, that takes 30.5 % of
    2030's sales; ``evplan compare`` printed ``share of global sales sold in C0 | 2030 |
    0.0 %`` (it looked for a market named ``C0``) while the report's card says 30.5 %."""
    from typer.testing import CliRunner

    from evplan.cli import app
    from evplan.report import with_report_tables

    data = random_network(1)
    result = with_report_tables(evplan.optimize(data), data)
    store = ResultsStore(tmp_path / "evplan.duckdb")
    ids = [store.record(result), store.record(result)]
    kpis = result.kpis.set_index(["kpi", "year", "key"])["value"]
    assert kpis[("sales_share_by_market", 2030, "M1")] == pytest.approx(0.305, abs=5e-4)
    done = CliRunner().invoke(app, ["compare", *ids, "--store", str(tmp_path / "evplan.duckdb")],
                              env={"COLUMNS": "250"})
    assert done.exit_code == 0, done.output
    line = next(line for line in done.output.splitlines()
                if "sold in C0" in line and "2030" in line)
    assert "30.5 %" in line, line


def test_the_terminal_summary_keeps_a_name_on_its_line() -> None:
    """A scenario name with a newline split the summary's title over two lines, and a
    right-to-left override (U+202E) in it or in a market id was printed raw, so a terminal
    showed the rest of the line, the objective included, reversed."""
    import dataclasses

    from evplan.summary import kpi_summary_rows, summary_title

    result = evplan.optimize(single_lane())
    odd = dataclasses.replace(
        result, scenario=dict(result.scenario) | {"name": "two\nlines \u202eevil"},
        kpis=result.kpis.assign(key=result.kpis["key"].replace({"M1": "M\u202e1"})))
    title = summary_title(odd)
    assert "\n" not in title and "\u202e" not in title
    assert title.startswith("evplan · two\\nlines \\u202eevil · optimal · objective USD")
    labels = [label for label, *_ in kpi_summary_rows(odd)]
    assert "  sold in M\\u202e1 (%)" in labels
    assert not any("\u202e" in label for label in labels)


def test_the_workbook_names_the_run_it_holds(tmp_path) -> None:
    """results.xlsx's ``run`` sheet gave the scenario, status and objective but not the run
    id that run.json, the results store and ``evplan runs`` use, so a workbook sent on its
    own could not be matched with its store row (two runs of one scenario look alike)."""
    import json

    import openpyxl
    from typer.testing import CliRunner

    from evplan.cli import app
    from evplan.data.write import write_inputs

    inputs = write_inputs(single_lane(), tmp_path / "inputs")
    done = CliRunner().invoke(app, ["run", str(inputs), "-o", str(tmp_path / "run"), "--excel",
                                    "--no-report"])
    assert done.exit_code == 0, done.output
    run_id = json.loads((tmp_path / "run" / "run.json").read_text())["run_id"]
    rows = dict(openpyxl.load_workbook(tmp_path / "run" / "results.xlsx")["run"].values)
    assert rows["run_id"] == run_id
    assert rows["objective_usd"] == pytest.approx(ResultsStore(
        tmp_path / "evplan.duckdb").run(run_id)["objective_usd"])


def test_a_one_year_plan_is_not_compared_with_itself() -> None:
    """With first_year = last_year the page read "2025–2025", "exports from AA go from 600
    to 600", "100 % in 2025 and 100 % in 2025", cards "600 → 600" over "2025 → 2025", and
    the market panels drew every bar twice (one trace per year of the pair (2025, 2025))."""
    import re

    from evplan.report import RunData, report_html, with_report_tables
    from evplan.report.figures import run_charts
    from evplan.report.page import kpi_cards, story

    data = single_lane(fixed_cost=100_000.0)
    run = RunData.from_result(with_report_tables(evplan.optimize(data), data))
    assert run.years == [2025]
    text = " ".join(story(run))
    assert "AA exports 600 vehicles in 2025." in text
    assert "Margin (undiscounted) is USD 5 m and duties paid USD 0 in 2025." in text
    assert "go from" not in text
    cards = kpi_cards(run)
    assert {card.years for card in cards} == {"2025"}
    assert {card.before for card in cards} == {""}
    assert "of 600 vehicles sold" in [card.note for card in cards]
    assert any("USD 5 m in 2025 (undiscounted)" in card.note for card in cards)
    charts = {chart.id: chart for chart in run_charts(run)}
    markets = charts["chart-markets"]
    assert [trace["name"] for trace in markets.figure["data"]] == ["2025"] * 4
    assert markets.caption.startswith("Per market, 2025: what sells")
    captions = " ".join(chart.caption for chart in charts.values())
    assert "in 2025 and" not in captions and "2025 to" not in captions
    html = report_html([run])
    assert "2025–2025" not in html and not re.search(r"2025 → 2025", html)


def test_a_warm_sweep_case_has_no_minus_zero() -> None:
    """A sweep's warm cases are written to the store from scenarios/warm_results.py:
    ``evplan sweep -g freight=0.5,1,2`` on china-export stored 10 shipments rows of -0.0
    vehicles (and their costs) and sales rows of -0.0 in each of the cases freight=1 and
    freight=2, which a query or export of the store shows as ``-0.0``."""
    from evplan.scenarios import WarmModel, apply_patches, catalog_for

    data = china_export()
    warm = WarmModel(data)
    found: dict[str, list[str]] = {}
    for factor in (0.5, 1.0, 2.0):
        changed = apply_patches(data, catalog_for(data).parameter("freight").bind(factor)).data
        hot = warm.solve(changed)
        assert hot.metadata["solve_mode"] == "warm"
        found |= {f"{name} x{factor}": columns for name, table in hot.tables.items()
                  if (columns := _signed_zeros(table))}
    assert found == {}
    # The tables came from the warm model's templates, which are only used when they make
    # the cold tables exactly (a sign fix that divided wrongly switched them off silently).
    assert warm.result_templates is not None and warm.stats.reasons == []


def test_ids_that_look_like_numbers_stay_categories_in_the_charts() -> None:
    """Plants 7 and 07, markets 1 and 001 (SAP-style numeric plant codes are common):
    plotly.js put such ids on a numeric axis (headless Chromium: the utilisation and duty
    heatmaps and the market panels had yaxis.type 'linear'), where 7 and 07, 1 and 001 share
    one row and the others are spread by value; with layout.autotypenumbers 'strict' they
    are categories ('category', one row per id)."""
    from evplan.data import validate_tables
    from evplan.report import RunData, with_report_tables
    from evplan.report.figures import run_charts

    base = random_network(1)
    plants = {"P0": "7", "P1": "07", "P2": "1e1", "P3": "3"}
    markets = {"M0": "1", "M1": "2", "M2": "10", "M3": "001"}
    data = validate_tables(_renamed(base, plants, markets), base.scenario)
    run = RunData.from_result(with_report_tables(evplan.optimize(data), data))
    charts = {chart.id: chart for chart in run_charts(run)}
    heatmap = next(trace for trace in charts["chart-utilisation"].figure["data"]
                   if trace["type"] == "heatmap")
    assert sorted(heatmap["y"]) == ["07", "1e1", "3", "7"]
    for chart in charts.values():
        layout = chart.figure["layout"]
        assert layout.get("autotypenumbers") == "strict", chart.id


def test_compliance_charts_leave_a_year_without_sales_blank() -> None:
    """fleet_compliance has no average g CO2/km in a year the market buys no car (NaN, as
    it should); the chart drew it as 0 g/km, the best fleet there can be, and a ZEV market
    without sales as 0 credits per 100 vehicles. Plant ids such as "1000" were numbers on
    the axis of the per-plant chart."""
    from evplan.results.compliance_report import _fleet_chart, _plant_chart, _zev_chart

    fleet = pd.DataFrame({"market": ["EU", "EU"], "year": [2025, 2026],
                          "co2_g_per_km_average": [95.04, np.nan],
                          "target_g_per_km": [93.6, 93.6], "premium_usd": [0.0, 0.0],
                          "pooling_usd": [0.0, 0.0]})
    assert _fleet_chart(fleet)["figure"]["data"][0]["y"] == [95.0, None]
    zev = pd.DataFrame({"market": ["US", "US"], "year": [2025, 2026], "vehicles": [100.0, 0.0],
                        "credits_earned": [30.0, 0.0], "zev_share_required": [0.2, 0.3],
                        "credits_missing": [0.0, 0.0]})
    assert _zev_chart(zev)["figure"]["data"][0]["y"] == [30.0, None]
    plants = pd.DataFrame({"plant": ["1000", "1010"], "year": [2025, 2025],
                           "vehicles": [10.0, 20.0], "production_t_co2": [50.0, 80.0]})
    assert _plant_chart(plants)["figure"]["layout"]["autotypenumbers"] == "strict"


def test_a_label_in_chinese_keeps_its_unit_on_its_line() -> None:
    """Column widths counted characters, not terminal cells: a market named 北京市场北京市场
    (8 characters, 16 cells) made the label ``sold in 北京市场北京市场 (%)`` fold, leaving
    its unit ``(%)`` alone on the next line of the summary."""
    from rich.console import Console

    from evplan.screen import Column, fit_tables

    label = "  sold in 北京市场北京市场 (%)"
    keys = [Column("KPI", [label, "Global sales (k vehicles)"], "left")]
    values = [Column("2030", ["23.8", "23.8"]), Column("2031", ["22.9", "21.3"])]
    assert keys[0].width == 30  # 10 + 16 + 4 cells; len() counted 22 (25 with the other row)
    console = Console(width=80, record=True, color_system=None)
    for table in fit_tables("t", keys, values, 80):
        console.print(table)
    lines = console.export_text().splitlines()
    assert any("北京市场北京市场 (%)" in line and "23.8" in line for line in lines)
    assert not any(line.strip("│ ").startswith("(%)") for line in lines)


def test_a_country_without_capacity_has_no_utilisation_line_point() -> None:
    """Plant P2, C2's only plant, with capacity 0: the heatmap leaves its cells blank (no
    capacity), but the country line drew C2 at 0 % utilisation, a plant standing idle."""
    from evplan.data import validate_tables
    from evplan.report import RunData, with_report_tables
    from evplan.report.figures import utilisation_by_country

    base = random_network(1)
    tables = {name: frame.copy() for name, frame in base.tables.items()}
    plants = tables["plants"]
    plants.loc[plants["plant"] == "P2", "capacity_vehicles_per_year"] = 0.0
    data = validate_tables(tables, base.scenario)
    run = RunData.from_result(with_report_tables(evplan.optimize(data), data))
    lines = {trace["name"]: trace["y"] for trace in
             utilisation_by_country(run).figure["data"]}
    assert lines["C2"] == [None, None]
    assert all(value is not None for value in lines["C0"] + lines["C1"])


def test_a_csv_only_run_folder_reads_back_the_names_as_typed(tmp_path) -> None:
    """``write_result(..., formats=("csv",))`` writes no Parquet; ``evplan report`` then read
    the CSV as pandas guesses: plant 07 became the number 7 (one row with plant 7), market
    NA (North America) a blank, and every formula-like id kept the ``'`` that keeps a
    spreadsheet from running it (the Sankey said "Sold in '=1+1")."""
    from evplan.data import validate_tables
    from evplan.report import load_run

    base = random_network(1)
    plants = {"P0": "7", "P1": "07", "P2": "=HYPERLINK(1)", "P3": "-3"}
    markets = {"M0": "NA", "M1": "=1+1", "M2": "001", "M3": "@M3"}
    data = validate_tables(_renamed(base, plants, markets), base.scenario)
    result = evplan.optimize(data)
    folder = evplan.write_result(result, tmp_path / "run", formats=("csv",))
    assert not list(folder.glob("*.parquet"))
    run = load_run(folder)
    for name in ("shipments", "sales", "utilisation", "margin_by_market"):
        pd.testing.assert_frame_equal(run.tables[name], result.tables[name],
                                      check_dtype=False, obj=name)
    pd.testing.assert_frame_equal(run.kpis, result.kpis, check_dtype=False, obj="kpis")


def test_the_committed_sales_table_names_the_commitment_and_is_certified() -> None:
    """The committed_sales table (lead's fix of the shortfall finding): which commitment,
    how much is sold towards it, unmet and the penalty; a wrong cell fails the certificate."""
    from dataclasses import replace

    from evplan.errors import VerificationError
    from evplan.verify import verify_network

    data = single_lane(tiers=((600.0, 5000.0),), committed=300.0, unmet_penalty=10.0)
    result = evplan.optimize(data)
    table = result.tables["committed_sales"]
    assert table[["sold_vehicles", "unmet_vehicles", "penalty_usd"]].to_numpy().tolist() == [
        [0.0, 300.0, 3000.0]]
    kpis = result.kpis.set_index(["kpi", "year", "key"])["value"]
    assert kpis[("unmet_committed_vehicles", 2025, "all")] == 300.0
    assert kpis[("unmet_committed_penalty_usd", 2025, "all")] == 3000.0
    wrong = table.assign(unmet_vehicles=[0.0])
    with pytest.raises(VerificationError, match="committed-sales table"):
        verify_network(data, replace(result, tables={**result.tables,
                                                     "committed_sales": wrong}))
    met = evplan.optimize(single_lane(committed=300.0))  # a commitment the plan meets
    assert met.tables["committed_sales"]["unmet_vehicles"].tolist() == [0.0]
    assert "committed_sales" not in evplan.optimize(single_lane()).tables


def _renamed(base, plants: dict[str, str], markets: dict[str, str]) -> dict:
    """``base``'s tables with plants and markets renamed."""
    tables = {}
    for name, frame in base.tables.items():
        frame = frame.copy()
        for column, ids in (("plant", plants), ("market", markets)):
            if column in frame.columns:
                frame[column] = frame[column].replace(ids)
        tables[name] = frame
    return tables
