"""A blank key cell is shown as nothing in a row's name (it was ``<NA>`` or ``None``)."""

from __future__ import annotations

import pandas as pd

from evplan.data.columns import row_label
from evplan.schema import TABLES


def test_a_blank_key_year_is_blank_not_na() -> None:
    frame = pd.DataFrame({"row": [2], "origin": ["CN"], "market": ["BR"], "powertrain": ["*"],
                          "first_year": pd.array([None], dtype="Int64"),
                          "kit_duty_rate": [0.1]})
    assert row_label(TABLES["kit_duties"], frame, 0) == "row 2, kit_duties 'CN/BR/*/'"


def test_a_blank_maker_leaves_no_gap() -> None:
    frame = pd.DataFrame({"row": [3], "origin": ["CN"], "market": ["EU"], "powertrain": ["BEV"],
                          "maker": [None], "first_year": pd.array([2024], dtype="Int64")})
    assert row_label(TABLES["countervailing_duties"], frame, 0) == (
        "row 3, countervailing duty 'CN>EU BEV from 2024'")
    frame["maker"] = ["BYD"]
    assert row_label(TABLES["countervailing_duties"], frame, 0) == (
        "row 3, countervailing duty 'CN>EU BEV BYD from 2024'")
