"""Session 26's data decisions in the shipped examples, checked against their sources (helper-103).

* Malaysia charges Chinese CBU BEVs the ACFTA 5 % from 2026 [S304], the other Chinese
  powertrains the general 30 %, as the model resolves the duty rows.
* Brazil charges kits the built-up rate [S306]: the model's own kit-duty resolver gives an ICE
  kit the 35 % of a built-up Chinese ICE car in every year kits run, and a PHEV kit the hybrid
  path (28 % to 2025, time-weighted 31.5 % in 2026, 35 % from 2027).
* The Bochum severance is the source's own dollar figure: US$754.41M / 3,300 employees
  [S301] = US$228.6k, rounded to the US$230k behind every Japanese, British and US closure cost.
* The Chinese plants' equity share stays 50 %: [S143]'s 60/40 is the new export company's.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from evplan.data.duties import resolve_duties
from evplan.examples import china_export, china_strategic
from evplan.model.strategic.kits import resolve_kit_duties

YEARS = list(range(2023, 2031))


def _scenario_sources() -> dict[str, str]:
    return dict(china_strategic().scenario.sources)


def test_the_kit_duty_resolver_gives_brazilian_ice_kits_the_built_up_rate() -> None:
    data = china_strategic()
    keys = pd.DataFrame([("CN", "BR", powertrain, year) for powertrain in ("ICE", "PHEV", "BEV")
                         for year in range(2026, 2031)],
                        columns=["origin", "market", "powertrain", "year"])
    rates = resolve_kit_duties(keys, data["kit_duties"], YEARS)["kit_duty_rate"]
    got = dict(zip(zip(keys["powertrain"], keys["year"], strict=True), rates, strict=True))
    built_up_ice = data["duties"]
    built_up_ice = built_up_ice[(built_up_ice["origin"] == "CN")
                                & (built_up_ice["market"] == "BR")
                                & (built_up_ice["powertrain"] == "*")]
    assert built_up_ice["ad_valorem_rate"].tolist() == [0.35]
    for year in range(2026, 2031):
        assert got[("ICE", year)] == pytest.approx(0.35), year
    # hybrids and BEVs: 28 % / 25 % to 2025 ("28pc for hybrid vehicles (HEVs) and 25pc for
    # battery electric vehicles"), the built-up time-weighted rate of 2026, 35 % from 2027
    assert got[("PHEV", 2026)] == pytest.approx((0.28 + 0.35) / 2)
    assert got[("BEV", 2026)] == pytest.approx((0.25 + 0.35) / 2)
    for powertrain in ("PHEV", "BEV"):
        for year in range(2027, 2031):
            assert got[(powertrain, year)] == pytest.approx(0.35), (powertrain, year)


def test_malaysia_charges_chinese_bevs_the_acfta_rate_in_the_resolved_duties() -> None:
    data = china_export()
    cited = re.search(r"(\d+)% for China under ACFTA", data.scenario.sources["S304"])
    assert cited
    acfta = float(cited[1]) / 100
    keys = pd.DataFrame([("CN", "MY", powertrain, year) for powertrain in ("BEV", "PHEV", "ICE")
                         for year in YEARS], columns=["origin", "market", "powertrain", "year"])
    rates = resolve_duties(keys, data["duties"], YEARS)["ad_valorem_rate"]
    got = dict(zip(zip(keys["powertrain"], keys["year"], strict=True), rates, strict=True))
    for year in YEARS:
        # BEVs: exempt to 31 Dec 2025 [S65] [S66], then ACFTA; others the general 30 %
        assert got[("BEV", year)] == (acfta if year >= 2026 else 0.0), year
        assert got[("PHEV", year)] == got[("ICE", year)] == 0.30, year


def test_the_bochum_severance_is_the_sources_dollar_figure() -> None:
    citation = _scenario_sources()["S301"]
    euros, dollars = (float(x) for x in re.search(
        r"EUR(\d+)m \(US\$([\d.]+)m\)", citation).groups())
    employees = float(re.search(r"for ([\d,]+) employees", citation)[1].replace(",", ""))
    per_employee_usd = dollars * 1e6 / employees
    assert per_employee_usd == pytest.approx(228_609, abs=1)
    assert euros / dollars == pytest.approx(0.7291, abs=1e-4)  # Reuters: "$1 = 0.7291 Euros"
    strategy = china_strategic()["plant_strategy"]
    bochum = strategy[strategy["source"].str.contains("Bochum")]
    assert sorted(bochum["plant"]) == ["GB-SUN", "JP-KYU", "JP-OPP", "JP-SHO", "JP-SKY",
                                       "JP-TOC", "US-CAN", "US-SMY"]
    for row in bochum.itertuples():
        staff = float(re.search(r"closure = ([\d,]+) employees", row.source)[1].replace(",", ""))
        severance = round(per_employee_usd, -4)
        assert severance == 230_000
        assert row.closure_cost_usd == pytest.approx(staff * severance * 1.2), row.plant


def test_the_chinese_plants_keep_an_even_split_not_the_export_companys() -> None:
    equity = china_strategic()["plant_equity"]
    assert set(equity["plant"]) == {"CN-HUA", "CN-XYG", "CN-DL", "CN-CZ", "CN-WH", "CN-ZZ"}
    assert (equity["equity_share"] == 0.5).all()
    cited = equity[equity["source"].str.contains(r"\[S143\]", regex=True)]
    assert len(cited) == 5
    assert cited["source"].str.contains("export company").all()
