"""A repeated column name in a folder laid over ``base_inputs``: an input error, not a crash.

Found by the session-18 load-equivalence mutations (china-strategic with a column of
``plant_programs.csv`` written twice): pandas could not align the base and the overlay and
``evplan.load`` raised InvalidIndexError.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.errors import InputError
from evplan.examples import china_export_path


def _layered(tmp_path: Path) -> Path:
    base = tmp_path / "base"
    shutil.copytree(china_export_path(), base)
    top = tmp_path / "top"
    top.mkdir()
    (top / "scenario.yaml").write_text("name: top\nbase_inputs: ../base\n", encoding="utf-8")
    return top


def test_a_repeated_column_in_the_overlay_is_named(tmp_path: Path) -> None:
    top = _layered(tmp_path)
    rows = pd.read_csv(tmp_path / "base" / "plant_programs.csv").head(2)
    text = rows.to_csv(index=False).splitlines()
    header, *body = text
    (top / "plant_programs.csv").write_text(
        "\n".join([header + ",plant", *(line + "," + line.split(",")[0] for line in body)])
        + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        evplan.load(top)
    assert "top/plant_programs.csv" in str(caught.value)
    assert ("column 'plant' appears 2 times in the header. Keep one column named plant"
            in str(caught.value))


def test_a_repeated_column_in_the_base_is_named(tmp_path: Path) -> None:
    top = _layered(tmp_path)
    base_file = tmp_path / "base" / "markets.csv"
    lines = base_file.read_text(encoding="utf-8").splitlines()
    base_file.write_text("\n".join(
        [lines[0] + ",market", *(line + "," + line.split(",")[0] for line in lines[1:])])
        + "\n", encoding="utf-8")
    pd.read_csv(tmp_path / "base" / "markets.csv").head(1).iloc[:, :-1].to_csv(
        top / "markets.csv", index=False)
    with pytest.raises(InputError, match="column 'market' appears 2 times in the header"):
        evplan.load(top)
