"""A study in this process sets aside the heap it held before (evplan.scenarios.worker.
frozen_heap) while it runs, and gives it back when it ends, however it ends."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from evplan.examples import single_lane
from evplan.scenarios import runners
from evplan.scenarios.cases import Case
from evplan.scenarios.worker import Solver, frozen_heap
from tests.test_collector import collector_enabled  # noqa: F401  (the fixture below)

pytestmark = pytest.mark.usefixtures("collector_enabled")  # the collector on, then as it was


def test_frozen_while_the_study_runs_and_given_back() -> None:
    with frozen_heap():
        assert gc.get_freeze_count() > 0 and gc.isenabled()
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_given_back_when_the_study_fails() -> None:
    with pytest.raises(KeyboardInterrupt), frozen_heap():
        raise KeyboardInterrupt
    assert gc.get_freeze_count() == 0


def test_a_freeze_made_by_someone_else_is_left_alone() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with frozen_heap():
            pass
        assert gc.get_freeze_count() == frozen  # not unfrozen: not ours
    finally:
        gc.unfreeze()


def test_a_disabled_collector_is_not_touched() -> None:
    gc.disable()
    with frozen_heap():
        assert gc.get_freeze_count() == 0 and not gc.isenabled()
    assert not gc.isenabled()


def test_run_cases_solves_with_the_heap_set_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    class Watching(Solver):
        def solve(self, *args: Any, **kwargs: Any) -> Any:
            seen.append(gc.get_freeze_count())
            return super().solve(*args, **kwargs)

    monkeypatch.setattr(runners, "Solver", Watching)
    study = runners.run_cases(single_lane(), [Case(0, "base", {}, ())], workers=1)
    assert study.cases["status"].tolist() == ["optimal"]
    assert seen and all(count > 0 for count in seen)
    assert gc.get_freeze_count() == 0
