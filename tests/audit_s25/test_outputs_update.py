"""An update never removes a file saved into the run folder while it wrote (session 25 audit,
helper-95).

``evplan fleet``, ``charging`` and ``recycling`` copy the run folder's files into a staging
folder, write their tables (and the report, the workbook: seconds), then move the folder aside
and the staging folder into its place, and remove the folder moved aside. A note the user
saved into the run folder (or into a folder of theirs inside it) after the copy was only in
the folder moved aside, and was removed with it. ``--force`` checked for such files; an
update did not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import evplan
from evplan.errors import OutputError
from evplan.examples import single_lane
from evplan.outputs import existing_folder_target, write_folder
from evplan.results import Result


@pytest.fixture(scope="module")
def lane_result() -> Result:
    return evplan.optimize(single_lane(first_year=2025, last_year=2026))


def _update(folder: Path, meanwhile) -> None:  # type: ignore[no-untyped-def]
    """An update whose tables take a while, during which ``meanwhile`` runs."""
    def fill(staging: Path) -> None:
        (staging / "extra.csv").write_text("a\n1\n", encoding="utf-8")
        meanwhile()

    write_folder(existing_folder_target(folder), fill, kind="run", run_id="update-1",
                 command="fleet")


def _listing(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_note_saved_during_an_update_is_kept(lane_result: Result, tmp_path: Path) -> None:
    folder = evplan.write_result(lane_result, tmp_path / "run")
    before = _listing(folder)
    note = folder / "notes.txt"
    with pytest.raises(OutputError, match="changed while this command wrote into it"):
        _update(folder, lambda: note.write_text("mine", encoding="utf-8"))
    assert note.read_text(encoding="utf-8") == "mine"  # was: removed with the old folder
    assert _listing(folder) == {**before, "notes.txt": b"mine"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_note_saved_into_the_users_subfolder_is_kept(lane_result: Result,
                                                       tmp_path: Path) -> None:
    folder = evplan.write_result(lane_result, tmp_path / "run")
    (folder / "mine").mkdir()
    note = folder / "mine" / "notes.txt"
    with pytest.raises(OutputError, match="changed while"):
        _update(folder, lambda: note.write_text("mine", encoding="utf-8"))
    assert note.read_text(encoding="utf-8") == "mine"


def test_an_update_nobody_disturbs_still_writes(lane_result: Result, tmp_path: Path) -> None:
    folder = evplan.write_result(lane_result, tmp_path / "run")
    (folder / "mine").mkdir()
    (folder / "mine" / "old.txt").write_text("kept", encoding="utf-8")
    _update(folder, lambda: None)
    assert (folder / "extra.csv").read_text(encoding="utf-8") == "a\n1\n"
    assert (folder / "mine" / "old.txt").read_text(encoding="utf-8") == "kept"


def test_an_edit_in_place_or_a_file_deeper_down_is_kept(lane_result: Result,
                                                        tmp_path: Path) -> None:
    """helper-99's review: only top-level entries and a subfolder's own time were compared,
    so a note edited in place inside the user's folder went back to its old text, and a file
    two folders down was removed with the old folder."""
    folder = evplan.write_result(lane_result, tmp_path / "run")
    (folder / "notes" / "deep").mkdir(parents=True)
    note = folder / "notes" / "a.txt"
    note.write_text("old", encoding="utf-8")
    deep = folder / "notes" / "deep" / "b.txt"

    def meanwhile() -> None:
        with note.open("r+", encoding="utf-8") as file:  # the same inode, new text
            file.write("NEW")
        deep.write_text("mine", encoding="utf-8")

    with pytest.raises(OutputError, match="changed while"):
        _update(folder, meanwhile)
    assert note.read_text(encoding="utf-8") == "NEW"
    assert deep.read_text(encoding="utf-8") == "mine"
    assert not (folder / "extra.csv").exists()
