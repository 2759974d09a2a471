"""Audit s23 (helper-80): a workbook's scenarios sheet lists every problem at once.

Before, a repeated row (``freight-shock`` twice) was the only problem named: a NaN scale
factor and an infinite sweep value in other rows came out only once it was fixed.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from evplan.errors import InputError
from evplan.scenarios.workbook import read_workbook_catalog

HEADER = ["section", "name", "entry", "description"]
BASE = [["overrides", "freight-shock", "{routes: {scale: {freight_usd_per_vehicle: 2.0}}}",
         "freight doubled"],
        ["parameters", "freight", "{routes: {scale: freight_usd_per_vehicle}}", ""]]


def _with_rows(folder: Path, rows: list[list[str]]) -> tuple[Path, int]:
    """A workbook whose scenarios sheet holds BASE and then ``rows`` (the sheet alone is
    read); returns it and the sheet row of the first of ``rows``."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "scenarios"
    for row in [HEADER, *BASE, *rows]:
        sheet.append(row)
    path = folder / "book.xlsx"
    workbook.save(path)
    return path, 2 + len(BASE)


def test_the_sheet_without_added_rows_reads(tmp_path: Path) -> None:
    path, _ = _with_rows(tmp_path, [])
    catalog = read_workbook_catalog(path)
    assert list(catalog.overrides) == ["freight-shock"] and list(catalog.parameters) == [
        "freight"]


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as error:
        read_workbook_catalog(path)
    return [problem.message for problem in error.value.problems]


def test_repeated_rows_nan_and_inf_come_in_one_error(tmp_path: Path) -> None:
    path, first = _with_rows(tmp_path, [
        ["overrides", "freight-shock", "{routes: {scale: {freight_usd_per_vehicle: 3.0}}}", ""],
        ["overrides", "nan-o", "{routes: {scale: {freight_usd_per_vehicle: .nan}}}", ""],
        ["sweeps", "inf-s", "{freight: [1, .inf]}", ""]])
    assert _problems(path) == [
        f"row {first}: overrides 'freight-shock' is given twice. Keep one row per name and "
        "section.",
        f"row {first + 1}, entry: override 'nan-o': scale factor for freight_usd_per_vehicle "
        "= nan is not a finite number. Write a factor such as 1.5.",
        f"row {first + 2}, entry: sweep 'inf-s': freight: inf is not a list of finite "
        "numbers. Give values such as [0.5, 1, 2]."]


def test_a_use_of_a_row_that_could_not_be_read_is_not_a_second_problem(
        tmp_path: Path) -> None:
    path, first = _with_rows(tmp_path, [
        ["overrides", "broken", "{routes: {scale: {freight_usd_per_vehicle: 2}", ""],
        ["scenarios", "uses-broken", "[broken]", ""],
        ["sweeps", "nan-s", "{freight: [.nan]}", ""]])
    problems = _problems(path)
    assert len(problems) == 2  # no "override 'broken' is not declared" for uses-broken
    assert problems[0].startswith(f"book.xlsx, sheet scenarios, row {first} (broken) is not "
                                  "valid YAML")
    assert problems[1] == (f"row {first + 2}, entry: sweep 'nan-s': freight: nan is not a "
                           "list of finite numbers. Give values such as [0.5, 1, 2].")
