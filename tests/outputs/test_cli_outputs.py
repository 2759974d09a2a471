"""The output rules end to end: evplan in a subprocess never loses a user's file.

Covers issue 12's output side: refused targets (`.`, home, `/`, a file, a folder of
documents, a run folder without --force), names from inputs that try to escape, re-runs that
keep earlier results, the `latest` run the carry-on commands use, formula injection in
workbooks and CSVs, permissions and the report footer.
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.examples import china_export_path
from evplan.outputs import read_marker
from evplan.report.api import inputs_label

from .conftest import evplan as cli
from .conftest import hostile_inputs, small_inputs, tree


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home folder with a user's documents, and a working folder inside it."""
    home = tmp_path / "home"
    (home / "work" / "docs").mkdir(parents=True)
    (home / "notes.txt").write_text("my notes")
    (home / "work" / "docs" / "thesis.docx").write_bytes(b"years of work")
    (home / "work" / "afile").write_text("a file")
    return home


def test_refused_targets_touch_nothing(home: Path, tmp_path: Path) -> None:
    work = home / "work"
    inputs = small_inputs(tmp_path / "inputs")
    made = cli("run", str(inputs), "-o", "runs/base", "--no-report", cwd=work, home=home)
    assert made.returncode == 0, made.stderr
    before = tree(tmp_path)
    cases = {".": "is the current folder", "~": "is your home folder",
             "..": "is your home folder", "/": "is the filesystem root",
             "afile": "is a file, not a folder", "docs": "is not empty and is not a folder "
             "evplan wrote", "runs": "is not empty and is not a folder evplan wrote",
             "runs/base": "already holds an evplan run"}
    for target, message in cases.items():
        # --force replaces only a folder evplan wrote: it changes nothing for the others
        for force in ([], ["--force"]) if target in ("~", "afile", "docs") else ([],):
            done = cli("run", str(inputs), "-o", target, *force, cwd=work, home=home)
            assert done.returncode == 1, (target, done.stdout, done.stderr)
            assert message in done.stderr, (target, done.stderr)
            assert "Traceback" not in done.stderr
            assert re.search(r"Choose a new|Pass --force", done.stderr), done.stderr
            assert tree(tmp_path) == before, target


def test_names_from_inputs_stay_inside_evplan_output(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for name, folder in (("../../escape", "escape"), ("/abs/x", "abs-x"), ("..", "run")):
        inputs = small_inputs(tmp_path / f"inputs-{folder}", name=name)
        done = cli("run", str(inputs), "--no-report", "--no-record", cwd=work)
        assert done.returncode == 0, done.stderr
        assert f"Result tables written to evplan-output/{folder}" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "inputs-abs-x", "inputs-escape", "inputs-run", "work"]
    assert sorted(p.name for p in work.iterdir()) == ["evplan-output"]
    assert sorted(p.name for p in (work / "evplan-output").iterdir()) == [
        "abs-x", "escape", "latest", "run"]


def test_reruns_keep_earlier_results_and_carry_on_commands_use_the_latest(
        tmp_path: Path) -> None:
    inputs = small_inputs(tmp_path / "inputs", name="base")
    first = cli("run", str(inputs), "--excel", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    output = tmp_path / "evplan-output"
    assert (output / "latest").read_text() == "base\n"
    fleet = cli("fleet", cwd=tmp_path)
    assert fleet.returncode == 0, fleet.stderr
    assert "Run folder: evplan-output/base (the latest run" in fleet.stdout
    kept = tree(output / "base")
    assert any(name.startswith("fleet_") for name in kept)
    book = cli("template", "book.xlsx", "--from", str(inputs), cwd=tmp_path)
    assert book.returncode == 0, book.stderr
    again = cli("template", "book.xlsx", cwd=tmp_path)
    assert again.returncode == 1 and "pass --force" in again.stderr
    # The workbook carries the same scenario name: a new folder, the first one kept whole.
    second = cli("run", "book.xlsx", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "evplan-output/base holds an earlier run (kept); this run has a new folder, " \
           "base-2." in second.stdout
    assert tree(output / "base") == kept
    assert (output / "latest").read_text() == "base-2\n"
    report = cli("report", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert "Report: evplan-output/base-2/report.html" in report.stdout
    forced = cli("template", "book.xlsx", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr


def _worksheet_xml(book: Path) -> str:
    with zipfile.ZipFile(book) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                       if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml")


def test_formulas_from_inputs_are_text_in_workbooks_and_csvs(tmp_path: Path) -> None:
    inputs = hostile_inputs(tmp_path / "inputs")
    done = cli("run", str(inputs), "-o", "out", "--excel", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    template = cli("template", "book.xlsx", "--from", str(inputs), cwd=tmp_path)
    assert template.returncode == 0, template.stderr
    for book in (tmp_path / "out" / "results.xlsx", tmp_path / "book.xlsx"):
        xml = _worksheet_xml(book)
        assert "<f>" not in xml and "<f " not in xml, book        # no formula cell at all
        cells = re.findall(r'<c [^>]*?t="(\w+)"[^>]*>(?:<is><t>|<v>)([^<]*)', xml)
        hostile = [kind for kind, text in cells if text.startswith(("=", "+", "@"))]
        assert hostile and set(hostile) <= {"inlineStr", "s"}, (book, hostile)
        assert '<t>=HYPERLINK("http://evil","click")</t>' in xml
    out = tmp_path / "out"
    raw = pd.read_parquet(out / "production.parquet")
    assert "=1+1" in set(raw["plant"])
    text = pd.read_csv(out / "production.csv", keep_default_na=False)
    assert "'=1+1" in set(text["plant"]) and "=1+1" not in set(text["plant"])
    for csv in out.glob("*.csv"):
        for line in csv.read_text(encoding="utf-8").splitlines():
            for cell in line.split(","):
                assert not cell.startswith(("=", "+", "@", '"=', '"+', '"@')), (csv, line)
    sites = pd.read_csv(out / "network_sites.csv", keep_default_na=False)
    assert "'+cmd|' /C calc'!A0" in set(sites["name"])


def test_run_folders_are_shareable_and_reports_hide_paths(tmp_path: Path) -> None:
    inputs = small_inputs(tmp_path / "inputs")
    for folder, umask in (("a", 0o022), ("b", 0o027)):
        done = cli("run", str(inputs), "-o", folder, "--no-record", cwd=tmp_path, umask=umask)
        assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o755
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "a").iterdir()} == {0o644}
    assert stat.S_IMODE((tmp_path / "b").stat().st_mode) == 0o750
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "b").iterdir()} == {0o640}
    compare = cli("report", "a", "b", cwd=tmp_path)
    assert compare.returncode == 0, compare.stderr
    page = (tmp_path / "comparison.html").read_text(encoding="utf-8")
    single = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    for html in (page, single):
        assert str(tmp_path) not in html
        assert str(Path(evplan.__file__).parent) not in html
        assert "inputs inputs." in html
    mine = tmp_path / "mine.html"
    mine.write_text("<html>my page</html>")
    refused = cli("report", "a", "b", "-o", "mine.html", cwd=tmp_path)
    assert refused.returncode == 1 and mine.read_text() == "<html>my page</html>"
    again = cli("report", "a", "b", cwd=tmp_path)   # comparison.html is evplan's: replaced
    assert again.returncode == 0, again.stderr
    assert inputs_label(str(china_export_path())) == "the embedded china-export example"
    assert inputs_label("/home/someone/secret/project/inputs.xlsx") == "inputs.xlsx"


def test_carry_on_commands_write_only_into_marked_run_folders(home: Path,
                                                              tmp_path: Path) -> None:
    work = home / "work"
    before = tree(tmp_path)
    for command in ("fleet", "charging", "recycling"):
        done = cli(command, "docs", cwd=work, home=home)
        assert done.returncode == 1, done.stderr
        assert "is not a run folder evplan wrote" in done.stderr
    csv = cli("sweep", "-g", "freight=1,2", str(china_export_path()), "--csv", "afile",
              "--no-record", cwd=work, home=home)
    assert csv.returncode == 1 and "afile exists" in csv.stderr
    assert tree(tmp_path) == before


def test_marker_records_the_run_and_what_was_added(tmp_path: Path) -> None:
    inputs = small_inputs(tmp_path / "inputs")
    assert cli("run", str(inputs), "-o", "run", "--no-report", cwd=tmp_path).returncode == 0
    assert cli("fleet", "run", cwd=tmp_path).returncode == 0
    refleet = cli("fleet", "run", cwd=tmp_path)
    assert refleet.returncode == 0, refleet.stderr
    assert "(replacing the fleet tables of run" in refleet.stdout
    marker = read_marker(tmp_path / "run")
    assert marker is not None and marker.kind == "run" and marker.pending is None
    assert [u["command"] for u in marker.updates] == ["fleet", "fleet"]
    from evplan.store import ResultsStore

    store = ResultsStore(tmp_path / "evplan.duckdb")
    assert store.has_runs([marker.run_id, *(u["run_id"] for u in marker.updates)])
    assert store.run(marker.run_id)["metadata"]["run_folder"] == str(tmp_path / "run")


def test_carry_on_commands_leave_a_report_html_evplan_did_not_write(tmp_path: Path) -> None:
    """fleet (like charging and recycling) re-renders only a report.html evplan wrote; the
    user's own page there stays byte for byte (audit: it was re-rendered, the user's notes
    lost, while `evplan report` refused the same file)."""
    inputs = small_inputs(tmp_path / "inputs")
    assert cli("run", str(inputs), "-o", "run", cwd=tmp_path).returncode == 0
    page = tmp_path / "run" / "report.html"
    assert b'<meta name="generator" content="evplan' in page.read_bytes()[:4096]
    ours = cli("fleet", "run", cwd=tmp_path)
    assert ours.returncode == 0, ours.stderr
    assert "Report: " in ours.stdout and b"fleet" in page.read_bytes().lower()
    page.write_text("<p>my notes</p>", encoding="utf-8")
    theirs = cli("fleet", "run", cwd=tmp_path)
    assert theirs.returncode == 0, theirs.stderr
    assert page.read_text(encoding="utf-8") == "<p>my notes</p>"
    assert "is not a page evplan wrote: left as it is" in " ".join(theirs.stdout.split())


def test_force_never_replaces_a_file_evplan_did_not_write(tmp_path: Path) -> None:
    """`template FILE.xlsx`, `report -o FILE` and `sweep --csv FILE` with --force replaced a
    user's file (audit); --force now confirms only replacing evplan's own files."""
    mine = {"mine.xlsx": b"my workbook", "mine.html": b"<html>my page</html>",
            "mine.csv": b"case,label,my,own\n"}
    for name, content in mine.items():
        (tmp_path / name).write_bytes(content)
    for arguments in (("template", "mine.xlsx"), ("report", "-o", "mine.html"),
                      ("sweep", "-g", "freight=1", "--csv", "mine.csv", "--no-record")):
        done = cli(*arguments, "--force", cwd=tmp_path)
        assert done.returncode == 1, (arguments, done.stdout, done.stderr)
        assert "evplan never replaces a file it did not write, also with --force" in done.stderr
    for name, content in mine.items():
        assert (tmp_path / name).read_bytes() == content


def test_template_folder_through_a_link(tmp_path: Path) -> None:
    """`template LINK/`: a link to an empty folder is written through (it said "[Errno 20]
    Not a directory"); a link to nothing or to a file is refused by name, and left as it is."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    done = cli("template", "link/", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "plants.csv").is_file()
    (tmp_path / "dangling").symlink_to("nowhere")
    (tmp_path / "mine.txt").write_text("keep")
    (tmp_path / "to-file").symlink_to("mine.txt")
    for name in ("dangling", "to-file"):
        refused = cli("template", name, cwd=tmp_path)
        assert refused.returncode == 1
        assert f"{name} is a symbolic link to" in refused.stderr
        assert "Errno" not in refused.stderr
        assert (tmp_path / name).is_symlink()
    assert not (tmp_path / "nowhere").exists()
    assert (tmp_path / "mine.txt").read_text() == "keep"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_force_keeps_a_run_folder_that_holds_the_users_files(tmp_path: Path) -> None:
    """`run -o RUN --force` replaced the run folder whole, deleting the notes and the folder a
    user had put into it; the marker now lists the files evplan wrote (also those fleet adds,
    and the report `evplan report` rewrites), and --force is refused while others are there."""
    inputs = small_inputs(tmp_path / "inputs")
    assert cli("run", str(inputs), "-o", "out", cwd=tmp_path).returncode == 0
    assert cli("fleet", "out", cwd=tmp_path).returncode == 0
    assert cli("report", "out", cwd=tmp_path).returncode == 0
    marker = read_marker(tmp_path / "out")
    assert marker is not None and marker.files is not None
    assert {"run.json", "report.html", "production.csv", "fleet.json"} <= set(marker.files)
    again = cli("run", str(inputs), "-o", "out", "--force", cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # only evplan's files: replaced
    (tmp_path / "out" / "notes.txt").write_text("my notes")
    (tmp_path / "out" / "mine").mkdir()
    (tmp_path / "out" / "mine" / "chart.png").write_bytes(b"png")
    before = tree(tmp_path / "out")
    refused = cli("run", str(inputs), "-o", "out", "--force", cwd=tmp_path)
    assert refused.returncode == 1
    assert "and also mine/, notes.txt, which evplan did not write; --force replaces the " \
           "whole folder, so evplan will not. Move them out of the folder" in refused.stderr
    assert tree(tmp_path / "out") == before
    # fleet keeps them (an update); they stay the user's: --force is still refused
    assert cli("fleet", "out", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out" / "notes.txt").read_text() == "my notes"
    marker = read_marker(tmp_path / "out")
    assert marker is not None and "notes.txt" not in (marker.files or ())
    assert cli("run", str(inputs), "-o", "out", "--force", cwd=tmp_path).returncode == 1


def test_force_judges_a_report_by_its_content_and_knows_a_legacy_folders_files(
        tmp_path: Path) -> None:
    """Second read: (1) `run --force` deleted the user's own report.html, which `evplan
    report` had just refused to touch: a listed report.html skipped the content check.
    (2) A folder whose marker predates `files` got no protection: --force deleted the user's
    notes without naming them; its files are now known from its manifests."""
    import json

    inputs = small_inputs(tmp_path / "inputs")
    assert cli("run", str(inputs), "-o", "out", cwd=tmp_path).returncode == 0
    (tmp_path / "out" / "report.html").write_text("<html>my own page</html>")
    refused = cli("run", str(inputs), "-o", "out", "--force", cwd=tmp_path)
    assert refused.returncode == 1 and "and also report.html, which evplan did not write" in \
        " ".join(refused.stderr.split())
    assert (tmp_path / "out" / "report.html").read_text() == "<html>my own page</html>"
    (tmp_path / "out" / "report.html").unlink()

    assert cli("fleet", "out", cwd=tmp_path).returncode == 0
    marker_file = tmp_path / "out" / ".evplan-run"
    legacy = json.loads(marker_file.read_text(encoding="utf-8"))
    del legacy["files"]  # as an evplan from before the list wrote it
    marker_file.write_text(json.dumps(legacy), encoding="utf-8")
    (tmp_path / "out" / "notes.txt").write_text("my notes")
    (tmp_path / "out" / "fleet_notes.csv").write_text("a\n1\n")
    refused = cli("run", str(inputs), "-o", "out", "--force", cwd=tmp_path)
    assert refused.returncode == 1 and "and also fleet_notes.csv, notes.txt, which evplan did " \
        "not write" in " ".join(refused.stderr.split())
    assert cli("fleet", "out", cwd=tmp_path).returncode == 0  # an update lists its files again
    marker = read_marker(tmp_path / "out")
    assert marker is not None and marker.files is not None
    assert "fleet.json" in marker.files and "notes.txt" not in marker.files
    (tmp_path / "out" / "notes.txt").unlink()
    (tmp_path / "out" / "fleet_notes.csv").unlink()
    assert cli("run", str(inputs), "-o", "out", "--force", cwd=tmp_path).returncode == 0
