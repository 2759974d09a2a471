"""plotly.js for the report: embedded, or one shared copy per output folder, verified by hash."""

from __future__ import annotations

import os
from pathlib import Path

from evplan.report import write_report
from evplan.report.api import uses_shared_plotlyjs
from evplan.report.scripts import (
    ASSETS_FOLDER,
    plotlyjs_bytes,
    plotlyjs_file_name,
    relative_src,
    shared_plotlyjs,
    shared_src,
)
from tests.report.test_report import CHARTS, figures_of


def test_the_shared_file_is_the_packaged_plotlyjs_written_once(tmp_path: Path) -> None:
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    assert plotlyjs_bytes() == get_plotlyjs().encode("utf-8")
    assert plotlyjs_file_name() == f"plotly-{get_plotlyjs_version()}.min.js"
    path = shared_plotlyjs(tmp_path)
    assert path == tmp_path / ASSETS_FOLDER / plotlyjs_file_name()
    assert path.read_bytes() == plotlyjs_bytes()
    first = path.stat()
    os.utime(path, ns=(first.st_atime_ns, first.st_mtime_ns - 10**9))
    before = path.stat().st_mtime_ns
    assert shared_plotlyjs(tmp_path) == path
    assert path.stat().st_mtime_ns == before  # found holding the right bytes, not rewritten
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no staging left over


def test_a_foreign_file_in_the_shared_place_is_never_replaced(tmp_path: Path) -> None:
    # evplan writes the shared file atomically, so other bytes there are not evplan's:
    # they are left alone and the page embeds plotly.js instead.
    path = tmp_path / ASSETS_FOLDER / plotlyjs_file_name()
    path.parent.mkdir()
    path.write_bytes(b"a user's file")
    assert shared_plotlyjs(tmp_path) is None
    assert shared_src(tmp_path, tmp_path / "run") is None
    assert path.read_bytes() == b"a user's file"
    (tmp_path / "other").write_text("x")
    assert shared_plotlyjs(tmp_path / "other") is None  # "_assets" cannot be made there
    assert (tmp_path / "other").read_text() == "x"


def test_nothing_is_written_through_an_assets_link(tmp_path: Path) -> None:
    # _assets as a link to a user's folder: evplan writes nothing there and embeds plotly.js;
    # a link that already leads to the right file is read (reading touches nothing).
    users = tmp_path / "users-scripts"
    users.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ASSETS_FOLDER).symlink_to(users, target_is_directory=True)
    assert shared_plotlyjs(tmp_path / "out") is None
    assert list(users.iterdir()) == []
    (users / plotlyjs_file_name()).write_bytes(plotlyjs_bytes())
    assert shared_plotlyjs(tmp_path / "out") == tmp_path / "out" / ASSETS_FOLDER / (
        plotlyjs_file_name())
    dangling = tmp_path / "dangling"
    (dangling / ASSETS_FOLDER).mkdir(parents=True)
    (dangling / ASSETS_FOLDER / plotlyjs_file_name()).symlink_to(tmp_path / "nowhere.js")
    assert shared_plotlyjs(dangling) is None and not (tmp_path / "nowhere.js").exists()


def test_relative_src_is_a_url_from_the_page(tmp_path: Path) -> None:
    script = tmp_path / "out put" / ASSETS_FOLDER / "plotly.js"
    assert relative_src(script, tmp_path / "out put" / "run 1") == "../_assets/plotly.js"
    assert relative_src(script, tmp_path) == "out%20put/_assets/plotly.js"


def test_run_report_shares_plotlyjs_and_draws_the_same_charts(
        run_folder: Path, shared_run_folder: Path) -> None:
    html = (shared_run_folder / "report.html").read_text(encoding="utf-8")
    assert f'<script src="../{ASSETS_FOLDER}/{plotlyjs_file_name()}" ' in html
    assert (shared_run_folder.parent / ASSETS_FOLDER / plotlyjs_file_name()).read_bytes() \
        == plotlyjs_bytes()
    assert len(html.encode("utf-8")) < 1_000_000
    assert uses_shared_plotlyjs(shared_run_folder / "report.html")
    assert not uses_shared_plotlyjs(run_folder / "report.html")
    embedded = figures_of((run_folder / "report.html").read_text(encoding="utf-8"))
    assert figures_of(html) == embedded
    assert [figure["id"] for figure in embedded] == list(CHARTS)


def test_write_report_modes(shared_run_folder: Path, tmp_path: Path) -> None:
    own = write_report([shared_run_folder], self_contained=False)
    assert own == shared_run_folder / "report.html" and uses_shared_plotlyjs(own)
    elsewhere = write_report([shared_run_folder], tmp_path / "page.html", self_contained=False)
    assert f'src="{ASSETS_FOLDER}/{plotlyjs_file_name()}"' in elsewhere.read_text("utf-8")
    assert (tmp_path / ASSETS_FOLDER / plotlyjs_file_name()).exists()
    whole = write_report([shared_run_folder], tmp_path / "whole.html")
    assert not uses_shared_plotlyjs(whole) and whole.stat().st_size > 4_000_000
