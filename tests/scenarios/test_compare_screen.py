"""``evplan compare``: headline KPIs first, by name, in human units; the rest with --all."""

from __future__ import annotations

import pandas as pd
from rich.console import Console

from evplan.scenarios.compare_screen import HEADLINE_KPIS, compare_tables, focus_country

IDS = ["20261204-031200-aaaaaaaa", "20261204-031300-bbbbbbbb"]


def wide_frame() -> pd.DataFrame:
    rows = []
    for year in (2023, 2030):
        late = year == 2030
        rows += [
            ("sales_share_by_market", year, "CN", 0.235, 0.155 if late else 0.235),
            ("sales_share_by_market", year, "US", 0.266, 0.237 if late else 0.266),
            ("sales_share_by_origin", year, "CN", 0.235, 0.254 if late else 0.235),
            ("utilisation_by_country", year, "CN", 0.496, 0.558 if late else 0.496),
            ("exports_by_origin", year, "CN", 258_000.0 if late else 0.0,
             320_500.0 if late else 0.0),
            ("exports_by_origin", year, "JP", 312_000.0, 300_000.0),
            ("margin", year, "all", 14.27e9, 15.48e9 if late else 14.27e9),
            ("duties_paid", year, "all", 0.52e9, 1.75e9 if late else 0.52e9),
            ("global_sales", year, "all", 3.37e6, 3.30e6 if late else 3.37e6),
        ]
    frame = pd.DataFrame(rows, columns=["kpi", "year", "key", IDS[0], IDS[1]])
    frame = frame.set_index(["kpi", "year", "key"])
    frame[f"delta {IDS[1]}"] = frame[IDS[1]] - frame[IDS[0]]
    return frame


def text(tables: list, width: int) -> str:
    console = Console(width=width, record=True, color_system=None, file=open("/dev/null", "w"))
    for table in tables:
        console.print(table)
    console.file.close()
    return console.export_text()


def test_headline_rows_first_in_human_units_with_whole_ids() -> None:
    wide = wide_frame()
    assert focus_country(wide, IDS[0]) == "CN"
    tables, note = compare_tables(wide, IDS, [92.94e9, 93.4e9], width=160)
    screen = text(tables, 160)
    lines = [line for line in screen.splitlines() if line.startswith("│")]
    labels = [line.split("│")[1].strip() for line in lines]
    assert labels[0] == "objective (discounted margin)"
    expected = [label.format(focus="CN") for _, _, label in HEADLINE_KPIS for _ in (0, 1)]
    assert labels[1:] == expected
    sold = next(line for line in lines if "sold in CN" in line and "│ 2030 │" in line)
    assert "23.5 %" in sold and "15.5 %" in sold and "−8.0 pt" in sold
    exports = next(line for line in lines if "exports from CN" in line and "2030" in line)
    assert "258.0 k" in exports and "320.5 k" in exports and "+62.5 k" in exports
    margin = next(line for line in lines if "undiscounted" in line and "2030" in line)
    assert "USD 14.3 bn" in margin and "USD 15.5 bn" in margin and "+USD 1.21 bn" in margin
    for run_id in IDS:
        assert run_id in screen
    assert note == "4 more KPI rows differ between the runs: add --all to show them."


def test_all_adds_the_other_rows_that_differ() -> None:
    tables, note = compare_tables(wide_frame(), IDS, [92.94e9, 93.4e9], show_all=True,
                                  width=160)
    screen = text(tables, 160)
    assert "global_sales" in screen and "3.30 M" in screen and "−70.0 k" in screen
    assert "exports_by_origin JP" in screen  # differs too (312.0 k -> 300.0 k)
    assert note == ""


def test_fits_80_columns_with_ids_whole() -> None:
    tables, _ = compare_tables(wide_frame(), IDS, [92.94e9, 93.4e9], width=80)
    screen = text(tables, 80)
    assert max(len(line) for line in screen.splitlines()) <= 80
    assert all(screen.count(run_id) >= 1 for run_id in IDS) and "…" not in screen


def test_no_focus_country_when_every_export_row_is_zero() -> None:
    # exports_by_origin has a 0 row for every producing country (tests/results/test_kpis.py);
    # a plan that exports nothing has no country to focus on, as the report decides.
    wide = wide_frame()
    exports = wide.index.get_level_values("kpi") == "exports_by_origin"
    wide.loc[exports, IDS[0]] = 0.0
    assert focus_country(wide, IDS[0]) == ""
    wide.loc[exports, IDS[1]] = 0.0  # the second run does not decide the focus
    assert focus_country(wide, IDS[1]) == ""


def test_a_sweep_without_exports_has_no_focus_country_columns() -> None:
    from evplan.scenarios.display import _focus, _headline

    rows = [(case, "exports_by_origin", year, key, 0.0)
            for case in (0, 1) for year in (2023, 2030) for key in ("CN", "JP")]
    rows += [(case, "margin", year, "all", 1e9) for case in (0, 1) for year in (2023, 2030)]
    kpis = pd.DataFrame(rows, columns=["case", "kpi", "year", "key", "value"])
    assert _focus(kpis) == ""
    assert "focus_exports" not in _headline(kpis).columns
    kpis.loc[(kpis["key"] == "JP") & (kpis["year"] == 2030), "value"] = 5.0
    assert _focus(kpis) == "JP"


def test_a_value_a_run_does_not_have_is_a_dash_and_counts_as_a_difference() -> None:
    """Session 20 audit: a year outside one run's horizon showed as 0 (USD 0 margin, a
    delta of the other run's whole margin); a headline row no run has showed 0.0 %."""
    import math

    frame = wide_frame().sort_index()  # as ResultsStore.compare gives it
    frame.loc[("margin", 2030, "all"), IDS[0]] = math.nan
    frame.loc[("global_sales", 2030, "all"), IDS[0]] = math.nan
    frame[f"delta {IDS[1]}"] = frame[IDS[1]] - frame[IDS[0]]
    frame = frame.drop(index=[("utilisation_by_country", year, "CN") for year in (2023, 2030)])
    tables, note = compare_tables(frame, IDS, [1.0, 2.0], width=200)
    lines = text(tables, 200).splitlines()
    margin = next(line for line in lines if "margin a year" in line and "2030" in line)
    assert margin.split()[-3:] == ["-", "USD", "15.5"] or " - " in margin, margin
    assert "USD 0 " not in margin
    utilisation = [line for line in lines if "plant utilisation" in line]
    assert utilisation and all("0.0 %" not in line for line in utilisation), utilisation
    # global_sales 2030 (no value against 3.30 M), US 2030, JP 2023 and 2030
    assert note.startswith("4 more KPI rows differ"), note
    tables, _ = compare_tables(frame, IDS, [1.0, 2.0], width=200, show_all=True)
    sales = next(line for line in text(tables, 200).splitlines() if "global_sales" in line)
    assert "2030" in sales and " - " in sales, sales


def test_the_share_sold_in_the_focus_country_sums_its_markets() -> None:
    frame = wide_frame()
    extra = frame.loc[[("sales_share_by_market", 2030, "US")]].rename(index={"US": "CN-S"})
    frame = pd.concat([frame, extra])
    tables, _ = compare_tables(frame, IDS, [1.0, 2.0], width=200, market_country={
        "CN": "CN", "CN-S": "CN", "US": "US"})
    line = next(line for line in text(tables, 200).splitlines()
                if "sold in CN" in line and "2030" in line)
    assert "50.1 %" in line and "39.2 %" in line, line  # 0.235 + 0.266; 0.155 + 0.237


def test_a_focus_country_without_a_market_sells_nothing_there() -> None:
    """Review: with the runs' market countries known and none in the focus country, the
    share sold there is 0 (it showed '-')."""
    tables, _ = compare_tables(wide_frame(), IDS, [1.0, 2.0], width=200,
                               market_country={"US": "US", "JP": "JP"})
    line = next(line for line in text(tables, 200).splitlines()
                if "sold in CN" in line and "2030" in line)
    assert "0.0 %" in line and " - " not in line.split("2030", 1)[1].split("%")[0], line
