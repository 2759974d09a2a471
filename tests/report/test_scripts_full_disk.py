"""A shared plotly.js that fails while its bytes are written removes only an _assets folder
evplan made: the user's own (empty) _assets stays (the flag saying who made the folder was
overwritten by the temporary file's name, so any failed write removed an empty _assets)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from evplan.report import scripts


def _full_disk_on_write(monkeypatch: pytest.MonkeyPatch) -> None:
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, handle: int, mode: str) -> None:
            self.file = real_fdopen(handle, mode)

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *_exc: object) -> None:
            self.file.close()

        def write(self, _data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(scripts.os, "fdopen", Full)


def test_a_failed_write_keeps_the_user_s_empty_assets_folder(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    _full_disk_on_write(monkeypatch)
    (tmp_path / "old" / "_assets").mkdir(parents=True)
    with pytest.raises(OSError):
        scripts.shared_plotlyjs(tmp_path / "old")
    assert (tmp_path / "old" / "_assets").is_dir()
    assert list((tmp_path / "old" / "_assets").iterdir()) == []  # no part file left either


def test_a_failed_write_removes_the_assets_folder_it_made(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    _full_disk_on_write(monkeypatch)
    with pytest.raises(OSError):
        scripts.shared_plotlyjs(tmp_path / "new")
    assert not (tmp_path / "new" / "_assets").exists()


def test_no_file_but_the_writers_part_is_ever_made(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy is made under its final staging name at once: a kill after the file is made
    leaves only a .part the next run removes (a mkstemp .tmp, renamed to .part a step later,
    could be left by a kill between the two and was never removed; helper-83)."""
    made = []
    real_open = os.open

    def recording(path, flags, *args):  # type: ignore[no-untyped-def]
        made.append(Path(path).name)
        return real_open(path, flags, *args)

    monkeypatch.setattr(scripts.os, "open", recording)
    assert scripts.shared_plotlyjs(tmp_path) is not None
    assert len(made) == 1 and made[0].endswith(".part"), made
