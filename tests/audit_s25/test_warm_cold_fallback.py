"""Cases the warm model cannot represent are solved cold, with the cold answer (helper-94).

docs/formulation.md: a warm case stays warm only while the compliance inputs (the seven
tables, lane CO2, battery sizes, powertrains, countries) and the structure (flows, sales,
rows) are the base's; any other case is built and solved cold and ``solve_mode`` says why.
Each case here must say ``cold: ...`` and equal :func:`evplan.optimize` on the same inputs.
"""

from __future__ import annotations

import pytest

from evplan.examples import china_export
from evplan.scenarios import Patch

from .warm_compare import DUALS, Audit

CASES = {
    "carbon price": [Patch("carbon_prices", set={"carbon_price_usd_per_t": 100.0})],
    "fleet target": [Patch("fleet_targets", scale={"target_g_per_km": 1.2})],
    "zev share": [Patch("zev_mandates", scale={"zev_share": 0.5})],
    "grid intensity": [Patch("grid_intensity", scale={"grid_g_co2_per_kwh": 0.5})],
    "battery size": [Patch("programs", where={"program": ("LEAF",)},
                           scale={"battery_kwh": 1.2})],
    "lane co2": [Patch("routes", scale={"co2_kg_per_vehicle": 2.0})],
    "lane capacity added": [Patch("routes", where={"plant": ("CN-HUA",)},
                                  set={"capacity_vehicles_per_year": 20000.0})],
    "plant closed": [Patch("plants", where={"plant": ("GB-SUN",)}, set={"last_year": 2027})],
}


@pytest.fixture(scope="module")
def audit() -> Audit:
    return Audit(china_export())


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_unrepresentable_case_is_solved_cold_and_equals_cold(audit: Audit, name: str) -> None:
    # cells=False: the default inputs hold twin plants at equal cost (a documented tie)
    assert audit.check(CASES[name], name, DUALS | {"in_quota_vehicles"}, cells=False) == []
    assert audit.modes[-1].startswith("cold: "), audit.modes[-1]
