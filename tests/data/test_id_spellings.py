"""Two plants, markets or programs whose ids differ only in case or look-alike letters are
refused: each is defined with rows of its own, so a row of another file written one way
reaches only one of them (evplan.data.checks, evplan.data.spellings)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.data import write_inputs
from evplan.examples import china_export


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_inputs(china_export(), tmp_path_factory.mktemp("base") / "inputs")


def _copy(base: Path, into: Path) -> Path:
    folder = into / "inputs"
    folder.mkdir()
    for path in base.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def _twin(folder: Path, table: str, column: str, spelled: str) -> str:
    """Add a copy of ``table``'s first row whose ``column`` is ``spelled`` (an id that
    differs from the first row's in case or letters); the first row's id."""
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    twin = frame.iloc[[0]].copy()
    twin[column] = spelled
    pd.concat([frame, twin]).to_csv(folder / f"{table}.csv", index=False)
    return str(frame.loc[0, column])


def _problems(folder: Path) -> list[str]:
    with pytest.raises(evplan.InputError) as caught:
        evplan.load(folder)
    return [f"{problem.file}: {problem.message}" for problem in caught.value.problems]


@pytest.mark.parametrize(("table", "column"), [("plants", "plant"), ("markets", "market"),
                                               ("programs", "program")])
def test_an_id_in_another_case_is_refused(base: Path, tmp_path: Path, table: str,
                                          column: str) -> None:
    folder = _copy(base, tmp_path)
    first = str(pd.read_csv(folder / f"{table}.csv", dtype=str).loc[0, column])
    _twin(folder, table, column, first.lower())
    found = [text for text in _problems(folder) if f"{column} '{first.lower()}'" in text
             and "is not" in text]
    assert len(found) == 1, _problems(folder)
    assert f"is not '{first}' (row 2): they differ in case" in found[0]
    assert f"Give it a name of its own, or remove the row if it repeats '{first}'." in found[0]
    assert found[0].startswith(f"{table}.csv")


def test_a_plant_with_a_cyrillic_letter_is_refused(base: Path, tmp_path: Path) -> None:
    folder = _copy(base, tmp_path)
    first = _twin(folder, "plants", "plant", "CN-HU\u0410")  # Cyrillic A
    assert first == "CN-HUA"
    found = [text for text in _problems(folder) if "is not 'CN-HUA'" in text]
    assert len(found) == 1 and "U+0410" in found[0], found


def test_ids_that_differ_by_more_than_spelling_stay_valid(base: Path, tmp_path: Path) -> None:
    folder = _copy(base, tmp_path)
    frame = pd.read_csv(folder / "plants.csv", dtype=str, keep_default_na=False)
    assert evplan.load(folder).plants["plant"].tolist() == frame["plant"].tolist()
