"""Where ``evplan report A B`` writes its comparison page (session 23 audit).

docs/report.md: ``comparison.html`` goes *beside* the first folder. Given as ``.`` (from
inside the run folder) its parent was ``.`` itself, so the page, and the shared
``_assets/`` beside it, went into the run folder, where ``evplan run -o A --force`` then
found files "evplan did not write" and refused to replace it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import evplan
from evplan.examples import single_lane
from evplan.outputs.marker import read_marker
from evplan.outputs.targets import users_entries
from evplan.report import with_report_tables, write_report
from evplan.report.api import report_file


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("runs")
    folders = []
    for name, capacity in (("base", 1000.0), ("small", 400.0)):
        data = single_lane(capacity=capacity, first_year=2025, last_year=2026)
        result = with_report_tables(evplan.optimize(data), data)
        folders.append(evplan.write_result(result, root / name))
    return folders[0], folders[1]


@pytest.mark.parametrize("given", [".", "./", "sub/..", ".."])
def test_comparison_page_goes_beside_a_folder_given_as_dots(given: str, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    (tmp_path / "run" / "sub").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "run")
    expected = (Path(given).resolve().parent / "comparison.html")
    assert report_file([given, "other"]).resolve() == expected


def test_report_dot_from_inside_the_run_folder(two_runs: tuple[Path, Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    base, small = two_runs
    monkeypatch.chdir(base)
    written = write_report([".", f"../{small.name}"], self_contained=False)
    assert written.resolve() == base.parent.resolve() / "comparison.html"
    assert (base.parent / "_assets").is_dir()
    marker = read_marker(base)
    assert marker is not None
    assert users_entries(base, marker) == []  # the run folder holds only evplan's files
    assert not (base / "comparison.html").exists() and not (base / "_assets").exists()


def test_a_killed_writers_plotlyjs_copy_is_removed(tmp_path: Path) -> None:
    """The shared plotly.js was staged under a mkstemp name (``.plotly-x.min.js.k3j2.tmp``)
    that no later run recognised: a run killed while writing it left 4.8 MB in ``_assets``
    for good. Staged under its writer's token now, a dead writer's copy is removed."""
    import stat
    import subprocess

    from evplan.outputs.files import OwnerToken
    from evplan.report.scripts import (
        ASSETS_FOLDER,
        plotlyjs_bytes,
        plotlyjs_file_name,
        shared_plotlyjs,
    )

    assets = tmp_path / ASSETS_FOLDER
    assets.mkdir()
    finished = subprocess.Popen(["true"])
    finished.wait()
    name = plotlyjs_file_name()
    dead = assets / f".{name}.{finished.pid}-0-deadbeef.part"
    dead.write_bytes(b"half a plotly.js")
    alive = assets / f".{name}.{OwnerToken.new()}.part"  # this process: still writing
    alive.write_bytes(b"being written")
    path = shared_plotlyjs(tmp_path)
    assert path == assets / name
    assert sorted(entry.name for entry in assets.iterdir()) == sorted([name, alive.name])
    assert path.read_bytes() == plotlyjs_bytes() and stat.S_IMODE(path.stat().st_mode) == 0o644
