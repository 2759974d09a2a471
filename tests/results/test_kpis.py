"""``exports_by_origin`` has a row for every origin of a year's shipments, 0 where nothing
crosses a border (docs/outputs.md, "The KPI table").

Before, a country whose plants had no export lane yet had no row (CN in 2023 in
``china-export``) while a country whose export lanes carried nothing had a 0 row, so a
chart or a difference between runs read a missing value for one and 0 for the other."""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.examples import china_export
from evplan.results import compute_kpis
from evplan.verify.derived import kpi_problems


def _tables() -> dict[str, pd.DataFrame]:
    """Plants in CN (home market only in 2030, an export lane to EU in 2031) and JP (its
    export lane ships nothing in 2030, 50 vehicles in 2031)."""
    shipments = pd.DataFrame({
        "year": [2030, 2030, 2031, 2031, 2031],
        "origin": ["CN", "JP", "CN", "CN", "JP"],
        "market": ["CN", "EU", "CN", "EU", "EU"],
        "export": [False, True, False, True, True],
        "shipment_vehicles": [100.0, 0.0, 80.0, 30.0, 50.0],
        "duty_usd": [0.0, 0.0, 0.0, 300.0, 500.0]})
    sales = pd.DataFrame({"year": [2030, 2030, 2031, 2031], "market": ["CN", "EU", "CN", "EU"],
                          "sales_vehicles": [100.0, 0.0, 80.0, 80.0]})
    utilisation = pd.DataFrame({"year": [2030, 2030, 2031, 2031],
                                "plant": ["C", "J", "C", "J"],
                                "country": ["CN", "JP", "CN", "JP"],
                                "production_vehicles": [100.0, 0.0, 110.0, 50.0],
                                "capacity_vehicles_per_year": [200.0, 100.0, 200.0, 100.0]})
    margin = pd.DataFrame({"year": [2030, 2031], "plant": ["C", "C"],
                           "margin_usd": [1.0, 2.0]})
    return {"sales": sales, "shipments": shipments, "utilisation": utilisation,
            "margin_by_plant": margin}


def test_every_origin_has_an_exports_row_each_year_zero_without_exports() -> None:
    tables = _tables()
    kpis = compute_kpis(tables)
    exports = kpis[kpis["kpi"] == "exports_by_origin"]
    assert list(zip(exports["year"], exports["key"], exports["value"], strict=True)) == [
        (2030, "CN", 0.0), (2030, "JP", 0.0), (2031, "CN", 30.0), (2031, "JP", 50.0)]
    assert (exports["unit"] == "vehicles").all()
    shares = kpis[kpis["kpi"] == "sales_share_by_origin"]
    assert list(zip(exports["year"], exports["key"], strict=True)) == list(
        zip(shares["year"], shares["key"], strict=True))
    # the certificate re-derives the same rows, and still misses a dropped 0 row
    assert kpi_problems(kpis, tables) == []
    dropped = kpis.drop(index=exports.index[0])
    assert kpi_problems(dropped, tables) == ["kpis: row exports_by_origin/2030/CN is missing."]


@pytest.fixture(scope="module")
def default_kpis() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The default scenario's KPIs, solved cold and by a warm model (evplan sweep's path)."""
    from evplan.scenarios import WarmModel

    data = china_export()
    cold = evplan.optimize(data)
    hot = WarmModel(data)
    hot.solve(data)
    warm = hot.solve(data)  # the second solve fills the KPIs from the templates
    assert warm.metadata["solve_mode"] == "warm" and hot._templates is not None
    return cold.kpis, warm.kpis


def test_the_default_scenario_has_china_s_2023_row_cold_and_warm(
        default_kpis: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    for kpis in default_kpis:
        exports = kpis[kpis["kpi"] == "exports_by_origin"].set_index(["year", "key"])["value"]
        shares = kpis[kpis["kpi"] == "sales_share_by_origin"].set_index(["year", "key"])
        assert exports.index.equals(shares.index)
        assert len(exports) == 8 * 8  # 8 producing countries x 2023-2030
        assert exports[(2023, "CN")] == 0.0 and exports[(2024, "CN")] == 0.0
        assert exports[(2030, "CN")] > 300_000
    cold, warm = default_kpis
    columns = ["kpi", "year", "key"]
    pd.testing.assert_frame_equal(cold[columns].reset_index(drop=True),
                                  warm[columns].reset_index(drop=True))
    assert warm["value"].to_numpy() == pytest.approx(cold["value"].to_numpy(), rel=1e-9,
                                                     abs=1e-6)
