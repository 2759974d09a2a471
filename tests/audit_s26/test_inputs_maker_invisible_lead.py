"""A program maker with an invisible character is named on the programs' rows only, and the
duty row's message never tells the user to type it (helper-106's review, s26, B1).

Before: with every program's maker 'Nissan' + U+200B and a countervailing duty on 'Nissan',
the duty's row read "maker 'Nissan' is not the maker of any program, but 'Nissan\u200b' is:
makers are case-sensitive ... Write 'Nissan\u200b'" (the raw invisible character, the wrong
reason and the wrong fix), beside the programs' rows saying "Retype it as 'Nissan'".
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import evplan
import evplan.examples
from evplan.errors import InputError


def _rewrite(path: Path, change: dict[str, str], column: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row[column] = change.get(row[column], row[column])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_the_duty_row_does_not_ask_for_the_invisible_character(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    shutil.copytree(evplan.examples.china_export_path(), folder)
    _rewrite(folder / "programs.csv", {"Nissan": "Nissan\u200b"}, "maker")
    duties = folder / "countervailing_duties.csv"
    with duties.open("a", encoding="utf-8", newline="") as handle:  # a duty on Nissan itself
        csv.writer(handle).writerow(["CN", "EU", "BEV", "Nissan", 2025, 2029, 0.207, "test"])
    with pytest.raises(InputError) as raised:
        evplan.load(folder)
    messages = [problem.message for problem in raised.value.problems]
    assert all("\u200b" not in message for message in messages), messages
    assert not [m for m in messages if "Write 'Nissan<U+200B>'" in m], messages
    on_duties = [p for p in raised.value.problems if p.file.startswith("countervailing")]
    assert on_duties == [], [p.message for p in on_duties]
    on_programs = [p.message for p in raised.value.problems
                   if p.file.startswith("programs") and p.message.startswith("row ")]
    assert on_programs and all("as 'Nissan'." in m or "Write 'Nissan'." in m
                               for m in on_programs), on_programs
