"""A link swapped in for ``_assets`` after evplan checked it is not written through
(session 26, helper-102).

:func:`evplan.report.scripts.shared_plotlyjs` checked that ``_assets`` was no link, then
wrote its staging file and the shared plotly.js by path: a link put there in between led
both into another folder. The writes now go through the folder opened without following
a link; one swapped in before that open leaves the page to embed plotly.js.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evplan.report import scripts


@pytest.mark.skipif(not {os.open, os.chmod, os.link, os.unlink} <= os.supports_dir_fd,
                    reason="no dir_fd on this system")
def test_a_link_swapped_in_before_the_write_is_not_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "out"
    (root / "_assets").mkdir(parents=True)

    def swap(folder: Path, name: str) -> list[Path]:   # runs after the link check
        os.rename(folder, tmp_path / "moved")
        os.symlink(elsewhere, folder)
        return []

    monkeypatch.setattr(scripts, "remove_stale_parts", swap)
    assert scripts.shared_plotlyjs(root) is None       # the page embeds plotly.js
    assert os.listdir(elsewhere) == []                  # the staging file and the copy
    assert os.listdir(tmp_path / "moved") == []


def test_a_link_swapped_in_after_the_folder_was_opened_gets_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not {os.open, os.chmod, os.link, os.unlink} <= os.supports_dir_fd:
        pytest.skip("no dir_fd on this system")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "out"
    (root / "_assets").mkdir(parents=True)
    opened = scripts._opened

    def swap_after(folder: Path):  # type: ignore[no-untyped-def]
        manager = opened(folder)
        at = manager.__enter__()
        os.rename(folder, tmp_path / "moved")
        os.symlink(elsewhere, folder)

        class Held:
            def __enter__(self) -> object:
                return at

            def __exit__(self, *exc: object) -> None:
                manager.__exit__(None, None, None)
        return Held()

    monkeypatch.setattr(scripts, "_opened", swap_after)
    scripts.shared_plotlyjs(root)
    assert os.listdir(elsewhere) == []
    name = scripts.plotlyjs_file_name()
    assert os.listdir(tmp_path / "moved") == [name]    # written where it was opened
    assert (tmp_path / "moved" / name).read_bytes() == scripts.plotlyjs_bytes()
