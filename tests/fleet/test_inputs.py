"""Fleet inputs: bad cells and unknown ids get the core's messages, word for word."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evplan.errors import InputError
from evplan.fleet import load_battery, load_chemistry, load_survival, project_fleet
from evplan.fleet.sales import plan_sales
from evplan.fleet.tables import default_table_path


def messages(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [problem.message for problem in error.value.problems]


def test_every_default_row_names_a_known_source() -> None:
    from evplan.fleet import sources

    known = set(sources())
    for file in ("survival.csv", "battery.csv", "chemistry.csv", "powertrains.csv"):
        table = pd.read_csv(default_table_path("fleet", file))
        for text in table["source"]:
            cited = set(pd.Series([text]).str.findall(r"\[([^\]]+)\]").iloc[0])
            assert cited <= known, (file, cited - known)
            assert cited or "estimate" in text or "derived" in text or "no traction" in text


def test_a_history_rows_unknown_chemistry_names_the_row(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text("market,year,powertrain,sales_vehicles,chemistry\n"
                       "TH,2020,BEV,5,LFPX\nTH,2021,BEV,10,\nTH,2022,PHEV,10,NMC811\n",
                       encoding="utf-8")
    with pytest.raises(InputError) as caught:
        project_fleet(history=history)
    assert [(problem.file, problem.row) for problem in caught.value.problems] == [
        ("history.csv", 2)]
    assert messages(caught)[0].startswith(
        "row 2, sales_history 'TH/BEV/2020': chemistry 'LFPX' is not a chemistry of "
        "battery.csv. Did you mean")


def test_bad_history_rows(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text("market,year,powertrain,sales_vehicles\n"
                       "TH,2020,BEV,-5\nTH,2021,BEB,10\nTHX,2021,BEV,10\n", encoding="utf-8")
    shipments = pd.DataFrame({"origin": "CN", "program": "P1", "powertrain": "BEV",
                              "market": "TH", "year": [2023], "export": True,
                              "shipment_vehicles": [100.0]})
    plan = plan_sales(shipments, None, {"first_year": 2023, "last_year": 2023}, ["TH", "MY"])
    with pytest.raises(InputError) as caught:
        project_fleet(plan, history=history)
    assert messages(caught) == [
        "row 3, sales_history 'TH/BEB/2021': powertrain = 'BEB' is not one of 'BEV', "
        "'PHEV', 'HEV', 'ICE'. Did you mean 'BEV'?",
        "row 2, sales_history 'TH/BEV/2020': sales_vehicles = -5 is below the minimum 0. "
        "Fix the sign or the value.",
        # audit 4: the rows that parsed are checked too, so every problem comes at once
        "row 4, sales_history 'THX/BEV/2021': market 'THX' is not a market of the plan. "
        "Did you mean 'TH'?",
    ]
    history.write_text("market,year,powertrain,sales_vehicles\nTHX,2021,BEV,10\n"
                       "TH,2024,BEV,10\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        project_fleet(plan, history=history)
    assert messages(caught) == [
        "row 2, sales_history 'THX/BEV/2021': market 'THX' is not a market of the plan. "
        "Did you mean 'TH'?",
        "row 3, sales_history 'TH/BEV/2024': year 2024 is not before the plan's first year "
        "2023. History covers earlier years; delete the row or leave out the plan."]
    history.write_text("market,year,powertrain,sales_vehicles\nTH,2024,BEV,10\n",
                       encoding="utf-8")
    with pytest.raises(InputError) as caught:
        project_fleet(plan, history=history)
    assert messages(caught) == [
        "row 2, sales_history 'TH/BEV/2024': year 2024 is not before the plan's first year "
        "2023. History covers earlier years; delete the row or leave out the plan."]


def survival_problems(file: Path, text: str) -> list[str]:
    """The messages load_survival raises for a survival table written as ``text``."""
    file.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_survival(file)
    return messages(caught)


def test_survival_rows_need_their_parameters(tmp_path: Path) -> None:
    file = tmp_path / "survival.csv"
    assert survival_problems(file, "market,curve,shape,mean_years,sd_years\nXX,weibull,,12,\n"
                             "YY,logistc,,12,3\nZZ,logistic,,12,\n") == [
        "row 3, market 'YY': curve = 'logistc' is not one of 'weibull', 'logistic'. Did you "
        "mean 'logistic'?",
        # audit 4: the other rows' missing parameters are no longer held back
        "row 2, market 'XX': a weibull curve needs shape. Fill it in.",
        "row 4, market 'ZZ': a logistic curve needs sd_years. Fill it in."]
    assert survival_problems(file, "market,curve,shape,mean_years,sd_years\nXX,weibull,,12,\n"
                             "ZZ,logistic,,12,\n") == [
        "row 2, market 'XX': a weibull curve needs shape. Fill it in.",
        "row 3, market 'ZZ': a logistic curve needs sd_years. Fill it in."]


def test_a_repeated_survival_row_still_has_its_parameters_checked(tmp_path: Path) -> None:
    # The repeat named row 2, and row 2's missing shape waited for the repeat to be fixed.
    assert survival_problems(tmp_path / "survival.csv", "market,curve,scale_years,shape\n"
                             "CN,weibull,,\nCN,weibull,14,4\n") == [
        "rows 2 and 3: duplicate market 'CN'. Keep one row and delete the others.",
        "row 2, market 'CN': a weibull curve needs shape. Fill it in.",
        "row 2, market 'CN': a weibull curve needs scale_years or mean_years. Fill it in."]


def test_battery_shares_above_one_and_unknown_chemistry(tmp_path: Path) -> None:
    battery = pd.read_csv(default_table_path("fleet", "battery.csv"))
    battery.loc[0, "second_life_share"] = 50
    with pytest.raises(InputError) as caught:
        load_battery(battery)
    assert messages(caught) == [
        "row 2, chemistry 'LFP': second_life_share = 50 is outside [0, 1]. Rates are "
        "fractions (50 % -> 0.5)."]
    chemistry = tmp_path / "chemistry.csv"
    chemistry.write_text("powertrain,chemistry,share\nBEV,LPF,0.6\nBEV,NMC811,0.3\n",
                         encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_chemistry(chemistry, load_battery())
    assert messages(caught) == [  # every problem at once: the id and the shares' sum
        "row 2, chemistry '*/*/BEV/LPF': chemistry 'LPF' is not in battery.csv. Did you mean "
        "'LFP'?",
        "program '*', origin '*', powertrain 'BEV': shares add up to 0.9, not 1. Make them "
        "add up to 1."]
    chemistry.write_text("powertrain,chemistry,share\nBEV,LFP,0.6\nBEV,NMC811,0.3\n",
                         encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_chemistry(chemistry, load_battery())
    assert messages(caught) == [
        "program '*', origin '*', powertrain 'BEV': shares add up to 0.9, not 1. Make them "
        "add up to 1."]


def test_a_bad_share_cell_hides_no_other_groups_sum(tmp_path: Path) -> None:
    """A cell that does not parse used to skip the shares' sum check of every group: a PHEV
    group adding up to 0.8 went unreported until the BEV cell was fixed."""
    chemistry = tmp_path / "chemistry.csv"
    chemistry.write_text("powertrain,chemistry,share\nBEV,LFP,six\nBEV,NMC811,0.4\n"
                         "PHEV,LFP,0.8\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_chemistry(chemistry, load_battery())
    found = messages(caught)
    assert len(found) == 2 and "share = 'six' is not a number" in found[0], found
    assert found[1] == ("program '*', origin '*', powertrain 'PHEV': shares add up to 0.8, "
                        "not 1. Make them add up to 1.")  # the BEV group has no sum to check


def test_a_market_without_a_curve_is_named_in_the_file_given(tmp_path: Path) -> None:
    file = tmp_path / "my_curves.csv"  # the problem names this file, not survival.csv
    file.write_text("market,curve,scale_years,shape\nCN,weibull,14.46,4.79\n", encoding="utf-8")
    history = pd.DataFrame({"market": ["CNN"], "year": [2020], "powertrain": ["BEV"],
                            "sales_vehicles": [1.0]})
    with pytest.raises(InputError) as caught:
        project_fleet(history=history, survival=file)
    assert messages(caught) == ["market 'CNN' has no survival curve. Did you mean 'CN'?"]
    assert [problem.file for problem in caught.value.problems] == ["my_curves.csv"]


def test_a_weibull_row_with_scale_and_mean_must_agree(tmp_path: Path) -> None:
    """Audit 2: with both, scale_years was used and mean_years silently dropped."""
    from scipy.special import gamma

    file = tmp_path / "survival.csv"
    agreeing = 14.46 * gamma(1 + 1 / 4.79)  # the CN row: 13.2 years
    assert survival_problems(file, "market,curve,scale_years,shape,mean_years\n"
                             f"CN,weibull,14.46,4.79,{agreeing:.4f}\n"
                             "XX,weibull,14.46,4.79,20\n") == [
        "row 3, market 'XX': scale_years 14.46 and mean_years 20 disagree (with shape 4.79 "
        "the scale means a mean life of 13.2 years). Give one of them."]
    file.write_text("market,curve,scale_years,shape,mean_years\n"
                    f"CN,weibull,14.46,4.79,{agreeing:.4f}\n", encoding="utf-8")
    assert load_survival(file)["scale_years"].tolist() == [14.46]


def test_every_bad_file_is_reported_at_once(tmp_path: Path) -> None:
    """--history, --survival and --battery each with a bad cell: one error lists all three
    files (fleet stopped at the first; audit)."""
    history = tmp_path / "h.csv"
    history.write_text("market,year,powertrain,sales_vehicles\nEU,2020,BEV,nan\n",
                       encoding="utf-8")
    survival = tmp_path / "s.csv"
    survival.write_text("market,curve,scale_years,shape\n*,weibull,nan,4\n", encoding="utf-8")
    battery = tmp_path / "b.csv"
    battery.write_text("chemistry,pack_kg_per_kwh,capacity_fade_per_year,"
                       "retirement_state_of_health,life_sd_years,second_life_share,"
                       "second_life_max_age_years\nLFP,nan,0.02,0.7,4,0.5,12\n",
                       encoding="utf-8")
    with pytest.raises(InputError) as caught:
        project_fleet(history=history, survival=survival, battery=battery)
    files = [problem.file for problem in caught.value.problems]
    assert files == ["s.csv", "b.csv", "h.csv"]



def _history(market: str = "CN") -> pd.DataFrame:
    return pd.DataFrame({"market": [market], "year": [2020], "powertrain": ["BEV"],
                         "sales_vehicles": [1000.0], "origin": ["CN"]})


def test_a_survival_market_with_look_alike_letters_is_an_input_error(tmp_path: Path) -> None:
    """'СN' (Cyrillic С) named no market: China's vehicles silently took the '*' logistic
    curve (mean 17 years) instead of its Weibull row (13.2 years)."""
    path = tmp_path / "survival.csv"
    text = default_table_path("fleet", "survival.csv").read_text(encoding="utf-8")
    path.write_text(text.replace("\nCN,weibull", "\n\u0421N,weibull"), encoding="utf-8")
    with pytest.raises(InputError) as error:
        project_fleet(history=_history(), survival=path)
    assert messages(error) == [
        "row 2, market '\u0421N': market '\u0421N' looks like 'CN' but is typed with '\u0421' "
        "(CYRILLIC CAPITAL LETTER ES), so it is another id and market CN would take the '*' "
        "curve instead of this row. Type 'CN' in Latin letters."]
    assert error.value.problems[0].file == "survival.csv"


def test_a_chemistry_origin_with_look_alike_letters_is_an_input_error(tmp_path: Path) -> None:
    """'СN' as a rule's origin matched no vehicle: China-built BEVs silently took NMC622."""
    path = tmp_path / "chemistry.csv"
    text = default_table_path("fleet", "chemistry.csv").read_text(encoding="utf-8")
    path.write_text(text.replace("*,CN,BEV,LFP", "*,\u0421N,BEV,LFP"), encoding="utf-8")
    with pytest.raises(InputError) as error:
        project_fleet(history=_history(), chemistry=path)
    assert len(error.value.problems) == 1
    problem = error.value.problems[0]
    assert (problem.file, problem.row) == ("chemistry.csv", 2)
    assert "origin '\u0421N' looks like 'CN'" in problem.message
    assert "Type 'CN' in Latin letters." in problem.message


def test_an_unknown_history_market_with_look_alike_letters_names_its_twin() -> None:
    shipments = pd.DataFrame({"origin": "CN", "program": "V1", "powertrain": "BEV",
                              "market": "EU", "year": 2025, "shipment_vehicles": 10.0,
                              "export": True}, index=[0])
    plan = plan_sales(shipments, None, {"first_year": 2025, "last_year": 2025})
    with pytest.raises(InputError) as error:
        project_fleet(plan, history=_history("\u0415U"))
    assert messages(error)[0].endswith(
        "market '\u0415U' is not a market of the plan. Did you mean 'EU'? It is typed with "
        "'\u0415' (CYRILLIC CAPITAL LETTER IE).")
