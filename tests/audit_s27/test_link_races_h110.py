"""helper-110: a file or staging folder swapped for a link while evplan writes is never
renamed into place, and nothing behind the link is touched.

Another program of the same user can swap any path evplan uses. The writers now check,
before the rename that publishes a file or folder, that the name is still the entry evplan
made (same inode, a regular file or a real folder): before, ``atomic_write`` renamed a link
put at its temporary name into place as the result (the target became a link to a file of
the user's), and ``write_folder`` renamed a link put at its staging folder's name into place
as the result folder, then wrote its marker through it into the user's folder.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from evplan.errors import OutputError
from evplan.outputs import new_folder_target, write_folder
from evplan.outputs.files import atomic_write


def _tree(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder`` (links as their target text)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "link:" + os.readlink(path)
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_a_temporary_file_swapped_for_a_link_is_not_renamed_into_place(tmp_path: Path) -> None:
    victim = tmp_path / "mine.txt"
    victim.write_bytes(b"the user's own file\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.txt").write_bytes(b"evplan's earlier report\n")

    def swap(temporary: Path) -> None:
        temporary.write_text("new report", encoding="utf-8")
        temporary.unlink()
        temporary.symlink_to(victim)  # another program, meanwhile

    with pytest.raises(OutputError, match="replaced or removed by another program"):
        atomic_write(out / "report.txt", swap)
    assert not (out / "report.txt").is_symlink()
    assert (out / "report.txt").read_bytes() == b"evplan's earlier report\n"
    assert victim.read_bytes() == b"the user's own file\n"
    left = [path for path in out.iterdir() if path.name != "report.txt"]
    assert all(path.is_symlink() for path in left)  # the other program's link, left alone


def test_a_temporary_file_replaced_by_another_file_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"

    def swap(temporary: Path) -> None:
        temporary.write_text("ours", encoding="utf-8")
        temporary.rename(tmp_path / "kept")  # another program moves it away (kept: its
        temporary.write_text("theirs", encoding="utf-8")  # inode is not reused) and writes

    with pytest.raises(OutputError):
        atomic_write(out / "a.csv", swap)
    assert not (out / "a.csv").exists()
    assert [path.read_text(encoding="utf-8") for path in out.iterdir()] == ["theirs"]


def test_a_plain_write_still_works_and_a_failed_one_leaves_nothing(tmp_path: Path) -> None:
    target = atomic_write(tmp_path / "x" / "a.txt", lambda p: p.write_text("hi"))
    assert target.read_text() == "hi"

    def fail(temporary: Path) -> None:
        temporary.write_text("half")
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "x" / "a.txt", fail)
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["a.txt"]
    assert target.read_text() == "hi"


@pytest.mark.parametrize("swap_with", ["link", "folder"])
def test_a_staging_folder_swapped_meanwhile_is_never_placed(tmp_path: Path,
                                                            swap_with: str) -> None:
    users = tmp_path / "users-folder"
    users.mkdir()
    (users / "notes.txt").write_bytes(b"keep me\n")
    before = _tree(users)
    target = new_folder_target(tmp_path / "run", "run")
    moved = tmp_path / "moved-away"

    def fill(staging: Path) -> None:
        (staging / "a.csv").write_text("x\n", encoding="utf-8")
        os.rename(staging, moved)  # another program, meanwhile
        if swap_with == "link":
            staging.symlink_to(users)
        else:
            staging.mkdir()
            (staging / "theirs.txt").write_bytes(b"theirs\n")

    with pytest.raises(OutputError, match="replaced or removed by another program"):
        write_folder(target, fill, kind="run", run_id="r1")
    assert not (tmp_path / "run").exists() and not (tmp_path / "run").is_symlink()
    assert _tree(users) == before  # no marker written through the link
    hidden = [path for path in tmp_path.iterdir() if path.name.startswith(".run.")]
    assert len(hidden) == 1  # what the other program put there, as it put it
    if swap_with == "folder":
        assert (hidden[0] / "theirs.txt").read_bytes() == b"theirs\n"
    else:
        assert hidden[0].is_symlink()
