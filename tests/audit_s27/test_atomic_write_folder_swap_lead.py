"""atomic_write writes by path: a folder on that path swapped for a link while the writer
runs sent the bytes into the link's target and left evplan's own temporary file empty,
which was then renamed into place as if written (helper-114's review, session 27)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evplan.errors import OutputError
from evplan.outputs.files import atomic_write


def test_a_folder_swapped_for_a_link_while_writing_publishes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    def write(temporary: Path) -> None:
        os.rename(tmp_path / "a", tmp_path / "moved")  # another program swaps the folder
        os.symlink(tmp_path / "b", tmp_path / "a")
        temporary.write_text("hello", encoding="utf-8")

    with pytest.raises(OutputError, match="replaced or removed"):
        atomic_write(tmp_path / "a" / "x.txt", write)
    assert not (tmp_path / "moved" / "x.txt").exists()  # no empty file published
    assert [p.name for p in (tmp_path / "moved").iterdir()] == []  # its own file removed


def test_a_replaced_file_keeps_its_mode_and_a_plain_write_still_works(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    atomic_write(target, lambda p: p.write_text("new", encoding="utf-8"))
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]
