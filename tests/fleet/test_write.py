"""Fleet and charging tables replace only files evplan wrote (their manifests list them)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evplan.errors import OutputError
from evplan.fleet import FleetOptions, project_fleet
from evplan.fleet.write import write_fleet, write_tables, written_files


def _fleet():  # type: ignore[no-untyped-def]
    history = pd.DataFrame({"market": "TH", "year": [2020, 2021], "powertrain": "BEV",
                            "sales_vehicles": 100.0})
    return project_fleet(history=history, options=FleetOptions(years_after_plan=1))


def test_a_users_file_of_a_table_name_is_refused_and_nothing_is_written(
        tmp_path: Path) -> None:
    """Audit 4: write_fleet replaced any fleet.csv in the folder, the user's too."""
    mine = tmp_path / "fleet.csv"
    mine.write_text("my,own\n1,2\n", encoding="utf-8")
    with pytest.raises(OutputError, match=r"holds fleet\.csv, which evplan did not write"):
        write_fleet(_fleet(), tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fleet.csv"]
    assert mine.read_text(encoding="utf-8") == "my,own\n1,2\n"


def test_evplans_own_tables_are_replaced_and_listed_by_the_manifest(tmp_path: Path) -> None:
    fleet = _fleet()
    first = write_fleet(fleet, tmp_path)
    assert write_fleet(fleet, tmp_path) == first  # its own files: replaced
    (tmp_path / "fleet_notes.csv").write_text("mine\n", encoding="utf-8")
    (tmp_path / "charging_notes.csv").write_text("mine\n", encoding="utf-8")
    owned = written_files(tmp_path, "fleet", "charging")
    assert {path.name for path in first} | {"fleet.json"} == owned
    assert "fleet_notes.csv" not in owned and "charging_notes.csv" not in owned
    with pytest.raises(OutputError, match=r"charging_notes\.csv"):
        write_tables({"notes": pd.DataFrame({"a": [1]})}, tmp_path, "charging", {})


def test_the_refusal_names_the_run_folder_not_its_staging_copy(tmp_path: Path) -> None:
    """Audit fcr-2: the commands write into a hidden staging copy ``.<name>.<token>.tmp``
    of the run folder, and the refusal named that copy (`evplan recycling` said
    '.../.china-export.22723-3714984-0c65b359.tmp holds recycling_summary.csv')."""
    staging = tmp_path / ".china-export.22723-3714984-0c65b359.tmp"
    staging.mkdir()
    (staging / "fleet.csv").write_text("my,own\n", encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        write_fleet(_fleet(), staging)
    assert str(caught.value).startswith(f"evplan: {tmp_path / 'china-export'} holds fleet.csv")
