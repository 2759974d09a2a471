"""A blank required cell's message keeps the ids and acronyms of the column's description
(audit s23, helper-79: "Give the cell chemistry, e.g. lfp, nmc811", ids no table knows)."""

from __future__ import annotations

import pytest

from evplan.data.columns import _mid_sentence


@pytest.mark.parametrize(("description", "shown"), [
    ("Plant id.", "plant id."),
    ("Cell chemistry, e.g. LFP, NMC811.", "cell chemistry, e.g. LFP, NMC811."),
    ("LFP share of packs.", "LFP share of packs."),
    ("EU member state.", "EU member state."),
    ("A", "A"),
    ("", ""),
])
def test_only_an_ordinary_first_word_is_lower_cased(description: str, shown: str) -> None:
    assert _mid_sentence(description) == shown


def test_a_blank_fleet_chemistry_asks_for_the_ids_as_written() -> None:
    import pandas as pd

    from evplan.data.columns import coerce_table
    from evplan.fleet.params import BATTERY

    frame = pd.DataFrame({"row": [2], "chemistry": [""], "pack_kg_per_kwh": ["6"],
                          "capacity_fade_per_year": ["0.02"],
                          "retirement_state_of_health": ["0.7"]})
    problems: list = []
    coerce_table(BATTERY, frame, "battery.csv", problems)
    blank = [problem.message for problem in problems if "chemistry is blank" in problem.message]
    assert len(blank) == 1 and blank[0].endswith(
        "chemistry is blank. Give the chemistry id, e.g. LFP, NMC811."), blank


@pytest.mark.parametrize("text", ["1e400", "-2E+999"])
def test_a_number_too_large_for_a_double_says_so(text: str) -> None:
    """'1e400' overflows to infinity: it was called 'not a number' (audit s23, helper-78)."""
    import pandas as pd

    from evplan.data.columns import coerce_table
    from evplan.fleet.params import BATTERY

    frame = pd.DataFrame({"row": [2], "chemistry": ["LFP"], "pack_kg_per_kwh": [text],
                          "capacity_fade_per_year": ["0.02"],
                          "retirement_state_of_health": ["0.7"]})
    problems: list = []
    coerce_table(BATTERY, frame, "battery.csv", problems)
    assert [problem.message for problem in problems if "pack_kg" in problem.message] == [
        f"row 2, chemistry 'LFP': pack_kg_per_kwh = '{text}' is not a number: it is too "
        "large (evplan reads numbers up to about 1.8e308). Check the value in kg/kWh and its "
        "exponent."]
