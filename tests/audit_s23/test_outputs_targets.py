"""``-o FILE/run``: the file in the way is named (session 23 audit).

Before, ``evplan run -o notes.txt/run`` failed with "evplan: File exists (.../notes.txt).
Check that the folder exists, ...": the file exists, and the folder is not there to check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evplan.errors import OutputError
from evplan.outputs import new_folder_target


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
