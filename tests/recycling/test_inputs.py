"""Bad inputs get the core's messages, word for word, every problem at once."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.recycling.conftest import retired, tiny_tables

from evplan.errors import InputError
from evplan.recycling import RecyclingOptions, load_inputs, mass_shares, sources
from evplan.recycling.tables import TABLES, default_path


def _messages(error: InputError) -> list[str]:
    return [problem.message for problem in error.problems]


def test_every_problem_is_collected():
    tables = tiny_tables()
    tables["plant_tiers"] = pd.DataFrame({"tier": ["small", "big"],
                                          "capacity_tonnes_per_year": [10.0, -5.0],
                                          "capital_usd": [1.0, 1.0]})
    tables["recovery"].loc[0, "recovery"] = 94.0
    tables["candidate_plants"]["processes"] = ["hydor", "*"]
    bad = retired(10.0).assign(chemistry="x")
    with pytest.raises(InputError) as caught:
        load_inputs(bad, **tables)
    messages = _messages(caught.value)
    assert ("row 3, tier 'big': capacity_tonnes_per_year = -5 is below the minimum 0. Fix the "
            "sign or the value.") in messages
    assert ("row 2, recovery 'pyro/nickel': recovery = 94 is outside [0, 1]. Rates are "
            "fractions (94 % -> 0.94).") in messages
    # references between clean tables come in the same report (they waited for every
    # cell of every table to be clean: a second round of errors after the first fix)
    assert ("row 2, retired_packs 'P/2030/x': chemistry 'x' is not in packs.csv. Did you "
            "mean 'X'?") in messages
    assert ("row 2, plant 'A': process 'hydor' is not in processes.csv. Did you mean "
            "'hydro'?") in messages
    assert len(messages) == 4


def test_a_reference_into_a_broken_table_waits_for_its_cells():
    """A table with a bad cell, a missing column or no rows is left to its own problem."""
    tables = tiny_tables()
    tables["processes"].loc[0, "processing_usd_per_tonne"] = -1.0
    tables["candidate_plants"]["processes"] = ["hydor", "*"]  # refers to processes: waits
    tables["transport"] = tables["transport"].drop(columns="usd_per_tonne_km")
    tables["lanes"].loc[0, "mode"] = "rail"  # refers to transport: waits
    tables["lanes"].loc[1, "to"] = "BB"  # refers to candidate_plants: clean, reported
    tables["packs"] = tables["packs"].iloc[0:0]
    with pytest.raises(InputError) as caught:
        load_inputs(retired(10.0).assign(collection_point="Q"), **tables)
    messages = _messages(caught.value)
    assert messages == [
        "row 2, process 'pyro': processing_usd_per_tonne = -1 is below the minimum 0. Fix the "
        "sign or the value.",
        "column 'usd_per_tonne_km' is missing. Add it: Cost per tonne-km. (USD/t-km).",
        "packs.csv has a header but no rows. Add its rows, or leave the file out to use "
        "evplan's default.",
        "row 2, retired_packs 'Q/2030/X': collection_point 'Q' is not a collection point. "
        "Add it to collection_points.csv.",
        "row 3, lanes 'P/BB': to 'BB' is not a plant or region. Did you mean 'B'?",
    ]


def test_retired_cells_and_references_are_reported_together():
    bad = pd.DataFrame({"collection_point": ["P", "Q"], "year": [2030, 2031],
                        "chemistry": ["X", "Y"], "kwh": [-5.0, 100.0]})
    with pytest.raises(InputError) as caught:
        load_inputs(bad, **tiny_tables())
    messages = _messages(caught.value)
    assert ("row 2, retired_packs 'P/2030/X': kwh = -5 is below the minimum 0. Fix the "
            "sign or the value.") in messages
    assert any(message.startswith("row 3, retired_packs 'Q/2031/Y': chemistry 'Y' is not in "
                                  "packs.csv.") for message in messages)
    assert any(message.startswith("row 3, retired_packs 'Q/2031/Y': collection_point 'Q' is "
                                  "not a collection point.") for message in messages)
    assert len(messages) == 3


def test_references_are_checked_with_suggestions():
    tables = tiny_tables()
    tables["candidate_plants"]["processes"] = ["hydor", "*"]
    tables["lanes"].loc[1, "to"] = "BB"
    bad = retired(10.0).assign(chemistry="x")
    with pytest.raises(InputError) as caught:
        load_inputs(bad, **tables)
    assert _messages(caught.value) == [
        "row 2, retired_packs 'P/2030/x': chemistry 'x' is not in packs.csv. Did you mean 'X'?",
        "row 2, plant 'A': process 'hydor' is not in processes.csv. Did you mean 'hydro'?",
        "row 3, lanes 'P/BB': to 'BB' is not a plant or region. Did you mean 'B'?",
    ]
    text = str(caught.value)
    assert text.startswith("evplan: 1 problem in retired_packs.csv")


def test_tonnes_lighter_than_their_materials():
    bad = retired(10.0).assign(tonnes=0.5)  # 1,000 kWh hold 6 t of materials
    with pytest.raises(InputError) as caught:
        load_inputs(bad, **tiny_tables())
    assert _messages(caught.value) == [
        "row 2, retired_packs 'P/2030/X': tonnes = 0.5 is below the 6 t of materials in 1000 "
        "kWh. Check the unit (tonnes, not kg) or leave it blank."]


def test_unknown_table_and_bad_option():
    with pytest.raises(InputError) as caught:
        load_inputs(retired(10.0), plant_tier=None)
    assert _messages(caught.value) == [
        "table 'plant_tier' is not a recycling table. Did you mean 'plant_tiers'?"]
    with pytest.raises(InputError) as caught:
        RecyclingOptions(discount_rate=8.0, objective="cheapest")  # type: ignore[arg-type]
    assert _messages(caught.value) == [
        "objective = 'cheapest' is not 'meet_all' or 'max_value'. Use one of them.",
        "discount_rate = 8 is outside [0, 1]. Rates are fractions (8 % -> 0.08)."]


def test_collection_point_without_lane():
    from evplan.recycling import plan_recycling

    tables = tiny_tables()
    tables["lanes"]["allowed"] = [False, False]
    with pytest.raises(InputError) as caught:
        plan_recycling(load_inputs(retired(10.0), **tables))
    assert _messages(caught.value) == [
        "collection point 'P' has 10 t of retired packs but no allowed lane to a candidate "
        "plant that is open by then. Allow a lane in lanes.csv or add a candidate plant it "
        "may ship to."]


def test_defaults_carry_sources_and_close_the_mass_balance():
    known = set(sources())
    for _, file in TABLES.values():
        table = pd.read_csv(default_path(file), dtype=str, keep_default_na=False)
        assert (table["source"] != "").all(), file
        cited = table["source"].str.findall(r"\[([^\]]+)\]").explode().dropna()
        assert set(cited) <= known, (file, set(cited) - known)
        assert table["source"].str.contains(r"\[|estimate|derived|synthetic").all(), file
    for file in ("synthetic_collection_points.csv", "synthetic_candidate_plants.csv"):
        table = pd.read_csv(default_path(file))
        assert table["source"].str.contains("synthetic").all()
    shares = mass_shares(load_inputs(retired(1.0).assign(chemistry="LFP", collection_point="EU")))
    assert (shares["other"] >= 0).all()
    assert shares.sum(axis=1).to_numpy() == pytest.approx(1.0)
    # BatPaC NMC811: 0.6584 kg nickel per kWh of a 4.99 kg/kWh pack
    assert shares.loc["NMC811", "nickel"] == pytest.approx(0.6584 / 4.99)


def test_empty_tables_unpriced_materials_and_a_misspelled_table_file(tmp_path):
    """Audit 2: a header-only prices table made every material worth 0 (exit 0), a
    header-only candidate_plants table was blamed on lanes, a retired-packs file without
    rows crashed (NaN to int), and pricez.csv in --defaults was silently left out."""
    from evplan.recycling.summary import table_sources

    tables = tiny_tables()
    tables["prices"] = tables["prices"].iloc[:0]
    tables["candidate_plants"] = tables["candidate_plants"].iloc[:0]
    with pytest.raises(InputError) as caught:
        load_inputs(retired(10.0), **tables)
    assert _messages(caught.value) == [
        "prices.csv has a header but no rows. Add its rows, or leave the file out to use "
        "evplan's default.",
        "candidate_plants.csv has a header but no rows. Add its rows, or leave the file out "
        "to use evplan's default."]
    tables = tiny_tables()
    tables["prices"] = tables["prices"][tables["prices"]["material"] != "lithium"]
    with pytest.raises(InputError) as caught:
        load_inputs(retired(10.0), **tables)
    assert _messages(caught.value) == [
        "material 'lithium' of materials has no row in prices.csv, so its recovered tonnes "
        "would be worth nothing. Add its usd_per_tonne (0 if it sells for nothing)."]
    for packs in (retired(10.0).iloc[:0], retired(0.0)):
        with pytest.raises(InputError) as caught:
            load_inputs(packs, **tiny_tables())
        assert _messages(caught.value) == [
            "retired_packs.csv holds no pack to recycle (no row, or every kwh and tonnes is "
            "0). Give at least one row with kwh above 0."]
    (tmp_path / "pricez.csv").write_text("material,usd_per_tonne\n", encoding="utf-8")
    (tmp_path / "my_retired_packs.csv").write_text("x\n", encoding="utf-8")  # not close
    (tmp_path / "prices_eu.csv").write_text("x\n", encoding="utf-8")  # an alternative
    with pytest.raises(InputError) as caught:
        table_sources(tmp_path)
    assert _messages(caught.value) == [
        f"pricez.csv in {tmp_path} is not a recycling table, so it would be left out. Did "
        "you mean 'prices.csv'? Rename it, or move it out of the folder."]


def test_two_files_of_the_same_name_are_told_apart(tmp_path):
    """Audit 3: a retired-packs file named packs.csv and the packs table's packs.csv were
    one heading in the report (and a problem of the table counted as the retired file's)."""
    folder = tmp_path / "retired"
    folder.mkdir()
    retired_file = folder / "packs.csv"
    retired(10.0).assign(kwh=[-1.0]).to_csv(retired_file, index=False)
    tables = tiny_tables()
    packs_file = tmp_path / "packs.csv"
    tables["packs"].assign(pack_kg_per_kwh=-1.0).to_csv(packs_file, index=False)
    tables["packs"] = packs_file
    with pytest.raises(InputError) as caught:
        load_inputs(retired_file, **tables)
    files = {problem.file for problem in caught.value.problems}
    assert files == {str(retired_file), str(packs_file)}
    text = str(caught.value)
    assert f"in {retired_file}" in text and f"in {packs_file}" in text


@pytest.mark.parametrize("years", [{"first_year": 2040}, {"last_year": 2020},
                                   {"first_year": 2031, "last_year": 2035}])
def test_years_planned_without_packs_are_an_input_error(years):
    """They crashed (IndexError from an empty horizon, a ValueError from the solver)."""
    from evplan.recycling import plan_recycling

    with pytest.raises(InputError) as caught:
        plan_recycling(load_inputs(retired(10.0), **tiny_tables()),
                       RecyclingOptions(explain_targets=False, **years))
    assert "hold no retired packs (they retire in 2030-2030)" in str(caught.value)
    assert caught.value.problems[0].file == "options"


def test_packs_retiring_outside_the_years_planned_are_said_to_be_left_out():
    """Audit: with first_year after some retirements the earlier packs were left out of the
    plan without a word; the assumptions now say how many tonnes and which years."""
    from evplan.recycling import plan_recycling

    packs = pd.concat([retired(500.0, 2029), retired(500.0, 2030), retired(200.0, 2032)],
                      ignore_index=True)
    plan = plan_recycling(load_inputs(packs, **tiny_tables()),
                          RecyclingOptions(explain_targets=False, first_year=2030,
                                           last_year=2031))
    assert ("700 t of packs retiring in 2029-2032, outside the years planned (2030-2031), are "
            "not in this plan.") in plan.assumptions
    whole = plan_recycling(load_inputs(packs, **tiny_tables()),
                           RecyclingOptions(explain_targets=False))
    assert not any("outside the years planned" in line for line in whole.assumptions)


def test_a_region_or_id_typed_with_look_alike_letters_is_an_input_error():
    """Plant B in region 'ΕU' (Greek capital Epsilon) was accepted: the lane rule EU -> EU
    did not apply to it, so B was silently unreachable (audit s18)."""
    tables = tiny_tables()
    tables["collection_points"]["region"] = ["EU"]
    tables["candidate_plants"]["region"] = ["EU", "\u0395U"]
    tables["lanes"] = pd.DataFrame({"from": ["EU"], "to": ["EU"], "allowed": [True],
                                    "mode": ["road"]})
    with pytest.raises(InputError) as caught:
        load_inputs(retired(100.0), **tables)
    said = str(caught.value)
    assert ("row 3, plant 'B': region '\u0395U' looks like 'EU' but is typed with "
            "'\u0395' (GREEK CAPITAL LETTER EPSILON), so it is another id and the lane rules "
            "for 'EU' do not apply to it. Type 'EU' in Latin letters.") in said, said
    tables["candidate_plants"]["region"] = ["EU", "EU"]
    tables["collection_points"]["collection_point"] = ["\u0420"]  # Cyrillic Er, like 'P'
    tables["lanes"] = pd.DataFrame({"from": ["P", "EU"], "to": ["A", "EU"],
                                    "allowed": [False, True], "mode": ["road", "road"]})
    with pytest.raises(InputError) as caught:
        load_inputs(retired(100.0).assign(collection_point="\u0420"), **tables)
    assert "collection_point '\u0420' looks like 'P'" in str(caught.value)
    # plain Latin names and non-Latin names without a twin stay allowed
    tables["collection_points"]["collection_point"] = ["P\u00fc"]
    tables["lanes"] = pd.DataFrame({"from": ["EU"], "to": ["EU"], "allowed": [True],
                                    "mode": ["road"]})
    load_inputs(retired(100.0).assign(collection_point="P\u00fc"), **tables)
