"""``evplan compare`` on the command line: two or more runs, run folders, a store left alone.

An outside audit (session 18) found ``evplan compare RUN`` with one run id ran and said
"427 more KPI rows differ between the runs" (one run differs from nothing), and that a run
folder given in place of its run id was "a run id that matches no run".
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import evplan
from evplan.cli import app
from evplan.scenarios import run_scenario
from evplan.scenarios.overrides import Catalog


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A store with two runs of two small random networks."""
    path = tmp_path_factory.mktemp("compare") / "evplan.duckdb"
    ids = []
    for seed in (1, 2):
        _, run_id = run_scenario("base", evplan.examples.random_network(seed), store=path,
                                 catalog=Catalog())
        assert run_id is not None
        ids.append(run_id)
    return path, ids


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_one_run_is_refused_and_the_store_is_unchanged(store: tuple[Path, list[str]]) -> None:
    path, (first, _) = store
    before = _digest(path)
    result = CliRunner().invoke(app, ["compare", first, "--store", str(path)])
    assert result.exit_code == 1
    assert "compare needs two or more runs" in result.output
    assert "differ" not in result.output
    assert _digest(path) == before


def test_a_run_folder_stands_for_its_run(store: tuple[Path, list[str]], tmp_path: Path
                                         ) -> None:
    path, (first, second) = store
    folder = tmp_path / "run-a"
    folder.mkdir()
    (folder / ".evplan-run").write_text(json.dumps({"evplan_run": 1, "kind": "run",
                                                    "run_id": first}), encoding="utf-8")
    # a unique prefix: two runs recorded in the same second share their first 15 characters
    by_folder = CliRunner().invoke(app, ["compare", str(folder), second[:-3],
                                         "--store", str(path)])
    by_id = CliRunner().invoke(app, ["compare", first, second, "--store", str(path)])
    assert by_folder.exit_code == 0, by_folder.output
    assert by_folder.output == by_id.output
    assert first in by_folder.output and second in by_folder.output


def test_a_folder_that_is_not_a_run_folder_is_refused(store: tuple[Path, list[str]],
                                                       tmp_path: Path) -> None:
    path, (first, _) = store
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    before = _digest(path)
    result = CliRunner().invoke(app, ["compare", str(tmp_path), first, "--store", str(path)])
    assert result.exit_code == 1
    assert "is a folder, not a run id, and not a run folder" in result.output
    assert _digest(path) == before
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
