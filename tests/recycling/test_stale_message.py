"""The line that says a folder's recycling tables were removed reads as a sentence when they
cannot be read (helper-90: "they were planned on tables that cannot be read to recycling")."""

from __future__ import annotations

from pathlib import Path

import pytest

from evplan.cli.endoflife import _recycling_stale
from evplan.fleet import write as fleet_write


def test_unreadable_recycling_tables_are_named_so(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "recycling_material_flows.parquet").write_bytes(b"not parquet")
    monkeypatch.setattr(fleet_write, "written_files",
                        lambda root, command: {"recycling_material_flows.parquet"})
    line = _recycling_stale(tmp_path, None, fleet=None)
    assert line == ("The recycling tables were removed: they cannot be read to check them "
                    "against this fleet. Run evplan recycling again, with this command's "
                    "fleet options, for recycling on this fleet.")


def _packs(tonnes: float) -> dict[str, object]:
    import pandas as pd

    return {"pack_end_of_life": pd.DataFrame({
        "market": ["EU"], "year": [2035], "chemistry": ["LFP"], "route": ["recycling"],
        "kwh": [tonnes * 1e4], "tonnes": [tonnes]})}


def test_a_folder_fleet_without_tables_of_the_users_own_asks_to_run_fleet_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A strategic run folder whose fleet an older evplan projected (kits left out) differs
    from the fleet recycling projects now: the message no longer says the user gave other
    inputs; it says to run evplan fleet again first (helper-90)."""
    from evplan.recycling.scenario import folder_fleet_problem

    _packs(5.0)["pack_end_of_life"].to_parquet(  # type: ignore[attr-defined]
        tmp_path / "fleet_pack_end_of_life.parquet")
    monkeypatch.setattr(fleet_write, "written_files",
                        lambda root, command: {"fleet_pack_end_of_life.parquet"})
    problem = folder_fleet_problem(tmp_path, _packs(7.0))
    assert problem is not None
    assert "5.0 t of packs to recycling in all, the fleet projected for this plan 7.0 t" in (
        problem.message)
    assert ("The folder's fleet was projected with other options or by an older evplan. Run "
            "evplan fleet again on the folder (with the options wanted)") in problem.message
    assert folder_fleet_problem(tmp_path, _packs(5.0)) is None
