"""Fuzzed recycling input files: every bad cell is an input error naming file, row, column,
value and a fix; problems of several files come in one report; the CLI exits 1 and writes
nothing; names that look like formulas or paths stay text in the outputs.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from tests.recycling.conftest import retired, tiny_tables

from evplan.errors import InputError
from evplan.recycling import load_inputs

TARGETS = [("recycling_efficiency", "*", 2025, 0.5)]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "tables"
    folder.mkdir()
    for name, frame in tiny_tables(eu=True, targets=TARGETS).items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    retired(500.0).to_csv(folder / "retired.csv", index=False)
    return folder


def _load(folder: Path) -> None:
    tables = {name: folder / f"{name}.csv" for name in tiny_tables()}
    load_inputs(folder / "retired.csv", **tables)


def _edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


# (file, edit of its text, row, words the message must hold: column and value)
CASES = [
    ("plant_tiers", lambda s: s.replace("1000.0", "nan"), 2, ["capacity_tonnes_per_year",
                                                              "'nan'"]),
    ("plant_tiers", lambda s: s.replace("1000.0", "inf"), 2, ["capacity_tonnes_per_year",
                                                              "'inf'"]),
    ("plant_tiers", lambda s: s.replace("1000.0", "-5"), 2, ["capacity_tonnes_per_year", "-5"]),
    ("plant_tiers", lambda s: s.replace("1000.0", "lots"), 2, ["capacity_tonnes_per_year",
                                                               "'lots'"]),
    ("retired", lambda s: s.replace("50000.0", "-1"), 2, ["kwh", "-1"]),
    ("retired", lambda s: s.replace("50000.0", "1e400"), 2, ["kwh", "1e400"]),
    ("retired", lambda s: s.replace("2030", "2030.5"), 2, ["year", "2030.5"]),
    ("retired", lambda s: s.replace("\nP,", "\n=1+1,"), 2, ["collection_point", "'=1+1'"]),
    ("retired", lambda s: s.replace(",X,", ",@X,"), 2, ["chemistry", "'@X'"]),
    ("prices", lambda s: s.replace("10000.0", "inf"), 2, ["usd_per_tonne", "'inf'"]),
    ("prices", lambda s: s + "nickel,5\n", 2, ["duplicate material 'nickel'"]),
    ("recovery", lambda s: s.replace("0.9", "1.5", 1), 2, ["recovery", "1.5"]),
    ("lanes", lambda s: s.replace("True", "maybe", 1), 2, ["allowed", "'maybe'"]),
    ("lanes", lambda s: s.replace("road", "rail", 1), 2, ["mode", "'rail'"]),
    ("lanes", lambda s: s.replace(",100.0", ",-100"), 2, ["distance_km", "-100"]),
    ("lanes", lambda s: s.replace("\nP,A,", "\n../../etc,A,"), 2, ["from", "'../../etc'"]),
    ("candidate_plants", lambda s: s.replace(",0.0,1.0,", ",0.0,+1e999,"), 2, ["lon"]),
    ("candidate_plants", lambda s: s.replace(",*\n", ",pyro;-smelt\n", 1), 2,
     ["process", "'-smelt'"]),
    ("transport", lambda s: s.replace(",1.0,", ",NaN,", 1), 2, ["usd_per_tonne_km", "'NaN'"]),
    ("targets", lambda s: s.replace("0.5", "50"), 2, ["share", "50"]),
    ("packs", lambda s: s.replace("10.0", "text"), 2, ["pack_kg_per_kwh", "'text'"]),
    ("materials", lambda s: s.replace("nickel", "unobtainium"), 2, ["material",
                                                                   "'unobtainium'"]),
]


@pytest.mark.parametrize(("table", "change", "row", "words"), CASES,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)])
def test_a_bad_cell_is_named(tmp_path, table, change, row, words):
    folder = _folder(tmp_path)
    _edit(folder / f"{table}.csv", change)
    with pytest.raises(InputError) as caught:
        _load(folder)
    problems = [p for p in caught.value.problems if p.file == f"{table}.csv"]
    assert problems, str(caught.value)
    assert problems[0].row == row, str(caught.value)
    for word in words:
        assert word in problems[0].message, str(caught.value)
    assert problems[0].message.rstrip()[-1] in ".?", problems[0].message  # a fix ends it


@pytest.mark.parametrize(("change", "said"), [
    (lambda s: "", "prices.csv is empty"),
    (lambda s: s.splitlines()[0] + "\n", "prices.csv has a header but no rows"),
    (lambda s: s.replace("usd_per_tonne", "material"), "column 'material' appears 2 times"),
    (lambda s: "material\nnickel\n", "column 'usd_per_tonne' is missing"),
    (lambda s: s.replace("usd_per_tonne", "usd_per_tonne,extra").replace("\n", ",1\n")
     .replace("extra,1", "extra"), "column 'extra' is not a column of prices"),
])
def test_a_broken_table_is_named(tmp_path, change, said):
    folder = _folder(tmp_path)
    _edit(folder / "prices.csv", change)
    with pytest.raises(InputError) as caught:
        _load(folder)
    assert said in str(caught.value)


def test_problems_of_several_files_come_at_once(tmp_path):
    folder = _folder(tmp_path)
    _edit(folder / "plant_tiers.csv", lambda s: s.replace("1000.0", "nan"))
    _edit(folder / "retired.csv", lambda s: s.replace(",X,", ",Z,"))
    _edit(folder / "lanes.csv", lambda s: s.replace("road", "rail", 1))
    _edit(folder / "prices.csv", lambda s: s + "nickel,5\n")
    with pytest.raises(InputError) as caught:
        _load(folder)
    assert {p.file for p in caught.value.problems} == {"plant_tiers.csv", "retired.csv",
                                                       "lanes.csv", "prices.csv"}


def test_a_header_only_retired_file_comes_with_the_other_problems(tmp_path):
    """It was reported only once every table was clean: a second round of errors."""
    folder = _folder(tmp_path)
    _edit(folder / "retired.csv", lambda s: s.splitlines()[0] + "\n")
    _edit(folder / "plant_tiers.csv", lambda s: s.replace("1000.0", "-1"))
    with pytest.raises(InputError) as caught:
        _load(folder)
    said = str(caught.value)
    assert "retired.csv holds no pack to recycle" in said
    assert "capacity_tonnes_per_year = -1" in said


def test_cli_bad_inputs_exit_1_and_write_nothing(tmp_path):
    folder = _folder(tmp_path)
    _edit(folder / "plant_tiers.csv", lambda s: s.replace("1000.0", "inf"))
    _edit(folder / "retired.csv", lambda s: s.replace("50000.0", "-3"))
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "recycling", "--retired",
                           str(folder / "retired.csv"), "--defaults", str(folder), "-o",
                           str(tmp_path / "out"), "--no-record"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "capacity_tonnes_per_year = 'inf'" in said and "kwh = -3" in said
    assert not (tmp_path / "out").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tables"]


def test_names_stay_text_and_never_become_paths(tmp_path):
    """Ids like =1+1, @SUM(A1), +cmd, -2+3 and ../../x are written as text, never as
    paths; a folder evplan did not write is left alone."""
    tables = tiny_tables()
    names = {"A": "=1+1", "B": "@SUM(A1)"}
    tables["candidate_plants"]["plant"] = tables["candidate_plants"]["plant"].map(names)
    tables["candidate_plants"]["name"] = ["+cmd|' /C calc'!A0", "-2+3"]
    tables["lanes"]["to"] = tables["lanes"]["to"].map(names)
    tables["collection_points"]["collection_point"] = ["../../x"]
    tables["lanes"]["from"] = ["../../x"] * 2
    folder = tmp_path / "tables"
    folder.mkdir()
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    retired(1500.0).assign(collection_point="../../x").to_csv(tmp_path / "packs.csv",
                                                               index=False)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep", encoding="utf-8")
    base = [sys.executable, "-m", "evplan.cli", "recycling", "--retired",
            str(tmp_path / "packs.csv"), "--defaults", str(folder), "--no-record",
            "--mip-gap", "0"]
    refused = subprocess.run([*base, "-o", str(foreign)], capture_output=True, text=True,
                             check=False)
    assert refused.returncode == 1
    assert sorted(p.name for p in foreign.iterdir()) == ["mine.txt"]
    done = subprocess.run([*base, "-o", str(tmp_path / "out")], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    plants = pd.read_csv(tmp_path / "out" / "recycling_plants.csv", dtype=str)
    assert sorted(plants["plant"]) == ["'=1+1", "'@SUM(A1)"]
    assert sorted(plants["name"]) == ["'+cmd|' /C calc'!A0", "'-2+3"]
    flows = pd.read_csv(tmp_path / "out" / "recycling_flows.csv", dtype=str)
    assert set(flows["collection_point"]) == {"../../x"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign", "out", "packs.csv",
                                                          "tables"]
