"""``-o FILE/run`` and ``--force``: what a target check promises still holds (session 23).

Before, ``evplan run -o notes.txt/run`` failed with "evplan: File exists (.../notes.txt).
Check that the folder exists, ...": the file exists, and the folder is not there to check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import evplan
from evplan.errors import OutputError
from evplan.examples import single_lane
from evplan.outputs import new_folder_target
from evplan.outputs.marker import new_run_id, read_marker
from evplan.results import Result
from evplan.results.write import write_run


@pytest.mark.parametrize("inside", ["run", "deeper/run"])
def test_a_file_in_the_path_is_named(inside: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        new_folder_target(Path("notes.txt") / inside, "run")
    assert str(caught.value) == (
        f"evplan: {tmp_path / 'notes.txt'} is a file, not a folder, so notes.txt/{inside} "
        "cannot be made inside it; evplan leaves the file alone. Choose a folder elsewhere, "
        "e.g. -o notes-run.")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


def test_a_new_folder_under_new_folders_is_still_fine(tmp_path: Path) -> None:
    target = new_folder_target(tmp_path / "a" / "b" / "run", "run")
    assert target.mode == "create" and target.path == tmp_path / "a" / "b" / "run"


# --force is checked when the command starts; the replace happens after the solve, which
# may take minutes. Before, whatever the folder held by then went: a note the user saved
# into it meanwhile was deleted, and a run another evplan wrote there meanwhile was
# replaced while the terminal named the run seen at the start.

@pytest.fixture(scope="module")
def lane_result() -> Result:
    return evplan.optimize(single_lane())


def _listing(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_note_saved_during_the_run_is_not_deleted(lane_result: Result, tmp_path: Path
                                                    ) -> None:
    folder = evplan.write_result(lane_result, tmp_path / "run")
    target = new_folder_target(folder, "run", force=True)  # checked: only evplan's files
    (folder / "notes.txt").write_text("written while it solved", encoding="utf-8")
    before = _listing(folder)
    with pytest.raises(OutputError) as caught:
        write_run(lane_result, target, run_id=new_run_id())
    assert str(caught.value) == (
        f"evplan: {folder} now also holds notes.txt, which evplan did not write (put there "
        "while this command ran); --force replaces the whole folder, so evplan will not, "
        "and nothing was written. Move them out of the folder, or choose a new folder.")
    assert _listing(folder) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run"]  # nothing left over


def test_a_run_written_there_meanwhile_is_not_replaced_unseen(lane_result: Result,
                                                              tmp_path: Path) -> None:
    folder = evplan.write_result(lane_result, tmp_path / "run")
    target = new_folder_target(folder, "run", force=True)
    assert target.previous is not None
    evplan.write_result(lane_result, folder, force=True)  # another evplan, meanwhile
    other = read_marker(folder)
    assert other is not None and other.run_id != target.previous.run_id
    before = _listing(folder)
    with pytest.raises(OutputError, match=r"another evplan command changed .* while this one "
                                          r"ran; nothing was written"):
        write_run(lane_result, target, run_id=new_run_id())
    assert _listing(folder) == before


def test_the_folder_checked_is_still_replaced(lane_result: Result, tmp_path: Path) -> None:
    folder = evplan.write_result(lane_result, tmp_path / "run")
    target = new_folder_target(folder, "run", force=True)
    run_id = new_run_id()
    assert write_run(lane_result, target, run_id=run_id) == folder
    marker = read_marker(folder)
    assert marker is not None and marker.run_id == run_id


def test_an_update_keeps_the_record_of_a_command_that_wrote_meanwhile(lane_result: Result,
                                                                     tmp_path: Path) -> None:
    """`evplan recycling RUN` settles its target before a solve of minutes; an `evplan fleet
    RUN` that finished meanwhile lost its entry in the marker's updates, and its files
    counted as the user's (so `run --force` then refused the folder, naming fleet.json)."""
    from evplan.outputs.targets import existing_folder_target, users_entries
    from evplan.outputs.transaction import write_folder

    folder = evplan.write_result(lane_result, tmp_path / "run")
    slow = existing_folder_target(folder)  # recycling starts, then solves
    quick = existing_folder_target(folder)
    write_folder(quick, lambda staging: (staging / "fleet.json").write_text("{}"),
                 kind="run", run_id="20260101-000000-0000f1ee", command="fleet")
    write_folder(slow, lambda staging: (staging / "recycling.json").write_text("{}"),
                 kind="run", run_id="20260101-000001-0000abcd", command="recycling")
    marker = read_marker(folder)
    assert marker is not None and marker.pending is None
    assert [(entry["command"], entry["run_id"]) for entry in marker.updates] == [
        ("fleet", "20260101-000000-0000f1ee"), ("recycling", "20260101-000001-0000abcd")]
    assert marker.files is not None
    assert {"fleet.json", "recycling.json", "run.json"} <= set(marker.files)
    assert users_entries(folder, marker) == []


def test_a_folder_name_too_long_for_its_staging_name_is_refused_first(tmp_path: Path) -> None:
    """A 230-byte folder name is a valid name, but its hidden staging folder is not: the run
    failed with "File name too long (<the parent folder>). Check that the folder exists...",
    naming neither the name nor the limit."""
    from evplan.outputs.targets import MAX_GIVEN_NAME_BYTES, check_file_target

    long_name = "é" * 115  # 230 bytes of UTF-8
    with pytest.raises(OutputError) as caught:
        new_folder_target(tmp_path / long_name, "run")
    assert str(caught.value) == (
        f"evplan: the folder name {'é' * 40}... is 230 bytes long; evplan writes it under a "
        "hidden temporary name beside it, which needs about 45 bytes more, and a name may "
        "take 255. Choose a name of at most 210 bytes.")
    with pytest.raises(OutputError, match="the file name"):
        check_file_target(tmp_path / ("r" * 240 + ".html"), force=False, what="the page")
    # the longest name allowed is written whole, staging name and all
    longest = tmp_path / ("x" * MAX_GIVEN_NAME_BYTES)
    folder = evplan.write_result(evplan.optimize(single_lane()), longest)
    assert folder == longest and (folder / "run.json").is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == [longest.name]
