"""Where commands may write (evplan.outputs.targets): new or evplan's folders, never a user's."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from evplan.outputs import LATEST, OutputError, latest_run_folder, new_folder_target
from evplan.outputs.marker import Marker, read_marker, write_marker
from evplan.outputs.targets import check_file_target, evplan_html, existing_folder_target


def marked(folder: Path, kind: str = "run", run_id: str = "r1",
           created_at: str = "2025-01-01T00:00:00+00:00") -> Path:
    folder.mkdir(parents=True)
    (folder / "run.json").write_text("{}")
    write_marker(folder, Marker(kind=kind, run_id=run_id, created_at=created_at))
    return folder


def user_folder(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True)
    (folder / "thesis.docx").write_bytes(b"years of work")
    (folder / "sub").mkdir()
    (folder / "sub" / "data.csv").write_text("a,b\n1,2\n")
    return snapshot(folder)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


def test_default_is_a_new_sanitised_folder_and_never_an_earlier_run(tmp_path: Path) -> None:
    root = tmp_path / "evplan-output"
    target = new_folder_target(None, "../../x", root=root)
    assert target.path == root.resolve() / "x" and target.mode == "create"
    assert target.auto_name and target.latest
    marked(root / "x")
    (root / "x-2").write_text("a user's file with that name")
    assert new_folder_target(None, "../../x", root=root).path.name == "x-3"
    assert new_folder_target(None, "/etc", root=root).path == root.resolve() / "etc"


@pytest.mark.parametrize("what", ["file", "user folder", "dangling link"])
def test_a_users_file_or_folder_is_refused_and_untouched(tmp_path: Path, what: str) -> None:
    target = tmp_path / "target"
    if what == "file":
        target.write_text("keep me")
        before = {"target": b"keep me"}
    elif what == "user folder":
        before = user_folder(target)
    else:
        target.symlink_to(tmp_path / "nowhere")
        before = {}
    with pytest.raises(OutputError) as caught:
        new_folder_target(target, "run", force=True)
    message = str(caught.value)
    assert message.startswith(f"evplan: {target}")
    assert "Choose" in message
    if what == "file":
        assert target.read_text() == "keep me"
    elif what == "user folder":
        assert snapshot(target) == before
        assert "--force replaces only a folder evplan wrote" in message


def test_special_folders_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    work = home / "work"
    work.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    for given, what in ((Path("."), "the current folder"), (Path(".."), "your home folder"),
                        (Path("~"), "your home folder"), (Path("/"), "the filesystem root"),
                        (tmp_path, "a folder that holds the current folder")):
        with pytest.raises(OutputError, match=what):
            new_folder_target(given, "run", force=True)
    assert new_folder_target(Path("~/runs/a"), "run").path == home.resolve() / "runs" / "a"


def test_empty_new_and_marked_folders(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert new_folder_target(tmp_path / "empty", "run").mode == "create"
    assert new_folder_target(tmp_path / "new" / "deeper", "run").mode == "create"
    marked(tmp_path / "old")
    with pytest.raises(OutputError, match=re.escape("already holds an evplan run r1 of "
                                                    "2025-01-01 00:00 UTC. Pass --force")):
        new_folder_target(tmp_path / "old", "run")
    forced = new_folder_target(tmp_path / "old", "run", force=True)
    assert forced.mode == "replace" and forced.previous is not None
    assert forced.previous.run_id == "r1"
    update = new_folder_target(tmp_path / "old", "recycling", kind="recycling",
                               update_kinds=("run", "recycling"))
    assert update.mode == "update"


def test_tables_are_added_only_to_marked_run_folders(tmp_path: Path) -> None:
    user_folder(tmp_path / "mine")
    with pytest.raises(OutputError, match="not a run folder evplan wrote") as refused:
        existing_folder_target(tmp_path / "mine", command="evplan fleet")
    # evplan is 0.1: the message said "folders from evplan before 0.2 need a new run"
    assert "0.2" not in str(refused.value)
    assert "a folder an earlier evplan wrote without the marker needs a new run" in str(
        refused.value)
    with pytest.raises(OutputError, match="is not a folder"):
        existing_folder_target(tmp_path / "missing")
    marked(tmp_path / "recycling", kind="recycling")
    with pytest.raises(OutputError, match="holds a recycling"):
        existing_folder_target(tmp_path / "recycling")
    marked(tmp_path / "run")
    target = existing_folder_target(tmp_path / "run")
    assert target.mode == "update" and target.path == (tmp_path / "run").resolve()


def test_latest_names_the_newest_finished_run(tmp_path: Path) -> None:
    root = tmp_path / "evplan-output"
    assert latest_run_folder(root) is None
    marked(root / "a", created_at="2025-01-01T00:00:00+00:00")
    marked(root / "b", created_at="2025-02-01T00:00:00+00:00")
    marked(root / "c", kind="recycling", created_at="2025-03-01T00:00:00+00:00")
    assert latest_run_folder(root) == root / "b"
    (root / LATEST).write_text("a\n")
    assert latest_run_folder(root) == root / "a"
    for hostile in ("../../etc", "/etc", "c", "missing"):
        (root / LATEST).write_text(hostile)
        assert latest_run_folder(root) == root / "b"


def test_single_files(tmp_path: Path) -> None:
    from evplan.outputs.targets import evplan_kpi_csv, evplan_workbook
    from evplan.report import write_template

    new = tmp_path / "book.xlsx"
    assert check_file_target(new, force=False, what="the template") == new
    new.write_bytes(b"my edits")
    for force in (False, True):  # a file evplan did not write: never replaced (audit)
        with pytest.raises(OutputError, match="evplan never replaces a file it did not "
                                              "write, also with --force"):
            check_file_target(new, force=force, what="the template", ours=evplan_workbook)
    assert new.read_bytes() == b"my edits"
    new.unlink()
    write_template(new)
    assert evplan_workbook(new)
    with pytest.raises(OutputError, match="evplan wrote it, but it may hold your edits"):
        check_file_target(new, force=False, what="the template", ours=evplan_workbook)
    assert check_file_target(new, force=True, what="the template", ours=evplan_workbook) == new
    table = tmp_path / "kpis.csv"
    table.write_text("case,label,freight,run_id,status,objective_usd,solve_mode,kpi,year,key,"
                     "value,unit\n0,freight=1,1.0,,optimal,1.0,warm,x,2023,all,1.0,USD\n")
    assert evplan_kpi_csv(table)
    assert check_file_target(table, force=True, what="x", ours=evplan_kpi_csv) == table
    table.write_text("case,label,my,own,table\n")
    assert not evplan_kpi_csv(table)
    with pytest.raises(OutputError, match="evplan did not write it"):
        check_file_target(table, force=True, what="x", ours=evplan_kpi_csv)
    page = tmp_path / "page.html"
    page.write_text('<html><head><meta name="generator" content="evplan 0.1.0">')
    assert evplan_html(page)
    assert check_file_target(page, force=False, what="x", replaceable=evplan_html) == page
    page.write_text("<html>my own page</html>")
    for force in (False, True):
        with pytest.raises(OutputError):
            check_file_target(page, force=force, what="x", replaceable=evplan_html,
                              ours=evplan_html)
    with pytest.raises(OutputError, match="is a folder"):
        check_file_target(tmp_path, force=True, what="x")
    assert read_marker(tmp_path) is None
    assert sorted(os.listdir(tmp_path)) == ["book.xlsx", "kpis.csv", "page.html"]


def test_latest_replaces_only_evplans_own_pointer(tmp_path: Path) -> None:
    """``evplan-output/latest`` that the user made (a file with other text, a folder, a
    link) stays as it is and the run still succeeds (audit: a user's file was overwritten; a
    folder failed the run after it was written and recorded)."""
    from evplan.outputs.targets import write_latest

    runs = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        write_marker(tmp_path / name, Marker(kind="run", run_id=name, evplan="test"))
        runs.append(tmp_path / name)
    assert write_latest(tmp_path, runs[0]) == tmp_path / LATEST
    assert write_latest(tmp_path, runs[1]) == tmp_path / LATEST  # evplan's: replaced
    assert (tmp_path / LATEST).read_text() == "second\n"
    (tmp_path / LATEST).write_text("my notes\n")
    assert write_latest(tmp_path, runs[0]) is None
    assert (tmp_path / LATEST).read_text() == "my notes\n"
    (tmp_path / LATEST).unlink()
    (tmp_path / LATEST).mkdir()
    assert write_latest(tmp_path, runs[0]) is None and (tmp_path / LATEST).is_dir()
    assert latest_run_folder(tmp_path) in runs


def test_an_output_root_that_is_a_file_is_refused_with_a_fix(tmp_path: Path) -> None:
    """Audit 2: a file named evplan-output gave a bare '[Errno 17] File exists'."""
    root = tmp_path / "evplan-output"
    root.write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file, not a folder; evplan keeps its results"):
        new_folder_target(None, "run", root=root)
    assert root.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("force", [False, True])
def test_a_file_target_that_is_a_link_is_refused_also_with_force(tmp_path: Path,
                                                                 force: bool) -> None:
    """Audit 2: `evplan template link.xlsx --force` wrote the workbook into the file the link
    pointed to (a user's text file), which the command never named."""
    mine = tmp_path / "userfile.txt"
    mine.write_text("user data", encoding="utf-8")
    link = tmp_path / "link.xlsx"
    link.symlink_to(mine)
    with pytest.raises(OutputError, match="is a symbolic link; evplan does not write through"):
        check_file_target(link, force=force, what="the workbook")
    assert mine.read_text(encoding="utf-8") == "user data" and link.is_symlink()


def test_a_folder_given_for_a_file_suggests_the_file_inside_it(tmp_path: Path) -> None:
    """Audit 2: `report -o userdir` suggested userdir/userdir."""
    folder = tmp_path / "userdir"
    folder.mkdir()
    with pytest.raises(OutputError) as caught:
        check_file_target(folder, force=True, what="the report page", option=" with -o",
                          name="report.html")
    assert str(caught.value).endswith(f"Choose a file name with -o, e.g. "
                                      f"{folder / 'report.html'}.")


def test_force_replaces_only_a_folder_of_the_commands_own_kind(tmp_path: Path) -> None:
    """Review: `calibrate -o RUN --force` replaced a run folder (its tables, report and
    fleet tables) with a calibration, and `backtest --force` a calibration folder."""
    run = tmp_path / "r1"
    run.mkdir()
    write_marker(run, Marker(kind="run", run_id="r1"))
    for kind in ("calibration", "backtest", "recycling"):
        with pytest.raises(OutputError, match=f"not a {kind} folder; --force replaces only"):
            new_folder_target(run, kind, force=True, kind=kind)
    assert new_folder_target(run, "run", force=True).mode == "replace"
    calibration = tmp_path / "c1"
    calibration.mkdir()
    write_marker(calibration, Marker(kind="calibration", run_id="c1"))
    with pytest.raises(OutputError) as caught:
        new_folder_target(calibration, "calibration", kind="calibration")
    assert "results store" not in str(caught.value)  # calibrate records nothing there


def test_stochastic_takes_force_for_its_own_folder() -> None:
    """Its refusal said "Pass --force" while the command had no --force option."""
    import inspect

    from evplan.cli.stochastic import stochastic

    assert "force" in inspect.signature(stochastic).parameters
