"""Session-21 audit of what evplan writes: spreadsheet formulas, folders, permissions.

Each test that is not marked xfail failed on the code before its fix; each strict xfail
names a bug whose fix belongs in a module this audit does not own.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd
import pytest

from evplan.outputs.files import MARKED_STARTS, spreadsheet_safe, write_csv
from evplan.results.run_files import read_table_file

# --- result CSV files: formula-like text after leading spaces is text too ------------------

SPACED = [" =HYPERLINK(\"http://e\",\"x\")", "  @SUM(A1)", " -2+3", "\u00a0+1", " \t=1"]


def test_a_result_csv_marks_formulas_after_leading_spaces(tmp_path: Path) -> None:
    # Before: `evplan sweep NAME INPUTS --csv FILE` with a parameter named ' =HYPERLINK(...)'
    # wrote that header and the case labels ' =HYPERLINK(...)=0.5' without the apostrophe.
    frame = pd.DataFrame({"label": SPACED, " =x": range(5), "value": [-1.0, 2, 3, 4, 5]})
    path = write_csv(frame, tmp_path / "kpis.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == ["label", "' =x", "value"]
    assert [row[0] for row in rows] == ["'" + text for text in SPACED]
    assert [row[2] for row in rows] == ["-1.0", "2.0", "3.0", "4.0", "5.0"]  # numbers stay


def test_text_that_only_starts_with_spaces_is_not_marked() -> None:
    frame = pd.DataFrame({"name": ["  CN", " 5 plants", "a -b", "  "]})
    assert spreadsheet_safe(frame) is frame


def test_an_input_folder_keeps_its_round_trip_marks() -> None:
    # input folders (MARKED_STARTS) are read back by data/read.py, which drops one ' only
    # before a formula character: their marks stay as they were
    frame = pd.DataFrame({"name": [" =x", "=x", "'x"]})
    assert spreadsheet_safe(frame, MARKED_STARTS)["name"].tolist() == [" =x", "'=x", "''x"]


def test_a_run_folder_csv_reads_back_without_the_mark(tmp_path: Path) -> None:
    # evplan report reads a CSV-only run folder's tables as their Parquet would
    frame = pd.DataFrame({"plant": [" =1+1", "=1+1", "CN"], "x": [1, 2, 3]})
    write_csv(frame, tmp_path / "production.csv")
    back = read_table_file(tmp_path / "production.csv")
    assert back["plant"].tolist() == [" =1+1", "=1+1", "CN"]


# --- template DIR/: ordinary permissions, an empty folder keeps its own -----------------


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_template_folder_gets_ordinary_permissions(tmp_path: Path) -> None:
    from evplan.data.template import write_csv_template
    from evplan.examples import single_lane

    old = os.umask(0o022)
    try:
        fresh = write_csv_template(tmp_path / "new", single_lane())
        mine = tmp_path / "mine"
        mine.mkdir()
        mine.chmod(0o750)
        kept = write_csv_template(mine, single_lane())
    finally:
        os.umask(old)
    assert (_mode(fresh), _mode(kept)) == (0o755, 0o750)


# --- the results store never touches a '<store>.wal' evplan did not make --------------------


def test_a_wal_file_beside_a_new_store_is_left_alone(tmp_path: Path) -> None:
    # Before: `evplan run --store s.duckdb` with the user's s.duckdb.wal beside it (and no
    # s.duckdb) recorded the run and DuckDB deleted the user's file.
    from evplan.store import ResultsStore, StoreError

    log = tmp_path / "s.duckdb.wal"
    log.write_text("my notes\n")
    store = ResultsStore(tmp_path / "s.duckdb")
    with pytest.raises(StoreError, match=r"s\.duckdb\.wal exists but"):
        store.refuse_early()
    with pytest.raises(StoreError, match="leaves it as it is"):
        with store.connect():
            pass
    assert log.read_text() == "my notes\n"
    assert not (tmp_path / "s.duckdb").exists()


def test_a_wal_link_beside_a_store_is_left_alone(tmp_path: Path) -> None:
    # Before: a link s.duckdb.wal -> notes.txt was removed when the store checkpointed.
    from evplan.store import ResultsStore, StoreError

    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    store = ResultsStore(tmp_path / "s.duckdb")
    with store.connect():
        pass  # an evplan store, made before the link appears
    (tmp_path / "s.duckdb.wal").symlink_to(notes)
    for read_only in (False, True):
        with pytest.raises(StoreError, match="is a link or a folder"):
            with store.connect(read_only=read_only):
                pass
    assert (tmp_path / "s.duckdb.wal").is_symlink() and notes.read_text() == "mine\n"


def test_an_evplan_store_with_its_own_wal_still_opens(tmp_path: Path) -> None:
    # a store killed mid-write leaves its own log: that is DuckDB's to replay
    import duckdb

    from evplan.store import ResultsStore

    path = tmp_path / "s.duckdb"
    store = ResultsStore(path)
    with store.connect():
        pass
    connection = duckdb.connect(str(path))
    connection.execute("SET checkpoint_threshold = '1GB'")
    connection.execute("CREATE TABLE notes_evplan_test (x INTEGER)")
    connection.execute("INSERT INTO notes_evplan_test VALUES (1)")
    wal = path.with_name("s.duckdb.wal")
    assert wal.is_file()
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "s.duckdb").write_bytes(path.read_bytes())
    (copy / "s.duckdb.wal").write_bytes(wal.read_bytes())  # as a kill would leave them
    connection.close()
    with ResultsStore(copy / "s.duckdb").connect(read_only=True) as reopened:
        assert reopened.execute("SELECT x FROM notes_evplan_test").fetchall() == [(1,)]


# --- the repair lock is never made through a link -------------------------------------------


def test_the_repair_lock_is_not_made_through_a_link(tmp_path: Path) -> None:
    # Before: a dangling link .evplan-lock -> elsewhere.txt in an output folder with a
    # stopped writer's staging folder made elsewhere.txt when evplan settled the folder.
    from evplan.outputs.recover import reconcile

    (tmp_path / ".run.999999999-1-0123abcd.tmp").mkdir()  # a stopped writer's, no marker
    (tmp_path / ".evplan-lock").symlink_to(tmp_path / "elsewhere.txt")
    reconcile(tmp_path)
    assert not (tmp_path / "elsewhere.txt").exists()
    assert (tmp_path / ".evplan-lock").is_symlink()


# --- a report that cannot be written leaves no empty _assets folder --------------------------


def test_a_full_disk_leaves_no_empty_assets_folder(tmp_path: Path, monkeypatch) -> None:
    # Before: `evplan report RUN -o FULL/x.html` on a full disk failed (exit 1) and left an
    # empty FULL/_assets behind; an _assets folder that was there already stays.
    import errno

    from evplan.report import scripts

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(scripts.os, "open", full)  # the staging file cannot be made
    with pytest.raises(OSError):
        scripts.shared_plotlyjs(tmp_path / "new")
    assert not (tmp_path / "new" / "_assets").exists()
    (tmp_path / "old" / "_assets").mkdir(parents=True)
    with pytest.raises(OSError):
        scripts.shared_plotlyjs(tmp_path / "old")
    assert (tmp_path / "old" / "_assets").is_dir()


# --- a store that cannot take the run says so, as evplan does -------------------------------


def test_a_full_store_disk_is_a_store_error_and_records_nothing(tmp_path: Path,
                                                                 monkeypatch) -> None:
    # Before: `evplan run -o DIR --store FULL/s.duckdb` on a full disk rolled the folder back
    # but ended in a raw traceback (duckdb TransactionException: could not write
    # s.duckdb.wal: No space left on device) instead of an evplan: message.
    import duckdb

    from evplan.store import ResultsStore, RunRecord, StoreError

    kpis = pd.DataFrame({"kpi": ["margin"], "year": [2025], "key": ["all"], "value": [1.0],
                         "unit": ["USD"]})
    store = ResultsStore(tmp_path / "s.duckdb")
    store.record(RunRecord(run_id="kept", scenario="a", status="optimal", objective_usd=1.0,
                           kpis=kpis))

    def full(*args: object, **kwargs: object) -> None:
        raise duckdb.IOException('Could not write file "s.duckdb.wal": No space left on '
                                 'device')

    monkeypatch.setattr(ResultsStore, "_insert", classmethod(full))
    with pytest.raises(StoreError, match=r"No space left.*nothing of it was recorded"):
        store.record(RunRecord(run_id="lost", scenario="b", status="optimal",
                               objective_usd=2.0, kpis=kpis))
    monkeypatch.undo()
    assert store.runs()["run_id"].tolist() == ["kept"]



def test_template_dot_is_refused_or_written_by_name(tmp_path: Path, monkeypatch) -> None:
    from evplan.data.template import write_csv_template
    from evplan.errors import OutputError
    from evplan.examples import single_lane

    monkeypatch.chdir(tmp_path)
    try:
        write_csv_template(".", single_lane())
    except OutputError:
        pass  # refused by name
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]


# --- a user's file in a run folder does not break its report --------------------------------


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import evplan
    from evplan.examples import single_lane
    from evplan.report import with_report_tables

    data = single_lane()
    result = with_report_tables(evplan.optimize(data), data)
    return evplan.write_result(result, tmp_path_factory.mktemp("runs") / "base")


def test_a_users_csv_in_a_run_folder_does_not_break_its_report(run_folder: Path) -> None:
    # Before: a notes CSV that is not a table (here, not even CSV) in a run folder made
    # `evplan report RUN` fail, and `evplan fleet`/`charging` fail after their solve, with
    # "my_notes.csv ... was changed or damaged after evplan wrote it. Write the folder again
    # with `evplan run -o FOLDER --force`" (which refuses a folder holding the user's file).
    from evplan.report.run import load_run

    notes = run_folder / "my_notes.csv"
    notes.write_text('a;b\n"unterminated\n')
    try:
        run = load_run(run_folder)
    finally:
        notes.unlink()
    assert "my_notes" not in run.tables and "shipments" in run.tables


def test_a_damaged_table_evplan_wrote_is_still_an_error(run_folder: Path, tmp_path: Path
                                                        ) -> None:
    import shutil

    from evplan.errors import InputError
    from evplan.report.run import load_run

    copy = tmp_path / "base"
    shutil.copytree(run_folder, copy)
    (copy / "sales.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match=r"sales\.parquet cannot be read"):
        load_run(copy)


def test_a_killed_template_leaves_nothing_after_the_next_start(tmp_path: Path) -> None:
    import subprocess
    import sys

    killed = (
        "import os, sys\n"
        "import evplan.data.write as write\n"
        "from evplan.data.template import write_csv_template\n"
        "from evplan.examples import single_lane\n"
        "def half(data, folder):\n"
        "    (folder / 'plants.csv').write_text('plant\\n')\n"
        "    os._exit(137)  # as a SIGKILL part-way\n"
        "write.write_inputs = half\n"
        "write_csv_template(sys.argv[1], single_lane())\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", killed, str(tmp_path / "first")], env=env,
                   check=False, timeout=60)
    assert [path.name for path in tmp_path.iterdir()]  # the half folder it left
    from evplan.data.template import write_csv_template
    from evplan.examples import single_lane

    write_csv_template(tmp_path / "second", single_lane())  # the next start
    assert sorted(path.name for path in tmp_path.iterdir()) == ["second"]


# --- a --csv that cannot be written is said as evplan says it --------------------------------


def test_a_sweep_csv_on_a_full_disk_is_an_evplan_message(tmp_path: Path, monkeypatch) -> None:
    import errno

    from typer.testing import CliRunner

    import evplan.outputs
    from evplan.cli import app

    def full(frame: object, path: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(evplan.outputs, "write_csv", full)
    done = CliRunner().invoke(app, ["sweep", "-g", "freight=1", "--csv",
                                    str(tmp_path / "k.csv"), "--no-record",
                                    "--no-progress"])
    assert done.exit_code == 1
    assert not isinstance(done.exception, OSError)
    assert "evplan: " in done.output and "No space left" in done.output


# --- a run folder made private stays private when evplan adds to it or replaces it ----------


@pytest.mark.parametrize("mode", [0o700, 0o750])
def test_an_update_or_replace_keeps_the_folders_permissions(run_folder: Path, tmp_path: Path,
                                                            mode: int) -> None:
    # Before: `evplan fleet RUN` (and charging, recycling, run -o RUN --force) swapped in a
    # staging folder made with the default 0o777 & ~umask: a run folder the user had made
    # rwx------ came back rwxr-xr-x, readable by everyone.
    import shutil

    import evplan
    from evplan.outputs.marker import new_run_id
    from evplan.outputs.targets import existing_folder_target
    from evplan.outputs.transaction import write_folder
    from evplan.report.run import load_run

    folder = tmp_path / "base"
    shutil.copytree(run_folder, folder)
    folder.chmod(mode)
    old = os.umask(0o022)
    try:
        write_folder(existing_folder_target(folder), lambda staging: (
            staging / "fleet_notes_evplan.csv").write_text("x\n"), kind="run",
            run_id=new_run_id(), command="fleet")
        assert _mode(folder) == mode
        assert "shipments" in load_run(folder).tables
        evplan.write_result(_single_lane_result(), folder, force=True)
    finally:
        os.umask(old)
    assert _mode(folder) == mode


def _single_lane_result() -> object:
    """The plan of the shared single-lane run folder, solved again (a Result to write)."""
    import evplan
    from evplan.examples import single_lane
    from evplan.report import with_report_tables

    data = single_lane()
    return with_report_tables(evplan.optimize(data), data)


def test_a_file_evplan_replaces_keeps_its_permissions(tmp_path: Path) -> None:
    # Before: `evplan report RUN -o page.html` over an evplan page the user had made
    # rw------- (and template --force, --csv --force) wrote it back rw-r--r--.
    from evplan.outputs.files import atomic_write

    page = tmp_path / "page.html"
    old = os.umask(0o022)
    try:
        atomic_write(page, lambda path: path.write_text("one"))
        assert _mode(page) == 0o644
        page.chmod(0o600)
        atomic_write(page, lambda path: path.write_text("two"))
    finally:
        os.umask(old)
    assert (_mode(page), page.read_text()) == (0o600, "two")


def test_a_workbook_on_a_full_disk_fails_once_and_cleanly(tmp_path: Path) -> None:
    # Before: `evplan template FULL/t.xlsx` printed evplan's message, then Python's
    # "Exception ignored in: <function ZipFile.__del__ ...> OSError: [Errno 28]" traceback
    # (openpyxl leaves its archive open when the disk refuses a write).
    import subprocess
    import sys

    full = (
        "import errno, io, sys\n"
        "from evplan.report import write_template\n"
        "real = io.open\n"
        "class Full:  # a file on a disk that is full: every write is refused\n"
        "    def __init__(self, file): self._file = file\n"
        "    def write(self, data): raise OSError(errno.ENOSPC, 'No space left on device')\n"
        "    def __getattr__(self, name): return getattr(self._file, name)\n"
        "    def __enter__(self): return self\n"
        "    def __exit__(self, *exc): self._file.close()\n"
        "def full_open(file, mode='r', *args, **kwargs):\n"
        "    opened = real(file, mode, *args, **kwargs)\n"
        "    if str(file).startswith(sys.argv[2]) and 'w' in mode: return Full(opened)\n"
        "    return opened\n"
        "io.open = full_open\n"
        "try:\n"
        "    write_template(sys.argv[1])\n"
        "except OSError as error:\n"
        "    print('refused', error.errno)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", full, str(tmp_path / "t.xlsx"),
                           str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.startswith("refused")
    assert "Exception ignored" not in done.stderr, done.stderr[-400:]
    assert list(tmp_path.iterdir()) == []


# --- the Python API's report pages follow evplan report's rules ------------------------------


def test_write_report_never_replaces_a_users_page_or_writes_through_a_link(
        run_folder: Path, tmp_path: Path) -> None:
    # Before: evplan.report.write_report([a, b]) replaced a user's comparison.html beside
    # the first folder, and wrote through a link given as output (the CLI refused both).
    import shutil

    from evplan.errors import OutputError
    from evplan.report import write_report

    first, second = tmp_path / "a", tmp_path / "b"
    shutil.copytree(run_folder, first)
    shutil.copytree(run_folder, second)
    mine = tmp_path / "comparison.html"
    mine.write_text("<p>my notes</p>")
    with pytest.raises(OutputError, match="did not write"):
        write_report([first, second])
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    (tmp_path / "page.html").symlink_to(notes)
    with pytest.raises(OutputError, match="symbolic link"):
        write_report([first], tmp_path / "page.html")
    assert (mine.read_text(), notes.read_text()) == ("<p>my notes</p>", "mine")
    mine.unlink()
    page = write_report([first, second])  # a new page, then evplan's own page again
    assert write_report([first, second]) == page
