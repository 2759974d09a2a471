"""The Python API in a notebook: short reprs, ``in``, KPI look-ups that refuse typos (issue 18)."""

from __future__ import annotations

import html
import math

import pytest

import evplan
from evplan.data import NetworkData
from evplan.examples import single_lane
from evplan.results import Result
from evplan.results.display import fit
from evplan.results.result import ResultKeyError
from evplan.units import usd


@pytest.fixture(scope="module")
def small() -> tuple[NetworkData, Result]:
    data = single_lane()
    return data, evplan.optimize(data)


def test_result_repr_is_a_short_summary(small: tuple[NetworkData, Result]) -> None:
    _, result = small
    text = repr(result)
    lines = text.splitlines()
    assert 5 <= len(lines) <= 12
    assert all(len(line) <= 100 for line in lines)
    assert lines[0] == f"evplan.Result {result.scenario['name']!r}"
    assert f"status     {result.status}" in text
    assert f"{usd(result.objective_usd)} (discounted margin" in text
    assert f"{len(result.tables)}: production {len(result['production']):,}" in text
    assert "DataFrame" not in text and "MappingProxy" not in text


def test_result_repr_html_is_the_same_summary_escaped(small: tuple[NetworkData, Result]
                                                      ) -> None:
    _, result = small
    page = result._repr_html_()
    assert page.startswith('<div class="evplan-summary">')
    assert html.escape(f"evplan.Result {result.scenario['name']!r}") in page
    assert f"<td style=\"text-align:left\">{result.status}</td>" in page
    assert "<script" not in page


def test_data_repr_is_a_short_summary(small: tuple[NetworkData, Result]) -> None:
    data, _ = small
    text = repr(data)
    lines = text.splitlines()
    assert lines[0] == f"evplan.NetworkData {data.scenario.name!r}"
    assert 4 <= len(lines) <= 12 and all(len(line) <= 100 for line in lines)
    assert (f"{len(data.plants)} plants, {len(data.programs)} programs, "
            f"{len(data.markets)} markets") in text
    assert "<div" in data._repr_html_()


def test_in_and_iteration_name_tables(small: tuple[NetworkData, Result]) -> None:
    data, result = small
    assert "sales" in result and "shipments" in result
    assert "sale" not in result and 0 not in result
    assert list(result) == list(result.tables)
    assert "plants" in data and "nope" not in data
    assert list(data) == list(data.tables)


def test_unknown_table_says_which_exist(small: tuple[NetworkData, Result]) -> None:
    _, result = small
    with pytest.raises(KeyError) as caught:
        result["shipment"]
    assert str(caught.value).startswith("no table 'shipment' in this result. Did you mean "
                                        "'shipments'? Tables: production, ")


def test_kpi_refuses_unknown_names_keys_and_years(small: tuple[NetworkData, Result]) -> None:
    _, result = small
    year = int(result.kpis["year"].min())
    market = str(result["sales"]["market"].iloc[0])
    assert result.kpi("sales_share_by_market", year, market) == pytest.approx(1.0)
    with pytest.raises(ResultKeyError, match=r"^unknown KPI 'sales_share_by_markt'\. Did you "
                                             r"mean 'sales_share_by_market'\? Known KPIs: "):
        result.kpi("sales_share_by_markt", year, market)
    with pytest.raises(KeyError, match=rf"^KPI 'sales_share_by_market' has no key "
                                       rf"'{market}X'\. Did you mean '{market}'\? Keys: "):
        result.kpi("sales_share_by_market", year, f"{market}X")
    with pytest.raises(KeyError, match=r"has no key 'all'"):  # a per-market KPI needs a key
        result.kpi("sales_share_by_market", year)
    with pytest.raises(KeyError, match=rf"^KPI 'global_sales' has no key '{market}'\. .*"
                                       r"Keys: 'all'\.$"):
        result.kpi("global_sales", year, market)
    with pytest.raises(KeyError, match=r"^1999 is not a planning year of this result"):
        result.kpi("global_sales", 1999)


def test_kpi_is_zero_for_a_known_key_without_a_row(china_like: Result) -> None:
    # china-export: China exports nothing in 2023; its row holds 0 (it had no row before,
    # tests/results/test_kpis.py), and kpi() reads 0 for a known key without a row too.
    kpis = china_like.kpis
    row = kpis[(kpis["kpi"] == "exports_by_origin") & (kpis["key"] == "CN")
               & (kpis["year"] == 2023)]
    assert row["value"].tolist() == [0.0]
    assert china_like.kpi("exports_by_origin", 2023, "CN") == 0.0
    assert china_like.kpi("exports_by_origin", 2030, "CN") > 0


def test_a_rule_kpi_has_no_value_in_a_year_its_rule_does_not_cover(china_like: Result
                                                                   ) -> None:
    # china-export: the EU CO2 target starts in 2025 and GB's ZEV mandate in 2024. Before,
    # kpi() and the terminal summary read 0.0 g/km and a 0 % ZEV share for 2023, while the
    # plan sells 220,000 cars in the EU and 9,000 BEVs in GB that year.
    from evplan.summary import kpi_summary_rows

    assert math.isnan(china_like.kpi("fleet_co2_g_per_km", 2023, "EU"))
    assert math.isnan(china_like.kpi("zev_share", 2023, "GB"))
    assert china_like.kpi("fleet_co2_g_per_km", 2025, "EU") > 50
    assert 0 < china_like.kpi("zev_share", 2024, "GB") < 1
    cells = {label: cells for label, _, _, cells in kpi_summary_rows(china_like)}
    assert cells["Fleet CO2 EU (g CO2/km)"][:3] == ["-", "-", "103.6"]
    assert cells["ZEV share GB (%)"][:2] == ["-", "16.9"]
    assert "-" not in cells["Compliance cost (USD m)"]  # 0 where nothing is paid, as before


@pytest.fixture(scope="module")
def china_like() -> Result:
    return evplan.optimize(evplan.examples.china_export())


def test_dir_shows_the_public_api_only() -> None:
    names = dir(evplan)
    assert names == sorted(evplan.__all__)
    for plumbing in ("annotations", "importlib", "TYPE_CHECKING", "Any"):
        assert plumbing not in names


def test_fit_cuts_with_a_count() -> None:
    assert fit(["aa", "bb", "cc"], 100) == "aa · bb · cc"
    assert fit(["aaaa", "bbbb", "cccc", "dddd"], 22) == "aaaa · bbbb … (2 more)"
    assert fit(["aaaa", "bbbb", "cccc", "dddd"], 21) == "aaaa … (3 more)"
    assert fit(["a" * 30], 10) == "a" * 30  # one part is never dropped


def test_write_result_can_write_the_report(small: tuple[NetworkData, Result],
                                           tmp_path) -> None:
    _, result = small
    folder = evplan.write_result(result, tmp_path / "run", report=True)
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="kpi-cards"' in page
    plain = evplan.write_result(result, tmp_path / "plain")
    assert not (plain / "report.html").exists()
