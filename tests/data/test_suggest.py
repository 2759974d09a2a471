"""did_you_mean: a value that differs from an allowed one only in case or in look-alike
letters is answered with that value (the fleet audit of session 18: 'ВEV' with a Cyrillic
'В' was answered "Did you mean 'HEV'?", and a two-letter id got no answer)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError
from evplan.examples import china_export_path


@pytest.mark.parametrize(("value", "candidates", "answer"), [
    ("\u0412EV", ["BEV", "HEV", "ICE", "PHEV"], "BEV"),      # Cyrillic VE
    ("\u0421N", ["CN", "KR", "JP"], "CN"),                    # Cyrillic ES, two letters
    ("\uff23\uff2e", ["CN", "KR"], "CN"),                     # fullwidth
    ("\u0392R", ["BR", "KR"], "BR"),                          # Greek BETA
    ("bev", ["BEV", "HEV"], "BEV"),                           # case only
])
def test_a_look_alike_is_answered_with_what_it_imitates(value: str, candidates: list[str],
                                                         answer: str) -> None:
    text = did_you_mean(value, candidates)
    assert text.startswith(f" Did you mean '{answer}'?")
    assert ("from another alphabet" in text) == (not value.isascii())


def test_the_closest_spelling_is_still_answered() -> None:
    assert did_you_mean("MX-AGS", ["MX-AGU", "CN-HUA"]) == " Did you mean 'MX-AGU'?"
    assert did_you_mean("ZZZ", ["BEV", "HEV"]) == ""


def test_a_powertrain_with_a_cyrillic_letter_names_bev(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    shutil.copytree(china_export_path(), folder)
    programs = pd.read_csv(folder / "programs.csv", dtype=str, keep_default_na=False)
    row = programs.index[programs["powertrain"] == "BEV"][0]
    programs.loc[row, "powertrain"] = "\u0412EV"
    programs.to_csv(folder / "programs.csv", index=False)
    with pytest.raises(InputError) as caught:
        evplan.load(folder)
    message = str(caught.value)
    assert "powertrain = '\u0412EV'" in message
    assert "Did you mean 'BEV'?" in message and "CYRILLIC CAPITAL LETTER VE" in message
