"""Two overrides of the same rows from different years apply in order (docs/scenarios.md,
"Overlapping from_year"): the later patch wins on the years both cover."""

from __future__ import annotations

import pytest

import evplan
from evplan.scenarios import apply
from evplan.scenarios.overrides import parse_catalog

CATALOG = parse_catalog({"overrides": {
    "a": {"duties": {"where": {"origin": "CN", "market": "EU"}, "set": {"ad_valorem_rate": 0.3},
                     "from_year": 2026}},
    "b": {"duties": {"where": {"origin": "CN", "market": "EU"}, "set": {"ad_valorem_rate": 0.4},
                     "from_year": 2028}}}})


def _rate_by_year(names: list[str]) -> dict[int, float]:
    data = evplan.examples.china_export()
    rows = apply(data, names, CATALOG)["duties"].query("origin == 'CN' and market == 'EU'")
    rates = {}
    for year in data.years:
        first = rows["first_year"].fillna(data.years[0])
        last = rows["last_year"].fillna(data.years[-1])
        (rate,) = rows.loc[(first <= year) & (last >= year), "ad_valorem_rate"]
        rates[year] = float(rate)
    return rates


@pytest.mark.parametrize(("order", "from_2028"), [(["a", "b"], 0.4), (["b", "a"], 0.3)])
def test_the_later_patch_wins_where_both_apply(order: list[str], from_2028: float) -> None:
    rates = _rate_by_year(order)
    assert {year: rate for year, rate in rates.items() if year < 2026} == {
        2023: 0.1, 2024: 0.1, 2025: 0.1}
    assert rates[2026] == rates[2027] == 0.3
    assert all(rates[year] == from_2028 for year in rates if year >= 2028)
