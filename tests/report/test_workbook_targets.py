"""The library's workbook writers never replace a file evplan did not write, nor write through
a link (audit s23, helper-81: write_template and write_result_workbook wrote over any file)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evplan.errors import OutputError
from evplan.examples import single_lane
from evplan.report import write_result_workbook, write_template

TABLES = {"shipments": pd.DataFrame({"plant": ["P1"], "shipment_vehicles": [1.0]})}


def test_a_user_file_is_never_replaced(tmp_path: Path) -> None:
    mine = tmp_path / "mine.xlsx"
    mine.write_bytes(b"my own workbook")
    for write in (lambda: write_template(mine, single_lane(), force=True),
                  lambda: write_result_workbook(TABLES, mine)):
        with pytest.raises(OutputError, match="evplan did not write it"):
            write()
        assert mine.read_bytes() == b"my own workbook"


def test_a_link_is_never_written_through(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep", encoding="utf-8")
    link = tmp_path / "book.xlsx"
    link.symlink_to(target)
    for write in (lambda: write_template(link, single_lane(), force=True),
                  lambda: write_result_workbook(TABLES, link)):
        with pytest.raises(OutputError, match="symbolic link"):
            write()
    assert target.read_text(encoding="utf-8") == "keep" and link.is_symlink()


def test_evplan_s_own_workbooks_are_replaced_as_documented(tmp_path: Path) -> None:
    template = write_template(tmp_path / "inputs.xlsx", single_lane())
    with pytest.raises(OutputError, match="may hold your edits"):
        write_template(template, single_lane())  # a template: only with force
    assert write_template(template, single_lane(), force=True) == template
    result = write_result_workbook(TABLES, tmp_path / "results.xlsx")
    assert write_result_workbook(TABLES, result) == result  # a result workbook: replaced


def test_a_template_is_never_taken_for_a_result_workbook(tmp_path: Path) -> None:
    """Both carry evplan as their creator; a template may hold the user's edits, so writing
    results over it is refused (helper-83: write_result_workbook replaced it silently)."""
    template = write_template(tmp_path / "inputs.xlsx", single_lane())
    before = template.read_bytes()
    with pytest.raises(OutputError, match="may hold your edits"):
        write_result_workbook(TABLES, template)
    assert template.read_bytes() == before
