"""Hand-built strategic networks for the hand-solvable tests (tables as plain dicts)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from evplan.data import NetworkData, validate_tables


def two_plants(*, years: int = 1, demand: float | list[float] = 600.0, price: float = 20_000.0,
               costs: tuple[float, float] = (10_000.0, 12_000.0),
               capacities: tuple[float, float] = (1_000.0, 1_000.0),
               fixed: tuple[float, float] = (2_000_000.0, 1_500_000.0),
               market_country: str = "AA", duty: float = 0.0, extra: Mapping[str, object]
               | None = None, scenario: Mapping[str, object] | None = None) -> NetworkData:
    """Plants P1, P2 (country AA) build V1 (BEV) for market M1; freight 1,000 on each lane."""
    year_list = list(range(2025, 2025 + years))
    volumes = demand if isinstance(demand, list) else [demand] * years
    tables: dict[str, pd.DataFrame] = {
        "plants": pd.DataFrame({"plant": ["P1", "P2"], "country": ["AA", "AA"],
                                "capacity_vehicles_per_year": list(capacities),
                                "fixed_cost_usd_per_year": list(fixed)}),
        "programs": pd.DataFrame({"program": ["V1"], "powertrain": ["BEV"], "segment": ["C"],
                                  "maker": ["Maker"]}),
        "plant_programs": pd.DataFrame({"plant": ["P1", "P2"], "program": ["V1", "V1"],
                                        "variable_cost_usd_per_vehicle": list(costs)}),
        "markets": pd.DataFrame({"market": ["M1"], "country": [market_country]}),
        "demand": pd.DataFrame({"market": "M1", "year": year_list, "product": "V1", "tier": 1,
                                "volume_vehicles": volumes, "price_usd_per_vehicle": price}),
        "routes": pd.DataFrame({"plant": ["P1", "P2"], "market": ["M1", "M1"],
                                "freight_usd_per_vehicle": [1_000.0, 1_000.0]}),
        "duties": pd.DataFrame({"origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
                                "ad_valorem_rate": [duty]}),
    }
    for name, frame in (extra or {}).items():
        tables[name] = pd.DataFrame(frame)
    settings = {"name": "two-plants (synthetic)", "first_year": 2025,
                "last_year": year_list[-1], **(scenario or {})}
    return validate_tables(tables, settings)
