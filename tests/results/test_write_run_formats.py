"""``write_run`` (public, beside ``write_result``) refuses formats it does not write too: it
wrote a run folder with no table file for ``formats=("xlsx",)`` (helper-83)."""

from __future__ import annotations

from pathlib import Path

import pytest

import evplan
from evplan.examples import single_lane
from evplan.outputs import new_folder_target
from evplan.outputs.marker import new_run_id
from evplan.results.write import write_run


@pytest.mark.parametrize("formats", [("xlsx",), ()])
def test_write_run_refuses_a_folder_without_tables(tmp_path: Path,
                                                   formats: tuple[str, ...]) -> None:
    result = evplan.optimize(single_lane())
    target = new_folder_target(tmp_path / "run", "run")
    with pytest.raises(ValueError, match=r"^write_run: formats"):
        write_run(result, target, run_id=new_run_id(), formats=formats)
    assert list(tmp_path.iterdir()) == []


def test_write_run_takes_one_format_as_a_str(tmp_path: Path) -> None:
    result = evplan.optimize(single_lane())
    folder = write_run(result, new_folder_target(tmp_path / "run", "run"),
                       run_id=new_run_id(), formats="csv")
    assert sorted(path.stem for path in folder.glob("*.csv")) == sorted([*result.tables,
                                                                         "kpis"])
