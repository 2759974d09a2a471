"""A warm study case records its programs' pack sizes, as a cold solve does (helper-105, s26).

Finding: ``WarmModel.solve`` built the Result's metadata without ``battery_kwh_by_program``,
so ``project_fleet`` on a warm case (a study's or break-even's Result) fell back to the
powertrain defaults while the same case solved cold used the programs' own packs.
"""

from __future__ import annotations

import evplan
from evplan.examples import china_export
from evplan.fleet import project_fleet
from evplan.results.run_files import PACK_SIZES_KEY
from evplan.scenarios import Patch, WarmModel, apply_patches


def test_a_warm_case_records_the_pack_sizes_of_its_own_programs() -> None:
    data = china_export()
    warm = WarmModel(data)
    warm.solve(data)
    less_eu = apply_patches(data, [Patch("demand", where={"market": ("EU",)},
                                         set={"volume_vehicles": 1000.0})]).data
    hot = warm.solve(less_eu)
    assert hot.metadata["solve_mode"] == "warm"
    programs = less_eu.tables["programs"]
    expected = {str(p): float(k) for p, k in zip(programs["program"], programs["battery_kwh"],
                                                  strict=True)}
    assert dict(hot.metadata[PACK_SIZES_KEY]) == expected
    assert dict(evplan.optimize(less_eu).metadata[PACK_SIZES_KEY]) == expected
    said = " ".join(project_fleet(hot).assumptions)
    assert "powertrain defaults" not in said, said
