"""``evplan run`` pauses the cyclic collector while it imports and sets aside what the
imports made (evplan.cli.collector); in-process callers get the collector back as it was."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from evplan.cli import main
from evplan.cli.collector import ImportsAside
from evplan.data import write_inputs
from evplan.examples import single_lane


def _run(*args: str) -> int:
    with pytest.raises(SystemExit) as done:
        _main(list(args))
    return int(done.value.code or 0)


def _main(args: list[str]) -> None:
    import sys

    saved = sys.argv
    sys.argv = ["evplan", *args]
    try:
        main()
    finally:
        sys.argv = saved


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:  # as it was before the test, whatever the test left
        gc.enable()
    else:
        gc.disable()


def test_a_run_in_process_gives_the_collector_back(tmp_path: Path,
                                                    collector_enabled: None) -> None:
    inputs = write_inputs(single_lane(), tmp_path / "inputs")
    assert _run("run", str(inputs), "-o", str(tmp_path / "out"), "--no-record") == 0
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_refused_run_gives_the_collector_back(tmp_path: Path,
                                                collector_enabled: None) -> None:
    assert _run("run", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out")) == 1
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_paused_collector_stays_paused(collector_enabled: None) -> None:
    gc.disable()
    aside = ImportsAside()
    aside.imported()
    assert not gc.isenabled() and gc.get_freeze_count() == 0
    aside.release()
    assert not gc.isenabled()


def test_objects_someone_else_froze_are_left_frozen(collector_enabled: None) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        aside = ImportsAside()
        assert gc.isenabled()  # not paused: the other freeze is not ours to undo
        aside.imported()
        aside.release()
        assert gc.get_freeze_count() == frozen and gc.isenabled()
    finally:
        gc.unfreeze()


def test_the_collector_is_paused_until_the_imports_are_done(collector_enabled: None) -> None:
    aside = ImportsAside()
    try:
        assert not gc.isenabled()
        aside.imported()
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        aside.release()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_the_tests_leave_the_collector_on() -> None:
    """The tests above disable the collector on purpose; their fixture turns it back on
    (it did not, and every later test of a full run ran without it)."""
    assert gc.isenabled()


def test_an_import_that_fails_gives_the_collector_back(tmp_path: Path, collector_enabled: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "evplan.summary", None)  # `from evplan.summary` fails
    with pytest.raises(ImportError):
        _main(["run", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out")])
    assert gc.isenabled() and gc.get_freeze_count() == 0
