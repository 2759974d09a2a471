"""``project_fleet(result, programs=data.tables['programs'])``, as its docstring says, works
and names the inputs' own rows (helper-93: it raised pandas' "cannot insert row, already
exists", the table evplan read having a ``row`` column)."""

from __future__ import annotations

import pytest

import evplan
import evplan.fleet
from evplan.errors import InputError
from evplan.examples import single_lane


def test_a_programs_table_evplan_read_is_accepted_and_keeps_its_rows() -> None:
    data = single_lane(first_year=2025, last_year=2026)
    result = evplan.optimize(data)
    programs = data.tables["programs"]
    assert "row" in programs.columns
    fleet = evplan.fleet.project_fleet(result, programs=programs)
    assert len(fleet.tables) > 0
    broken = programs.copy()
    broken.loc[broken.index[0], "battery_kwh"] = -5.0
    with pytest.raises(InputError, match=rf"row {int(programs['row'].iloc[0])}, program "):
        evplan.fleet.project_fleet(result, programs=broken)
