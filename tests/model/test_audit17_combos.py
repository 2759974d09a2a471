"""Audit 17 (feature combinations): rules found by random networks that mix features.

Rules of origin with kits from two origins whose kit_duties rows name different
thresholds: the site's average is held to the strictest (docs/formulation.md, "Local
assembly and rules of origin"), the threshold the plan check applies.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import evplan

TABLES = {
    "plants": [{"plant": "P1", "country": "AA", "capacity_vehicles_per_year": 1000.0},
               {"plant": "P2", "country": "BB", "capacity_vehicles_per_year": 1000.0}],
    "programs": [{"program": "V1", "powertrain": "BEV", "segment": "C", "maker": "Mk"}],
    "plant_programs": [{"plant": "P1", "program": "V1", "variable_cost_usd_per_vehicle": 10_000.0},
                       {"plant": "P2", "program": "V1", "variable_cost_usd_per_vehicle": 8_000.0}],
    "markets": [{"market": "M1", "country": "CC", "customs_basis": "CIF"}],
    # built-up lanes exist but never pay (freight above the price)
    "routes": [{"plant": p, "market": "M1", "freight_usd_per_vehicle": 100_000.0}
               for p in ("P1", "P2")],
    "duties": [{"origin": o, "market": "M1", "powertrain": "*", "ad_valorem_rate": 0.1}
               for o in ("AA", "BB")],
    "demand": [{"market": "M1", "year": 2025, "product": "V1", "tier": 1,
                "volume_vehicles": 400.0, "price_usd_per_vehicle": 20_000.0}],
    "assembly_sites": [{"site": "S1", "market": "M1", "capacity_vehicles_per_year": 400.0,
                        "existing": "yes"}],
    "kit_routes": [{"plant": "P1", "site": "S1", "kit": "CKD", "kit_value_share": 0.5,
                    "freight_usd_per_vehicle": 0.0, "assembly_cost_usd_per_vehicle": 5_000.0},
                   {"plant": "P2", "site": "S1", "kit": "SKD", "kit_value_share": 0.9,
                    "freight_usd_per_vehicle": 0.0, "assembly_cost_usd_per_vehicle": 1_000.0}],
    "kit_duties": [{"origin": "AA", "market": "M1", "powertrain": "*", "kit_duty_rate": 0.3,
                    "preferential_rate": 0.0, "rvc_threshold": 0.2},
                   {"origin": "BB", "market": "M1", "powertrain": "*", "kit_duty_rate": 0.3,
                    "preferential_rate": 0.0, "rvc_threshold": 0.5}],
}


def write(folder: Path) -> Path:
    folder.mkdir()
    (folder / "scenario.yaml").write_text("name: rvc-two-origins\nfirst_year: 2025\n"
                                          "last_year: 2025\n", encoding="utf-8")
    for name, rows in TABLES.items():
        pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)
    return folder


def test_kits_from_origins_with_different_thresholds_meet_the_strictest(tmp_path: Path
                                                                        ) -> None:
    # A P1 kit (AA): value 5,000, assembly (local content) 5,000: RVC 0.5, costs 10,000
    # with the preference, 11,500 without. A P2 kit (BB): value 7,200, assembly 1,000:
    # RVC 1,000 / 8,200 = 0.122, costs 8,200 with the preference, 10,360 without.
    # Each kit's own threshold (0.2 and 0.5) let the LP mix 203.3 P1 and 196.7 P2 kits
    # at 0 % (average RVC 0.31, below BB's 0.5): the plan check refused it (exit 4).
    # Held to 0.5, preferential kits are P1's only: 400 x (20,000 - 10,000) = 4,000,000
    # against 400 x (20,000 - 10,360) = 3,856,000 for P2 kits at the full rate.
    result = evplan.optimize(evplan.load(write(tmp_path / "inputs")))
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(4_000_000.0)
    kits = result["kit_shipments"].groupby("plant")[["kits", "preferential_kits"]].sum()
    assert kits.loc["P1"].tolist() == pytest.approx([400.0, 400.0])
    assert kits.loc["P2", "kits"] == pytest.approx(0.0)
