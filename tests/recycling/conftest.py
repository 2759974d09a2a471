"""Hand-checkable recycling networks built in code (no downloads, no default data)."""

from __future__ import annotations

import pandas as pd
import pytest

from evplan.highs import SolverOptions
from evplan.recycling import RecyclingOptions

EXACT = SolverOptions(mip_gap=1e-9)


def tiny_tables(*, a_processes: str = "*", capacity: float = 1000.0,
                lithium_price: float = 50_000.0, eu: bool = False,
                targets: list[tuple[str, str, int, float]] | None = None,
                ) -> dict[str, pd.DataFrame]:
    """One collection point P, plants A (100 km) and B (300 km), processes pyro and hydro.

    Chemistry X: 10 kg/kWh, of which nickel 5 (share 0.5), lithium 1 (0.1), the rest other.
    pyro recovers 90 % of nickel, hydro 90 % of nickel and lithium. Nickel 10,000 USD/t.
    Per tonne: pyro value 4,500, cost 100; hydro value 4,500 + 0.09 x lithium price, cost
    500; transport 1 USD/t-km. One tier, capital 100,000 (rate 0, life 1: the yearly cost).
    """
    return {
        "materials": pd.DataFrame({"chemistry": ["X", "X"], "material": ["nickel", "lithium"],
                                   "kg_per_kwh": [5.0, 1.0]}),
        "packs": pd.DataFrame({"chemistry": ["X"], "pack_kg_per_kwh": [10.0]}),
        "processes": pd.DataFrame({"process": ["pyro", "hydro"],
                                   "processing_usd_per_tonne": [100.0, 500.0]}),
        "recovery": pd.DataFrame({"process": ["pyro", "pyro", "hydro", "hydro"],
                                  "material": ["nickel", "lithium", "nickel", "lithium"],
                                  "recovery": [0.9, 0.0, 0.9, 0.9]}),
        "prices": pd.DataFrame({"material": ["nickel", "lithium"],
                                "usd_per_tonne": [10_000.0, lithium_price]}),
        "plant_tiers": pd.DataFrame({"tier": ["one"], "capacity_tonnes_per_year": [capacity],
                                     "capital_usd": [100_000.0], "fixed_usd_per_year": [0.0],
                                     "life_years": [1.0]}),
        "collection_points": pd.DataFrame({"collection_point": ["P"], "region": ["R"],
                                           "eu": [eu], "lat": [0.0], "lon": [0.0]}),
        "candidate_plants": pd.DataFrame({"plant": ["A", "B"], "region": ["R", "R"],
                                          "eu": [eu, eu], "lat": [0.0, 0.0], "lon": [1.0, 2.0],
                                          "processes": [a_processes, "*"]}),
        "lanes": pd.DataFrame({"from": ["P", "P"], "to": ["A", "B"], "allowed": [True, True],
                               "mode": ["road", "road"], "distance_km": [100.0, 300.0]}),
        "transport": pd.DataFrame({"mode": ["road"], "usd_per_tonne_km": [1.0],
                                   "handling_usd_per_tonne": [0.0], "circuity": [1.0]}),
        "targets": pd.DataFrame(targets or [], columns=["target", "material", "from_year",
                                                        "share"]),
    }


def retired(tonnes: float, year: int = 2030) -> pd.DataFrame:
    """Retired packs of chemistry X at P (kWh = tonnes x 100)."""
    return pd.DataFrame({"collection_point": ["P"], "year": [year], "chemistry": ["X"],
                         "kwh": [tonnes * 100.0]})


@pytest.fixture
def exact_options() -> RecyclingOptions:
    """No discounting, no storage, no explanation run: objectives are hand sums."""
    return RecyclingOptions(discount_rate=0.0, max_storage_years=0, explain_targets=False,
                            build_every_years=1, solver=EXACT)
